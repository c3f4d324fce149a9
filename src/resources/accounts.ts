import { MoveAccountCommand, ListParentsCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-organizations';
import * as z from 'zod';
import { isError } from '../aws/aws-errors.js';
import { defineOrganizationKind, type ApplyContext, type OrganizationPlanInput } from '../core/module.js';
import { accountAddress, isClosedState, type AccountMatch, type LiveAccount } from '../core/organization.js';
import type { Change, FieldChange, Unmanaged } from '../core/plan.js';
import { tagDiff, type TagDiff } from '../core/reconcile.js';
import { createAccount, newAccountSchema, waitForAccessRole } from './account-creation.js';
import { billingAccessSection } from './billing-access.js';
import { unitAddress } from './organizational-units.js';

/** How the root of the organization is shown where a unit path would be. */
export const ROOT = '(root)';

/** Apply's instruction: create the account (then move it out of the root), or move and retag an existing one. */
const payload = z.union([
  z.strictObject({ create: newAccountSchema.extend({ unit: z.string().describe(`Unit path, or ${ROOT}`) }) }),
  z.strictObject({
    update: z.strictObject({
      accountId: z.string(),
      move: z.strictObject({ from: z.string(), to: z.string() }).optional(),
      tags: z.strictObject({ set: z.record(z.string(), z.string()), unset: z.array(z.string()) }),
    }),
  }),
]);
type Payload = z.output<typeof payload>;

/**
 * Each declared account exists, sits in its declared unit and carries its declared tags. Accounts are never
 * closed and never renamed by lz: what it cannot do safely is a manual step.
 */
export const accounts = defineOrganizationKind<undefined, Payload>({
  kind: 'account',
  payload,

  plan(input) {
    const changes: Change<Payload>[] = [];
    const unmanaged: Unmanaged[] = [];
    const liveUnits = new Set(input.snapshot.units.map((u) => u.path));
    for (const match of input.matches) {
      if (!match.live) {
        // An account marked closed that does not exist is a record of one closed long ago: never created.
        if (!match.declared.management && !match.declared.closed) changes.push(creation(input, match, liveUnits));
        continue;
      }
      const d = match.declared;
      // Closed in AWS: nothing to move or tag any more (account-closure reports its state, or the reopening).
      if (isClosedState(match.live.status)) continue;
      const haveTags = match.live.tags ?? {};
      const tags = tagDiff(d.tags, haveTags, input.prune);
      const update = placementAndTags(match, match.live, tags, liveUnits);
      if (update) changes.push(update);
      changes.push(...identitySteps(match, match.live));
      for (const key of tags.unmanaged) {
        unmanaged.push({ address: `${accountAddress(d.name)}.tags.${key}`, kind: 'account-tag', description: `tag ${key}=${haveTags[key]} on account ${d.name}`, prunable: true });
      }
    }
    for (const a of input.unmatched) {
      unmanaged.push({ address: accountAddress(a.id), kind: 'account', description: `account ${a.name} (${a.id}, ${a.email}${a.unit ? `, in ${a.unit}` : ''})` });
    }
    return { changes, unmanaged };
  },

  async apply(ctx, { account: name = '', payload: p }) {
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

/** Renames and email changes touch the root user's identity: a person does them, lz says which. */
function identitySteps(match: AccountMatch, live: LiveAccount): Change<Payload>[] {
  const d = match.declared;
  const steps: Change<Payload>[] = [];
  if (live.name && live.name !== d.name) {
    steps.push({
      address: `${accountAddress(d.name)}.name`,
      kind: 'account',
      action: 'manual',
      step: 'account name in AWS differs from the file',
      account: d.name,
      before: live.name,
      after: d.name,
      instructions: `Account ${live.id} is named "${live.name}" in AWS and "${d.name}" in the file: rename it in the console (Account > Account details) or with \`aws account put-account-name --account-id ${live.id} --account-name "${d.name}"\`, or change the file.`,
    });
  }
  if (live.email && live.email.toLowerCase() !== d.email.toLowerCase()) {
    steps.push({
      address: `${accountAddress(d.name)}.email`,
      kind: 'account',
      action: 'manual',
      step: 'account root email in AWS differs from the file',
      account: d.name,
      before: live.email,
      after: d.email,
      instructions: `Account ${live.id} has root email ${live.email} in AWS and ${d.email} in the file: the root user changes it (Account settings), or change the file.`,
    });
  }
  return steps;
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
