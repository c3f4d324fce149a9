import {
  AttachGroupPolicyCommand,
  CreateGroupCommand,
  DeleteGroupCommand,
  DeleteGroupPolicyCommand,
  DetachGroupPolicyCommand,
  RemoveUserFromGroupCommand,
  paginateGetGroup,
  paginateListAttachedGroupPolicies,
  paginateListGroupPolicies,
  type IAMClient,
} from '@aws-sdk/client-iam';
import * as z from 'zod';
import { NOT_FOUND, ignoreCodes } from '../aws/aws-errors.js';
import { defineAccountKind, type AccountApplyContext } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import type { Change, FieldChange, Unmanaged } from '../core/plan.js';
import { iamAdminSection } from './iam-admin-user.js';
import { ALREADY_EXISTS, authorizationDetails, findGroup, findPolicyByName, iamAddress, managedGroups, managedPolicies, sameName, type IamGroupView, AUTHORIZATION_DETAILS_READ } from './iam-reads.js';

/** The admin group: it exists with exactly the declared managed policies attached. */
export interface AdminGroupWant {
  name: string;
  /** Managed policy ARNs, sorted. */
  policies: string[];
}

interface GroupState {
  name: string;
  arn: string;
  /** Attached managed policy ARNs, sorted. */
  policies: string[];
  inlinePolicies: string[];
  members: string[];
}

export interface AdminGroupHave {
  group?: GroupState;
  /** ARNs on the group that another module owns (the MFA policy): neither compared nor reported here. */
  ownedElsewhere: string[];
  /** Groups lz manages that the file no longer names. */
  retired: GroupState[];
}

const KIND = 'iam-admin-group';

/** Apply's instruction: the group to create with its policies, the policies to attach and detach, or the group to delete. */
const payload = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('create'), group: z.string(), attach: z.array(z.string()) }),
  z.strictObject({ op: z.literal('update'), group: z.string(), attach: z.array(z.string()), detach: z.array(z.string()) }),
  z.strictObject({ op: z.literal('delete'), group: z.string() }),
]);
type Payload = z.output<typeof payload>;

function state(g: IamGroupView): GroupState {
  return { name: g.name, arn: g.arn, policies: g.attachedPolicies.map((p) => p.arn).sort(), inlinePolicies: g.inlinePolicies, members: g.members };
}

