import type { Quota, QuotaClassifier } from './rate-limit.js';

/**
 * AWS Organizations' published per-account request quotas for the operations lz calls
 * (docs: "Quotas for AWS Organizations", throttling section). Keyed by the SDK command's operation name.
 */
export const ORGANIZATIONS_QUOTAS: Record<string, Quota> = {
  ListAccounts: { rate: 8, burst: 12 },
  ListAccountsForParent: { rate: 5, burst: 8 },
  ListParents: { rate: 5, burst: 8 },
  ListChildren: { rate: 6, burst: 10 },
  DescribeAccount: { rate: 20, burst: 30 },
  CreateAccount: { rate: 0.1, burst: 3 },
  DescribeCreateAccountStatus: { rate: 2, burst: 2 },
  MoveAccount: { rate: 2, burst: 3 },
  TagResource: { rate: 4, burst: 6 },
};

/** Every other Organizations operation. */
export const ORGANIZATIONS_DEFAULT_QUOTA: Quota = { rate: 10, burst: 15 };

export const organizationsQuota: QuotaClassifier = (operation) => {
  const quota = ORGANIZATIONS_QUOTAS[operation];
  return quota ? { key: operation, quota } : { key: 'default', quota: ORGANIZATIONS_DEFAULT_QUOTA };
};

/** The Account API, per calling account: reads and writes have separate buckets. */
export const accountApiQuota: QuotaClassifier = (operation) =>
  operation.startsWith('Get') || operation.startsWith('List')
    ? { key: 'read', quota: { rate: 10, burst: 15 } }
    : { key: 'write', quota: { rate: 5, burst: 8 } };

/** Organizations allows this many CreateAccount requests in progress at once. */
export const MAX_ACCOUNT_CREATIONS_IN_FLIGHT = 5;
