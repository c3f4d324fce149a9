import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AuthFailure, authenticate } from './auth.js';
import { actionOf, authorize } from './authorize.js';
import type { RawRequest } from './types.js';
import { dispatch, fallbackCodec, serviceFor, signingNameOf, unsignedServiceOf } from './dispatch.js';
import type { ServiceRegistry } from './dispatch.js';
import type { FaultInjector } from './faults.js';
import { PROTOCOLS } from './protocols/index.js';
import type { EncodedResponse, ProtocolCodec } from './protocols/index.js';
import { THROTTLING_ERRORS } from './quotas.js';
import { serviceNotYetActive } from './settling.js';
import type { QuotaLimiter } from './quotas.js';
import type { Runtime } from './runtime.js';
import type { SandboxState } from './state.js';
import { AwsError } from './types.js';
import type { Caller, OperationContext, Protocol, RequestLogEntry, SandboxService } from './types.js';
import { MAX_BODY, tooLarge } from './limits.js';

/** Everything the request path needs; owned by startSandbox. */
export interface SandboxCore {
  state(): SandboxState;
  runtime: Runtime;
  services: ServiceRegistry;
  faults: FaultInjector;
  quotas?: QuotaLimiter;
  readOnlyPrincipals: Set<string>;
  log: RequestLogEntry[];
  /** Called once per request as soon as its operation is known (before faults and the handler run). */
  listeners?: Set<(entry: RequestLogEntry) => void>;
  /** Writes the state file if there is one. */
  persist(): void;
}

export function defaultIsReadOnly(operation: string): boolean {
  return /^(Get|List|Describe|Head)/.test(operation);
}

export function isReadOnly(service: SandboxService, operation: string): boolean {
  return service.isReadOnly ? service.isReadOnly(operation) : defaultIsReadOnly(operation);
}

/**
 * Reads a request body of at most `limit` bytes; undefined once it passes the bound (a missing or lying
 * Content-Length), whose bytes are then dropped and no more are read.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        chunks.length = 0;
        req.off('data', onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: EncodedResponse): void {
  const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
  res.writeHead(r.status, { ...r.headers, 'content-length': String(body.length) });
  res.end(body);
}

/** How long a refused request's connection is drained (read and dropped, never held) before it is closed. */
const LINGER_MS = 2000;

/**
 * After refusing a body, the connection is closed; but closed at once with the client still sending, the
 * kernel resets it and the client may lose the answer (EPIPE before it reads it). So, as servers do, the rest
 * is drained for a short while — dropped as it comes, nothing kept — and then the connection is closed.
 */
function lingerThenClose(req: IncomingMessage, res: ServerResponse): void {
  res.shouldKeepAlive = false;
  const socket = req.socket as IncomingMessage['socket'] & { destroySoon?: () => void };
  // Node ends a `Connection: close` answer with destroySoon(): half-close instead, drain, then destroy.
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    req.removeAllListeners('data');
    req.on('data', () => {});
    req.resume();
  };
}

