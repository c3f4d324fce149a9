import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import type { RawRequest } from '../types.js';
import { AwsError } from '../types.js';
import type { SandboxService } from '../types.js';
import { errorFields } from './codec.js';
import type { DecodedRequest, EncodedResponse, ProtocolCodec } from './codec.js';
import { escapeXml } from './xml.js';

/**
 * restXml (S3): `route` maps method + path (+ query subresources such as `?publicAccessBlock`) to an
 * operation. The request body reaches the handler raw, as a Buffer in `input.Body`, after the payload checks
 * S3 makes: a hex `x-amz-content-sha256` must match the body (XAmzContentSHA256Mismatch), `aws-chunked`
 * bodies (STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD) are de-chunked, and a CRC32
 * checksum header or trailer must match (BadDigest). A handler answers with a {@link RestXmlResponse}
 * (status, headers, an XML document or a raw body); errors are `<Error><Code/><Message/><RequestId/></Error>`.
 */

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** What a restXml handler returns: an XML document (`xml`), a raw body, or neither (headers only). */
export class RestXmlResponse {
  status: number;
  headers: Record<string, string>;
  xml?: { root: string; value: unknown };
  body?: string | Buffer;

  constructor(opts: { status?: number; headers?: Record<string, string | undefined>; xml?: { root: string; value: unknown }; body?: string | Buffer } = {}) {
    this.status = opts.status ?? 200;
    this.headers = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) this.headers[k.toLowerCase()] = v;
    if (opts.xml) this.xml = opts.xml;
    if (opts.body !== undefined) this.body = opts.body;
  }
}

// ---- XML ---------------------------------------------------------------------------------------------------

function scalar(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

/**
 * S3-style XML: object members become elements, an array member repeats its element (`{ Rule: [a, b] }` →
 * `<Rule>a</Rule><Rule>b</Rule>`; wrap it yourself for wrapped lists: `{ Buckets: { Bucket: [...] } }`).
 */
export function s3XmlChildren(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date || typeof value !== 'object') return scalar(value);
  let out = '';
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    for (const item of Array.isArray(v) ? v : [v]) out += `<${k}>${s3XmlChildren(item)}</${k}>`;
  }
  return out;
}

export function s3XmlDocument(root: string, value: unknown, namespace = S3_XMLNS): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${namespace}">${s3XmlChildren(value)}</${root}>`;
}

/** A parsed element: text for a leaf, else its children by name (a repeated name collects an array). */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] };

const malformed = () => new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

/**
 * A small XML reader for S3 request bodies (configuration documents): elements, text and entities;
 * attributes, comments and the prolog are skipped. Returns the root element's name and content;
 * MalformedXML when the document is not well-formed.
 */
export function parseXml(text: string): { name: string; value: XmlNode } {
  let i = 0;
  const src = text;
  const skipMisc = () => {
    for (;;) {
      while (i < src.length && /\s/.test(src[i]!)) i++;
      if (src.startsWith('<?', i)) {
        const end = src.indexOf('?>', i);
        if (end < 0) throw malformed();
        i = end + 2;
      } else if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i);
        if (end < 0) throw malformed();
        i = end + 3;
      } else return;
    }
  };
  const element = (): { name: string; value: XmlNode } => {
    if (src[i] !== '<') throw malformed();
    const close = src.indexOf('>', i);
    if (close < 0) throw malformed();
    const tag = src.slice(i + 1, close);
    i = close + 1;
    const selfClosing = tag.endsWith('/');
    const name = (selfClosing ? tag.slice(0, -1) : tag).trim().split(/\s+/)[0] ?? '';
    if (!/^[A-Za-z_][\w.:-]*$/.test(name)) throw malformed();
    if (selfClosing) return { name, value: '' };
    const children: Record<string, XmlNode | XmlNode[]> = {};
    let hasChildren = false;
    let textContent = '';
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) throw malformed();
      textContent += src.slice(i, lt);
      i = lt;
      if (src.startsWith('</', i)) {
        const end = src.indexOf('>', i);
        if (end < 0 || src.slice(i + 2, end).trim() !== name) throw malformed();
        i = end + 1;
        return { name, value: hasChildren ? children : unescapeXml(textContent) };
      }
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i);
        if (end < 0) throw malformed();
        i = end + 3;
        continue;
      }
      const child = element();
      hasChildren = true;
      const prev = children[child.name];
      if (prev === undefined) children[child.name] = child.value;
      else if (Array.isArray(prev)) prev.push(child.value);
      else children[child.name] = [prev, child.value];
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== src.length) throw malformed();
  return root;
}

