import { LzError } from '../errors.js';

/** The SDK raises modelled exceptions whose `name` is the AWS error code; this reads it safely. */
export function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : undefined;
}

export function isError(err: unknown, ...names: string[]): boolean {
  const name = errorName(err);
  return name !== undefined && names.includes(name);
}

/** What a person is shown for a failure: an AWS call's error names the call (see describeAwsError). */
export function errorMessage(err: unknown): string {
  const aws = describeAwsError(err);
  if (aws) return aws;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The failure in one line with its kind: `describeAwsError`'s line, else `Name: message`. */
export function errorSummary(err: unknown): string {
  return describeAwsError(err) ?? `${errorName(err) ?? 'Error'}: ${errorMessage(err)}`;
}

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

/** IAM answers NoSuchEntity for "not there"; Account and Budgets answer ResourceNotFound / NotFound. */
export const NOT_FOUND = ['NoSuchEntityException', 'NoSuchEntity', 'ResourceNotFoundException', 'NotFoundException'] as const;

export function isNotFound(err: unknown): boolean {
  return isError(err, ...NOT_FOUND);
}

/**
 * The call's result, or undefined when AWS answers one of `codes`: the one way lz says "already gone",
 * "already there" or "not set" (a delete repeated after a crash, a read of something absent). Any other
 * error is thrown as it came.
 */
export async function ignoreCodes<T>(call: Promise<T>, codes: readonly string[]): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (isError(err, ...codes)) return undefined;
    throw err;
  }
}

/** HTTP status of an SDK error, when AWS answered at all. */
export function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
