import type { ManifestSections } from './sections.js';
import type { LoadedManifest, ResolvedAccount } from './types.js';

export interface AccountSummary {
  name: string;
  email: string;
  /** OU path, or null for the root. */
  unit: string | null;
  management: boolean;
  /** Short words for what the account gets, in a fixed order, e.g. `iamAdmin mfa password-policy budget(100 USD)`. */
  baseline: string[];
  /** The account as resolved, each section's value under its key (`lz validate --json`). */
  account: Omit<ResolvedAccount, 'sections'> & Record<string, unknown>;
}

export interface ManifestSummary {
  file: string;
  management: string;
  units: string[];
  accounts: AccountSummary[];
}

/** Words for what the account gets, from each section's own summary, in the sections' order. */
export function baselineOf(account: ResolvedAccount, sections: ManifestSections): string[] {
  const words: string[] = account.management ? ['management'] : [];
  for (const section of sections.account) {
    const value = section.of(account);
    if (value !== undefined && section.summary) words.push(...section.summary(value));
  }
  return words;
}

function flatten({ sections, ...identity }: ResolvedAccount): AccountSummary['account'] {
  return { ...identity, ...sections };
}

/** Accounts grouped by OU, root first, then OUs in `units` order; file order within a unit. */
export function summarize(loaded: LoadedManifest, sections: ManifestSections): ManifestSummary {
  const order = (a: ResolvedAccount) => (a.unit === undefined ? -1 : loaded.units.indexOf(a.unit));
  const accounts = [...loaded.accounts]
    .sort((a, b) => order(a) - order(b) || a.index - b.index)
    .map((account) => ({
      name: account.name,
      email: account.email,
      unit: account.unit ?? null,
      management: account.management,
      baseline: baselineOf(account, sections),
      account: flatten(account),
    }));
  return { file: loaded.file, management: loaded.management.name, units: loaded.units, accounts };
}

export function renderSummary(summary: ManifestSummary): string {
  const unitWidth = Math.max(6, ...summary.accounts.map((a) => (a.unit ?? '(root)').length));
  const nameWidth = Math.max(...summary.accounts.map((a) => a.name.length));
  const lines = [
    `${summary.file}: valid. ${summary.accounts.length} account${summary.accounts.length === 1 ? '' : 's'}, ${summary.units.length} OU${summary.units.length === 1 ? '' : 's'}, management account ${summary.management}.`,
    '',
    `${'UNIT'.padEnd(unitWidth)}  ${'ACCOUNT'.padEnd(nameWidth)}  BASELINE`,
    ...summary.accounts.map((a) => `${(a.unit ?? '(root)').padEnd(unitWidth)}  ${a.name.padEnd(nameWidth)}  ${a.baseline.join(' ')}`),
  ];
  const empty = summary.units.filter((u) => !summary.accounts.some((a) => a.unit === u || a.unit?.startsWith(`${u}/`)));
  if (empty.length > 0) lines.push('', `OUs without accounts: ${empty.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
