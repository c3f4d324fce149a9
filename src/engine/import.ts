import { isDeepStrictEqual } from 'node:util';
import { Document, isCollection, isMap, isSeq, type YAMLMap } from 'yaml';
import { errorMessage } from '../aws/aws-errors.js';
import type { AwsContext } from '../aws/context.js';
import {
  sectionsOf,
  type AccountReadContext,
  type AnyAccountKind,
  type AnyOrganizationKind,
  type ManifestAccountFields,
  type ManifestOrganizationFields,
  type OrganizationPlanInput,
  type Registry,
} from '../core/module.js';
import { isClosedState, isReservedTag, type LiveAccount, type OrganizationSnapshot } from '../core/organization.js';
import type { Change } from '../core/plan.js';
import { LzError } from '../errors.js';
import { parseManifest, type LoadedManifest, type ManifestSections, type ResolvedAccount } from '../manifest/index.js';
import { matchAccounts } from './match-accounts.js';
import { readOrganization, readTags } from './organization-snapshot.js';
import { memoizer } from './planner.js';

/**
 * `lz import`: a live organization written as accounts.yaml, such that `lz plan --prune` on it shows no
 * change for what it covers: the organization's units, its accounts (name, email, unit, tags), every
 * organization-level item whose kind can say how its live state reads under `organization:`
 * (`OrganizationKind.toManifest`), and, per account, every baseline item whose kind can say how it reads
 * in an `accounts[]` entry (`AccountKind.toManifest`).
 *
 * Everything is read twice, because kinds read more once they know what the file wants (a budget's alerts
 * are read only for budgets the file names, a trail's status only for the trail it names): pass 1 reads
 * with a file that names no item and turns what it found into file fields; pass 2 reads again with what
 * those fields resolve to and takes its answer. The result is then planned against that second read
 * (pure, no call, with --prune): anything the file cannot express (a password policy without reuse
 * prevention, a trail that was stopped) is reported instead of being silently lost.
 */
export interface ImportOptions {
  accessRole: string;
  /** Shown in messages and the header comment. */
  file: string;
  /** Factor items every account shares into `defaults` (default true). */
  factorDefaults?: boolean;
  now?: Date;
}

export interface ImportResult {
  text: string;
  manifest: LoadedManifest;
  /** Things a person should know: accounts not readable, values the file cannot express. */
  warnings: string[];
}

interface Imported {
  live: LiveAccount;
  name: string;
  management: boolean;
  /** Per module kind: the fields its live state gives; absent when the account could not be read. */
  fields?: Map<string, ManifestAccountFields>;
  haves?: Map<string, unknown>;
}

