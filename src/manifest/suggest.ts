/**
 * "Did you mean" for near-miss keys and enum values. People mistype a key as `pasword_policy` or
 * `Password-Policy`; comparing case- and separator-insensitively first catches those outright, and a small
 * edit distance (with transpositions) catches the typos.
 */

const SEPARATORS = /[\s_\-.]/g;

export function normalizeKey(s: string): string {
  return s.replace(SEPARATORS, '').toLowerCase();
}

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions (`pasword` ~ `psasword`). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      const prev = d[i - 1]!;
      let best = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      row[j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, if it is close enough that suggesting it helps rather than confuses. */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const wanted = normalizeKey(input);
  if (wanted.length === 0) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, normalizeKey(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // One edit per three characters, at least one and at most three: `amout` -> `amount`, but `x` -/-> `tags`.
  const allowed = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}
