import {
  AttachGroupPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  SetDefaultPolicyVersionCommand,
  paginateListEntitiesForPolicy,
  type IAMClient,
} from '@aws-sdk/client-iam';
import * as z from 'zod';
import { NOT_FOUND, ignoreCodes } from '../aws/aws-errors.js';
import { defineAccountKind, type AccountApplyContext } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import type { Change, FieldChange, Unmanaged } from '../core/plan.js';
import { MANAGED_BY_TAG } from '../core/reconcile.js';
import { sameValue } from '../core/values.js';
import { iamAdminSection } from './iam-admin-user.js';
import { ALREADY_EXISTS, POLICY_MARKER, authorizationDetails, fetchAuthorizationDetails, findPolicyByName, iamAddress, managedPolicies, sameName, type AuthorizationDetails, type IamPolicyView, AUTHORIZATION_DETAILS_READ } from './iam-reads.js';

/** IAM keeps at most five versions of a managed policy. */
export const MAX_POLICY_VERSIONS = 5;

const SELF = 'arn:aws:iam::*:user/${aws:username}';

/**
 * AWS's "self-manage an MFA device" policy (IAM User Guide, reference_policies_examples_iam_mfa-selfmanage),
 * plus changing one's own password, which a user with PasswordResetRequired must do first: while the
 * session has no MFA, everything else is denied.
 */
export function mfaPolicyDocument(): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AllowViewAccountInfo', Effect: 'Allow', Action: ['iam:GetAccountPasswordPolicy', 'iam:ListUsers', 'iam:ListVirtualMFADevices'], Resource: '*' },
      { Sid: 'AllowCreateVirtualMFADevice', Effect: 'Allow', Action: ['iam:CreateVirtualMFADevice'], Resource: 'arn:aws:iam::*:mfa/*' },
      {
        Sid: 'AllowManageOwnPasswordAndMFA',
        Effect: 'Allow',
        Action: ['iam:ChangePassword', 'iam:EnableMFADevice', 'iam:GetMFADevice', 'iam:GetUser', 'iam:ListMFADevices', 'iam:ResyncMFADevice'],
        Resource: SELF,
      },
      {
        Sid: 'AllowDeactivateOwnMFAOnlyWithMFA',
        Effect: 'Allow',
        Action: ['iam:DeactivateMFADevice'],
        Resource: SELF,
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
      {
        Sid: 'DenyAllExceptListedIfNoMFA',
        Effect: 'Deny',
        NotAction: [
          'iam:ChangePassword',
          'iam:CreateVirtualMFADevice',
          'iam:EnableMFADevice',
          'iam:GetAccountPasswordPolicy',
          'iam:GetMFADevice',
          'iam:GetUser',
          'iam:ListMFADevices',
          'iam:ListUsers',
          'iam:ListVirtualMFADevices',
          'iam:ResyncMFADevice',
          'sts:GetSessionToken',
        ],
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    ],
  };
}

const DESCRIPTION = `${POLICY_MARKER} denies everything but changing one's password and setting up MFA until the user signs in with MFA.`;

export interface MfaPolicyWant {
  name: string;
  /** The group it is attached to (the admin group). */
  group: string;
  document: Record<string, unknown>;
}

interface PolicyState {
  name: string;
  arn: string;
  /** The default version's document, parsed. */
  document: unknown;
  attachedGroups: string[];
}

export interface MfaPolicyHave {
  policy?: PolicyState;
  /** Policies lz manages that the file no longer names (requireMfa false, another name, iamAdmin null). */
  retired: PolicyState[];
}

const KIND = 'mfa-policy';

const document = z.record(z.string(), z.unknown());

/**
 * Apply's instruction: the policy to create and attach; for an update, the policy to attach, and the
 * document to make its default version when that differs; the policy to detach everywhere and delete.
 */
const payload = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('create'), name: z.string(), group: z.string(), document }),
  z.strictObject({ op: z.literal('update'), name: z.string(), arn: z.string(), group: z.string(), document: document.optional() }),
  z.strictObject({ op: z.literal('delete'), name: z.string(), arn: z.string() }),
]);
type Payload = z.output<typeof payload>;

