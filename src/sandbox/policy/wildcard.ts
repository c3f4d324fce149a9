/**
 * IAM's wildcards: `*` any run of characters (`/` and `:` included), `?` exactly one. Actions compare
 * case-insensitively, resources and condition values case-sensitively (unless the operator says IgnoreCase).
 * Patterns compile once: a sandbox evaluates the same few documents for thousands of requests.
 */

export type Matcher = (value: string) => boolean;

const compiled = new Map<string, Matcher>();

function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

function compile(pattern: string, ignoreCase: boolean): Matcher {
  if (pattern === '*') return () => true;
  if (!/[*?]/.test(pattern)) {
    if (!ignoreCase) return (v) => v === pattern;
    const lower = pattern.toLowerCase();
    return (v) => v.toLowerCase() === lower;
  }
  const re = new RegExp(`^${escape(pattern).replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'is' : 's');
  return (v) => re.test(v);
}

/** A matcher for `pattern`, cached by pattern and case rule. */
export function wildcard(pattern: string, ignoreCase = false): Matcher {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let m = compiled.get(key);
  if (!m) {
    if (compiled.size > 20_000) compiled.clear();
    m = compile(pattern, ignoreCase);
    compiled.set(key, m);
  }
  return m;
}
