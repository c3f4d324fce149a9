import { resolve as resolvePath } from 'node:path';
import { LzError, LzErrors } from '../errors.js';
import { isMapping } from './merge.js';
import { expandUnits, resolveAccount } from './resolve.js';
import { manifestSchema } from './schema.js';
import { issuesToErrors } from './schema-errors.js';
import { semanticChecks } from './semantic-checks.js';
import type { LoadedManifest, Manifest, ResolvedAccount } from './types.js';
import { formatPath } from './paths.js';
import { parseYamlSource, readManifestFile, type DocPath, type YamlSource } from './yaml-source.js';

export type {
  Contact,
  ContactInformation,
  LoadedManifest,
  Manifest,
  ResolvedAccount,
  ResolvedBudget,
  ResolvedBudgetAlert,
  ResolvedIamAdmin,
  ResolvedPasswordPolicy,
} from './types.js';
export { manifestSchema } from './schema.js';
export { summarize } from './summary.js';
export type { ManifestSummary, AccountSummary } from './summary.js';

/**
 * Reads, parses and validates a manifest. Throws LzErrors holding every problem found, each with its
 * `file:line:col`. `file` is used in messages as given; it is read relative to `opts.cwd` when relative.
 */
export async function loadManifest(file: string, opts: { cwd?: string } = {}): Promise<LoadedManifest> {
  let text: string;
  try {
    text = await readManifestFile(opts.cwd ? resolvePath(opts.cwd, file) : file, file);
  } catch (err) {
    if (err instanceof LzError) throw new LzErrors([err]);
    throw err;
  }
  return parseManifest(text, file);
}

/** The same as loadManifest, from text already in memory (tests, `lz onboard`). */
export function parseManifest(text: string, file: string): LoadedManifest {
  const source = parseYamlSource(text, file);
  if (source.errors.length > 0) throw new LzErrors(source.errors);

  const parsed = manifestSchema.safeParse(source.value, { reportInput: true });
  const errors: LzError[] = [];
  if (!parsed.success) errors.push(...issuesToErrors(parsed.error.issues, { schema: manifestSchema, basePath: [], locate: source.locate }));
  errors.push(...semanticChecks(source.value, source));

  // Merge defaults only into parts that passed the schema; merging broken input would repeat its errors.
  const broken = (prefix: readonly (string | number)[]) =>
    !parsed.success && parsed.error.issues.some((i) => prefix.every((p, n) => i.path[n] === p));
  const raw = isMapping(source.value) ? source.value : {};
  const rawAccounts = Array.isArray(raw.accounts) ? raw.accounts : [];
  const org = isMapping(raw.organization) ? raw.organization : {};
  const managementName = typeof org.management === 'string' ? org.management : '';
  const accounts: ResolvedAccount[] = [];
  if (!broken(['defaults'])) {
    rawAccounts.forEach((rawAccount, index) => {
      if (broken(['accounts', index])) return;
      const result = resolveAccount(raw.defaults, rawAccount, index, managementName, source);
      errors.push(...result.errors);
      if (result.account) accounts.push(result.account);
    });
  }

  if (parsed.success) errors.push(...rootCredentialChecks(accounts, parsed.data, source.locate));
  if (errors.length > 0 || !parsed.success) throw new LzErrors(sortByPosition(errors));
  const manifest = parsed.data;
  const management = accounts.find((a) => a.management);
  if (!management) {
    // semanticChecks reports this; reaching here would mean the two disagree.
    throw new LzErrors([new LzError('manifest.management-not-listed', `management account "${managementName}" is not listed in accounts`, { location: source.locate(['organization', 'management']), path: 'organization.management' })]);
  }
  return {
    file,
    manifest,
    accounts,
    units: expandUnits(manifest.organization.units),
    management,
    accessRole: manifest.organization.accessRole,
    locate: (path) => source.locate(path),
  };
}

function sortByPosition(errors: LzError[]): LzError[] {
  // Stable: errors without a position keep their order, after the positioned ones.
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const la = a.e.location;
      const lb = b.e.location;
      if (la && lb) return la.line - lb.line || la.col - lb.col || a.i - b.i;
      if (la) return -1;
      if (lb) return 1;
      return a.i - b.i;
    })
    .map(({ e }) => e);
}

/**
 * `rootCredentials: delete` after defaults are merged (it is usually inherited): centralized root access
 * deletes member accounts' root credentials only, and only once the organization turns it on. One error
 * per place in the file, not one per account inheriting it.
 */
function rootCredentialChecks(accounts: ResolvedAccount[], manifest: Manifest, locate: YamlSource['locate']): LzError[] {
  const errors = new Map<string, LzError>();
  const report = (code: string, where: DocPath, message: string, hint: string) => {
    const key = `${code} ${formatPath(where)}`;
    if (!errors.has(key)) errors.set(key, new LzError(code, message, { path: formatPath(where), location: locate(where), hint }));
  };
  for (const account of accounts.filter((a) => a.rootCredentials === 'delete')) {
    // manifest.accounts holds each account's own overrides as written: did it say delete, or inherit it?
    const own: DocPath = ['accounts', account.index, 'rootCredentials'];
    const where: DocPath = manifest.accounts[account.index]?.rootCredentials !== undefined ? own : ['defaults', 'rootCredentials'];
    if (account.management) {
      report(
        'manifest.root-credentials-management',
        where,
        `${account.name} is the management account: lz never deletes its root user credentials`,
        `set rootCredentials: keep on ${account.name}${where === own ? '' : ' (it inherits delete from defaults)'}`,
      );
    } else if (!manifest.organization.rootAccess?.centralized) {
      report('manifest.root-credentials-needs-root-access', where, `rootCredentials: delete (account ${account.name}) needs centralized root access`, 'add organization.rootAccess: { centralized: true }');
    }
  }
  return [...errors.values()];
}