function stateOf(details: AuthorizationDetails, p: IamPolicyView): PolicyState {
  const def = p.versions.find((v) => v.isDefault) ?? p.versions.find((v) => v.id === p.defaultVersionId);
  return {
    name: p.name,
    arn: p.arn,
    document: def?.document ?? null,
    attachedGroups: details.groups.filter((g) => g.attachedPolicies.some((a) => a.arn === p.arn)).map((g) => g.name),
  };
}

export const mfaPolicy = defineAccountKind<MfaPolicyWant, MfaPolicyHave, Payload>({
  kind: KIND,
  permissions: {
    account: [
      AUTHORIZATION_DETAILS_READ,
      reads('iam:ListEntitiesForPolicy'),
      writes(
        'iam:CreatePolicy',
        'iam:CreatePolicyVersion',
        'iam:SetDefaultPolicyVersion',
        'iam:DeletePolicyVersion',
        'iam:AttachGroupPolicy',
        'iam:DetachGroupPolicy',
        'iam:DetachRolePolicy',
        'iam:DetachUserPolicy',
        'iam:DeletePolicy',
      ),
    ],
  },
  payload,

  desired(account) {
    const a = iamAdminSection.of(account);
    if (!a?.requireMfa) return undefined;
    return { name: a.mfaPolicyName, group: a.group, document: mfaPolicyDocument() };
  },

  async read(ctx, want) {
    const details = await authorizationDetails(ctx);
    const policy = want ? findPolicyByName(details, want.name) : undefined;
    // With requireMfa off, the policy the file still names (mfaPolicyName) is lz's too, marker or not.
    const iamAdmin = iamAdminSection.of(ctx.account);
    const named = iamAdmin && !want ? findPolicyByName(details, iamAdmin.mfaPolicyName) : undefined;
    const candidates = [...managedPolicies(details), ...(named ? [named] : [])];
    const retired = candidates.filter((p, i) => candidates.findIndex((q) => q.arn === p.arn) === i && (!want || !sameName(p.name, want.name)));
    return { ...(policy ? { policy: stateOf(details, policy) } : {}), retired: retired.map((p) => stateOf(details, p)) };
  },

  diff(want, have, input) {
    const account = input.account.name;
    const changes: Change<Payload>[] = [];
    const unmanaged: Unmanaged[] = [];
    const dependsOn = want ? [iamAddress.group(account)] : [];
    if (want && !have?.policy) {
      changes.push({
        address: iamAddress.mfaPolicy(account),
        kind: KIND,
        action: 'create',
        account,
        before: null,
        after: want,
        payload: { op: 'create', name: want.name, group: want.group, document: want.document },
        dependsOn,
      });
    } else if (want && have?.policy) {
      const p = have.policy;
      const fields: FieldChange[] = [];
      const documentDiffers = !sameValue(p.document, want.document);
      if (documentDiffers) fields.push({ field: 'document', before: p.document, after: want.document });
      if (!p.attachedGroups.some((g) => sameName(g, want.group))) fields.push({ field: 'attached to', before: null, after: want.group });
      if (fields.length > 0) {
        changes.push({
          address: iamAddress.mfaPolicy(account),
          kind: KIND,
          action: 'update',
          account,
          before: { arn: p.arn, document: p.document, attachedGroups: p.attachedGroups },
          after: want,
          fields,
          payload: { op: 'update', name: want.name, arn: p.arn, group: want.group, ...(documentDiffers ? { document: want.document } : {}) },
          ...(fields.some((f) => f.field === 'attached to') ? { dependsOn } : {}),
        });
      }
    }
    for (const p of have?.retired ?? []) {
      if (input.prune) {
        changes.push({
          address: iamAddress.retiredMfaPolicy(account, p.name),
          kind: KIND,
          action: 'delete',
          account,
          before: { name: p.name, arn: p.arn, attachedGroups: p.attachedGroups },
          after: null,
          payload: { op: 'delete', name: p.name, arn: p.arn },
        });
      } else {
        unmanaged.push({ address: iamAddress.retiredMfaPolicy(account, p.name), kind: KIND, description: `policy ${p.name} in ${account}${p.attachedGroups.length > 0 ? `, attached to ${p.attachedGroups.join(', ')}` : ''} (lz manages it; accounts.yaml no longer asks for it; --prune detaches and deletes it)`, prunable: true });
      }
    }
    return { changes, unmanaged };
  },

  async apply(ctx, { account = '', payload: p }) {
    if (p.op === 'delete') return deletePolicy(ctx, account, p);
    const iam = ctx.clients.iam;
    let arn: string | undefined;
    if (p.op === 'create') {
      ctx.progress(account, `creating policy ${p.name}`);
      const created = await ignoreCodes(
        iam.send(new CreatePolicyCommand({ PolicyName: p.name, PolicyDocument: JSON.stringify(p.document), Description: DESCRIPTION, Tags: [{ Key: MANAGED_BY_TAG, Value: KIND }] })),
        ALREADY_EXISTS,
      );
      // Made by an earlier run (or by hand) since the plan: adopt it, with lz's document.
      arn = created ? created.Policy?.Arn : await ensureDocument(iam, p.name, p.document);
    } else {
      arn = p.document ? await ensureDocument(iam, p.name, p.document) : p.arn;
    }
    if (!arn) throw new Error(`Policy ${p.name} was not found after it was created.`);
    await iam.send(new AttachGroupPolicyCommand({ GroupName: p.group, PolicyArn: arn }));
  },
});

