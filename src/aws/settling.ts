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
 * Marks a settling error retryable (the SDK's `$retryable` trait) on its way up to the retry step, and says
 * that lz is waiting and why. Sits below the retry step, so it sees every attempt's error.
 */
export function retrySettling(client: MiddlewareHost, notify: (operation: string, code: string, why: string) => void): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        const code = errorName(err);
        const why = code === undefined ? undefined : SETTLING_ERRORS[code];
        if (why && typeof err === 'object' && err !== null) {
          (err as { $retryable?: object }).$retryable = {};
          notify((context.commandName ?? '').replace(/Command$/, ''), code!, why);
        }
        throw err;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'lzRetrySettling' },
  );
}