export async function importOrganization(aws: AwsContext, registry: Registry, options: ImportOptions): Promise<ImportResult> {
  const snapshot = await readOrganization(aws);
  const org = snapshot.organization;
  if (!org) {
    throw new LzError('import.no-organization', `account ${snapshot.callerAccountId} has no organization to import`, {
      hint: 'run lz import with the management account\'s credentials; to start a new organization, write accounts.yaml and run lz apply',
    });
  }
  const warnings: string[] = [];
  const sections = sectionsOf(registry);
  const imported = nameAccounts(snapshot, warnings);
  const modules = registry.account.filter((m) => m.toManifest || m.importNotes);
  const memos = new Map<string, AccountReadContext['memo']>();
  const readContext = (a: Imported, account: ResolvedAccount): AccountReadContext => {
    let memo = memos.get(a.live.id);
    if (!memo) {
      memo = memoizer();
      memos.set(a.live.id, memo);
    }
    return { clients: aws.forAccount(a.live.id, org.managementAccountId), accountId: a.live.id, account, memo, aws, importing: true };
  };

  let orgFields = new Map<string, ManifestOrganizationFields>();
  // Pass 1: tags (a management call) and every kind's read with a file that names no item, accounts in parallel.
  const bare = parseManifest(render(snapshot, imported, options, sections, orgFields), options.file, sections);
  let organizationRead = readOrganizationKinds(aws, registry.organization, bare, snapshot);
  await Promise.all([
    organizationRead.then((read) => (orgFields = organizationFields(read))),
    ...imported.map((a) =>
      aws.accountLimit(async () => {
        await readTags(aws, a.live);
        if (a.live.status !== 'ACTIVE') {
          warnings.push(`account ${a.name} (${a.live.id}) is ${a.live.status}: its baseline was not read`);
          return;
        }
        try {
          const ctx = readContext(a, bareAccount(a));
          const haves = await Promise.all(modules.map((m) => m.read(ctx, undefined)));
          a.haves = new Map(modules.map((m, i) => [m.kind, haves[i]]));
          a.fields = new Map(modules.map((m, i) => [m.kind, fieldsOf(m, haves[i])]));
        } catch (err) {
          warnings.push(`account ${a.name} (${a.live.id}): its baseline could not be read (${errorMessage(err)}); only its name, email, unit and tags were imported`);
        }
      }),
    ),
  ]);
  let manifest = parseManifest(render(snapshot, imported, options, sections, orgFields), options.file, sections);

  // Pass 2: read again what the file now wants (account kinds that found nothing are not asked twice).
  organizationRead = readOrganizationKinds(aws, registry.organization, manifest, snapshot);
  await Promise.all([
    organizationRead.then((read) => (orgFields = organizationFields(read))),
    ...imported.map((a) =>
      aws.accountLimit(async () => {
        const { fields, haves } = a;
        const account = manifest.accounts.find((r) => r.name === a.name);
        if (!fields || !haves || !account) return;
        const ctx = readContext(a, account);
        await Promise.all(
          modules.map(async (m) => {
            const want = m.desired(account, manifest);
            if (want === undefined) return;
            const have = await m.read(ctx, want);
            haves.set(m.kind, have);
            fields.set(m.kind, fieldsOf(m, have));
          }),
        );
      }),
    ),
  ]);
  const text = render(snapshot, imported, options, sections, orgFields);
  manifest = parseManifest(text, options.file, sections);

  // What the file cannot express shows as a change against the live state (with --prune: a thing lz made
  // that the file cannot name would be deleted): say so.
  const cannotExpress = (c: Change) => {
    if (c.action === 'manual') return;
    const fields = c.fields?.map((f) => f.field).join(', ');
    const what = c.action === 'delete' ? 'lz plan --prune will delete it' : 'lz plan will show this change';
    warnings.push(`${c.address}: accounts.yaml cannot express what AWS holds${fields ? ` (${fields})` : ''}; ${what}`);
  };
  const notes = new Set<string>();
  for (const a of imported) {
    const account = manifest.accounts.find((r) => r.name === a.name);
    if (!account || !a.haves) continue;
    for (const m of registry.account) {
      for (const note of m.importNotes?.(a.haves.get(m.kind)) ?? []) notes.add(note);
      if (!a.haves.has(m.kind)) continue;
      m.diff(m.desired(account, manifest), a.haves.get(m.kind), { account, prune: true, exists: true, region: aws.options.region }).changes.forEach(cannotExpress);
    }
  }
  const { input, lives } = await organizationRead;
  const finalInput = { ...input, manifest, matches: matchAccounts(manifest.accounts, snapshot).matches };
  for (const [m, live] of lives) {
    for (const note of m.importNotes?.(live, finalInput) ?? []) notes.add(note);
    try {
      m.plan(finalInput, live).changes.forEach(cannotExpress);
    } catch (err) {
      warnings.push(`${m.kind}: lz plan on the imported file fails: ${errorMessage(err)}`);
    }
  }
  warnings.push(...notes);
  return { text, manifest, warnings };
}

interface OrganizationRead {
  input: OrganizationPlanInput;
  lives: Map<AnyOrganizationKind, unknown>;
}

/** The organization kinds' own reads against `manifest` (a fresh read memo: what they read depends on it). */
async function readOrganizationKinds(aws: AwsContext, kinds: readonly AnyOrganizationKind[], manifest: LoadedManifest, snapshot: OrganizationSnapshot): Promise<OrganizationRead> {
  const { matches, unmatched } = matchAccounts(manifest.accounts, snapshot);
  const memo = memoizer();
  const lives = await Promise.all(kinds.map((m) => m.read?.({ aws, manifest, snapshot, matches, prune: true, memo })));
  const input: OrganizationPlanInput = { manifest, snapshot, matches, unmatched, prune: true, region: aws.options.region };
  return { input, lives: new Map(kinds.map((m, i) => [m, lives[i]])) };
}

/** Per organization kind, the fields under `organization:` its live state gives. */
function organizationFields({ input, lives }: OrganizationRead): Map<string, ManifestOrganizationFields> {
  return new Map([...lives].map(([m, live]) => [m.kind, m.toManifest?.(live, input) ?? {}]));
}

function fieldsOf(module: AnyAccountKind, have: unknown): ManifestAccountFields {
  return (have === undefined ? undefined : module.toManifest?.(have)) ?? {};
}

/** Names as Organizations has them; a name used twice (the file needs them unique) gets its id's last digits. */
function nameAccounts(snapshot: OrganizationSnapshot, warnings: string[]): Imported[] {
  const managementId = snapshot.organization?.managementAccountId;
  const ordered = [...snapshot.accounts].sort((a, b) => Number(b.id === managementId) - Number(a.id === managementId) || a.name.localeCompare(b.name));
  const seen = new Set<string>();
  return ordered.map((live) => {
    let name = live.name;
    if (seen.has(name.toLowerCase())) {
      name = `${live.name.slice(0, 44)}-${live.id.slice(-4)}`;
      warnings.push(`two accounts are named ${live.name}; ${live.id} is written as ${name} (lz plan will rename it unless the file names it otherwise)`);
    }
    seen.add(name.toLowerCase());
    return { live, name, management: live.id === managementId };
  });
}

