import type { LoadedManifest, ResolvedAccount } from './types.js';

export interface AccountSummary {
  name: string;
  email: string;
  /** OU path, or null for the root. */
  unit: string | null;
  management: boolean;
  /** Short words for what the account gets, in a fixed order, e.g. `iamAdmin mfa password-policy budget(100 USD)`. */
  baseline: string[];
  account: ResolvedAccount;
}

export interface ManifestSummary {
  file: string;
  management: string;
  units: string[];
  accounts: AccountSummary[];
}

export function baselineOf(account: ResolvedAccount): string[] {
  const words: string[] = [];
  if (account.management) words.push('management');
  if (account.iamAdmin) {
    words.push('iamAdmin');
    if (account.iamAdmin.requireMfa) words.push('mfa');
  }
  if (account.passwordPolicy) words.push('password-policy');
  if (account.alias) words.push('alias');
  for (const budget of account.budgets) words.push(`budget(${budget.amount} ${budget.currency})`);
  if (account.contacts.billing || account.contacts.operations || account.contacts.security) words.push('contacts');
  if (account.contactInformation) words.push('contact-information');
  if (account.billingAccess) words.push('billing-access');
  if (account.rootCredentials === 'delete') words.push('delete-root-credentials');
  return words;
}

/** Accounts grouped by OU, root first, then OUs in `units` order; file order within a unit. */
export function summarize(loaded: LoadedManifest): ManifestSummary {
  const order = (a: ResolvedAccount) => (a.unit === undefined ? -1 : loaded.units.indexOf(a.unit));
  const accounts = [...loaded.accounts]
    .sort((a, b) => order(a) - order(b) || a.index - b.index)
    .map((account) => ({
      name: account.name,
      email: account.email,
      unit: account.unit ?? null,
      management: account.management,
      baseline: baselineOf(account),
      account,
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
