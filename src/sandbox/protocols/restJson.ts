import type { RawRequest } from '../types.js';
import { AwsError } from '../types.js';
import type { SandboxService } from '../types.js';
import { parseJsonBody, toJsonValue } from './codec.js';
import { errorFields } from './codec.js';
import type { DecodedRequest, EncodedResponse, ProtocolCodec } from './codec.js';

/**
 * restJson1 (Account): the operation comes from the method and path (the service's `route`); the input is
 * the JSON body plus the path/query parameters; errors name their code in `x-amzn-errortype`.
 */
export const restJson1: ProtocolCodec = {
  family: 'json',

  decode(req: RawRequest, service: SandboxService): DecodedRequest {
    const routed = service.route?.(req.method, decodeURIComponent(req.path), req.query);
    if (!routed || !Object.hasOwn(service.operations, routed.operation)) {
      throw new AwsError('UnknownOperationException', `No operation matches ${req.method} ${req.path}`, 404);
    }
    const body = parseJsonBody(req.body);
    return { operation: routed.operation, input: { ...body, ...routed.params }, params: routed.params };
  },

  encodeResult(_service, _operation, result, requestId): EncodedResponse {
    const value = toJsonValue(result);
    const body = value && typeof value === 'object' && Object.keys(value).length > 0 ? JSON.stringify(value) : '';
    return { status: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId }, body };
  },

  encodeError(_service, error, requestId): EncodedResponse {
    const body = JSON.stringify({ message: error.message, ...((toJsonValue(errorFields(error)) as object) ?? {}) });
    return {
      status: error.status,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.code },
      body,
    };
  },
};
