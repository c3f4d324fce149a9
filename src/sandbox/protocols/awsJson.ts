import type { RawRequest } from '../types.js';
import { AwsError } from '../types.js';
import type { SandboxService } from '../types.js';
import { parseJsonBody, toJsonValue } from './codec.js';
import { errorFields } from './codec.js';
import type { DecodedRequest, EncodedResponse, ProtocolCodec } from './codec.js';

/** awsJson1_1 (Organizations, Budgets): `X-Amz-Target: Prefix.Operation`, JSON in and out. */
export const awsJson1_1: ProtocolCodec = {
  family: 'json',

  decode(req: RawRequest, service: SandboxService): DecodedRequest {
    const target = req.headers['x-amz-target'] ?? '';
    const dot = target.lastIndexOf('.');
    const prefix = dot >= 0 ? target.slice(0, dot) : '';
    const operation = dot >= 0 ? target.slice(dot + 1) : target;
    // The short form of a namespaced prefix is accepted too: newer SDKs send `CloudTrail_20131101.X` where
    // the AWS CLI sends `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.X`.
    const prefixOk = prefix !== '' && (prefix === service.targetPrefix || Boolean(service.targetPrefix?.endsWith(`.${prefix}`)));
    if (!target || !prefixOk || !Object.hasOwn(service.operations, operation)) {
      throw new AwsError('UnknownOperationException', target ? `Unknown operation ${target}` : 'Missing X-Amz-Target header', 400);
    }
    return { operation, input: parseJsonBody(req.body), params: {} };
  },

  encodeResult(_service, _operation, result, requestId): EncodedResponse {
    const body = JSON.stringify(toJsonValue(result ?? {}) ?? {});
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId }, body };
  },

  encodeError(_service, error, requestId): EncodedResponse {
    const body = JSON.stringify({ __type: error.code, message: error.message, Message: error.message, ...((toJsonValue(errorFields(error)) as object) ?? {}) });
    return {
      status: error.status,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.code },
      body,
    };
  },
};
