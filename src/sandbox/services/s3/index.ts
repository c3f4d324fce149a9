import { createHash } from 'node:crypto';
import { RestXmlResponse, parseXml, xmlBool, xmlList, xmlObject, xmlText } from '../../protocols/restXml.js';
import type { XmlNode } from '../../protocols/restXml.js';
import type { AccountRecord, SandboxState } from '../../state.js';
import { s3State } from './state.js';
import type { PublicAccessBlockConfiguration, S3BucketRecord, S3ObjectRecord } from './state.js';
import { accountPublicAccessBlock } from '../s3-control/state.js';
import { AwsError } from '../../types.js';
import type { OperationContext, OperationHandler, SandboxService } from '../../types.js';

/**
 * S3 (restXml, path-style only: `http://127.0.0.1:PORT/bucket/key`; clients need `forcePathStyle: true`).
 * Bucket names are global across the sandbox's accounts; a bucket belongs to the account that created it and
 * only that account may use it (AccessDenied otherwise: bucket policies are stored, not evaluated — except
 * that BlockPublicAccess refuses a public policy, as on AWS). New buckets get SSE-S3 default encryption and
 * all four Block Public Access settings, as on AWS since 2023. PutObject honours `If-None-Match: *` (412
 * PreconditionFailed when the key exists: how lz takes a lock) and `If-Match` (412 on another ETag).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded request parameters
type Input = Record<string, any>;

const BUCKET_SUBRESOURCES = ['policy', 'publicAccessBlock', 'encryption', 'versioning', 'location', 'tagging'] as const;
const SUB_OPERATION: Record<string, Record<string, string>> = {
  policy: { GET: 'GetBucketPolicy', PUT: 'PutBucketPolicy', DELETE: 'DeleteBucketPolicy' },
  publicAccessBlock: { GET: 'GetPublicAccessBlock', PUT: 'PutPublicAccessBlock', DELETE: 'DeletePublicAccessBlock' },
  encryption: { GET: 'GetBucketEncryption', PUT: 'PutBucketEncryption', DELETE: 'DeleteBucketEncryption' },
  versioning: { GET: 'GetBucketVersioning', PUT: 'PutBucketVersioning' },
  location: { GET: 'GetBucketLocation' },
  tagging: { GET: 'GetBucketTagging', PUT: 'PutBucketTagging', DELETE: 'DeleteBucketTagging' },
};
/** Query parameters that name a subresource we don't model (acl, cors, lifecycle, ...): NotImplemented. */
const KNOWN_QUERY = new Set(['x-id', 'list-type', 'prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after', 'fetch-owner', 'encoding-type', 'max-buckets', 'bucket-region', 'versionId']);

export function route(method: string, rawPath: string, query: URLSearchParams): { operation: string; params: Record<string, string> } | undefined {
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const slash = path.indexOf('/');
  let bucket: string;
  let key: string;
  try {
    bucket = decodeURIComponent(slash < 0 ? path : path.slice(0, slash));
    key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
  } catch {
    return undefined;
  }
  const sub = BUCKET_SUBRESOURCES.find((s) => query.has(s));
  const unknown = [...query.keys()].some((k) => !KNOWN_QUERY.has(k) && !(BUCKET_SUBRESOURCES as readonly string[]).includes(k));
  if (unknown) return undefined;
  if (!bucket) return method === 'GET' && !sub ? { operation: 'ListBuckets', params: {} } : undefined;
  if (!key) {
    if (sub) {
      const op = SUB_OPERATION[sub]?.[method];
      return op ? { operation: op, params: { Bucket: bucket } } : undefined;
    }
    // GET on a bucket lists it: ListObjectsV2 (`list-type=2`) only; the legacy ListObjects is not modelled.
    if (method === 'GET') return query.get('list-type') === '2' ? { operation: 'ListObjectsV2', params: { Bucket: bucket } } : undefined;
    const op = { PUT: 'CreateBucket', HEAD: 'HeadBucket', DELETE: 'DeleteBucket' }[method];
    return op ? { operation: op, params: { Bucket: bucket } } : undefined;
  }
  if (sub) return undefined;
  const op = { PUT: 'PutObject', GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' }[method];
  return op ? { operation: op, params: { Bucket: bucket, Key: key } } : undefined;
}

// ---- errors ------------------------------------------------------------------------------------------------

const errors = {
  noSuchBucket: () => new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404),
  accessDenied: () => new AwsError('AccessDenied', 'Access Denied', 403),
  noSuchKey: () => new AwsError('NoSuchKey', 'The specified key does not exist.', 404),
  precondition: () => new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412),
  malformedXml: () => new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400),
  invalidBucketName: () => new AwsError('InvalidBucketName', 'The specified bucket is not valid.', 400),
};