/**
 * Makes lz's document the policy's default version, re-reading the versions live so a re-run never adds a
 * duplicate: the default already matches → nothing; another version matches → it becomes the default;
 * otherwise a new default version, after deleting the oldest non-default one when IAM's five are in use.
 */
async function ensureDocument(iam: IAMClient, name: string, document: Record<string, unknown>): Promise<string> {
  const details = await fetchAuthorizationDetails(iam, ['LocalManagedPolicy']);
  const policy = findPolicyByName(details, name);
  if (!policy) throw new Error(`Policy ${name} does not exist.`);
  const same = (doc: unknown) => sameValue(doc, document);
  if (policy.versions.some((v) => v.isDefault && same(v.document))) return policy.arn;
  const match = policy.versions.find((v) => same(v.document));
  if (match) {
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: policy.arn, VersionId: match.id }));
    return policy.arn;
  }
  if (policy.versions.length >= MAX_POLICY_VERSIONS) {
    const oldest = policy.versions.filter((v) => !v.isDefault).sort(byAge)[0];
    if (oldest) await iam.send(new DeletePolicyVersionCommand({ PolicyArn: policy.arn, VersionId: oldest.id }));
  }
  await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policy.arn, PolicyDocument: JSON.stringify(document), SetAsDefault: true }));
  return policy.arn;
}

/** Oldest first: by creation time, then by version number (v2 before v10). */
function byAge(a: IamPolicyView['versions'][number], b: IamPolicyView['versions'][number]): number {
  const t = (a.createDate?.getTime() ?? 0) - (b.createDate?.getTime() ?? 0);
  return t !== 0 ? t : Number(a.id.slice(1)) - Number(b.id.slice(1));
}

/** Detaches the policy from every user, group and role, deletes its other versions, deletes it. Gone already is done. */
async function deletePolicy(ctx: AccountApplyContext, account: string, policy: { name: string; arn: string }): Promise<void> {
  ctx.progress(account, `deleting policy ${policy.name}`);
  await ignoreCodes(dismantlePolicy(ctx.clients.iam, policy.arn), NOT_FOUND);
}

async function dismantlePolicy(iam: IAMClient, arn: string): Promise<void> {
  const gone = <T>(call: Promise<T>) => ignoreCodes(call, NOT_FOUND);
  for await (const page of paginateListEntitiesForPolicy({ client: iam }, { PolicyArn: arn })) {
    for (const g of page.PolicyGroups ?? []) await gone(iam.send(new DetachGroupPolicyCommand({ GroupName: g.GroupName, PolicyArn: arn })));
    for (const u of page.PolicyUsers ?? []) await gone(iam.send(new DetachUserPolicyCommand({ UserName: u.UserName, PolicyArn: arn })));
    for (const r of page.PolicyRoles ?? []) await gone(iam.send(new DetachRolePolicyCommand({ RoleName: r.RoleName, PolicyArn: arn })));
  }
  const details = await fetchAuthorizationDetails(iam, ['LocalManagedPolicy']);
  const policy = details.policies.find((p) => p.arn === arn);
  for (const v of policy?.versions.filter((x) => !x.isDefault) ?? []) await gone(iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v.id })));
  await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
}