const ANONYMOUS: Caller = { accountId: '', arn: '', accessKeyId: '', kind: 'anonymous', principalName: '' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function principalMatches(set: Set<string>, caller: Caller): boolean {
  if (set.size === 0) return false;
  if (set.has(caller.arn) || set.has(caller.accountId)) return true;
  if (caller.kind === 'assumed-role') return set.has(`arn:aws:iam::${caller.accountId}:role/${caller.principalName}`);
  return false;
}

export function createSandboxServer(core: SandboxCore): Server {
  const serve = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) =>
    handle(core, req, res, expectsContinue).catch((err: unknown) => {
      // A bug in the sandbox: answer 500 in some shape rather than hanging the client.
      process.stderr.write(`sandbox: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      if (!res.headersSent) send(res, PROTOCOLS.awsQuery.encodeError(undefined, new AwsError('InternalFailure', 'internal error in the sandbox', 500), randomUUID()));
    });
  const server = createServer((req, res) => void serve(req, res, false));
  // `Expect: 100-continue`: the body is asked for only once its declared length is within the bound.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => void serve(req, res, true));
  server.keepAliveTimeout = 30_000;
  return server;
}

const PROTOCOL_NAMES = Object.keys(PROTOCOLS) as Protocol[];

async function handle(core: SandboxCore, req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const raw: RawRequest = {
    method: req.method ?? 'GET',
    path: q >= 0 ? url.slice(0, q) : url,
    query: new URLSearchParams(q >= 0 ? url.slice(q + 1) : ''),
    headers,
    body: Buffer.alloc(0),
  };
  const requestId = randomUUID();
  const state = core.state();
  const entry: RequestLogEntry = { service: '', operation: '', action: '', callerAccount: '', callerArn: '', status: 0, readOnly: true, time: Date.now() };
  core.log.push(entry);
  const answer = (codec: ProtocolCodec, service: SandboxService | undefined, r: EncodedResponse, errorCode?: string) => {
    entry.status = r.status;
    if (errorCode) entry.errorCode = errorCode;
    // The sandbox's clock, which tests move: the SDK corrects its clock skew from this header, as with AWS.
    send(res, { ...r, headers: { ...r.headers, date: core.runtime.now().toUTCString() } });
  };
  const fail = (codec: ProtocolCodec, service: SandboxService | undefined, e: AwsError) => answer(codec, service, codec.encodeError(service, e, requestId), e.code);

  // The service (and so the protocol and its body bound) is known from the credential scope, before the body.
  const scope = signingNameOf(raw);
  const scoped = scope ? serviceFor(core.services, scope, raw) : undefined;
  const scopedCodec = scoped ? PROTOCOLS[scoped.protocol] : fallbackCodec(raw);
  entry.service = scope ?? '';
  const protocol = scoped?.protocol ?? PROTOCOL_NAMES.find((p) => PROTOCOLS[p] === scopedCodec)!;
  const declared = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  const refuseTooLarge = () => {
    const proposed = Number(headers['x-amz-decoded-content-length'] ?? declared);
    const r = tooLarge(protocol, scoped?.route?.(raw.method, raw.path, raw.query)?.operation, Number.isFinite(proposed) ? proposed : undefined);
    lingerThenClose(req, res);
    if (r instanceof AwsError) return fail(scopedCodec, scoped, r);
    answer(scopedCodec, scoped, { ...r, headers: { ...r.headers, 'x-amzn-requestid': requestId } }, 'RequestEntityTooLarge');
  };
  if (declared !== undefined && declared > MAX_BODY[protocol]) return refuseTooLarge();
  if (expectsContinue) res.writeContinue();
  const body = await readBody(req, MAX_BODY[protocol]);
  if (!body) return refuseTooLarge();
  raw.body = body;

  const unsigned = unsignedServiceOf(core.services, raw);
  // An unsigned request has no Region in a credential scope: AWS takes it from the host; the sandbox has one.
  const auth = unsigned ? { caller: ANONYMOUS, service: unsigned, region: 'us-east-1' } : await authenticate(raw, state, core.runtime.now());
  // The service is still known from the credential scope when the key is bad.
  if (auth instanceof AuthFailure) return fail(scopedCodec, scoped, auth.toError(scoped?.protocol, scopedCodec.family));
  const { caller } = auth;
  entry.service = auth.service;
  entry.callerAccount = caller.accountId;
  entry.callerArn = caller.arn;
  const routed = dispatch(core.services, auth.service, raw);
  if (!routed.ok) return fail(routed.codec, routed.service, routed.error);
  const { service, codec, decoded } = routed;
  const { operation } = decoded;
  entry.operation = operation;
  entry.action = actionOf(service, operation);
  const readOnly = isReadOnly(service, operation);
  entry.readOnly = readOnly;
  for (const listener of core.listeners ?? []) listener(entry);

  // Faults come before the handler: a faulted request changes nothing.
  const fault = core.faults.decide(service.signingName);
  if (fault.delay > 0) await sleep(fault.delay);
  if (fault.kind === 'reset') {
    entry.status = 0;
    entry.errorCode = 'ConnectionReset';
    req.socket.destroy();
    return;
  }
  if (fault.kind === 'error') {
    const e = fault.status === 503 ? new AwsError(codec.family === 'json' ? 'ServiceUnavailableException' : 'ServiceUnavailable', 'Service is unavailable. Try again later.', 503) : new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);
    return fail(codec, service, e);
  }
  if (core.quotas && !core.quotas.take(caller.accountId, service.signingName, operation)) {
    const t = THROTTLING_ERRORS[service.signingName] ?? { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' };
    return fail(codec, service, new AwsError(t.code, t.message, t.status));
  }
  const inactive = serviceNotYetActive(state, core.runtime, service, caller);
  if (inactive) return fail(codec, service, inactive);
  if (!readOnly && principalMatches(core.readOnlyPrincipals, caller)) {
    const msg = `User: ${caller.arn} is not authorized to perform: ${service.signingName}:${operation} because no identity-based policy allows the ${service.signingName}:${operation} action`;
    return fail(codec, service, new AwsError(codec.family === 'json' ? 'AccessDeniedException' : 'AccessDenied', msg, 403));
  }

  const ctx: OperationContext = { state, caller, runtime: core.runtime, region: auth.region, requestId, params: decoded.params, headers };
  const refused = authorize(service, operation, decoded.input, ctx);
  if (refused) return fail(codec, service, refused);
  let result: unknown;
  try {
    result = await service.operations[operation]!(ctx, decoded.input);
  } catch (e) {
    if (e instanceof AwsError) return fail(codec, service, e);
    process.stderr.write(`sandbox: ${service.signingName}:${operation} failed: ${(e as Error)?.stack ?? String(e)}\n`);
    return fail(codec, service, new AwsError('InternalFailure', `internal error in the sandbox: ${(e as Error)?.message ?? String(e)}`, 500));
  }
  if (!readOnly) core.persist();
  if (fault.kind === 'none' && fault.resetAfter) {
    entry.status = 0;
    entry.errorCode = 'ConnectionResetAfterWrite';
    req.socket.destroy();
    return;
  }
  answer(codec, service, codec.encodeResult(service, operation, result, requestId));
}
