import type * as z from 'zod';
import type { LzError } from '../errors.js';
import { mergeOverride } from './merge.js';
import type { ManifestSections } from './sections.js';
import { issuesToErrors } from './schema-errors.js';
import type { ResolvedAccount } from './types.js';
import type { DocPath, YamlSource } from './yaml-source.js';

export interface AccountResolver {
  sections: ManifestSections;
  /** buildResolvedAccountSchema(sections). */
  schema: z.ZodType;
  documented: readonly string[];
}

/**
 * Where a value of account `index` at `path` (inside its entry) was written: the account's own node when it
 * wrote it, else the defaults item it inherited.
 */
export function originOf(source: Pick<YamlSource, 'depth'>, index: number, path: DocPath): DocPath {
  const own: DocPath = ['accounts', index, ...path];
  const inherited: DocPath = ['defaults', ...path];
  const ownDepth = source.depth(own) - 2;
  const inheritedDepth = source.depth(inherited) - 1;
  return inheritedDepth > ownDepth && inheritedDepth > 0 ? inherited : own;
}

/**
 * Merges `defaults` into one account and fills the field defaults. Errors found only after merging (a
 * budget whose amount neither side gives) point at the account's own node when it wrote the value, else at
 * the defaults item it inherited.
 */
export function resolveAccount(
  resolver: AccountResolver,
  rawDefaults: unknown,
  rawAccount: unknown,
  index: number,
  frame: { management: string; quarantineUnit: string },
  source: Pick<YamlSource, 'locate' | 'depth'>,
): { account?: ResolvedAccount; errors: LzError[] } {
  const merged = mergeOverride(rawDefaults ?? {}, rawAccount);
  const result = resolver.schema.safeParse(merged, { reportInput: true });
  if (!result.success) {
    const accountPath = ['accounts', index] as const;
    const locate = (path: DocPath, opts?: { key?: boolean }) => source.locate(originOf(source, index, path.slice(accountPath.length)), opts);
    return { errors: issuesToErrors(result.error.issues, { schema: resolver.schema, basePath: accountPath, locate, documented: resolver.documented }) };
  }
  const data = result.data as Record<string, unknown> & { name: string; email: string; unit?: string; id?: string; closed?: boolean; tags: Record<string, string> };
  const sections: Record<string, unknown> = {};
  // Absent keys stay absent rather than undefined, so JSON output and deep equality stay clean.
  for (const section of resolver.sections.account) {
    const value = data[section.key];
    if (value !== undefined) sections[section.key] = section.resolve(value);
  }
  const closed = data.closed === true;
  const account: ResolvedAccount = { name: data.name, email: data.email, tags: data.tags, management: data.name === frame.management, closed, index, sections };
  // A closed account is kept in quarantine whatever unit it had: that is where lz puts it before closing it.
  const unit = closed ? frame.quarantineUnit : data.unit;
  if (unit !== undefined) account.unit = unit;
  if (data.id !== undefined) account.id = data.id;
  return { account, errors: [] };
}

/** Every OU path with its parents, parents first (a prefix sorts before what extends it). */
export function expandUnits(declared: readonly string[]): string[] {
  const all = new Set<string>();
  for (const unit of declared) {
    const segments = unit.split('/');
    for (let n = 1; n <= segments.length; n++) all.add(segments.slice(0, n).join('/'));
  }
  return [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
