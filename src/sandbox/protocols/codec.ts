import type { RawRequest } from '../types.js';
import { AwsError } from '../types.js';
import type { SandboxService } from '../types.js';

/** What a protocol decoded from a request. */
export interface DecodedRequest {
  operation: string;
  input: Record<string, unknown>;
  params: Record<string, string>;
}

export interface EncodedResponse {
  status: number;
  headers: Record<string, string>;
  /** Text is sent as UTF-8; bytes (S3 objects) as they are. */
  body: string | Uint8Array;
}

/** One wire protocol: how a request names its operation and input, and how answers and errors look. */
export interface ProtocolCodec {
  /** Throws AwsError (InvalidAction, UnknownOperationException, SerializationException, ...) when it can't. */
  decode(req: RawRequest, service: SandboxService): DecodedRequest;
  encodeResult(service: SandboxService, operation: string, result: unknown, requestId: string): EncodedResponse;
  encodeError(service: SandboxService | undefined, error: AwsError, requestId: string): EncodedResponse;
  /** The name of a failure whose code differs by protocol family (auth errors, throttling). */
  family: 'query' | 'json' | 'xml';
}

/** JSON protocols send timestamps as epoch seconds and maps as objects. */
export function toJsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toJsonValue(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonValue(v);
    return out;
  }
  return value;
}

export function parseJsonBody(body: Buffer, errorCode = 'SerializationException'): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AwsError(errorCode, 'Start of structure or map found where not expected, or the request body is not valid JSON.', 400);
}

/**
 * Extra members of a modelled error (Organizations' `Reason`, ...): an AwsError subclass may carry them in a
 * `fields` property; they are sent beside the message.
 */
export function errorFields(error: AwsError): Record<string, unknown> | undefined {
  const fields = (error as AwsError & { fields?: unknown }).fields;
  return fields && typeof fields === 'object' ? (fields as Record<string, unknown>) : undefined;
}
