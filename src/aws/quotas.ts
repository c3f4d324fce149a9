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

/**
 * Operations AWS publishes no rate for are sent unshaped; if AWS throttles them, the SDK's retry strategy
 * backs off.
 */
export const organizationsQuota: QuotaClassifier = (operation) => {
  const quota = ORGANIZATIONS_QUOTAS[operation];
  return quota ? { key: operation, quota } : undefined;
};

/** The Account API, per calling account (docs: "Quotas for AWS Account Management"). */
export const ACCOUNT_API_READ_QUOTA: Quota = { rate: 10, burst: 15 };
export const ACCOUNT_API_WRITE_QUOTA: Quota = { rate: 5, burst: 8 };

/** Region opt-in has its own, lower rates, each operation its own bucket. */
export const ACCOUNT_API_REGION_QUOTAS: Record<string, Quota> = {
  ListRegions: { rate: 5, burst: 5 },
  GetRegionOptStatus: { rate: 5, burst: 5 },
  EnableRegion: { rate: 1, burst: 1 },
  DisableRegion: { rate: 1, burst: 1 },
};

/** An account's name and root email have their own, lower rates too, each operation its own bucket. */
export const ACCOUNT_API_IDENTITY_QUOTAS: Record<string, Quota> = {
  PutAccountName: { rate: 1, burst: 1 },
  StartPrimaryEmailUpdate: { rate: 1, burst: 1 },
  AcceptPrimaryEmailUpdate: { rate: 1, burst: 1 },
};

/** Region opt-in and identity operations by name; otherwise reads and writes have separate buckets. */
export const accountApiQuota: QuotaClassifier = (operation) => {
  const own = ACCOUNT_API_REGION_QUOTAS[operation] ?? ACCOUNT_API_IDENTITY_QUOTAS[operation];
  if (own) return { key: operation, quota: own };
  return operation.startsWith('Get') || operation.startsWith('List')
    ? { key: 'read', quota: ACCOUNT_API_READ_QUOTA }
    : { key: 'write', quota: ACCOUNT_API_WRITE_QUOTA };
};

/** The most items an Organizations listing returns per page: asking for fewer only costs calls. */
export const ORGANIZATIONS_PAGE = 20;

/** Organizations allows this many CreateAccount requests in progress at once. */
export const MAX_ACCOUNT_CREATIONS_IN_FLIGHT = 5;

/**
 * IAM Identity Center's API: SSO Admin has "a collective throttle limit of 20 transactions per second" (one
 * bucket for all its operations), Identity Store 20 per second per API (IAM Identity Center User Guide,
 * "Throttling limits"). Per instance, so every Region's client of the run shares them.
 */
export const SSO_ADMIN_QUOTA: Quota = { rate: 20, burst: 20 };
export const ssoAdminQuota: QuotaClassifier = () => ({ key: 'sso-admin', quota: SSO_ADMIN_QUOTA });
export const identityStoreQuota: QuotaClassifier = (operation) => ({ key: operation, quota: { rate: 20, burst: 20 } });
