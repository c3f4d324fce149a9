import type { DocPath } from './yaml-source.js';

/** `['accounts', 3, 'budget', 'amount']` -> `accounts[3].budget.amount`, as people write it. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}

/** The docs/manifest.md headings the loader knows itself; each account section has its own too. */
export const FRAME_DOC_SECTIONS = ['tags', 'organization', 'defaults', 'accounts'] as const;

/** The docs/manifest.md section that explains the node at `path` (its innermost documented item). */
export function docLink(path: DocPath, documented: readonly string[]): string {
  const found = [...path].reverse().find((s): s is string => typeof s === 'string' && documented.includes(s));
  return `docs/manifest.md#${(found ?? 'accounts').toLowerCase()}`;
}
