import type { Change, FieldChange, PlanOutput } from './plan.js';
import { sameValue } from './values.js';

/**
 * Shared ways to reconcile, so that every kind plans the same situations the same way: one managed-by tag,
 * one tag diff with one prune rule, one plan shape for things an account has at most one of.
 */

/** The tag that marks what lz made (users, buckets, trails, exports), so it is found once the file drops it. */
export const MANAGED_BY_TAG = 'lz:managed';

export const hasManagedByTag = (tags: readonly { Key?: string; Value?: string }[] | undefined): boolean => Boolean(tags?.some((t) => t.Key === MANAGED_BY_TAG));

export interface TagDiff {
  /** As the plan shows them: `tags.KEY`. */
  fields: FieldChange[];
  /** Tags to add or change. */
  set: Record<string, string>;
  /** Keys to remove (only with --prune). */
  unset: string[];
  /** Keys AWS has and the file does not name, left alone (without --prune). */
  unmanaged: string[];
}

/**
 * The one prune rule for tags: a tag the file names is set; a tag AWS has and the file does not name is
 * removed with --prune and reported otherwise.
 */
export function tagDiff(want: Readonly<Record<string, string>>, have: Readonly<Record<string, string>>, prune: boolean): TagDiff {
  const out: TagDiff = { fields: [], set: {}, unset: [], unmanaged: [] };
  for (const [key, value] of Object.entries(want)) {
    if (have[key] === value) continue;
    out.fields.push({ field: `tags.${key}`, before: have[key] ?? null, after: value });
    out.set[key] = value;
  }
  for (const [key, value] of Object.entries(have)) {
    if (key in want) continue;
    if (prune) {
      out.fields.push({ field: `tags.${key}`, before: value, after: null });
      out.unset.push(key);
    } else out.unmanaged.push(key);
  }
  return out;
}

/** Field by field, over the fields `want` declares: a field AWS has and the file does not name is not compared. */
export function fieldDiff<T extends object>(want: T, have: Partial<T> | undefined, prefix = ''): FieldChange[] {
  const out: FieldChange[] = [];
  for (const [key, after] of Object.entries(want) as [string, unknown][]) {
    if (after === undefined) continue;
    const before = (have as Record<string, unknown> | undefined)?.[key];
    if (!sameValue(before, after)) out.push({ field: prefix + key, before: before ?? null, after });
  }
  return out;
}

/** Every one of `fields`, absent ones compared as null (for APIs that replace the whole record). */
export function everyFieldDiff<T extends object>(fields: readonly (keyof T & string)[], want: T, have: T): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of fields) {
    const before = have[field] ?? null;
    const after = want[field] ?? null;
    if (!sameValue(before, after)) out.push({ field, before, after });
  }
  return out;
}

export interface SingletonInput<Want, Have, Payload> {
  address: string;
  kind: string;
  account?: string;
  want: Want | undefined;
  have: Have | undefined;
  prune: boolean;
  /** What differs; no fields, no change. */
  fields(want: Want, have: Have): FieldChange[];
  payload: { put(want: Want, have: Have | undefined): Payload; delete?(have: Have): Payload };
  /** How the plan lists it when the file declares none (without --prune, or when it cannot be deleted). */
  unmanaged(have: Have): string;
  /** What the plan shows of each side; the values themselves by default. */
  show?: { want?(want: Want): unknown; have?(have: Have): unknown };
}

/**
 * The plan of a thing an account or organization has at most one of (a password policy, an alias): create
 * what is missing, update what differs, and for what the file does not declare, delete it with --prune
 * (when it can be deleted) or report it.
 */
export function singletonDiff<Want, Have, Payload>(input: SingletonInput<Want, Have, Payload>): PlanOutput<Payload> {
  const { want, have, address, kind } = input;
  const base = { address, kind, ...(input.account ? { account: input.account } : {}) };
  const showWant = (w: Want) => (input.show?.want ? input.show.want(w) : w);
  const showHave = (h: Have) => (input.show?.have ? input.show.have(h) : h);
  const none: PlanOutput<Payload> = { changes: [], unmanaged: [] };
  if (want === undefined) {
    if (have === undefined) return none;
    if (input.prune && input.payload.delete) {
      return { changes: [{ ...base, action: 'delete', before: showHave(have), after: null, payload: input.payload.delete(have) }], unmanaged: [] };
    }
    return { changes: [], unmanaged: [{ address, kind, description: input.unmanaged(have) }] };
  }
  if (have === undefined) return { changes: [{ ...base, action: 'create', before: null, after: showWant(want), payload: input.payload.put(want, undefined) }], unmanaged: [] };
  const fields = input.fields(want, have);
  if (fields.length === 0) return none;
  const change: Change<Payload> = { ...base, action: 'update', before: showHave(have), after: showWant(want), fields, payload: input.payload.put(want, have) };
  return { changes: [change], unmanaged: [] };
}