/** The children of an element as an object ('' for an empty element); MalformedXML for a text node. */
export function xmlObject(node: XmlNode | XmlNode[] | undefined): Record<string, XmlNode | XmlNode[]> {
  if (node === undefined || node === '') return {};
  if (typeof node === 'string' || Array.isArray(node)) throw malformed();
  return node;
}

/** An element's text, or undefined when absent. */
export function xmlText(node: XmlNode | XmlNode[] | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node !== 'string') throw malformed();
  return node.trim();
}

/** `true`/`false` element text; MalformedXML for anything else. */
export function xmlBool(node: XmlNode | XmlNode[] | undefined): boolean | undefined {
  const t = xmlText(node);
  if (t === undefined) return undefined;
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw malformed();
}

export function xmlList(node: XmlNode | XmlNode[] | undefined): XmlNode[] {
  return node === undefined ? [] : Array.isArray(node) ? node : [node];
}

// ---- payload -----------------------------------------------------------------------------------------------

/** Decodes an `aws-chunked` body: `hex[;chunk-signature=..]\r\n<data>\r\n ... 0\r\n<trailers>\r\n`. */
function dechunk(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  let i = 0;
  const bad = () => new AwsError('IncompleteBody', 'The request body terminated unexpectedly', 400);
  for (;;) {
    const eol = body.indexOf('\r\n', i);
    if (eol < 0) throw bad();
    const size = parseInt(body.subarray(i, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw bad();
    i = eol + 2;
    if (size === 0) break;
    if (i + size > body.length) throw bad();
    parts.push(body.subarray(i, i + size));
    i += size;
    if (body.subarray(i, i + 2).toString('latin1') !== '\r\n') throw bad();
    i += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.subarray(i).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}

const zcrc32 = (zlib as unknown as { crc32?: (data: Buffer) => number }).crc32;

/** CRC32 of `data` as S3 sends it (base64 of the big-endian 4 bytes); undefined when node lacks zlib.crc32. */
export function crc32Base64(data: Buffer): string | undefined {
  if (!zcrc32) return undefined;
  const b = Buffer.alloc(4);
  b.writeUInt32BE(zcrc32(data) >>> 0);
  return b.toString('base64');
}

/** The request payload after S3's checks: de-chunked, hash and checksum verified. */
export function s3Payload(req: RawRequest): Buffer {
  const declared = req.headers['x-amz-content-sha256'];
  const chunked = (req.headers['content-encoding'] ?? '').split(',').some((e) => e.trim() === 'aws-chunked') || (declared ?? '').startsWith('STREAMING-');
  let body = req.body;
  let trailers: Record<string, string> = {};
  if (chunked) {
    ({ data: body, trailers } = dechunk(req.body));
    const decodedLength = req.headers['x-amz-decoded-content-length'];
    if (decodedLength !== undefined && Number(decodedLength) !== body.length) {
      throw new AwsError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header', 400);
    }
  } else if (declared && /^[0-9a-f]{64}$/.test(declared)) {
    if (createHash('sha256').update(body).digest('hex') !== declared) {
      throw new AwsError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
    }
  }
  const crc = req.headers['x-amz-checksum-crc32'] ?? trailers['x-amz-checksum-crc32'];
  if (crc !== undefined) {
    const actual = crc32Base64(body);
    if (actual !== undefined && actual !== crc) throw new AwsError('BadDigest', 'The CRC32 you specified did not match the calculated checksum.', 400);
  }
  return body;
}

// ---- the codec ---------------------------------------------------------------------------------------------

/** S3 names some failures differently from the query protocols that AuthFailure and the core speak. */
function s3Error(error: AwsError): { code: string; message: string; status: number } {
  switch (error.code) {
    case 'InvalidClientTokenId':
      return { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.', status: 403 };
    case 'MissingAuthenticationToken':
      return { code: 'AccessDenied', message: 'Access Denied', status: 403 };
    case 'IncompleteSignature':
      return { code: 'AccessDenied', message: 'AWS authentication requires a valid Date or x-amz-date header', status: 403 };
    case 'InternalFailure':
      return { code: 'InternalError', message: 'We encountered an internal error. Please try again.', status: 500 };
    case 'ServiceUnavailable':
      return { code: 'ServiceUnavailable', message: 'Please reduce your request rate.', status: 503 };
    default:
      return { code: error.code, message: error.message, status: error.status };
  }
}

function baseHeaders(requestId: string): Record<string, string> {
  return { 'x-amz-request-id': requestId, 'x-amz-id-2': Buffer.from(requestId).toString('base64') };
}

export const restXml: ProtocolCodec = {
  family: 'xml',

  decode(req: RawRequest, service: SandboxService): DecodedRequest {
    const routed = service.route?.(req.method, req.path, req.query);
    if (!routed || !Object.hasOwn(service.operations, routed.operation)) {
      throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented.', 501);
    }
    const body = s3Payload(req);
    return { operation: routed.operation, input: { ...routed.params, Body: body }, params: routed.params };
  },

  encodeResult(service, _operation, result, requestId): EncodedResponse {
    const namespace = service.xmlNamespace ?? S3_XMLNS;
    if (result instanceof RestXmlResponse) {
      const headers = { ...baseHeaders(requestId), ...result.headers };
      if (result.xml) {
        return { status: result.status, headers: { 'content-type': 'application/xml', ...headers }, body: s3XmlDocument(result.xml.root, result.xml.value, namespace) };
      }
      return { status: result.status, headers, body: result.body ?? '' };
    }
    // A plain object: the XML document named by its single top-level key.
    const entries = result && typeof result === 'object' ? Object.entries(result) : [];
    const body = entries.length === 1 ? s3XmlDocument(entries[0]![0], entries[0]![1], namespace) : '';
    return { status: 200, headers: { 'content-type': 'application/xml', ...baseHeaders(requestId) }, body };
  },

  encodeError(service, error, requestId): EncodedResponse {
    const e = s3Error(error);
    // Extra members (S3's PermanentRedirect: Endpoint, Bucket; RequestTimeTooSkewed: RequestTime, ServerTime) follow the message, as S3 sends them.
    const inner = `<Error><Code>${escapeXml(e.code)}</Code><Message>${escapeXml(e.message)}</Message>${s3XmlChildren(errorFields(error))}`;
    const hostId = baseHeaders(requestId)['x-amz-id-2'];
    // S3's model says noErrorWrapping; every other restXml service (S3 Control) wraps the error.
    const doc = service?.wrapsXmlErrors
      ? `<ErrorResponse>${inner}</Error><RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></ErrorResponse>`
      : `${inner}<RequestId>${requestId}</RequestId></Error>`;
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n${doc}`;
    return { status: e.status, headers: { 'content-type': 'application/xml', ...baseHeaders(requestId), ...errorHeaders(error) }, body };
  },
};

/** Headers an error answer carries besides the request ids (S3's x-amz-bucket-region on a redirect): an AwsError subclass may set `headers`. */
function errorHeaders(error: AwsError): Record<string, string> {
  const headers = (error as AwsError & { headers?: unknown }).headers;
  return headers && typeof headers === 'object' ? (headers as Record<string, string>) : {};
}
