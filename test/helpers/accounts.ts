import type { ResolvedAccount } from '../../src/manifest/types.js';

/** A member account as the manifest resolves it, with no baseline item unless the test gives one. */
export function resolvedAccount(overrides: Partial<ResolvedAccount> = {}): ResolvedAccount {
  return {
    name: 'Prod',
    email: 'prod@example.com',
    tags: {},
    billingAccess: true,
    management: false,
    index: 1,
    budgets: [],
    contacts: {},
    rootCredentials: 'keep',
    ...overrides,
  };
}