export const iamAdminGroup = defineAccountKind<AdminGroupWant, AdminGroupHave, Payload>({
  kind: KIND,
  permissions: { account: [AUTHORIZATION_DETAILS_READ, reads('iam:GetGroup', 'iam:ListAttachedGroupPolicies', 'iam:ListGroupPolicies'), writes('iam:CreateGroup', 'iam:AttachGroupPolicy', 'iam:DetachGroupPolicy', 'iam:DeleteGroupPolicy', 'iam:RemoveUserFromGroup', 'iam:DeleteGroup')] },
  payload,

  desired(account) {
    const a = iamAdminSection.of(account);
    if (!a) return undefined;
    return { name: a.group, policies: [...new Set(a.policies)].sort() };
  },

  async read(ctx, want) {
    const details = await authorizationDetails(ctx);
    const group = want ? findGroup(details, want.name) : undefined;
    const mfaName = iamAdminSection.of(ctx.account)?.mfaPolicyName;
    const mfa = mfaName ? findPolicyByName(details, mfaName) : undefined;
    const ownedElsewhere = [...managedPolicies(details).map((p) => p.arn), ...(mfa ? [mfa.arn] : [])];
    const retired = managedGroups(details).filter((g) => !want || !sameName(g.name, want.name));
    return { ...(group ? { group: state(group) } : {}), ownedElsewhere, retired: retired.map(state) };
  },

  diff(want, have, input) {
    const account = input.account.name;
    const changes: Change<Payload>[] = [];
    const unmanaged: Unmanaged[] = [];
    if (want && !have?.group) {
      changes.push({
        address: iamAddress.group(account),
        kind: KIND,
        action: 'create',
        account,
        before: null,
        after: { name: want.name, policies: want.policies },
        payload: { op: 'create', group: want.name, attach: want.policies },
      });
    } else if (want && have?.group) {
      const g = have.group;
      const relevant = g.policies.filter((arn) => !have.ownedElsewhere.includes(arn));
      const extras = relevant.filter((arn) => !want.policies.includes(arn));
      const missing = want.policies.filter((arn) => !relevant.includes(arn));
      const before = input.prune ? relevant : relevant.filter((arn) => want.policies.includes(arn));
      if (missing.length > 0 || (input.prune && extras.length > 0)) {
        const fields: FieldChange[] = [{ field: 'policies', before, after: want.policies }];
        changes.push({
          address: iamAddress.group(account),
          kind: KIND,
          action: 'update',
          account,
          before: { name: g.name, policies: before },
          after: { name: g.name, policies: want.policies },
          fields,
          payload: { op: 'update', group: g.name, attach: missing, detach: input.prune ? extras : [] },
        });
      }
      if (!input.prune) {
        for (const arn of extras) {
          unmanaged.push({ address: `${iamAddress.group(account)}.policy:${arn}`, kind: KIND, description: `policy ${arn} attached to group ${g.name} in ${account} (not in accounts.yaml; --prune detaches it)`, prunable: true });
        }
      }
      for (const name of g.inlinePolicies) {
        unmanaged.push({ address: `${iamAddress.group(account)}.inline:${name}`, kind: KIND, description: `inline policy ${name} on group ${g.name} in ${account} (lz manages managed policies only; left alone)` });
      }
    }
    for (const g of have?.retired ?? []) {
      if (input.prune) {
        // Users leave the group and the MFA policy is detached by their own deletes first, when planned.
        const dependsOn = [iamAddress.user(account), ...g.members.map((m) => iamAddress.retiredUser(account, m)), iamAddress.mfaPolicy(account), ...have!.ownedElsewhere.map((arn) => iamAddress.retiredMfaPolicy(account, arn.slice(arn.lastIndexOf('/') + 1)))];
        changes.push({
          address: iamAddress.retiredGroup(account, g.name),
          kind: KIND,
          action: 'delete',
          account,
          before: { name: g.name, policies: g.policies, members: g.members },
          after: null,
          payload: { op: 'delete', group: g.name },
          dependsOn,
        });
      } else {
        unmanaged.push({ address: iamAddress.retiredGroup(account, g.name), kind: KIND, description: `group ${g.name} in ${account} (lz manages it; accounts.yaml no longer names it; --prune deletes it)`, prunable: true });
      }
    }
    return { changes, unmanaged };
  },

  async apply(ctx, { account = '', payload: p }) {
    const iam = ctx.clients.iam;
    if (p.op === 'delete') return deleteGroup(ctx, account, p.group);
    if (p.op === 'create') {
      ctx.progress(account, `creating group ${p.group}`);
      // Made by an earlier run (or by hand) since the plan: adopt it.
      await ignoreCodes(iam.send(new CreateGroupCommand({ GroupName: p.group })), ALREADY_EXISTS);
    }
    for (const arn of p.attach) await iam.send(new AttachGroupPolicyCommand({ GroupName: p.group, PolicyArn: arn }));
    if (p.op === 'update') for (const arn of p.detach) await detachGroupPolicy(iam, p.group, arn);
  },
});

const detachGroupPolicy = (iam: IAMClient, group: string, arn: string) => ignoreCodes(iam.send(new DetachGroupPolicyCommand({ GroupName: group, PolicyArn: arn })), NOT_FOUND);

/** Detaches and deletes the group's policies, takes every member out, deletes it. Gone already is done. */
async function deleteGroup(ctx: AccountApplyContext, account: string, name: string): Promise<void> {
  ctx.progress(account, `deleting group ${name}`);
  await ignoreCodes(dismantleGroup(ctx.clients.iam, name), NOT_FOUND);
}

async function dismantleGroup(iam: IAMClient, name: string): Promise<void> {
  for await (const page of paginateListAttachedGroupPolicies({ client: iam }, { GroupName: name })) {
    for (const p of page.AttachedPolicies ?? []) await detachGroupPolicy(iam, name, p.PolicyArn!);
  }
  for await (const page of paginateListGroupPolicies({ client: iam }, { GroupName: name })) {
    for (const p of page.PolicyNames ?? []) await iam.send(new DeleteGroupPolicyCommand({ GroupName: name, PolicyName: p }));
  }
  const members: string[] = [];
  for await (const page of paginateGetGroup({ client: iam }, { GroupName: name })) members.push(...(page.Users ?? []).map((u) => u.UserName!));
  for (const m of members) await iam.send(new RemoveUserFromGroupCommand({ GroupName: name, UserName: m }));
  await iam.send(new DeleteGroupCommand({ GroupName: name }));
}
