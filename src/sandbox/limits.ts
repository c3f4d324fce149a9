import type { EncodedResponse } from './protocols/index.js';
import { AwsError } from './types.js';
import type { Protocol } from './types.js';

/**
 * The largest request body the sandbox reads, per protocol. A request that declares more (Content-Length) is
 * refused before a byte of its body is read; one without a length, or that sends more than it declared, is
 * refused as soon as it passes the bound, and what it sent is dropped, never held.
 *
 * - The query and JSON services (IAM, STS, Organizations, Budgets, CloudTrail, Account, ...): AWS's front end
 *   refuses past 1,662,976 bytes with `413 Request Entity Too Large` and a plain-text body
 *   ("HTTP content length exceeded 1662976 bytes."), as SQS answers; their largest documented inputs (IAM
 *   policy documents of 131,072 characters, Organizations policies of 1,000,000) fit.
 * - S3 and S3 Control (restXml): S3 takes objects up to 5 GiB in one PUT; the sandbox keeps objects in memory
 *   and in its state file, so it stops at 16 MiB. Past it, an object upload is `EntityTooLarge` (400, with
 *   ProposedSize and MaxSizeAllowed) and any other request `MaxMessageLengthExceeded` (400), as S3 names them.
 */
export const FRONT_END_MAX_BODY = 1_662_976;
export const S3_MAX_BODY = 16 * 1024 * 1024;

export const MAX_BODY: Record<Protocol, number> = {
  awsQuery: FRONT_END_MAX_BODY,
  awsJson1_1: FRONT_END_MAX_BODY,
  restJson1: FRONT_END_MAX_BODY,
  restXml: S3_MAX_BODY,
};

/** S3 operations whose body is an object (EntityTooLarge rather than MaxMessageLengthExceeded). */
const OBJECT_UPLOADS = new Set(['PutObject', 'UploadPart']);

/** The refusal of a body past `MAX_BODY[protocol]`: an AwsError for restXml, else the front end's 413 text. */
export function tooLarge(protocol: Protocol, operation: string | undefined, proposedSize: number | undefined): AwsError | EncodedResponse {
  const max = MAX_BODY[protocol];
  if (protocol !== 'restXml') {
    return { status: 413, headers: { 'content-type': 'text/plain' }, body: `HTTP content length exceeded ${max} bytes.` };
  }
  if (operation && OBJECT_UPLOADS.has(operation)) {
    const e = new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400);
    return Object.assign(e, { fields: { ...(proposedSize !== undefined ? { ProposedSize: proposedSize } : {}), MaxSizeAllowed: max } });
  }
  return new AwsError('MaxMessageLengthExceeded', 'Your request was too big.', 400);
}
