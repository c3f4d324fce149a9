import type { Logger } from '../log.js';
import { tagCall, type AwsCall } from '../call-errors.js';
import type { MiddlewareHost } from './rate-limit.js';

/** What one client's calls are logged and described as. */
export interface CallSite {
  /** The IAM service prefix, as errors and docs/permissions.md name calls: `organizations`, `iam`, `s3`... */
  service: string;
  /** The account whose credentials sign the calls, once known (the management account's is learnt from STS). */
  account: () => string | undefined;
  logger: Logger;
}

/** Keys whose values never reach a log, at any depth of a request's parameters. */
const SECRET_KEY = /password$|secret|sessiontoken|^credentials$|authenticationcode\d*$|^otp$|privatekey/i;

/**
 * A request's parameters as the trace log shows them: secrets (by key name, at any depth) masked, bodies
 * and streams reduced to their size, everything else as it is.
 */
export function redactParams(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (depth > 8 || typeof (value as { pipe?: unknown }).pipe === 'function') return '[not shown]';
  if (Array.isArray(value)) return value.map((v) => redactParams(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== undefined ? '[redacted]' : redactParams(v, depth + 1);
  return out;
}

interface Metadata {
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
  totalRetryDelay?: number;
}

/**
 * Every call of an SDK client, through its own middleware stack: each error is tagged with the call it came
 * from (service, operation, account, Region), so whoever prints it can name the call; at `debug` each call
 * is logged once it is done (HTTP status, duration, attempts, request id), at `trace` with its parameters.
 * The step is the outermost one, around the SDK's retries: one line per call, with the attempts it took.
 * When the level is off, a call costs a level check and, only if it fails, the tag.
 */
export function observeCalls(client: MiddlewareHost & { config?: { region?: unknown } }, site: CallSite): void {
  const { logger } = site;
  let region: Promise<string | undefined> | undefined;
  const regionOf = () => (region ??= resolveRegion(client.config?.region));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const debug = logger.isLevelEnabled('debug');
      const started = debug ? performance.now() : 0;
      try {
        const result = await next(args);
        if (debug) {
          const output = result.output as { $metadata?: Metadata; Account?: string };
          // The first call of a run, GetCallerIdentity, is how lz learns the management account's id.
          const account = site.account() ?? (operation === 'GetCallerIdentity' ? output.Account : undefined);
          logCall(logger, { service: site.service, operation, account, region: await regionOf() }, output.$metadata, started, args.input);
        }
        return result;
      } catch (err) {
        const call: AwsCall = { service: site.service, operation, account: site.account(), region: await regionOf() };
        tagCall(err, call);
        if (debug) logCall(logger, call, (err as { $metadata?: Metadata }).$metadata, started, args.input, err);
        throw err;
      }
    },
    { step: 'initialize', priority: 'high', name: 'lzRequestLog' },
  );
}

async function resolveRegion(region: unknown): Promise<string | undefined> {
  try {
    const r = typeof region === 'function' ? await (region as () => Promise<unknown>)() : region;
    return typeof r === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

function logCall(logger: Logger, call: AwsCall, meta: Metadata | undefined, started: number, input: unknown, err?: unknown): void {
  const line: Record<string, unknown> = {
    service: call.service,
    operation: call.operation,
    account: call.account,
    region: call.region,
    status: meta?.httpStatusCode,
    ms: Math.round(performance.now() - started),
    attempts: meta?.attempts,
    retryDelayMs: meta?.totalRetryDelay,
    requestId: meta?.requestId,
  };
  if (err !== undefined) {
    const e = err as { name?: string; code?: string; message?: string };
    line.error = e.code ?? e.name;
    line.errorMessage = e.message;
  }
  if (logger.isLevelEnabled('trace')) line.params = redactParams(input);
  logger.debug(line, 'aws call');
}
