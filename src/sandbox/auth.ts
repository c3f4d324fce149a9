import { HttpRequest } from '@smithy/protocol-http';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { accountStatus } from './accounts.js';
import type { SandboxState } from './state.js';
import { AwsError } from './types.js';
import type { Caller, Protocol, RawRequest } from './types.js';

/** SHA-256 (and HMAC-SHA256 with a secret) for SignatureV4. */
class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}

/** A request as the server read it. */
export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** How one protocol names a failure when it differs from the query/JSON pair (S3's RequestTimeTooSkewed, ...). */
export interface AuthVariant {
  code: string;
  status: number;
  message: string;
  /** Extra members of the error body (S3's RequestTime, ServerTime, MaxAllowedSkewMilliseconds). */
  fields?: Record<string, unknown>;
}

/**
 * An authentication failure. AWS names the same failure differently in the query protocols (IAM, STS) and
 * in the JSON ones, so both codes are carried; `variants` carries a protocol whose answer differs further
 * (status, message or code). {@link AuthFailure.toError} picks the one for the answering protocol.
 */
export class AuthFailure {
  constructor(
    readonly queryCode: string,
    readonly jsonCode: string,
    readonly status: number,
    readonly message: string,
    readonly variants: Partial<Record<Protocol, AuthVariant>> = {},
  ) {}

  toError(protocol: Protocol | undefined, family: 'query' | 'json' | 'xml'): AwsError {
    const v = protocol ? this.variants[protocol] : undefined;
    if (v) return Object.assign(new AwsError(v.code, v.message, v.status), v.fields ? { fields: v.fields } : {});
    return new AwsError(family === 'json' ? this.jsonCode : this.queryCode, this.message, this.status);
  }
}

const AUTH_RE = /^AWS4-HMAC-SHA256\s+Credential=([^/\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)\s*$/;

/** Reads the SigV4 Authorization header; undefined when missing or not SigV4. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header) return undefined;
  const m = AUTH_RE.exec(header.trim());
  if (!m) return undefined;
  return {
    accessKeyId: m[1]!,
    date: m[2]!,
    region: m[3]!,
    service: m[4]!,
    signedHeaders: m[5]!.split(';'),
    signature: m[6]!,
  };
}

/** AWS refuses a signature dated more than 15 minutes from its clock, either way. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const MISSING = new AuthFailure('MissingAuthenticationToken', 'MissingAuthenticationTokenException', 403, 'Request is missing Authentication Token');
const INVALID_TOKEN_MSG = 'The security token included in the request is invalid.';
const SIG_MSG =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** SignatureV4 instances cached per (key, region, service): each caches its derived signing keys. */
const signers = new Map<string, SignatureV4>();

function signerFor(accessKeyId: string, secretAccessKey: string, region: string, service: string): SignatureV4 {
  const cacheKey = `${accessKeyId}\0${secretAccessKey}\0${region}\0${service}`;
  let signer = signers.get(cacheKey);
  if (!signer) {
    if (signers.size > 2000) signers.clear();
    signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region, service, sha256: Sha256, uriEscapePath: service !== 's3', applyChecksum: false });
    signers.set(cacheKey, signer);
  }
  return signer;
}

/** 20240101T120000Z, the SigV4 date format AWS quotes in its messages. */
function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * A signature dated outside AWS's window. The query and JSON services quote the window in the message
 * ("Signature expired: … is now earlier than … (… - 15 min.)"), as SignatureDoesNotMatch (query, 403) or
 * InvalidSignatureException (awsJson 400, restJson 403); S3 answers RequestTimeTooSkewed (403) with the
 * request time, its own time and the allowed skew as members of the error.
 */
