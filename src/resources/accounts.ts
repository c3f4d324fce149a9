import { MoveAccountCommand, ListParentsCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-organizations';
import { isError } from '../aws/aws-errors.js';
import type { AccountMatch } from '../engine/match-accounts.js';
import type { Change, FieldChange, Unmanaged } from '../engine/plan.js';
import { createAccount, waitForAccessRole, type NewAccount } from './account-creation.js';
import { unitAddress } from './organizational-units.js';
import type { ApplyContext, OrganizationPlanInput, OrganizationResource } from './types.js';

export const accountAddress = (name: string) => `account:${name}`;

/** How the root of the organization is shown where a unit path would be. */
export const ROOT = '(root)';

export interface AccountAfter extends NewAccount {
  unit: string;
}

/**
 * Each declared account exists, sits in its declared unit and carries its declared tags. Accounts are never
 * closed and never renamed by lz: what it cannot do safely is a manual step.
 */
export const accounts: OrganizationResource = {
  kind: 'account',
  scope: 'organization',

  plan(input) {
    const changes: Change[] = [];
    const unmanaged: Unmanaged[] = [];
    const liveUnits = new Set(input.snapshot.units.map((u) => u.path));
    for (const match of input.matches) {
      if (!match.live) {
        if (!match.declared.management) changes.push(creation(input, match, liveUnits));
        continue;
      }
      const update = placementAndTags(input, match, liveUnits);
      if (update) changes.push(update);
      changes.push(...identitySteps(match));
      for (const [key, value] of Object.entries(match.live.tags ?? {})) {
        if (key in match.declared.tags || input.prune) continue;
        unmanaged.push({ address: `${accountAddress(match.declared.name)}.tags.${key}`, kind: 'account-tag', description: `tag ${key}=${value} on account ${match.declared.name}` });
      }
    }
    return { changes, unmanaged };
  },

  async apply(ctx, change) {
    if (change.action === 'create') return applyCreation(ctx, change);
    if (change.action === 'update') return applyUpdate(ctx, change);
  },
};

function creation(input: OrganizationPlanInput, match: AccountMatch, liveUnits: Set<string>): Change {
  const d = match.declared;
  const after: AccountAfter = {
    name: d.name,
    email: d.email,
    unit: d.unit ?? ROOT,
    tags: d.tags,
    billingAccess: d.billingAccess,
    accessRole: input.manifest.accessRole,
  };
  const dependsOn = d.unit && !liveUnits.has(d.unit) ? [unitAddress(d.unit)] : [];
  return { address: accountAddress(d.name), kind: 'account', action: 'create', account: d.name, before: null, after, dependsOn };
}

function placementAndTags(input: OrganizationPlanInput, match: AccountMatch, liveUnits: Set<string>): Change | undefined {
  const d = match.declared;
  const live = match.live!;
  const fields: FieldChange[] = [];
  const wantUnit = d.unit ?? ROOT;
  const haveUnit = live.unit ?? ROOT;
  if (wantUnit !== haveUnit) fields.push({ field: 'unit', before: haveUnit, after: wantUnit });
  const haveTags = live.tags ?? {};
  for (const [key, value] of Object.entries(d.tags)) {
    if (haveTags[key] !== value) fields.push({ field: `tags.${key}`, before: haveTags[key] ?? null, after: value });
  }
  if (input.prune) {
    for (const [key, value] of Object.entries(haveTags)) if (!(key in d.tags)) fields.push({ field: `tags.${key}`, before: value, after: null });
  }
  if (fields.length === 0) return undefined;
  const dependsOn = d.unit && d.unit !== haveUnit && !liveUnits.has(d.unit) ? [unitAddress(d.unit)] : [];
  return {
    address: accountAddress(d.name),
    kind: 'account',
    action: 'update',
    account: d.name,
    before: { id: live.id, unit: haveUnit, tags: haveTags },
    after: { unit: wantUnit, tags: d.tags },
    fields,
    dependsOn,
  };
}

/** Renames and email changes touch the root user's identity: a person does them, lz says which. */
function identitySteps(match: AccountMatch): Change[] {
  const d = match.declared;
  const live = match.live!;
  const steps: Change[] = [];
  if (live.name && live.name !== d.name) {
    steps.push({
      address: `${accountAddress(d.name)}.name`,
      kind: 'account',
      action: 'manual',
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
      account: d.name,
      before: live.email,
      after: d.email,
      instructions: `Account ${live.id} has root email ${live.email} in AWS and ${d.email} in the file: the root user changes it (Account settings), or change the file.`,
    });
  }
  return steps;
}

async function applyCreation(ctx: ApplyContext, change: Change): Promise<void> {
  const want = change.after as AccountAfter;
  const accountId = await ctx.accountCreations(() => createAccount(ctx, want));
  ctx.index.accountIds.set(want.name, accountId);
  if (want.unit !== ROOT) await moveAccount(ctx, want.name, accountId, ROOT, want.unit);
  await waitForAccessRole(ctx, want.name, accountId);
}

async function applyUpdate(ctx: ApplyContext, change: Change): Promise<void> {
  const before = change.before as { id: string; unit: string };
  const name = change.account!;
  const accountId = ctx.index.accountIds.get(name) ?? before.id;
  const org = ctx.aws.management.organizations;
  for (const f of change.fields ?? []) {
    if (f.field === 'unit') await moveAccount(ctx, name, accountId, String(f.before), String(f.after));
  }
  const tagFields = (change.fields ?? []).filter((f) => f.field.startsWith('tags.'));
  const set = tagFields.filter((f) => f.after !== null).map((f) => ({ Key: f.field.slice(5), Value: String(f.after) }));
  const unset = tagFields.filter((f) => f.after === null).map((f) => f.field.slice(5));
  if (set.length > 0) {
    ctx.progress(name, 'tagging');
    await org.send(new TagResourceCommand({ ResourceId: accountId, Tags: set }));
  }
  if (unset.length > 0) await org.send(new UntagResourceCommand({ ResourceId: accountId, TagKeys: unset }));
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
