import type { LzError } from '../errors.js';
import { mergeOverride } from './merge.js';
import { resolvedAccountSchema } from './schema.js';
import type { Budget, ResolvedAccountData } from './schema.js';
import { issuesToErrors } from './schema-errors.js';
import type { ResolvedAccount, ResolvedBudget } from './types.js';
import type { DocPath, YamlSource } from './yaml-source.js';

/**
 * Merges `defaults` into one account and fills the field defaults. Errors found only after merging (a
 * budget whose amount neither side gives, two budgets with one name) point at the account's own node
 * when it wrote the value, else at the defaults item it inherited.
 */
export function resolveAccount(
  rawDefaults: unknown,
  rawAccount: unknown,
  index: number,
  managementName: string,
  source: Pick<YamlSource, 'locate' | 'depth'>,
): { account?: ResolvedAccount; errors: LzError[] } {
  const merged = mergeOverride(rawDefaults ?? {}, rawAccount);
  const result = resolvedAccountSchema.safeParse(merged, { reportInput: true });
  if (!result.success) {
    const accountPath = ['accounts', index] as const;
    const locate = (path: DocPath, opts?: { key?: boolean }) => {
      const inAccount = path.slice(accountPath.length);
      const fromDefaults = ['defaults', ...inAccount];
      const own = source.depth(path) - accountPath.length;
      const inherited = source.depth(fromDefaults) - 1;
      return inherited > own && inherited > 0 ? source.locate(fromDefaults, opts) : source.locate(path, opts);
    };
    return { errors: issuesToErrors(result.error.issues, { schema: resolvedAccountSchema, basePath: accountPath, locate }) };
  }
  return { account: toResolvedAccount(result.data, index, managementName), errors: [] };
}

function toResolvedAccount(data: ResolvedAccountData, index: number, managementName: string): ResolvedAccount {
  const budgets = [...(data.budget ? [data.budget] : []), ...data.budgets].map(toResolvedBudget);
  const contacts: ResolvedAccount['contacts'] = {};
  if (data.contacts.billing) contacts.billing = data.contacts.billing;
  if (data.contacts.operations) contacts.operations = data.contacts.operations;
  if (data.contacts.security) contacts.security = data.contacts.security;
  const account: ResolvedAccount = {
    name: data.name,
    email: data.email,
    tags: data.tags,
    billingAccess: data.billingAccess,
    management: data.name === managementName,
    index,
    budgets,
    contacts,
    rootCredentials: data.rootCredentials,
  };
  // Optional keys are left out rather than set to undefined, so JSON output and deep equality stay clean.
  if (data.unit !== undefined) account.unit = data.unit;
  if (data.alias !== undefined) account.alias = data.alias;
  if (data.iamAdmin) account.iamAdmin = data.iamAdmin;
  if (data.passwordPolicy) account.passwordPolicy = data.passwordPolicy;
  if (data.contactInformation) account.contactInformation = data.contactInformation;
  return account;
}

function toResolvedBudget(budget: Budget): ResolvedBudget {
  return {
    name: budget.name,
    amount: budget.amount,
    currency: budget.currency,
    period: budget.period,
    alerts: budget.alerts.map((alert) => ({
      at: alert.at,
      type: alert.type,
      thresholdType: alert.thresholdType,
      comparison: alert.comparison,
      notify: [...(alert.notify ?? budget.notify)],
    })),
  };
}

/** Every OU path with its parents, parents first (a prefix sorts before what extends it). */
export function expandUnits(declared: readonly string[]): string[] {
  const all = new Set<string>();
  for (const unit of declared) {
    const segments = unit.split('/');
    for (let n = 1; n <= segments.length; n++) all.add(segments.slice(0, n).join('/'));
  }
  return [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
