import { setTimeout as sleep } from 'node:timers/promises';
import { errorName } from './aws-errors.js';
import type { MiddlewareHost } from './rate-limit.js';

/**
 * Errors AWS answers while a change is still settling, each documented as "try again later": they are
 * retried by the SDK's standard retry strategy, with its back-off and attempts, as if AWS's model marked them
 * retryable. Longer windows have their own bounded waits where the change is made (FinalizingOrganization,
 * STS and the access role of a new account: src/resources/account-creation.ts).
 */
export const SETTLING_ERRORS: Readonly<Record<string, string>> = {
  // Organizations: "The target of the operation is currently being modified by a different request. Try again later."
  ConcurrentModificationException: 'another change to it is still in progress',
  // A new account's services: "The AWS Access Key Id needs a subscription for the service" while AWS activates them.
  SubscriptionRequiredException: 'AWS is still activating the service for the new account',
  OptInRequired: 'AWS is still activating the service for the new account',
  NotSignedUp: 'AWS is still activating S3 for the new account',
};

/**
 * The least wait before a settling error's retry `retry` (1 for the first): 250 ms, doubling. The SDK's
 * standard back-off is full jitter from 50 ms, so its eight attempts can all be spent within a second (about
 * one time in forty under 1.2 s), too short for a change AWS says to "try again later"; with this floor they
 * span at least about 18 s (the SDK lets a hint add at most 5 s to its own delay), while a short window still
 * costs a quarter of a second. Throttling and transient errors keep the SDK's own back-off.
 */
export function settlingRetryFloor(retry: number): number {
  return 250 * 2 ** (retry - 1);
}

/**
 * Marks a settling error retryable (the SDK's `$retryable` trait) on its way up to the retry step, asks
 * that step to wait at least settlingRetryFloor (the `x-amz-retry-after` hint it honours, unless AWS gave
 * one), and says that lz is waiting and why. Sits below the retry step, so it sees every attempt's error:
 * the handler is built once per call and run once per attempt, so it counts the call's settling errors.
 */
export function retrySettling(client: MiddlewareHost, notify: (operation: string, code: string, why: string) => void): void {
  client.middlewareStack.add(
    (next, context) => {
      let settlingErrors = 0;
      return async (args) => {
        try {
          return await next(args);
        } catch (err) {
          const code = errorName(err);
          const why = code === undefined ? undefined : SETTLING_ERRORS[code];
          if (why && typeof err === 'object' && err !== null) {
            (err as { $retryable?: object }).$retryable = {};
            floorRetryDelay(err as { $response?: unknown }, settlingRetryFloor(++settlingErrors));
            notify((context.commandName ?? '').replace(/Command$/, ''), code!, why);
          }
          throw err;
        }
      };
    },
    { step: 'finalizeRequest', priority: 'low', name: 'lzRetrySettling' },
  );
}

/** The SDK's retry step reads its hint from the response's headers; AWS's own hint, if any, stands. */
function floorRetryDelay(err: { $response?: unknown }, ms: number): void {
  const headers = (err.$response as { headers?: Record<string, string> } | undefined)?.headers;
  if (!headers) return;
  const named = Object.keys(headers).map((h) => h.toLowerCase());
  if (named.includes('retry-after') || named.includes('x-amz-retry-after')) return;
  headers['x-amz-retry-after'] = String(ms);
}

/** What a new account's access role answers until it can be assumed (STS activating, IAM propagating). */
export const ROLE_SETTLING: Readonly<Record<string, string>> = {
  RegionDisabledException: 'waiting for AWS to activate STS for the new account',
  AccessDenied: 'waiting for the access role',
  AccessDeniedException: 'waiting for the access role',
};

export interface WaitThroughOptions {
  /** The error codes to wait through, each with what lz says it waits for. */
  codes: Readonly<Record<string, string>>;
  timeout: number;
  pollInterval: number;
  fail: (err: unknown, elapsed: number) => Error;
  onWait: (step: string) => void;
  /** Ends the wait at once (SIGINT/SIGTERM) with an AbortError. */
  signal?: AbortSignal;
}

/**
 * Calls `call` until it stops failing with one of `codes` (AWS still settling a change lz just made), with
 * back-off from a quarter of the poll interval up to 10 s, saying on each wait what lz waits for; past
 * `timeout` the last error becomes `fail(err, elapsed)`. Any other error is thrown as it came. These
 * windows (minutes to an hour) are longer than the SDK's retry strategy is meant to cover.
 */
export async function waitThrough<T>(call: () => Promise<T>, opts: WaitThroughOptions): Promise<T> {
  const started = Date.now();
  let interval = Math.max(1, opts.pollInterval / 4);
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const code = errorName(err);
      const step = code === undefined ? undefined : opts.codes[code];
      if (step === undefined) throw err;
      const elapsed = Date.now() - started;
      if (elapsed > opts.timeout) throw opts.fail(err, elapsed);
      opts.onWait(`${step} (${Math.round(elapsed / 1000)} s)`);
      await sleep(interval, undefined, opts.signal ? { signal: opts.signal } : undefined);
      interval = Math.min(interval * 2, 10_000);
    }
  }
}

/** Assumes an account's access role, forgetting a refusal so that the next try asks STS again. */
export async function assumeAccessRole(aws: { credentialsFor(id: string): Promise<unknown>; forgetCredentials(id: string): void }, accountId: string): Promise<void> {
  try {
    await aws.credentialsFor(accountId);
  } catch (err) {
    aws.forgetCredentials(accountId);
    throw err;
  }
}
