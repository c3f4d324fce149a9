import { QUOTAS, quotaFor, THROTTLING_ERRORS } from '../../src/sandbox/quotas.js';
import type { RequestLogEntry } from '../../src/sandbox/types.js';

export interface BucketBound {
  bucket: string;
  calls: number;
  seconds: number;
}

export interface Bounds {
  /** The slowest quota bucket: calls beyond its burst, at its rate. */
  quota: BucketBound;
  /** Dependent calls in sequence × latency ÷ parallelism. */
  latencySeconds: number;
  accountChain: number;
  organizationChain: number;
  seconds: number;
}

/** Requests answered with a throttling error (the SDK retried them). */
export function throttled(log: RequestLogEntry[]): number {
  const codes = new Set(Object.values(THROTTLING_ERRORS).map((e) => e.code));
  return log.filter((r) => r.errorCode && codes.has(r.errorCode)).length;
}

export function callsByOperation(log: RequestLogEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of log) out[`${r.service}:${r.operation}`] = (out[`${r.service}:${r.operation}`] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([, a], [, b]) => b - a));
}

/**
 * The fastest a plan could possibly be, from the calls it made: no quota bucket can be drained faster than
 * its rate once its burst is spent, and calls that depend on each other cannot overlap their latency.
 * `accountChain` is the number of dependent calls in one account's read (calibrated, see
 * `dependentChain`); the organization's chain is its fixed reads, the unit tree's levels, and the longest
 * paginated listing.
 */
export function lowerBound(
  log: RequestLogEntry[],
  shape: { managementAccountId: string; latencyMs: number; parallelism: number; accounts: number; parents: number; unitLevels: number; accountChain: number },
): Bounds {
  const { managementAccountId, latencyMs, parallelism, accounts, accountChain } = shape;
  const buckets = new Map<string, { calls: number; rate: number; burst: number }>();
  for (const r of log) {
    const q = quotaFor(QUOTAS, r.service, r.operation);
    if (!q) continue;
    const key = `${r.callerAccount === managementAccountId ? 'management' : r.callerAccount} ${r.service}:${q.bucket}`;
    const b = buckets.get(key) ?? { calls: 0, rate: q.quota.rate, burst: q.quota.burst };
    b.calls++;
    buckets.set(key, b);
  }
  let quota: BucketBound = { bucket: '(none)', calls: 0, seconds: 0 };
  for (const [bucket, b] of buckets) {
    const seconds = Math.max(0, b.calls - b.burst) / b.rate;
    if (seconds > quota.seconds) quota = { bucket, calls: b.calls, seconds };
  }
  // GetCallerIdentity, DescribeOrganization, ListRoots; then the unit tree level by level; then the
  // accounts of each parent, pages in sequence, parents side by side.
  const accountPages = log.filter((r) => r.operation === 'ListAccountsForParent').length;
  const organizationChain = 3 + shape.unitLevels + Math.ceil(accountPages / Math.max(1, shape.parents));
  const latencySeconds = ((organizationChain + Math.ceil(accounts / parallelism) * accountChain) * latencyMs) / 1000;
  return { quota, latencySeconds, accountChain, organizationChain, seconds: Math.max(quota.seconds, latencySeconds) };
}

/**
 * How many calls in one account's read depend on each other (AssumeRole, then the longest chain among the
 * modules' reads): measured on a one-account plan at a latency so large that CPU time vanishes beside it.
 */
export function dependentChain(log: RequestLogEntry[], managementAccountId: string, latencyMs: number): number {
  const member = log.filter((r) => r.callerAccount !== managementAccountId);
  if (member.length === 0) return 0;
  const times = member.map((r) => r.time);
  // The span covers all but the last call's latency; AssumeRole (made by the management account) comes first.
  return Math.round((Math.max(...times) - Math.min(...times)) / latencyMs) + 2;
}
