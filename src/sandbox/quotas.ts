/**
 * Per-caller-account, per-operation token buckets at AWS's published request quotas. The table is plain
 * data so the benchmark can compute lower bounds from it.
 */

/** A token bucket: `rate` tokens a second, at most `burst` held. */
export interface Quota {
  rate: number;
  burst: number;
}

/** service signing name → operation (or 'default' for every other operation of the service) → quota. */
export type QuotaTable = Record<string, Record<string, Quota>>;

/**
 * AWS's published request quotas, per calling account. Written from AWS's pages, not from lz's own table,
 * so that a wrong number in lz shows up as throttling instead of being shared:
 * - Organizations: "Quotas and service limits for AWS Organizations", Throttling limits
 *   (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html). Operations
 *   AWS publishes no rate for are not throttled.
 * - Account: "Quotas for AWS Account Management" (https://docs.aws.amazon.com/accounts/latest/reference/quotas.html):
 *   one rate per operation.
 * - IAM Identity Center: "IAM Identity Center quotas", throttle limits
 *   (https://docs.aws.amazon.com/singlesignon/latest/userguide/limits.html): the SSO Admin APIs share one
 *   20 TPS limit; the Identity Store APIs have 20 TPS each.
 */
export const QUOTAS: QuotaTable = {
  organizations: {
    ListAccounts: { rate: 8, burst: 12 },
    ListAccountsForParent: { rate: 5, burst: 8 },
    ListParents: { rate: 5, burst: 8 },
    ListChildren: { rate: 6, burst: 10 },
    DescribeAccount: { rate: 20, burst: 30 },
    CreateAccount: { rate: 0.1, burst: 3 },
    DescribeCreateAccountStatus: { rate: 2, burst: 2 },
    MoveAccount: { rate: 2, burst: 3 },
    TagResource: { rate: 4, burst: 6 },
  },
  account: {
    GetAlternateContact: { rate: 10, burst: 15 },
    GetContactInformation: { rate: 10, burst: 15 },
    PutAlternateContact: { rate: 5, burst: 8 },
    PutContactInformation: { rate: 5, burst: 8 },
    DeleteAlternateContact: { rate: 1, burst: 6 },
    ListRegions: { rate: 5, burst: 5 },
    GetRegionOptStatus: { rate: 5, burst: 5 },
    EnableRegion: { rate: 1, burst: 1 },
    DisableRegion: { rate: 1, burst: 1 },
    PutAccountName: { rate: 1, burst: 1 },
    GetAccountInformation: { rate: 3, burst: 3 },
    GetPrimaryEmail: { rate: 3, burst: 3 },
    StartPrimaryEmailUpdate: { rate: 1, burst: 1 },
    AcceptPrimaryEmailUpdate: { rate: 1, burst: 1 },
  },
  sts: { default: { rate: 600, burst: 600 } },
  iam: { default: { rate: 20, burst: 40 } },
  budgets: { default: { rate: 10, burst: 20 } },
  // S3: 5,500 GET/HEAD and 3,500 PUT/DELETE requests per second per prefix (generous: lz never gets near).
  s3: {
    GetObject: { rate: 5500, burst: 5500 },
    HeadObject: { rate: 5500, burst: 5500 },
    default: { rate: 3500, burst: 3500 },
  },
  // CloudTrail: Get/Describe/List APIs 10 TPS each, every other API 1 TPS (not adjustable).
  cloudtrail: {
    DescribeTrails: { rate: 10, burst: 10 },
    GetTrail: { rate: 10, burst: 10 },
    GetTrailStatus: { rate: 10, burst: 10 },
    ListTags: { rate: 10, burst: 10 },
    // "The rate of lookup requests is limited to two per second, per account, per Region."
    LookupEvents: { rate: 2, burst: 2 },
    default: { rate: 1, burst: 1 },
  },
  sso: { default: { rate: 20, burst: 20 } },
  // Secrets Manager: DescribeSecret and GetSecretValue 10,000 TPS combined (the sandbox gives each its own
  // bucket), CreateSecret, DeleteSecret, PutSecretValue and TagResource 50 TPS.
  secretsmanager: {
    DescribeSecret: { rate: 10000, burst: 10000 },
    GetSecretValue: { rate: 10000, burst: 10000 },
    default: { rate: 50, burst: 50 },
  },
  identitystore: Object.fromEntries(
    ['GetGroupId', 'GetUserId', 'DescribeGroup', 'DescribeUser', 'ListGroups', 'ListUsers', 'CreateGroup', 'ListGroupMemberships'].map((op) => [op, { rate: 20, burst: 20 }]),
  ),
};

/** The throttling error each service models (code and HTTP status), so the SDK raises its class. */
export const THROTTLING_ERRORS: Record<string, { code: string; status: number; message: string }> = {
  organizations: { code: 'TooManyRequestsException', status: 400, message: 'You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.' },
  account: { code: 'TooManyRequestsException', status: 429, message: 'The operation failed because it was called too frequently and exceeded a throttle limit.' },
  budgets: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
  iam: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
  sts: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
  s3: { code: 'SlowDown', status: 503, message: 'Please reduce your request rate.' },
  cloudtrail: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
  'bcm-data-exports': { code: 'ThrottlingException', status: 429, message: 'Rate exceeded' },
  'access-analyzer': { code: 'ThrottlingException', status: 429, message: 'Rate exceeded' },
  sso: { code: 'ThrottlingException', status: 429, message: 'Rate exceeded' },
  identitystore: { code: 'ThrottlingException', status: 429, message: 'Rate exceeded' },
  secretsmanager: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
};

/** Overrides merged over QUOTAS: `{ iam: { default: { rate: 1, burst: 2 } } }`. */
export type QuotaOverrides = Partial<Record<string, Partial<Record<string, Quota>>>>;

export function resolveQuotaTable(overrides?: QuotaOverrides): QuotaTable {
  const table: QuotaTable = {};
  for (const [svc, ops] of Object.entries(QUOTAS)) table[svc] = { ...ops };
  for (const [svc, ops] of Object.entries(overrides ?? {})) {
    table[svc] = { ...(table[svc] ?? {}) };
    for (const [op, q] of Object.entries(ops ?? {})) if (q) table[svc]![op] = q;
  }
  return table;
}

/** Which bucket an operation draws from and its quota; undefined when the service has no quota. */
export function quotaFor(table: QuotaTable, service: string, operation: string): { bucket: string; quota: Quota } | undefined {
  const ops = table[service];
  if (!ops) return undefined;
  if (ops[operation]) return { bucket: operation, quota: ops[operation]! };
  return ops.default ? { bucket: 'default', quota: ops.default } : undefined;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/** Token buckets keyed by caller account, service and bucket name. Time is the wall clock in ms. */
export class QuotaLimiter {
  private readonly buckets = new Map<string, Bucket>();
  readonly table: QuotaTable;

  constructor(overrides?: QuotaOverrides, private readonly clock: () => number = () => performance.now()) {
    this.table = resolveQuotaTable(overrides);
  }

  /** Takes a token; false when the caller is over quota. */
  take(accountId: string, service: string, operation: string): boolean {
    const q = quotaFor(this.table, service, operation);
    if (!q) return true;
    const key = `${accountId}/${service}/${q.bucket}`;
    const now = this.clock();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: q.quota.burst, updated: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(q.quota.burst, b.tokens + ((now - b.updated) / 1000) * q.quota.rate);
    b.updated = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  reset(): void {
    this.buckets.clear();
  }
}
