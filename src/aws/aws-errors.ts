import { describeAwsError } from '../call-errors.js';

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

/** IAM answers NoSuchEntity for "not there"; Account and Budgets answer ResourceNotFound / NotFound. */
export const NOT_FOUND = ['NoSuchEntityException', 'NoSuchEntity', 'ResourceNotFoundException', 'NotFoundException'] as const;

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