// ---- lookups -----------------------------------------------------------------------------------------------

/** The bucket named `name` in any account, and its owner. */
export function findBucket(state: SandboxState, name: string): { owner: AccountRecord; bucket: S3BucketRecord } | undefined {
  for (const owner of Object.values(state.accounts)) {
    const bucket = owner.s3?.[name];
    if (bucket) return { owner, bucket };
  }
  return undefined;
}

/**
 * S3's answer to a request for a bucket sent to another Region's endpoint: 301 PermanentRedirect with the
 * bucket's Region in `x-amz-bucket-region` (a HEAD answer has no body: the header is all there is). It comes
 * before any access check, so a bucket of another account is redirected too.
 */
class PermanentRedirect extends AwsError {
  readonly fields: Record<string, string>;
  readonly headers: Record<string, string>;
  constructor(bucket: S3BucketRecord) {
    super('PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.', 301);
    this.fields = { Endpoint: `${bucket.name}.s3.${bucket.region}.amazonaws.com`, Bucket: bucket.name };
    this.headers = { 'x-amz-bucket-region': bucket.region };
  }
}

/** The bucket named in the request, in the Region the request was sent to (a redirect when it lives in another). */
function bucketHere(ctx: OperationContext, input: Input): { owner: AccountRecord; bucket: S3BucketRecord } | undefined {
  const found = findBucket(ctx.state, String(input.Bucket));
  if (found && found.bucket.region !== ctx.region) throw new PermanentRedirect(found.bucket);
  return found;
}

/** The caller's bucket: NoSuchBucket when none has the name, AccessDenied when another account owns it. */
function ownBucket(ctx: OperationContext, input: Input): S3BucketRecord {
  const found = bucketHere(ctx, input);
  if (!found) throw errors.noSuchBucket();
  if (found.owner.id !== ctx.caller.accountId) throw errors.accessDenied();
  return found.bucket;
}

/** S3's canonical user id for an account (64 hex characters, stable). */
export function canonicalUserId(accountId: string): string {
  return createHash('sha256').update(`s3-canonical:${accountId}`).digest('hex');
}

function checkBucketName(name: string): void {
  if (
    name.length < 3 ||
    name.length > 63 ||
    !/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name) ||
    name.includes('..') ||
    /^\d+\.\d+\.\d+\.\d+$/.test(name) ||
    /^(xn--|sthree-|amzn-s3-demo-)/.test(name) ||
    /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)
  ) {
    throw errors.invalidBucketName();
  }
}

function bodyText(input: Input): string {
  const body = input.Body as Buffer | undefined;
  return body ? body.toString('utf8') : '';
}

/** The request's XML document, whose root must be `root`. */
export function xmlBody(input: Input, root: string): Record<string, XmlNode | XmlNode[]> {
  const text = bodyText(input).trim();
  if (!text) throw errors.malformedXml();
  const doc = parseXml(text);
  if (doc.name !== root) throw errors.malformedXml();
  return xmlObject(doc.value);
}

/** A PublicAccessBlockConfiguration document: Put replaces all four flags, an absent one is false. */
export function publicAccessBlockOf(cfg: Record<string, XmlNode | XmlNode[]>): PublicAccessBlockConfiguration {
  return {
    BlockPublicAcls: xmlBool(cfg.BlockPublicAcls) ?? false,
    IgnorePublicAcls: xmlBool(cfg.IgnorePublicAcls) ?? false,
    BlockPublicPolicy: xmlBool(cfg.BlockPublicPolicy) ?? false,
    RestrictPublicBuckets: xmlBool(cfg.RestrictPublicBuckets) ?? false,
  };
}

const etagOf = (data: Buffer) => `"${createHash('md5').update(data).digest('hex')}"`;

