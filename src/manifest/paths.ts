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

const DOC_SECTIONS = [
  'iamAdmin',
  'passwordPolicy',
  'budget',
  'budgets',
  'contacts',
  'contactInformation',
  'billingAccess',
  'tags',
  'rootCredentials',
  'organization',
  'defaults',
  'accounts',
] as const;

/** The docs/manifest.md section that explains the node at `path` (its innermost known item). */
export function docLink(path: DocPath): string {
  const found = [...path].reverse().find((s): s is string => typeof s === 'string' && (DOC_SECTIONS as readonly string[]).includes(s));
  return `docs/manifest.md#${(found ?? 'accounts').toLowerCase()}`;
}
