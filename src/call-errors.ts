/**
 * Errors of AWS calls, described for a person: which call, in which account, what AWS answered. Apart from
 * src/aws so that the CLI's edge (src/cli/exit.ts) can describe them without loading anything of AWS's.
 */
import { LzError } from './errors.js';

/** The AWS call an error came from, as the request log names it (src/aws/request-log.ts tags the errors). */
export interface AwsCall {
  service: string;
  operation: string;
  account?: string;
  region?: string;
}

const CALL = Symbol('lz.awsCall');

/**
 * Records on an SDK error which call raised it. The error itself is kept (its name, class, `$metadata`),
 * so `isError`, `ignoreCodes` and `instanceof` see it as before. The innermost call wins: an AssumeRole
 * that fails while a member account's call resolves its credentials is named as the AssumeRole.
 */
export function tagCall(err: unknown, call: AwsCall): void {
  if (typeof err !== 'object' || err === null || CALL in err || !Object.isExtensible(err)) return;
  Object.defineProperty(err, CALL, { value: call, enumerable: false });
}

export function callOf(err: unknown): AwsCall | undefined {
  return typeof err === 'object' && err !== null ? (err as { [CALL]?: AwsCall })[CALL] : undefined;
}

/**
 * The SDK names an error after the code in AWS's answer; without one (an HTML page from a proxy or load
 * balancer, an empty body) it says `Unknown`, `UnknownError`, the status, or throws the parser's SyntaxError.
 */
export function awsErrorCode(err: unknown): string | undefined {
  const { name, $fault } = (err ?? {}) as { name?: string; $fault?: unknown };
  if (!name || $fault === undefined || ['Unknown', 'UnknownError', 'Error'].includes(name) || /^\d+$/.test(name)) return undefined;
  return name;
}

/**
 * `organizations:ListRoots (123456789012) returned HTTP 400 AccessDeniedException: <AWS's message> (request
 * id ...)`: the call, the account, what AWS answered and the id AWS Support asks for. Undefined for errors
 * that did not come from an AWS call.
 */
export function describeAwsError(err: unknown): string | undefined {
  const call = callOf(err);
  // lz's own errors (raised inside a call, e.g. by a credential provider) already say what to do.
  if (!call || err instanceof LzError) return undefined;
  const e = err as { name?: string; message?: string; code?: string; $fault?: unknown; $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number } };
  const who = `${call.service}:${call.operation}${call.account ? ` (${call.account})` : ''}`;
  const meta = e.$metadata ?? {};
  const tries = (meta.attempts ?? 1) > 1 ? `, after ${meta.attempts} attempts` : '';
  const id = meta.requestId ? ` (request id ${meta.requestId})` : '';
  if (meta.httpStatusCode === undefined) return `${who} failed before AWS answered: ${e.code ?? e.name ?? 'Error'}: ${e.message ?? ''}${tries}`;
  const code = awsErrorCode(e);
  const said = code ? ` ${code}${e.message && e.message !== code ? `: ${e.message}` : ''}` : ' with a body that is not an AWS error';
  return `${who} returned HTTP ${meta.httpStatusCode}${said}${id}${tries}`;
}
