import { MoveAccountCommand, ListParentsCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-organizations';
import * as z from 'zod';
import { isError } from '../aws/aws-errors.js';
import { defineOrganizationKind, type ApplyContext, type OrganizationPlanInput } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import { accountAddress, isClosedState, isReservedTag, type AccountMatch, type LiveAccount } from '../core/organization.js';
import type { Change, FieldChange, InProgress, Unmanaged } from '../core/plan.js';
import { tagDiff, type TagDiff } from '../core/reconcile.js';
import { createAccount, newAccountSchema, waitForAccessRole } from './account-creation.js';
import { ACCOUNT_PRINCIPAL, applyIdentity, identityPayload, identityPlan } from './account-identity.js';
import { billingAccessSection } from './billing-access.js';
import { unitAddress } from './organizational-units.js';
import { serviceAccess, serviceAccessAddress } from './trusted-access.js';

/** How the root of the organization is shown where a unit path would be. */
export const ROOT = '(root)';

/**
 * Apply's instruction: create the account (then move it out of the root), move and retag an existing one,
 * or rename it or start its root email change.
 */
const payload = z.union([
  z.strictObject({ create: newAccountSchema.extend({ unit: z.string().describe(`Unit path, or ${ROOT}`) }) }),
  z.strictObject({
    update: z.strictObject({
      accountId: z.string(),
      move: z.strictObject({ from: z.string(), to: z.string() }).optional(),
      tags: z.strictObject({ set: z.record(z.string(), z.string()), unset: z.array(z.string()) }),
    }),
  }),
  ...identityPayload.options,
]);
type Payload = z.output<typeof payload>;

/**
 * Each declared account exists, sits in its declared unit, carries its declared tags and has the declared
 * name and root email (account-identity.ts). Its read: which services have trusted access, so that a rename or
 * email change waits for account.amazonaws.com's only when that is still to be enabled.
 */
export const accounts = defineOrganizationKind<Set<string>, Payload>({
  kind: 'account',
  permissions: {
    management: [
      reads('organizations:ListParents', 'organizations:ListAccounts', 'organizations:ListAWSServiceAccessForOrganization', 'organizations:ListCreateAccountStatus', 'organizations:DescribeCreateAccountStatus'),
      writes('organizations:CreateAccount', 'organizations:MoveAccount', 'organizations:TagResource', 'organizations:UntagResource'),
      writes('account:PutAccountName', 'account:StartPrimaryEmailUpdate', 'account:AcceptPrimaryEmailUpdate'),
    ],
  },
  payload,

  async read(ctx) {
    return ctx.snapshot.organization ? serviceAccess(ctx) : new Set<string>();
  },

  plan(input, enabled) {
    const changes: Change<Payload>[] = [];
    const unmanaged: Unmanaged[] = [];
    const inProgress: InProgress[] = [];
    const liveUnits = new Set(input.snapshot.units.map((u) => u.path));
    const managementId = input.snapshot.organization?.managementAccountId ?? input.snapshot.callerAccountId;
    const trustedAccess = enabled?.has(ACCOUNT_PRINCIPAL) ? undefined : serviceAccessAddress(ACCOUNT_PRINCIPAL);
    const now = new Date();
    for (const match of input.matches) {
      if (!match.live) {
        // An account marked closed that does not exist is a record of one closed long ago: never created.
        if (!match.declared.management && !match.declared.closed) changes.push(creation(input, match, liveUnits));
        continue;
      }
      const d = match.declared;
      // Closed in AWS: nothing to move or tag any more (account-closure reports its state, or the reopening).
      if (isClosedState(match.live.status)) continue;
      // lz's own tags (a pending email change) are not the file's to declare, report or prune.
      const haveTags = Object.fromEntries(Object.entries(match.live.tags ?? {}).filter(([key]) => !isReservedTag(key)));
      const tags = tagDiff(d.tags, haveTags, input.prune);
      const update = placementAndTags(match, { ...match.live, tags: haveTags }, tags, liveUnits);
      if (update) changes.push(update);
      const identity = identityPlan(match, managementId, now, trustedAccess);
      changes.push(...identity.changes);
      inProgress.push(...identity.inProgress);
      for (const key of tags.unmanaged) {
        unmanaged.push({ address: `${accountAddress(d.name)}.tags.${key}`, kind: 'account-tag', description: `tag ${key}=${haveTags[key]} on account ${d.name}`, prunable: true });
      }
    }
    for (const a of input.unmatched) {
      unmanaged.push({ address: accountAddress(a.id), kind: 'account', description: `account ${a.name} (${a.id}, ${a.email}${a.unit ? `, in ${a.unit}` : ''})` });
    }
    return { changes, unmanaged, ...(inProgress.length > 0 ? { inProgress } : {}) };
  },

  async apply(ctx, { account: name = '', payload: p }) {
    if ('rename' in p || 'email' in p) return applyIdentity(ctx, name, p);
    if ('create' in p) {
      const { unit, ...want } = p.create;
      const accountId = await ctx.accountCreations(() => createAccount(ctx, want));
      ctx.index.accountIds.set(want.name, accountId);
      if (unit !== ROOT) await moveAccount(ctx, want.name, accountId, ROOT, unit);
      await waitForAccessRole(ctx, want.name, accountId);
      return;
    }
    const { accountId, move, tags } = p.update;
    if (move) await moveAccount(ctx, name, accountId, move.from, move.to);
    const org = ctx.aws.management.organizations;
    const set = Object.entries(tags.set).map(([Key, Value]) => ({ Key, Value }));
    if (set.length > 0) {
      ctx.progress(name, 'tagging');
      await org.send(new TagResourceCommand({ ResourceId: accountId, Tags: set }));
    }
    if (tags.unset.length > 0) await org.send(new UntagResourceCommand({ ResourceId: accountId, TagKeys: tags.unset }));
  },
});

function creation(input: OrganizationPlanInput, match: AccountMatch, liveUnits: Set<string>): Change<Payload> {
  const d = match.declared;
  const create = {
    name: d.name,
    email: d.email,
    unit: d.unit ?? ROOT,
    tags: d.tags,
    billingAccess: billingAccessSection.of(d) ?? true,
    accessRole: input.manifest.accessRole,
  };
  const dependsOn = d.unit && !liveUnits.has(d.unit) ? [unitAddress(d.unit)] : [];
  return { address: accountAddress(d.name), kind: 'account', action: 'create', account: d.name, before: null, after: create, payload: { create }, dependsOn };
}

function placementAndTags(match: AccountMatch, live: LiveAccount, tags: TagDiff, liveUnits: Set<string>): Change<Payload> | undefined {
  const d = match.declared;
  const wantUnit = d.unit ?? ROOT;
  const haveUnit = live.unit ?? ROOT;
  const move = wantUnit !== haveUnit ? { from: haveUnit, to: wantUnit } : undefined;
  const fields: FieldChange[] = [...(move ? [{ field: 'unit', before: haveUnit, after: wantUnit }] : []), ...tags.fields];
  if (fields.length === 0) return undefined;
  const dependsOn = d.unit && move && !liveUnits.has(d.unit) ? [unitAddress(d.unit)] : [];
  return {
    address: accountAddress(d.name),
    kind: 'account',
    action: 'update',
    account: d.name,
    before: { id: live.id, unit: haveUnit, tags: live.tags ?? {} },
    after: { unit: wantUnit, tags: d.tags },
    fields,
    payload: { update: { accountId: live.id, ...(move ? { move } : {}), tags: { set: tags.set, unset: tags.unset } } },
    dependsOn,
  };
}

async function moveAccount(ctx: ApplyContext, name: string, accountId: string, from: string, to: string): Promise<void> {
  const idOf = (path: string) => (path === ROOT ? ctx.index.rootId : ctx.index.unitIds.get(path));
  const destination = idOf(to);
  if (!destination) throw new Error(`Unit ${to} is not known; was it created?`);
  ctx.progress(name, `moving to ${to}`);
  const org = ctx.aws.management.organizations;
  let source = idOf(from);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await org.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: source, DestinationParentId: destination }));
      return;
    } catch (err) {
      // Already there (a resumed run): nothing to do.
      if (isError(err, 'DuplicateAccountException')) return;
      // Moved by someone else since the plan: ask where it is now, once.
      if (!isError(err, 'SourceParentNotFoundException', 'AccountNotFoundException') || attempt > 0) throw err;
      const parents = await org.send(new ListParentsCommand({ ChildId: accountId }));
      source = parents.Parents?.[0]?.Id;
      if (source === destination) return;
    }
  }
}
