import { readFileSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { LzError } from '../../errors.js';
import { writeFileAtomic } from '../../files.js';
import { insertAccount, pinAccountId, type NewAccountEntry } from '../../manifest/edit.js';
import { loadManifest, parseManifest, type LoadedManifest } from '../../manifest/index.js';
import { defaultSections } from '../../resources/registry.js';
import type { CliIO } from '../io.js';
import { openSession, type AwsCliOptions } from '../session.js';
import { paginateListAccounts, type Account } from '@aws-sdk/client-organizations';
import { ignoreCodes } from '../../aws/aws-errors.js';
import { ORGANIZATIONS_PAGE } from '../../aws/quotas.js';
import { isClosedState } from '../../core/organization.js';

export interface OnboardCliOptions extends AwsCliOptions {
  file: string;
  email?: string;
  unit?: string;
  budget?: string;
  alias?: string;
  tag: string[];
  apply?: boolean;
  autoApprove?: boolean;
  createTimeout: string;
  roleTimeout: string;
}

/** `{name}` in organization.emailPattern: the account name lowercased, whitespace as hyphens. */
export function emailFromPattern(pattern: string, name: string): string {
  return pattern.replaceAll('{name}', name.toLowerCase().replace(/\s+/g, '-'));
}

/** `k=v` pairs (the value may hold `=`). */
export function parseTags(pairs: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new LzError('bad-option', `--tag takes key=value, not "${pair}"`, { hint: 'e.g. --tag team=data' });
    tags[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return tags;
}

/** The entry to add, checked against the file: units declared, no name, email or alias taken. */
export function newEntry(name: string, opts: Pick<OnboardCliOptions, 'email' | 'unit' | 'budget' | 'alias' | 'tag'>, manifest: LoadedManifest): NewAccountEntry {
  const pattern = manifest.manifest.organization.emailPattern;
  const email = opts.email ?? (pattern ? emailFromPattern(pattern, name) : undefined);
  if (!email) {
    throw new LzError('onboard.no-email', `--email is needed: ${manifest.file} declares no organization.emailPattern`, {
      hint: 'pass --email aws+team@example.com, or add e.g. `emailPattern: aws+{name}@example.com` under organization',
    });
  }
  if (opts.unit !== undefined && !manifest.units.includes(opts.unit)) {
    throw new LzError('onboard.unknown-unit', `unit "${opts.unit}" is not declared in ${manifest.file}`, {
      hint: manifest.units.length > 0 ? `declared units: ${manifest.units.join(', ')}; add new ones to organization.units first` : 'the file declares no units; add it to organization.units first',
    });
  }
  const lower = (s: string | undefined) => s?.toLowerCase();
  const taken = (what: string, value: string, holder: string) =>
    new LzError('onboard.duplicate', `${what} "${value}" is already used by account ${holder} in ${manifest.file}; nothing was changed`, {
      hint: `${what}s are unique (case-insensitive); choose another`,
    });
  for (const a of manifest.manifest.accounts) {
    if (lower(a.name) === lower(name)) throw taken('account name', name, a.name);
    if (lower(a.email) === lower(email)) throw taken('email', email, a.name);
    // The entry as written: aliases are never inherited from defaults.
    if (opts.alias && typeof a.alias === 'string' && lower(a.alias) === lower(opts.alias)) throw taken('alias', opts.alias, a.name);
  }
  let budget: NewAccountEntry['budget'];
  if (opts.budget !== undefined) {
    const amount = Number(opts.budget);
    if (!Number.isFinite(amount) || amount <= 0) throw new LzError('bad-option', `--budget must be a positive amount, not "${opts.budget}"`);
    budget = { amount };
  }
  const tags = parseTags(opts.tag);
  return {
    name,
    email,
    ...(opts.unit ? { unit: opts.unit } : {}),
    ...(opts.alias ? { alias: opts.alias } : {}),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    ...(budget ? { budget } : {}),
  };
}

/**
 * A closed account keeps its name and email in the organization (SUSPENDED for 90 days, then CLOSED): a new
 * account with either would be that account, which AWS Support alone can reopen. Refused before a byte is written.
 */
async function refuseClosedAccount(entry: NewAccountEntry, opts: OnboardCliOptions, manifest: LoadedManifest, io: CliIO): Promise<void> {
  const same = (a: string | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();
  const closed = await findLiveAccount(opts, manifest, io, (a) => isClosedState(a.State ?? a.Status) && (same(a.Name, entry.name) || same(a.Email, entry.email)));
  if (closed) {
    const what = same(closed.Email, entry.email) ? `email ${entry.email}` : `name ${entry.name}`;
    throw new LzError('onboard.closed-account', `${what} belongs to account ${closed.Name} (${closed.Id}), which is ${closed.State ?? closed.Status} (closed); nothing was changed`, {
      hint: 'choose another name and email; AWS Support can reopen a closed account within 90 days of its closing',
    });
  }
}

/** Once the account exists, its id pins the entry (so a later rename and email change stay this account). */
async function writeAccountId(real: string, entry: NewAccountEntry, opts: OnboardCliOptions, manifest: LoadedManifest, io: CliIO): Promise<void> {
  const created = await findLiveAccount(opts, manifest, io, (a) => a.Email?.toLowerCase() === entry.email.toLowerCase());
  const pinned = created?.Id ? pinAccountId(readFileSync(real, 'utf8'), entry.name, created.Id) : undefined;
  if (pinned === undefined) return;
  parseManifest(pinned, opts.file, defaultSections);
  writeFileAtomic(real, pinned, statSync(real).mode & 0o777);
  io.stdout(`\nPinned ${entry.name} to its account id ${created!.Id} in ${opts.file}.\n`);
}

/** The first account of the organization that `match` accepts (none without an organization), in a session of its own. */
async function findLiveAccount(opts: OnboardCliOptions, manifest: LoadedManifest, io: CliIO, match: (a: Account) => boolean): Promise<Account | undefined> {
  const session = await openSession(opts, { accessRole: manifest.accessRole, management: { name: manifest.management.name, email: manifest.management.email } }, io);
  try {
    // Who lz runs as, first: every request it logs names the account it was made in.
    await session.aws.callerIdentity();
    const find = async () => {
      for await (const page of paginateListAccounts({ client: session.aws.management.organizations, pageSize: ORGANIZATIONS_PAGE }, {})) {
        const found = page.Accounts?.find(match);
        if (found) return found;
      }
      return undefined;
    };
    return await ignoreCodes(find(), ['AWSOrganizationsNotInUseException']);
  } finally {
    await session.close();
  }
}

/**
 * `lz onboard NAME`: adds the account to accounts.yaml (every other byte of the file unchanged), checks the
 * new file as `lz validate` would before writing it, then shows the plan for that account alone; with
 * --apply, applies it.
 */
export async function onboardCommand(name: string, opts: OnboardCliOptions, io: CliIO): Promise<number> {
  if (opts.apply && !opts.autoApprove && (!io.isTTY || !io.prompt)) {
    throw new LzError('needs-approval', 'onboard --apply needs confirmation and there is no terminal to ask at; nothing was changed.', {
      hint: 'add --auto-approve, or run `lz onboard` without --apply and review the plan first',
    });
  }
  const path = resolve(io.cwd, opts.file);
  const manifest = await loadManifest(opts.file, defaultSections, { cwd: io.cwd });
  const text = readFileSync(path, 'utf8');
  const entry = newEntry(name, opts, manifest);
  await refuseClosedAccount(entry, opts, manifest, io);
  const { text: updated, inserted } = insertAccount(text, entry, opts.file);
  // Validated in full before a byte is written: a file lz edits is never left invalid.
  parseManifest(updated, opts.file, defaultSections);
  // Through a symlink to the real file, keeping its permissions: a dotfiles-managed or read-restricted
  // accounts.yaml stays what it was.
  const real = realpathSync(path);
  writeFileAtomic(real, updated, statSync(real).mode & 0o777);
  io.stdout(`Added ${name} to ${opts.file}:\n${inserted.replace(/^\n/, '').trimEnd()}\n\n`);

  const target = { ...opts, target: [name], prune: false };
  if (opts.apply) {
    const { applyCommand } = await import('./apply.js');
    const code = await applyCommand(undefined, target, io);
    // Pinned once the account exists, even when some of its baseline failed (the next apply finishes that).
    await writeAccountId(real, entry, opts, manifest, io);
    return code;
  }
  const { planCommand } = await import('./plan.js');
  const code = await planCommand(target, io);
  io.stdout(`\nApply it with: lz apply --target ${JSON.stringify(name)}\n`);
  return code;
}
