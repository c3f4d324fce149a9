/** Where in a source file something came from, 1-based as editors show it. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export interface LzErrorDetails {
  hint?: string;
  location?: SourceLocation;
  /** Path inside the manifest document, e.g. `accounts[3].budget.amount`. */
  path?: string;
  cause?: unknown;
}

/**
 * The one error type lz raises on purpose. Anything else reaching the CLI is a bug and is reported as such.
 * `code` is stable and machine-readable; `message` and `hint` are for the person at the terminal.
 */
export class LzError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly location?: SourceLocation;
  readonly path?: string;

  constructor(code: string, message: string, details: LzErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'LzError';
    this.code = code;
    this.hint = details.hint;
    this.location = details.location;
    this.path = details.path;
  }
}

/** Several independent problems found in one pass (e.g. every validation error in a manifest). */
export class LzErrors extends Error {
  readonly errors: readonly LzError[];

  constructor(errors: readonly LzError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'LzErrors';
    this.errors = errors;
  }
}

export function formatLocation(loc: SourceLocation | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.col}` : '';
}

/** `accounts.yaml:14:7: error [code] message (at accounts[3].budget)` followed by an indented hint. */
export function formatError(e: LzError): string {
  const where = formatLocation(e.location);
  const head = `${where ? `${where}: ` : ''}error: ${e.message}${e.path ? ` (at ${e.path})` : ''}`;
  return e.hint ? `${head}\n  hint: ${e.hint}` : head;
}
