import type { MiddlewareStack } from '@smithy/types';
import { isError } from './aws-errors.js';

/**
 * A token bucket per AWS quota. AWS throttles some Organizations and Account API calls per management
 * account at a few calls a second; letting the SDK discover that through ThrottlingException wastes
 * retries and their back-off, so calls that share a quota wait here first.
 */
export interface Quota {
  /** Tokens added per second. */
  rate: number;
  /** Bucket size: how many calls may go at once after a quiet spell. */
  burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly quota: Quota,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.tokens = quota.burst;
    this.last = clock();
  }

  /** Resolves when a call may be made; callers are served in arrival order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken());
    this.queue = turn;
    return turn;
  }

  /** Gives back the token of a call AWS refused without acting on it. */
  refund(): void {
    this.tokens = Math.min(this.quota.burst, this.tokens + 1);
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      const now = this.clock();
      this.tokens = Math.min(this.quota.burst, this.tokens + ((now - this.last) / 1000) * this.quota.rate);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitMs = ((1 - this.tokens) / this.quota.rate) * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
    }
  }
}

/** Which bucket an operation draws from; operations that share a quota share a key. */
export type QuotaClassifier = (operation: string) => { key: string; quota: Quota } | undefined;

/** Where a client's calls take their tokens: a table of buckets here, or one kept by another thread. */
export interface QuotaSource {
  take(operation: string): Promise<void>;
  refund(operation: string): void;
}

/** Token buckets made on first use, one per quota key. */
export class QuotaTable implements QuotaSource {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly classify: QuotaClassifier) {}

  take(operation: string): Promise<void> {
    const c = this.classify(operation);
    if (!c) return Promise.resolve();
    let bucket = this.buckets.get(c.key);
    if (!bucket) {
      bucket = new TokenBucket(c.quota);
      this.buckets.set(c.key, bucket);
    }
    return bucket.take();
  }

  refund(operation: string): void {
    const c = this.classify(operation);
    if (c) this.buckets.get(c.key)?.refund();
  }
}

/**
 * Answers of a call that AWS refused because the organization was not ready, before doing anything: its
 * token is given back, so that waiting through a finalizing organization does not eat the CreateAccount
 * quota the creations need afterwards.
 */
const REFUSED_UNREADY = ['FinalizingOrganizationException'];

/** The part of an SDK client the limiter touches. */
export interface MiddlewareHost {
  // Each client's stack is typed by that client's own input/output unions; the limiter works with any.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  middlewareStack: MiddlewareStack<any, any>;
}

/**
 * Makes every call of an SDK client wait for its bucket. The step sits after the SDK's retry step, so each
 * retried attempt waits for a token too. A function names the table per call: a client lent from account
 * to account (src/aws/client-pool.ts) draws on the quotas of the account it works for.
 */
export function limitCalls(client: MiddlewareHost, quotas: QuotaSource | (() => QuotaSource)): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      const table = typeof quotas === 'function' ? quotas() : quotas;
      await table.take(operation);
      try {
        return await next(args);
      } catch (err) {
        if (isError(err, ...REFUSED_UNREADY)) table.refund(operation);
        throw err;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'lzQuotaLimiter' },
  );
}
