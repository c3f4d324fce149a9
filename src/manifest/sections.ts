import * as z from 'zod';
import type { DocPath } from './yaml-source.js';
import type { LoadedManifest, Manifest, ResolvedAccount } from './types.js';

/**
 * A kind's slice of accounts.yaml. The loader knows the file's frame (organization: management, access
 * role, units, lock; each account's name, email, unit and tags); everything else is a section that a
 * resource module declares, and the loader builds its schema, merges defaults, checks and summarises
 * through the sections it is handed, never by name.
 */

/**
 * How an `accounts[]` entry combines with `defaults` (docs/manifest.md, "Merge rules"):
 * - merge: mappings merge key by key with the account winning; `null` removes the inherited value;
 * - replace: the account's value replaces the inherited one; `null` removes it;
 * - none: written in `accounts[]` only (e.g. an alias, unique per account).
 */
export type Inherit = 'merge' | 'replace' | 'none';

/** A problem a section's check finds, at a path inside the account entry (or its defaults). */
export interface SectionProblem {
  code: string;
  message: string;
  hint?: string;
}

export interface SectionCheckInput {
  /** Every account, defaults merged. */
  accounts: readonly ResolvedAccount[];
  /** The document as parsed (organization-level settings included). */
  manifest: Manifest;
  /**
   * Reports a problem at `path` inside `account`'s entry: the position is the account's own value when it
   * wrote one, else the `defaults` value it inherited. One report per position, however many accounts
   * inherit it.
   */
  report(account: ResolvedAccount, path: DocPath, problem: SectionProblem): void;
  /** The line a value of `account` at `path` was written on (its own, or the defaults it inherited). */
  line(account: ResolvedAccount, path: DocPath): number | undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a section's parsed value, typed by `accountSection`
type Parsed = any;

export interface AccountSection<T = unknown> {
  readonly key: string;
  /** The value as written in `defaults`, field defaults included; what an account's merged value must satisfy. */
  readonly schema: z.ZodType;
  readonly inherit: Inherit;
  /** The schema of an account's own entry; derived from `schema` and `inherit` unless given. */
  readonly override: z.ZodType;
  /** Parsed (merged) value to what modules see. */
  readonly resolve: (value: Parsed) => T;
  /** `lz import` writes it once under `defaults` when every account has the same value. */
  readonly factorable: boolean;
  /** Words for `lz validate`'s baseline column. */
  readonly summary?: (value: T) => string[];
  /** Rules over all accounts once resolved (uniqueness, references to organization settings). */
  readonly check?: (input: SectionCheckInput) => void;
  /** The account's value; undefined when neither the account nor `defaults` gives one. */
  of(account: ResolvedAccount): T | undefined;
}

export interface AccountSectionDefinition<S extends z.ZodType, T> {
  key: string;
  schema: S;
  inherit: Inherit;
  override?: z.ZodType;
  resolve?: (value: z.output<S>) => T;
  factorable?: boolean;
  summary?: (value: T) => string[];
  check?: (input: SectionCheckInput) => void;
}

/** Declares a section; the value modules read is `resolve(parsed)` (the parsed value itself by default). */
export function accountSection<S extends z.ZodType, T = z.output<S>>(def: AccountSectionDefinition<S, T>): AccountSection<T> {
  const resolve = def.resolve ?? ((value: z.output<S>) => value as unknown as T);
  return {
    key: def.key,
    schema: def.schema,
    inherit: def.inherit,
    override: def.override ?? overrideSchema(def.schema, def.inherit),
    resolve,
    factorable: def.factorable ?? false,
    ...(def.summary ? { summary: def.summary } : {}),
    ...(def.check ? { check: def.check } : {}),
    // The loader stores `resolve`'s result under the key; this is the one place that trusts it.
    of: (account) => account.sections[def.key] as T | undefined,
  };
}

/** A kind's settings under `organization:` (the trail, the cost export, ...). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the input type only matters where the section is declared
export interface OrganizationSection<T = unknown, In = any> {
  readonly key: string;
  readonly schema: z.ZodType;
  /**
   * Set when the value names an account, which must then be listed in `accounts` (checked with the file's
   * other references): how messages call it, e.g. 'log archive account'.
   */
  readonly namesAccount?: string;
  of(manifest: Pick<LoadedManifest, 'manifest'>): T | undefined;
  /** The value as `lz import` writes it, under its key: typed by the section's schema (its input). */
  fields(value: In): Record<string, unknown>;
  /** Rules over the value once the file passed the schema (references, limits AWS counts, files it names). */
  check?(input: OrganizationCheckInput<T>): void;
}

export interface OrganizationCheckInput<T> {
  value: T;
  manifest: Manifest;
  accounts: readonly ResolvedAccount[];
  /** Every OU path the file declares, parents included. */
  units: readonly string[];
  /** The directory accounts.yaml is in: paths the file names are relative to it. */
  dir: string;
  /** Reports a problem at `path` under the section (e.g. `[2, 'attach', 'units', 0]`), located in the file. */
  report(path: DocPath, problem: SectionProblem): void;
}

export function organizationSection<S extends z.ZodType>(def: {
  key: string;
  schema: S;
  namesAccount?: string;
  check?: (input: OrganizationCheckInput<z.output<S>>) => void;
}): OrganizationSection<z.output<S>, NonNullable<z.input<S>>> {
  return {
    key: def.key,
    schema: def.schema,
    ...(def.namesAccount ? { namesAccount: def.namesAccount } : {}),
    ...(def.check ? { check: def.check } : {}),
    of: (manifest) => (manifest.manifest.organization as Record<string, unknown>)[def.key] as z.output<S> | undefined,
    fields: (value) => ({ [def.key]: value }),
  };
}

/** Every section the loader is handed: the registry's modules' slices, in the order the file documents them. */
export interface ManifestSections {
  account: readonly AccountSection[];
  organization: readonly OrganizationSection[];
}

/**
 * The shape an account uses to override a defaults item: for `merge`, every key optional (it is merged over
 * the default) and nullable (`null` removes the inherited value, so the field's built-in default or absence
 * applies), with defaults stripped so an omitted key does not overwrite the inherited value; for `replace`
 * and `none`, the value itself (nullable for `replace`).
 */
export function overrideSchema(schema: z.ZodType, inherit: Inherit): z.ZodType {
  const bare = withoutDefault(schema);
  if (inherit === 'none') return bare.optional();
  if (inherit === 'replace' || !(bare instanceof z.ZodObject)) return bare.nullable().optional();
  return overrideOf(bare).nullable().optional();
}

export function overrideOf(schema: z.ZodObject): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape)) shape[key] = withoutDefault(field as z.ZodType).nullable().optional();
  return z.strictObject(shape).describe(`Override: any subset of the keys; null removes the inherited value. ${schema.description ?? ''}`.trim());
}

export function withoutDefault(schema: z.ZodType): z.ZodType {
  if (!(schema instanceof z.ZodDefault)) return schema;
  const inner = schema.unwrap() as z.ZodType;
  return schema.description ? inner.describe(schema.description) : inner;
}
