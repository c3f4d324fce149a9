import { dirname, resolve as resolvePath } from 'node:path';
import { LzError, LzErrors } from '../errors.js';
import { isMapping } from './merge.js';
import { FRAME_DOC_SECTIONS, formatPath } from './paths.js';
import { expandUnits, originOf, resolveAccount, type AccountResolver } from './resolve.js';
import { buildManifestSchema, buildResolvedAccountSchema } from './schema.js';
import { issuesToErrors } from './schema-errors.js';
import type { ManifestSections, SectionProblem } from './sections.js';
import { semanticChecks } from './semantic-checks.js';
import type { LoadedManifest, Manifest, ResolvedAccount } from './types.js';
import { parseYamlSource, readManifestFile, type DocPath, type YamlSource } from './yaml-source.js';

export type { LoadedManifest, Manifest, ResolvedAccount } from './types.js';
export type { ManifestSections } from './sections.js';
export { summarize } from './summary.js';
export type { ManifestSummary, AccountSummary } from './summary.js';

/**
 * Reads, parses and validates a manifest against the frame and the sections it is handed (the registry's).
 * Throws LzErrors holding every problem found, each with its `file:line:col`. `file` is used in messages as
 * given; it is read relative to `opts.cwd` when relative.
 */
export async function loadManifest(file: string, sections: ManifestSections, opts: { cwd?: string } = {}): Promise<LoadedManifest> {
  let text: string;
  try {
    text = await readManifestFile(opts.cwd ? resolvePath(opts.cwd, file) : file, file);
  } catch (err) {
    if (err instanceof LzError) throw new LzErrors([err]);
    throw err;
  }
  return parseManifest(text, file, sections, { dir: dirname(resolvePath(opts.cwd ?? process.cwd(), file)) });
}

/**
 * The same as loadManifest, from text already in memory (tests, `lz onboard`, `lz import`). Files the manifest
 * names are read relative to `opts.dir` (the directory of `file` by default).
 */
export function parseManifest(text: string, file: string, sections: ManifestSections, opts: { dir?: string } = {}): LoadedManifest {
  const dir = opts.dir ?? dirname(resolvePath(file));
  const source = parseYamlSource(text, file);
  if (source.errors.length > 0) throw new LzErrors(source.errors);

  const schema = buildManifestSchema(sections);
  const documented = [...sections.account.map((s) => s.key), ...FRAME_DOC_SECTIONS];
  const resolver: AccountResolver = { sections, schema: buildResolvedAccountSchema(sections), documented };
  const parsed = schema.safeParse(source.value, { reportInput: true });
  const errors: LzError[] = [...source.numberErrors];
  if (!parsed.success) errors.push(...issuesToErrors(parsed.error.issues, { schema, basePath: [], locate: source.locate, documented }));
  errors.push(...semanticChecks(source.value, source, sections));

  // Merge defaults only into parts that passed the schema; merging broken input would repeat its errors.
  const broken = (prefix: readonly (string | number)[]) =>
    !parsed.success && parsed.error.issues.some((i) => prefix.every((p, n) => i.path[n] === p));
  const raw = isMapping(source.value) ? source.value : {};
  const rawAccounts = Array.isArray(raw.accounts) ? raw.accounts : [];
  const org = isMapping(raw.organization) ? raw.organization : {};
  const managementName = typeof org.management === 'string' ? org.management : '';
  const quarantineUnit = typeof org.quarantineUnit === 'string' ? org.quarantineUnit : 'Quarantine';
  const accounts: ResolvedAccount[] = [];
  if (!broken(['defaults'])) {
    rawAccounts.forEach((rawAccount, index) => {
      if (broken(['accounts', index])) return;
      const result = resolveAccount(resolver, raw.defaults, rawAccount, index, { management: managementName, quarantineUnit }, source);
      errors.push(...result.errors);
      if (result.account) accounts.push(result.account);
    });
  }

  const unitsOf = (m: Manifest) => expandUnits([...m.organization.units, ...(accounts.some((a) => a.closed) ? [m.organization.quarantineUnit] : [])]);
  if (parsed.success) {
    errors.push(...sectionChecks(sections, accounts, parsed.data as Manifest, source));
    errors.push(...organizationChecks(sections, accounts, parsed.data as Manifest, unitsOf(parsed.data as Manifest), source, dir));
  }
  if (errors.length > 0 || !parsed.success) throw new LzErrors(sortByPosition(errors));
  const manifest = parsed.data as Manifest;
  const management = accounts.find((a) => a.management);
  if (!management) {
    // semanticChecks reports this; reaching here would mean the two disagree.
    throw new LzErrors([new LzError('manifest.management-not-listed', `management account "${managementName}" is not listed in accounts`, { location: source.locate(['organization', 'management']), path: 'organization.management' })]);
  }
  return {
    file,
    manifest,
    accounts,
    // The quarantine unit exists once an account is to be closed.
    units: unitsOf(manifest),
    management,
    accessRole: manifest.organization.accessRole,
    readRole: manifest.organization.readRole ?? manifest.organization.accessRole,
    dir,
    text,
    locate: (path) => source.locate(path),
  };
}

/** The sections' own rules over the resolved accounts; one error per place in the file, however many accounts inherit it. */
function sectionChecks(sections: ManifestSections, accounts: ResolvedAccount[], manifest: Manifest, source: Pick<YamlSource, 'locate' | 'depth'>): LzError[] {
  const errors = new Map<string, LzError>();
  const report = (account: ResolvedAccount, path: DocPath, problem: SectionProblem) => {
    const where = originOf(source, account.index, path);
    const key = `${problem.code} ${formatPath(where)}`;
    if (!errors.has(key)) errors.set(key, new LzError(problem.code, problem.message, { path: formatPath(where), location: source.locate(where), ...(problem.hint ? { hint: problem.hint } : {}) }));
  };
  const line = (account: ResolvedAccount, path: DocPath) => source.locate(originOf(source, account.index, path))?.line;
  for (const section of sections.account) section.check?.({ accounts, manifest, report, line });
  return [...errors.values()];
}

/** The organization sections' own rules, each problem located under `organization.<key>`. */
function organizationChecks(sections: ManifestSections, accounts: ResolvedAccount[], manifest: Manifest, units: string[], source: Pick<YamlSource, 'locate'>, dir: string): LzError[] {
  const errors: LzError[] = [];
  for (const section of sections.organization) {
    const value = section.of({ manifest });
    if (value === undefined || !section.check) continue;
    const report = (path: DocPath, problem: SectionProblem) => {
      const where = ['organization', section.key, ...path];
      errors.push(new LzError(problem.code, problem.message, { path: formatPath(where), location: source.locate(where), ...(problem.hint ? { hint: problem.hint } : {}) }));
    };
    section.check({ value, manifest, accounts, units, dir, report });
  }
  return errors;
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
