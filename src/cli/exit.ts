import { LzError, LzErrors, formatError } from '../errors.js';
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
  const e = err as Error;
  io.stderr(`error: internal error: ${e?.message ?? String(err)}\n${e?.stack ?? ''}\nThis is a bug in lz; please report it.\n`);
  return EXIT_ERROR;
}
