import type { FieldChange } from './plan.js';

/** Stable JSON (sorted keys) so equal values compare equal whatever order AWS returned them in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a ?? null) === canonical(b ?? null);
}

/**
 * Field-by-field differences between what the file wants and what AWS has. Only the fields the file
 * declares are compared: a field AWS has and the file does not name is not ours to change.
 */
export function fieldDiff(want: Record<string, unknown>, have: Record<string, unknown> | undefined, prefix = ''): FieldChange[] {
  const out: FieldChange[] = [];
  for (const [key, after] of Object.entries(want)) {
    if (after === undefined) continue;
    const before = have?.[key];
    if (!sameValue(before, after)) out.push({ field: prefix + key, before: before ?? null, after });
  }
  return out;
}
