/**
 * How `defaults` and an account combine (docs/manifest.md, "Merge rules"):
 * mappings merge key by key with the account winning; lists replace; `null` removes the inherited value.
 * Works on the raw document values, before field defaults are filled, so that a key the account leaves out
 * keeps the inherited value instead of the built-in default.
 */
export function mergeOverride(base: unknown, override: unknown): unknown {
  if (override === undefined) return withoutNulls(base);
  if (override === null) return undefined;
  if (isMapping(base) && isMapping(override)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(base)) if (v !== null && v !== undefined) out[k] = withoutNulls(v);
    for (const [k, v] of Object.entries(override)) {
      const merged = mergeOverride(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return withoutNulls(override);
}

function withoutNulls(value: unknown): unknown {
  if (!isMapping(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = withoutNulls(v);
  return out;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
