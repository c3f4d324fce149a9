import type { RawRequest } from './types.js';
import { PROTOCOLS } from './protocols/index.js';
import type { DecodedRequest, ProtocolCodec } from './protocols/index.js';
import { AwsError } from './types.js';
import type { SandboxService } from './types.js';

/** The services of the sandbox by SigV4 signing name; several when they share one (S3 and S3 Control: `s3`). */
export type ServiceRegistry = Record<string, SandboxService[]>;

/**
 * The one place a request finds its handler, in the order AWS's front ends do it:
 * 1. the SigV4 signing name of the credential scope picks the services that sign with it;
 * 2. when several share the name, each `claims` its requests (AWS tells S3 and S3 Control apart by host; on
 *    one loopback endpoint, by S3 Control's `/v20180820/` path prefix); a service without `claims` takes the rest;
 * 3. the service's protocol names the operation: awsQuery by `Action`, awsJson by `X-Amz-Target`, restJson
 *    and restXml by method + path template (the service's `route`).
 */
export function serviceFor(registry: ServiceRegistry, signingName: string, req: RawRequest): SandboxService | undefined {
  const candidates = registry[signingName] ?? [];
  return candidates.find((s) => s.claims?.(req)) ?? candidates.find((s) => !s.claims);
}

/** The SigV4 signing name a request's Authorization header names, even when its key is bad. */
export function signingNameOf(req: RawRequest): string | undefined {
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(req.headers['authorization'] ?? '')?.[1];
}

/** The codec to answer in when no service is known: JSON if the request looks like JSON. */
export function fallbackCodec(req: RawRequest): ProtocolCodec {
  if (req.headers['x-amz-target'] || (req.headers['content-type'] ?? '').includes('json')) return PROTOCOLS.awsJson1_1;
  return PROTOCOLS.awsQuery;
}

export type Dispatch =
  | { ok: true; service: SandboxService; codec: ProtocolCodec; decoded: DecodedRequest }
  | { ok: false; service: SandboxService | undefined; codec: ProtocolCodec; error: AwsError };

/** Steps 1–3 for an authenticated request; an unknown service or operation is an error in the request's protocol. */
export function dispatch(registry: ServiceRegistry, signingName: string, req: RawRequest): Dispatch {
  const service = serviceFor(registry, signingName, req);
  if (!service) {
    const codec = fallbackCodec(req);
    const code = codec.family === 'json' ? 'UnknownServiceException' : 'InvalidAction';
    return { ok: false, service, codec, error: new AwsError(code, `The sandbox does not implement the service '${signingName}'.`, 400) };
  }
  const codec = PROTOCOLS[service.protocol];
  try {
    return { ok: true, service, codec, decoded: codec.decode(req, service) };
  } catch (e) {
    if (e instanceof AwsError) return { ok: false, service, codec, error: e };
    throw e;
  }
}

/**
 * The signing name of the service an unsigned request is for, when that service serves its operation unsigned
 * (`unsignedOperations`). AWS tells the service by the host; on the sandbox's one endpoint, by the operation.
 */
export function unsignedServiceOf(registry: ServiceRegistry, req: RawRequest): string | undefined {
  if (req.headers['authorization'] !== undefined) return undefined;
  for (const [signingName, services] of Object.entries(registry)) {
    for (const service of services) {
      if (!service.unsignedOperations) continue;
      try {
        if (service.unsignedOperations.includes(PROTOCOLS[service.protocol].decode(req, service).operation)) return signingName;
      } catch (e) {
        if (!(e instanceof AwsError)) throw e;
      }
    }
  }
  return undefined;
}