/** An account's tags as the file may declare them: lz's own (a pending email change) are not the file's. */
const declarableTags = (tags: Record<string, string> = {}) => Object.fromEntries(Object.entries(tags).filter(([key]) => !isReservedTag(key)));

/** An account as the file would resolve it with no item of any section: what modules read before the file exists. */
function bareAccount(a: Imported): ResolvedAccount {
  return { name: a.name, email: a.live.email, id: a.live.id, ...(a.live.unit ? { unit: a.live.unit } : {}), tags: declarableTags(a.live.tags), management: a.management, closed: isClosedState(a.live.status), index: 0, sections: {} };
}

/** Units as the file lists them: only the leaves, parents are implied. */
function leafUnits(snapshot: OrganizationSnapshot): string[] {
  const paths = snapshot.units.map((u) => u.path);
  return paths.filter((p) => !paths.some((q) => q.startsWith(`${p}/`))).sort();
}

function render(snapshot: OrganizationSnapshot, imported: Imported[], options: ImportOptions, sections: ManifestSections, orgFields: Map<string, ManifestOrganizationFields>): string {
  const management = imported.find((a) => a.management);
  if (!management) throw new Error('The management account is not among the organization\'s accounts');
  const entries = imported.map((a) => {
    const baseline: Record<string, unknown> = {};
    for (const fields of a.fields?.values() ?? []) Object.assign(baseline, fields);
    // Identity and placement first, as people write them; then the baseline items, in the sections' order.
    // The id pins the match: a later rename and email change in one edit stay this account.
    const entry: Record<string, unknown> = { name: a.name, email: a.live.email, id: a.live.id };
    if (a.live.unit) entry.unit = a.live.unit;
    // A closed account stays in the file as the record of it (and so that nothing is planned inside it).
    if (isClosedState(a.live.status)) entry.closed = true;
    const tags = declarableTags(a.live.tags);
    if (Object.keys(tags).length > 0) entry.tags = tags;
    for (const section of sections.account) if (baseline[section.key] !== undefined) entry[section.key] = baseline[section.key];
    return entry;
  });
  const defaults: Record<string, unknown> = {};
  if (options.factorDefaults !== false && entries.length > 1 && imported.every((a) => a.fields)) {
    for (const key of sections.account.filter((s) => s.factorable).map((s) => s.key)) {
      const first = entries[0]?.[key];
      if (first !== undefined && entries.every((e) => isDeepStrictEqual(e[key], first))) {
        defaults[key] = first;
        for (const e of entries) delete e[key];
      }
    }
  }
  const organization: Record<string, unknown> = { management: management.name };
  if (options.accessRole !== 'OrganizationAccountAccessRole') organization.accessRole = options.accessRole;
  const units = leafUnits(snapshot);
  if (units.length > 0) organization.units = units;
  const services: Record<string, unknown> = {};
  for (const fields of orgFields.values()) Object.assign(services, fields);
  for (const section of sections.organization) if (services[section.key] !== undefined) organization[section.key] = services[section.key];

  const doc = new Document({ organization, ...(Object.keys(defaults).length > 0 ? { defaults } : {}), accounts: entries });
  doc.commentBefore =
    ` Imported by lz import from organization ${snapshot.organization?.id ?? ''} on ${(options.now ?? new Date()).toISOString().slice(0, 10)}.\n` +
    ' Review it, then run `lz plan`: it should show no change for what this file covers.';
  // Small things inline (unit lists, tags, contacts, alerts), the rest as block maps; an account with no
  // baseline item of its own on one line, like the accounts people write by hand.
  const root = doc.contents as YAMLMap;
  const units_ = (root.get('organization', true) as YAMLMap | undefined)?.get('units', true);
  if (isSeq(units_)) units_.flow = true;
  for (const key of ['defaults', 'accounts']) inlineSmall(root.get(key, true));
  const accounts = root.get('accounts', true);
  if (isSeq(accounts)) {
    for (const item of accounts.items) {
      if (!isMap(item)) continue;
      const tags = item.get('tags', true);
      if (isMap(tags)) tags.flow = true;
      const simple = item.items.every((p) => !isCollection(p.value) || String((p.key as { value?: unknown })?.value ?? p.key) === 'tags');
      if (simple) item.flow = true;
    }
  }
  return doc.toString({ lineWidth: 0 });
}

/** Bottom-up: a map or list of at most 5 scalars (or inline collections) that fits on a short line goes inline. */
function inlineSmall(node: unknown): boolean {
  if (isMap(node)) {
    const simple = node.items.map((p) => !isCollection(p.value) || inlineSmall(p.value)).every(Boolean);
    if (simple && node.items.length <= 5 && JSON.stringify(node.toJSON()).length <= 90) node.flow = true;
    return Boolean(node.flow);
  }
  if (isSeq(node)) {
    const simple = node.items.map((i) => !isCollection(i) || inlineSmall(i)).every(Boolean);
    if (simple && node.items.length <= 5 && JSON.stringify(node.toJSON()).length <= 90) node.flow = true;
    return Boolean(node.flow);
  }
  return true;
}