/** Is this bucket policy public in S3's sense: an Allow to every principal without conditions? */
function isPublicPolicy(doc: { Statement?: unknown }): boolean {
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return statements.some((s) => {
    const st = s as { Effect?: unknown; Principal?: unknown; Condition?: unknown } | undefined;
    if (!st || st.Effect !== 'Allow' || st.Condition) return false;
    const p = st.Principal;
    const aws = p && typeof p === 'object' ? (p as { AWS?: unknown }).AWS : undefined;
    return p === '*' || aws === '*' || (Array.isArray(aws) && aws.includes('*'));
  });
}

function objectHeaders(bucket: S3BucketRecord, obj: S3ObjectRecord): Record<string, string | undefined> {
  const sse = bucket.encryption[0];
  const headers: Record<string, string | undefined> = {
    etag: obj.etag,
    'last-modified': new Date(obj.lastModified).toUTCString(),
    'content-type': obj.contentType,
    'accept-ranges': 'bytes',
    'x-amz-server-side-encryption': sse?.SSEAlgorithm ?? 'AES256',
    'x-amz-server-side-encryption-aws-kms-key-id': sse?.SSEAlgorithm === 'aws:kms' ? sse.KMSMasterKeyID : undefined,
    'x-amz-version-id': obj.versionId,
  };
  for (const [k, v] of Object.entries(obj.metadata)) headers[`x-amz-meta-${k}`] = v;
  return headers;
}

// ---- handlers ----------------------------------------------------------------------------------------------