function skewFailure(signingDate: Date, rawDate: string, now: Date): AuthFailure | undefined {
  const delta = signingDate.getTime() - now.getTime();
  if (Math.abs(delta) <= MAX_CLOCK_SKEW_MS) return undefined;
  const bound = new Date(now.getTime() + Math.sign(delta) * MAX_CLOCK_SKEW_MS);
  const message =
    delta < 0
      ? `Signature expired: ${rawDate} is now earlier than ${amzDate(bound)} (${amzDate(now)} - 15 min.)`
      : `Signature not yet current: ${rawDate} is still later than ${amzDate(bound)} (${amzDate(now)} + 15 min.)`;
  const tooSkewed: AuthVariant = {
    code: 'RequestTimeTooSkewed',
    status: 403,
    message: 'The difference between the request time and the current time is too large.',
    fields: { RequestTime: rawDate, ServerTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), MaxAllowedSkewMilliseconds: MAX_CLOCK_SKEW_MS },
  };
  return new AuthFailure('SignatureDoesNotMatch', 'InvalidSignatureException', 403, message, {
    awsJson1_1: { code: 'InvalidSignatureException', status: 400, message },
    restXml: tooSkewed,
  });
}

function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

export interface Authenticated {
  caller: Caller;
  service: string;
  region: string;
}

/**
 * Authenticates a request: finds the access key, checks the session token and its expiry, and recomputes
 * the SigV4 signature over exactly the signed headers.
 */
export async function authenticate(req: RawRequest, state: SandboxState, now: Date): Promise<Authenticated | AuthFailure> {
  const auth = parseAuthorization(req.headers['authorization']);
  if (!auth) return MISSING;
  const key = state.accessKeys[auth.accessKeyId];
  if (!key) return new AuthFailure('InvalidClientTokenId', 'UnrecognizedClientException', 403, INVALID_TOKEN_MSG);
  const token = req.headers['x-amz-security-token'];
  if (key.sessionToken !== undefined && token !== key.sessionToken) {
    return new AuthFailure('InvalidClientTokenId', 'UnrecognizedClientException', 403, INVALID_TOKEN_MSG);
  }
  // A session token belongs to the access key it was issued with: a long-term key with any token is refused.
  if (key.sessionToken === undefined && token !== undefined) {
    return new AuthFailure('InvalidClientTokenId', 'UnrecognizedClientException', 403, INVALID_TOKEN_MSG, {
      restXml: { code: 'InvalidToken', status: 400, message: 'The provided token is malformed or otherwise invalid.' },
    });
  }
  if (key.expiration && Date.parse(key.expiration) <= now.getTime()) {
    return new AuthFailure('ExpiredToken', 'ExpiredTokenException', 400, 'The security token included in the request is expired');
  }
  if (key.status !== 'Active') return new AuthFailure('InvalidClientTokenId', 'UnrecognizedClientException', 403, INVALID_TOKEN_MSG);
  // A closed (SUSPENDED) account's principals can no longer sign in or call anything; their keys stop working.
  const account = state.accounts[key.accountId];
  if (account && accountStatus(account, now) === 'SUSPENDED') {
    return new AuthFailure('InvalidClientTokenId', 'UnrecognizedClientException', 403, INVALID_TOKEN_MSG);
  }
  const signingDate = parseAmzDate(req.headers['x-amz-date']);
  if (!signingDate) return new AuthFailure('IncompleteSignature', 'IncompleteSignatureException', 400, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  const skewed = skewFailure(signingDate, req.headers['x-amz-date']!, now);
  if (skewed) return skewed;

  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of req.query) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const [hostname, port] = (req.headers['host'] ?? '127.0.0.1').split(':');
  const request = new HttpRequest({
    method: req.method,
    protocol: 'http:',
    hostname,
    port: port ? Number(port) : undefined,
    path: req.path,
    query,
    headers,
    body: req.body.length > 0 ? req.body : undefined,
  });
  const signed = await signerFor(key.accessKeyId, key.secretAccessKey, auth.region, auth.service).sign(request, {
    signingDate,
    signableHeaders: new Set(auth.signedHeaders),
  });
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers['authorization'] ?? ''))?.[1];
  if (expected !== auth.signature) return new AuthFailure('SignatureDoesNotMatch', 'InvalidSignatureException', 403, SIG_MSG);

  key.lastUsed = { date: now.toISOString(), serviceName: auth.service, region: auth.region };
  return {
    caller: { accountId: key.accountId, arn: key.arn, accessKeyId: key.accessKeyId, kind: key.kind, principalName: key.principalName },
    service: auth.service,
    region: auth.region,
  };
}
