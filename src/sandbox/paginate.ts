import { AwsError } from './types.js';

/** The sandbox's default page size: small, so that pagination bugs surface in tests. */
export const DEFAULT_PAGE_SIZE = 5;

export interface PageOptions {
  /** The token the caller sent (IAM `Marker`, Organizations `NextToken`, ...). */
  token?: unknown;
  /** The page size the caller asked for (IAM `MaxItems`, Organizations `MaxResults`, ...). */
  limit?: unknown;
  /** Used when the caller gave no limit. Default DEFAULT_PAGE_SIZE. */
  defaultPage?: number;
  /** The largest limit the service accepts (IAM 1000, Organizations 20). */
  maxPage: number;
  /** Builds the error for a bad limit or token; default InvalidInput (IAM's). */
  invalid?: (message: string) => AwsError;
  /** The limit's member name, for messages. */
  limitName?: string;
}

export interface Page<T> {
  items: T[];
  /** The token for the next page, or undefined on the last page. */
  nextToken?: string;
}

const PREFIX = 'lzsbx1.';

export function encodeToken(offset: number): string {
  return PREFIX + Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

export function decodeToken(token: string): number | undefined {
  if (!token.startsWith(PREFIX)) return undefined;
  try {
    const o = (JSON.parse(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8')) as { o?: unknown }).o;
    return typeof o === 'number' && Number.isInteger(o) && o >= 0 ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Cuts one page out of `items` (already in the service's order). Tokens are opaque offsets; a token the
 * sandbox did not mint, or a limit out of range, is refused as AWS refuses it.
 */
export function paginate<T>(items: readonly T[], opts: PageOptions): Page<T> {
  const invalid = opts.invalid ?? ((m: string) => new AwsError('InvalidInput', m, 400));
  let limit = opts.defaultPage ?? DEFAULT_PAGE_SIZE;
  if (opts.limit !== undefined && opts.limit !== null && opts.limit !== '') {
    const n = Number(opts.limit);
    if (!Number.isInteger(n) || n < 1 || n > opts.maxPage) {
      throw invalid(`1 validation error detected: Value '${String(opts.limit)}' at '${opts.limitName ?? 'maxItems'}' failed to satisfy constraint: Member must have value between 1 and ${opts.maxPage}`);
    }
    limit = n;
  }
  let offset = 0;
  if (opts.token !== undefined && opts.token !== null && opts.token !== '') {
    const o = decodeToken(String(opts.token));
    if (o === undefined) throw invalid('Invalid pagination token: the token was not issued by this service or is malformed.');
    offset = o;
  }
  const end = offset + limit;
  return { items: items.slice(offset, end), nextToken: end < items.length ? encodeToken(end) : undefined };
}

/** IAM's flavour: `Marker`/`MaxItems` in, `IsTruncated`/`Marker` out (default page DEFAULT_PAGE_SIZE, max 1000). */
export function iamPage<T>(items: readonly T[], input: Record<string, unknown>): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const page = paginate(items, { token: input.Marker, limit: input.MaxItems, maxPage: 1000, limitName: 'maxItems' });
  return { items: page.items, IsTruncated: page.nextToken !== undefined, Marker: page.nextToken };
}
