import type { RawRequest } from '../auth.js';
import { AwsError } from '../types.js';
import type { SandboxService } from '../types.js';
import type { DecodedRequest, EncodedResponse, ProtocolCodec } from './codec.js';
import { escapeXml, xmlChildren } from './xml.js';

/**
 * restXml (S3) — the dispatch shape only, so adding S3 is one service file: `route` maps method + path
 * (+ query subresources such as `?publicAccessBlock`) to an operation; the handler's result becomes the
 * XML document named by its single top-level key; errors are `<Error><Code/><Message/><RequestId/></Error>`.
 */
export const restXml: ProtocolCodec = {
  family: 'xml',

  decode(req: RawRequest, service: SandboxService): DecodedRequest {
    const routed = service.route?.(req.method, req.path, req.query);
    if (!routed || !Object.hasOwn(service.operations, routed.operation)) {
      throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented.', 501);
    }
    // The XML body is passed through raw for the handler to read (S3 bodies are few and small).
    return { operation: routed.operation, input: { ...routed.params, Body: req.body.toString('utf8') }, params: routed.params };
  },

  encodeResult(_service, _operation, result, requestId): EncodedResponse {
    const body = result && typeof result === 'object' && Object.keys(result).length > 0 ? `<?xml version="1.0" encoding="UTF-8"?>${xmlChildren(result)}` : '';
    return { status: 200, headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId }, body };
  },

  encodeError(_service, error, requestId): EncodedResponse {
    const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
    return { status: error.status, headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId }, body };
  },
};
