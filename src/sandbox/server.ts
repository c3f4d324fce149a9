import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AuthFailure, authenticate } from './auth.js';
import type { RawRequest } from './types.js';
import { dispatch, fallbackCodec, serviceFor, signingNameOf } from './dispatch.js';
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
import type { Caller, OperationContext, RequestLogEntry, SandboxService } from './types.js';

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

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: EncodedResponse): void {
  const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
  res.writeHead(r.status, { ...r.headers, 'content-length': String(body.length) });
  res.end(body);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function principalMatches(set: Set<string>, caller: Caller): boolean {
  if (set.size === 0) return false;
  if (set.has(caller.arn) || set.has(caller.accountId)) return true;
  if (caller.kind === 'assumed-role') return set.has(`arn:aws:iam::${caller.accountId}:role/${caller.principalName}`);
  return false;
}

export function createSandboxServer(core: SandboxCore): Server {
  const server = createServer((req, res) => {
    handle(core, req, res).catch((err: unknown) => {
      // A bug in the sandbox: answer 500 in some shape rather than hanging the client.
      process.stderr.write(`sandbox: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      if (!res.headersSent) send(res, PROTOCOLS.awsQuery.encodeError(undefined, new AwsError('InternalFailure', 'internal error in the sandbox', 500), randomUUID()));
    });
  });
  server.keepAliveTimeout = 30_000;
  return server;
}

async function handle(core: SandboxCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const raw: RawRequest = {
    method: req.method ?? 'GET',
    path: q >= 0 ? url.slice(0, q) : url,
    query: new URLSearchParams(q >= 0 ? url.slice(q + 1) : ''),
    headers,
    body,
  };
  const requestId = randomUUID();
  const state = core.state();
  const entry: RequestLogEntry = { service: '', operation: '', callerAccount: '', callerArn: '', status: 0, readOnly: true, time: Date.now() };
  core.log.push(entry);
  const answer = (codec: ProtocolCodec, service: SandboxService | undefined, r: EncodedResponse, errorCode?: string) => {
    entry.status = r.status;
    if (errorCode) entry.errorCode = errorCode;
    send(res, r);
  };
  const fail = (codec: ProtocolCodec, service: SandboxService | undefined, e: AwsError) => answer(codec, service, codec.encodeError(service, e, requestId), e.code);

  const auth = await authenticate(raw, state, core.runtime.now());
  if (auth instanceof AuthFailure) {
    // The service is still known from the credential scope when the key is bad.
    const scope = signingNameOf(raw);
    const service = scope ? serviceFor(core.services, scope, raw) : undefined;
    const codec = service ? PROTOCOLS[service.protocol] : fallbackCodec(raw);
    entry.service = scope ?? '';
    const code = codec.family === 'query' || codec.family === 'xml' ? auth.queryCode : auth.jsonCode;
    return fail(codec, service, new AwsError(code, auth.message, auth.status));
  }
  const { caller } = auth;
  entry.service = auth.service;
  entry.callerAccount = caller.accountId;
  entry.callerArn = caller.arn;
  const routed = dispatch(core.services, auth.service, raw);
  if (!routed.ok) return fail(routed.codec, routed.service, routed.error);
  const { service, codec, decoded } = routed;
  const { operation } = decoded;
  entry.operation = operation;
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