const operations: Record<string, OperationHandler> = {
  ListBuckets: (ctx) => {
    const account = ctx.state.accounts[ctx.caller.accountId];
    const buckets = Object.values(account?.s3 ?? {}).sort((a, b) => (a.name < b.name ? -1 : 1));
    return new RestXmlResponse({
      xml: {
        root: 'ListAllMyBucketsResult',
        value: {
          Owner: { ID: canonicalUserId(ctx.caller.accountId) },
          Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: new Date(b.createdAt), BucketRegion: b.region })) },
        },
      },
    });
  },

  CreateBucket: (ctx, input) => {
    const name = String(input.Bucket);
    checkBucketName(name);
    let constraint: string | undefined;
    if (bodyText(input).trim()) constraint = xmlText(xmlBody(input, 'CreateBucketConfiguration').LocationConstraint) || undefined;
    if (constraint === 'us-east-1') throw new AwsError('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400);
    const region = constraint ?? 'us-east-1';
    if (region !== ctx.region) {
      throw new AwsError(
        'IllegalLocationConstraintException',
        constraint
          ? `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`
          : 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
        400,
      );
    }
    const existing = findBucket(ctx.state, name);
    if (existing && existing.owner.id !== ctx.caller.accountId) {
      throw new AwsError('BucketAlreadyExists', 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.', 409);
    }
    if (existing) {
      // AWS answers 200 for a bucket you already own in us-east-1 (legacy behaviour), 409 everywhere else.
      if (existing.bucket.region === 'us-east-1' && region === 'us-east-1') return new RestXmlResponse({ headers: { location: `/${name}` } });
      throw new AwsError('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409);
    }
    const account = ctx.state.accounts[ctx.caller.accountId];
    if (!account) throw errors.accessDenied();
    s3State(account)[name] = {
      name,
      region,
      createdAt: ctx.runtime.now().toISOString(),
      publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      encryption: [{ SSEAlgorithm: 'AES256', BucketKeyEnabled: false }],
      objects: {},
    };
    return new RestXmlResponse({ headers: { location: `/${name}` } });
  },

  HeadBucket: (ctx, input) => {
    const found = bucketHere(ctx, input);
    // HEAD answers carry no body: the SDK names these NotFound / 403 by status.
    if (!found) throw new AwsError('NotFound', 'Not Found', 404);
    if (found.owner.id !== ctx.caller.accountId) throw new AwsError('Forbidden', 'Forbidden', 403);
    return new RestXmlResponse({ headers: { 'x-amz-bucket-region': found.bucket.region, 'x-amz-access-point-alias': 'false' } });
  },

  GetBucketLocation: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    // us-east-1 is the empty LocationConstraint, as on AWS.
    return new RestXmlResponse({ body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${bucket.region === 'us-east-1' ? '' : bucket.region}</LocationConstraint>`, headers: { 'content-type': 'application/xml' } });
  },

  DeleteBucket: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    if (Object.keys(bucket.objects).length > 0) throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409);
    delete s3State(ctx.state.accounts[ctx.caller.accountId]!)[bucket.name];
    return new RestXmlResponse({ status: 204 });
  },

  // policy
  PutBucketPolicy: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    const text = bodyText(input);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new AwsError('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'", 400);
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !text.trimStart().startsWith('{')) {
      throw new AwsError('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'", 400);
    }
    if ((doc as { Statement?: unknown }).Statement === undefined) throw new AwsError('MalformedPolicy', 'Missing required field Statement', 400);
    // The bucket's setting or its owner account's (S3 Control), whichever blocks: AWS applies the stricter.
    const blocked = bucket.publicAccessBlock?.BlockPublicPolicy || accountPublicAccessBlock(ctx.state.accounts[ctx.caller.accountId]!)?.BlockPublicPolicy;
    if (blocked && isPublicPolicy(doc as { Statement?: unknown })) {
      throw new AwsError('AccessDenied', 'User is not authorized to perform: s3:PutBucketPolicy because public policies are blocked by the BlockPublicPolicy block public access setting.', 403);
    }
    bucket.policy = text;
    return new RestXmlResponse({ status: 204 });
  },
  GetBucketPolicy: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    if (bucket.policy === undefined) throw new AwsError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404);
    return new RestXmlResponse({ body: bucket.policy, headers: { 'content-type': 'application/json' } });
  },
  DeleteBucketPolicy: (ctx, input) => {
    delete ownBucket(ctx, input).policy;
    return new RestXmlResponse({ status: 204 });
  },

  // public access block
  PutPublicAccessBlock: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    bucket.publicAccessBlock = publicAccessBlockOf(xmlBody(input, 'PublicAccessBlockConfiguration'));
    return new RestXmlResponse();
  },
  GetPublicAccessBlock: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    if (!bucket.publicAccessBlock) throw new AwsError('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404);
    return new RestXmlResponse({ xml: { root: 'PublicAccessBlockConfiguration', value: bucket.publicAccessBlock } });
  },
  DeletePublicAccessBlock: (ctx, input) => {
    delete ownBucket(ctx, input).publicAccessBlock;
    return new RestXmlResponse({ status: 204 });
  },

  // default encryption
  PutBucketEncryption: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    const cfg = xmlBody(input, 'ServerSideEncryptionConfiguration');
    const rules = xmlList(cfg.Rule).map((r) => {
      const rule = xmlObject(r);
      const byDefault = xmlObject(rule.ApplyServerSideEncryptionByDefault);
      const algorithm = xmlText(byDefault.SSEAlgorithm);
      if (!algorithm || !['AES256', 'aws:kms', 'aws:kms:dsse'].includes(algorithm)) throw errors.malformedXml();
      const kmsKey = xmlText(byDefault.KMSMasterKeyID);
      if (kmsKey && algorithm === 'AES256') {
        throw new AwsError('InvalidArgument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse', 400);
      }
      return { SSEAlgorithm: algorithm, KMSMasterKeyID: kmsKey || undefined, BucketKeyEnabled: xmlBool(rule.BucketKeyEnabled) ?? false };
    });
    if (rules.length !== 1) throw errors.malformedXml();
    bucket.encryption = rules;
    return new RestXmlResponse();
  },
  GetBucketEncryption: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    if (bucket.encryption.length === 0) {
      throw new AwsError('ServerSideEncryptionConfigurationNotFoundError', 'The server side encryption configuration was not found', 404);
    }
    return new RestXmlResponse({
      xml: {
        root: 'ServerSideEncryptionConfiguration',
        value: {
          Rule: bucket.encryption.map((r) => ({
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: r.SSEAlgorithm, KMSMasterKeyID: r.KMSMasterKeyID },
            BucketKeyEnabled: r.BucketKeyEnabled ?? false,
          })),
        },
      },
    });
  },
  DeleteBucketEncryption: (ctx, input) => {
    // Since January 2023 a bucket always has default encryption: deleting it restores SSE-S3.
    ownBucket(ctx, input).encryption = [{ SSEAlgorithm: 'AES256', BucketKeyEnabled: false }];
    return new RestXmlResponse({ status: 204 });
  },

  // versioning
  PutBucketVersioning: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    const cfg = xmlBody(input, 'VersioningConfiguration');
    const status = xmlText(cfg.Status);
    if (status !== undefined && status !== 'Enabled' && status !== 'Suspended') throw errors.malformedXml();
    if (status === 'Suspended' && !bucket.versioning) return new RestXmlResponse();
    if (status) bucket.versioning = status;
    return new RestXmlResponse();
  },
  GetBucketVersioning: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    return new RestXmlResponse({ xml: { root: 'VersioningConfiguration', value: { Status: bucket.versioning } } });
  },

  // tags
  PutBucketTagging: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    const cfg = xmlBody(input, 'Tagging');
    const tags = xmlList(xmlObject(cfg.TagSet).Tag).map((t) => {
      const tag = xmlObject(t);
      return { Key: xmlText(tag.Key) ?? '', Value: xmlText(tag.Value) ?? '' };
    });
    if (new Set(tags.map((t) => t.Key)).size !== tags.length) throw new AwsError('InvalidTag', 'Cannot provide multiple Tags with the same key', 400);
    if (tags.length > 50) throw new AwsError('InvalidTag', 'Object tags cannot be greater than 50', 400);
    bucket.tags = tags;
    return new RestXmlResponse({ status: 204 });
  },
  GetBucketTagging: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    if (!bucket.tags || bucket.tags.length === 0) throw new AwsError('NoSuchTagSet', 'The TagSet does not exist', 404);
    return new RestXmlResponse({ xml: { root: 'Tagging', value: { TagSet: { Tag: bucket.tags } } } });
  },
  DeleteBucketTagging: (ctx, input) => {
    delete ownBucket(ctx, input).tags;
    return new RestXmlResponse({ status: 204 });
  },

  // objects
  ListObjectsV2: (ctx, input) => listObjects(ctx, ownBucket(ctx, input)),

  PutObject: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    const key = String(input.Key);
    if (Buffer.byteLength(key) > 1024) throw new AwsError('KeyTooLongError', 'Your key is too long', 400);
    const existing = bucket.objects[key];
    const ifNoneMatch = ctx.headers['if-none-match'];
    const ifMatch = ctx.headers['if-match'];
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.trim() !== '*') throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501);
      if (existing) throw errors.precondition();
    }
    if (ifMatch !== undefined) {
      if (!existing) throw errors.noSuchKey();
      if (ifMatch.trim() !== existing.etag && ifMatch.trim() !== '*') throw errors.precondition();
    }
    const data = input.Body as Buffer;
    const metadata: Record<string, string> = {};
    for (const [h, v] of Object.entries(ctx.headers)) if (h.startsWith('x-amz-meta-')) metadata[h.slice('x-amz-meta-'.length)] = v;
    const obj: S3ObjectRecord = {
      body: data.toString('base64'),
      etag: etagOf(data),
      size: data.length,
      lastModified: ctx.runtime.now().toISOString(),
      contentType: ctx.headers['content-type'] ?? 'binary/octet-stream',
      metadata,
    };
    if (bucket.versioning === 'Enabled') obj.versionId = ctx.runtime.randomId(32, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._');
    bucket.objects[key] = obj;
    const sse = bucket.encryption[0];
    return new RestXmlResponse({
      headers: {
        etag: obj.etag,
        'x-amz-server-side-encryption': sse?.SSEAlgorithm ?? 'AES256',
        'x-amz-server-side-encryption-aws-kms-key-id': sse?.SSEAlgorithm === 'aws:kms' ? sse.KMSMasterKeyID : undefined,
        'x-amz-version-id': obj.versionId,
      },
    });
  },

  GetObject: (ctx, input) => getObject(ctx, input, false),
  HeadObject: (ctx, input) => getObject(ctx, input, true),

  DeleteObject: (ctx, input) => {
    const bucket = ownBucket(ctx, input);
    const key = String(input.Key);
    const existing = bucket.objects[key];
    const ifMatch = ctx.headers['if-match'];
    if (ifMatch !== undefined) {
      if (!existing) throw errors.noSuchKey();
      if (ifMatch.trim() !== existing.etag && ifMatch.trim() !== '*') throw errors.precondition();
    }
    delete bucket.objects[key];
    return new RestXmlResponse({ status: 204 });
  },
};

function getObject(ctx: OperationContext, input: Input, head: boolean): RestXmlResponse {
  const bucket = ownBucket(ctx, input);
  const obj = bucket.objects[String(input.Key)];
  if (!obj) throw head ? new AwsError('NotFound', 'Not Found', 404) : errors.noSuchKey();
  const ifMatch = ctx.headers['if-match'];
  const ifNoneMatch = ctx.headers['if-none-match'];
  if (ifMatch !== undefined && ifMatch.trim() !== obj.etag && ifMatch.trim() !== '*') throw errors.precondition();
  if (ifNoneMatch !== undefined && (ifNoneMatch.trim() === obj.etag || ifNoneMatch.trim() === '*')) {
    return new RestXmlResponse({ status: 304, headers: { etag: obj.etag } });
  }
  // A HEAD answer is sent without its body (Node drops it) but with the object's Content-Length.
  return new RestXmlResponse({ headers: objectHeaders(bucket, obj), body: Buffer.from(obj.body, 'base64') });
}

const LIST_PAGE = 20;

function listObjects(ctx: OperationContext, bucket: S3BucketRecord): RestXmlResponse {
  const q = ctx.params;
  const prefix = q.prefix ?? '';
  const delimiter = q.delimiter || undefined;
  const requested = q['max-keys'] !== undefined ? Number(q['max-keys']) : 1000;
  if (!Number.isInteger(requested) || requested < 0) throw new AwsError('InvalidArgument', 'Provided max-keys not an integer or within integer range', 400);
  const maxKeys = Math.min(requested, LIST_PAGE);
  let after = q['start-after'] ?? '';
  if (q['continuation-token']) {
    try {
      after = Buffer.from(q['continuation-token'], 'base64url').toString('utf8');
    } catch {
      throw new AwsError('InvalidArgument', 'The continuation token provided is incorrect', 400);
    }
  }
  const keys = Object.keys(bucket.objects).filter((k) => k.startsWith(prefix)).sort();
  const contents: string[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let last = '';
  for (const key of keys) {
    if (key <= after) continue;
    let entry = key;
    let isPrefix = false;
    if (delimiter) {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        entry = key.slice(0, at + delimiter.length);
        isPrefix = true;
        if (entry <= after || prefixes.includes(entry)) continue;
      }
    }
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (isPrefix) prefixes.push(entry);
    else contents.push(entry);
    // A common prefix continues after every key under it.
    last = isPrefix ? `${entry}\u{10FFFF}` : entry;
  }
  return new RestXmlResponse({
    xml: {
      root: 'ListBucketResult',
      value: {
        Name: bucket.name,
        Prefix: prefix,
        Delimiter: delimiter,
        MaxKeys: requested,
        KeyCount: contents.length + prefixes.length,
        IsTruncated: truncated,
        ContinuationToken: q['continuation-token'],
        NextContinuationToken: truncated ? Buffer.from(last, 'utf8').toString('base64url') : undefined,
        StartAfter: q['start-after'],
        Contents: contents.map((k) => {
          const o = bucket.objects[k]!;
          return { Key: k, LastModified: new Date(o.lastModified), ETag: o.etag, Size: o.size, StorageClass: 'STANDARD' };
        }),
        CommonPrefixes: prefixes.map((p) => ({ Prefix: p })),
      },
    },
  });
}

/** The IAM action each S3 operation is authorized as (for root-task session policies). */
const S3_ACTIONS: Record<string, string> = {
  ListBuckets: 's3:ListAllMyBuckets',
  HeadBucket: 's3:ListBucket',
  ListObjectsV2: 's3:ListBucket',
  HeadObject: 's3:GetObject',
  GetPublicAccessBlock: 's3:GetBucketPublicAccessBlock',
  PutPublicAccessBlock: 's3:PutBucketPublicAccessBlock',
  DeletePublicAccessBlock: 's3:PutBucketPublicAccessBlock',
  GetBucketEncryption: 's3:GetEncryptionConfiguration',
  PutBucketEncryption: 's3:PutEncryptionConfiguration',
  DeleteBucketEncryption: 's3:PutEncryptionConfiguration',
  DeleteBucketTagging: 's3:PutBucketTagging',
};

export const s3: SandboxService = {
  signingName: 's3',
  protocol: 'restXml',
  route: (method, path, query) => {
    const r = route(method, path, query);
    // The listing parameters reach the handler through ctx.params.
    if (r?.operation === 'ListObjectsV2') for (const [k, v] of query) r.params[k] = v;
    return r;
  },
  actionOf: (operation) => S3_ACTIONS[operation] ?? `s3:${operation}`,
  resourceOf: (_operation, _input, ctx) => {
    const { Bucket: bucket, Key: key } = ctx.params;
    if (!bucket) return '*';
    return key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
  },
  operations,
};
