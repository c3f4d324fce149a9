import { LzError, LzErrors, formatError } from '../errors.js';
import { awsErrorCode, describeAwsError } from '../call-errors.js';
import type { CliIO } from './io.js';

/** Exit codes, as documented in docs/usage.md. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
/** `--detailed-exitcode` and `drift`: the run succeeded and found changes. */
export const EXIT_CHANGES = 2;

/**
 * Turns anything a command threw into what the person sees and an exit code. LzError(s) are expected and
 * printed plainly; anything else is a bug, printed with its stack so it can be reported.
 */
export function reportFailure(io: CliIO, err: unknown): number {
  if (err instanceof LzErrors) {
    for (const e of err.errors) io.stderr(`${formatError(e)}\n`);
    io.stderr(`${err.errors.length} error${err.errors.length === 1 ? '' : 's'}.\n`);
    return EXIT_ERROR;
  }
  if (err instanceof LzError) {
    io.stderr(`${formatError(err)}\n`);
    return EXIT_ERROR;
  }
  const aws = describeAwsFailure(err);
  if (aws) {
    io.stderr(`${formatError(aws)}\n`);
    return EXIT_ERROR;
  }
  const e = err as Error;
  io.stderr(`error: internal error: ${e?.message ?? String(err)}\n${e?.stack ?? ''}\nThis is a bug in lz; please report it.\n`);
  return EXIT_ERROR;
}

/**
 * Failures that come from AWS or the credential chain are the person's to fix, not lz bugs: say what AWS
 * said and what usually causes it, without a stack trace.
 */
function describeAwsFailure(err: unknown): LzError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  if (e.name === 'CredentialsProviderError') {
    return new LzError('no-credentials', `No AWS credentials: ${e.message ?? ''}`.trim(), {
      hint: 'Use the management account\'s credentials: --profile NAME (or AWS_PROFILE), `aws sso login`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY. To try lz without AWS, add --sandbox.',
    });
  }
  const call = describeAwsError(err);
  // Before the $metadata check: the SDK's retry step attaches $metadata to network errors too.
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET'].includes(e.code ?? '')) {
    return new LzError('network', `Cannot reach AWS: ${call ?? e.message ?? e.code}`, {
      hint: 'Check the network, and AWS_ENDPOINT_URL if it is set.',
    });
  }
  if (e.$metadata) {
    const denied = /AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(e.name ?? '');
    const notAws = e.$metadata.httpStatusCode !== undefined && awsErrorCode(err) === undefined;
    return new LzError('aws-error', call ?? `AWS refused: ${e.name ?? 'Error'}: ${e.message ?? ''}`, {
      hint: denied
        ? 'The principal lz runs as lacks a permission; docs/permissions.md lists what plan and apply need.'
        : notAws
          ? 'Something between lz and AWS answered (a proxy, a firewall, AWS_ENDPOINT_URL); check it, then run again. --log-level debug --log-file FILE logs every request lz makes.'
          : 'Run again with --log-level debug --log-file FILE: it logs every AWS request lz makes, with its status and request id (docs/operations.md).',
    });
  }
  return undefined;
}
