import { isClockSkewError } from '@smithy/core/retry';
import type { FinalizeHandler, FinalizeHandlerArguments } from '@smithy/types';
import { errorName, httpStatus } from './aws-errors.js';
import type { MiddlewareHost } from './rate-limit.js';

/**
 * An answer that refused the request for its time: the SDK's own clock-skew codes, or a HEAD answer's 403,
 * which has no body to name its code (the SDK calls it Unknown) and may be S3's RequestTimeTooSkewed.
 */
const refusedForTime = (err: unknown): boolean => {
  const name = errorName(err) ?? '';
  return isClockSkewError(err as Parameters<typeof isClockSkewError>[0]) || (httpStatus(err) === 403 && (name === 'Unknown' || name === 'Forbidden'));
};

/**
 * With the machine's clock four minutes or more off AWS's, this SDK marks every error answer
 * `clockSkewCorrected` (each answer's Date header, to the second, moves its offset by some milliseconds,
 * which it counts as a correction), and its retry step then retries the error as transient: a "not found"
 * that lz expects (no console password, no trail bucket yet) was asked eight times with back-off, a plan of
 * two accounts took 5 s instead of 0.5 (test/reliability/clock-skew.test.ts). The clock is still corrected;
 * only an answer that refused the request for its time keeps the retry. Sits between the retry step and the
 * signer, which sets the flag.
 */
export function retryOnlyTimeRefusals(client: MiddlewareHost): void {
  client.middlewareStack.addRelativeTo(
    (next: FinalizeHandler<object, object>) => async (args: FinalizeHandlerArguments<object>) => {
      try {
        return await next(args);
      } catch (err) {
        const metadata = (err as { $metadata?: { clockSkewCorrected?: boolean } } | undefined)?.$metadata;
        if (metadata?.clockSkewCorrected && !refusedForTime(err)) delete metadata.clockSkewCorrected;
        throw err;
      }
    },
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'lzRetryOnlyTimeRefusals' },
  );
}
