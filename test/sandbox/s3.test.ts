import { Readable } from 'node:stream';
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_USER_NAME, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { createAccessKey } from '../../src/sandbox/services/iam/index.js';
import { clientConfig, failure, type Creds } from './clients.js';

let sb: SandboxHandle;
let s3: S3Client;
let other: S3Client;
let otherCreds: Creds;

const s3Client = (credentials?: Creds, region = 'us-east-1') => new S3Client({ ...clientConfig(sb, credentials), region, forcePathStyle: true });

beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
  s3 = s3Client();
  const account = sb.addStandaloneAccount({ name: 'Other', email: 'other@example.com' });
  const key = createAccessKey(sb.state, account, sb.runtime, ADMIN_USER_NAME);
  otherCreds = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  other = s3Client(otherCreds);
});

afterAll(async () => {
  s3.destroy();
  other.destroy();
  await sb.close();
});

/** The error code and HTTP status the SDK saw. */
async function code(fn: () => Promise<unknown>): Promise<[string, number | undefined]> {
  const e = await failure(fn);
  return [e.name, e.$metadata?.httpStatusCode];
}

const body = async (out: { Body?: { transformToString(): Promise<string> } }) => out.Body!.transformToString();

describe('buckets', () => {
  it('creates a bucket owned by the caller, lists it and heads it with its region', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'lz-state-a' }));
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name)).toEqual(['lz-state-a']);
    expect(list.Buckets?.[0]?.CreationDate).toBeInstanceOf(Date);
    expect(list.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'lz-state-a' }));
    expect(head.BucketRegion).toBe('us-east-1');
    // Another account sees neither the bucket in its list nor its contents.
    expect((await other.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
  });

  it('keeps bucket names global: another account gets BucketAlreadyExists; the owner gets 200 in us-east-1 and BucketAlreadyOwnedByYou elsewhere', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'lz-global' }));
    const e = await failure(() => other.send(new CreateBucketCommand({ Bucket: 'lz-global' })));
    expect(e).toBeInstanceOf(BucketAlreadyExists);
    expect(e.$metadata?.httpStatusCode).toBe(409);
    // us-east-1 legacy: re-creating your own bucket succeeds.
    await s3.send(new CreateBucketCommand({ Bucket: 'lz-global' }));

    const eu = s3Client(undefined, 'eu-west-1');
    await eu.send(new CreateBucketCommand({ Bucket: 'lz-eu', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    expect(await failure(() => eu.send(new CreateBucketCommand({ Bucket: 'lz-eu', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })))).toBeInstanceOf(BucketAlreadyOwnedByYou);
    expect((await eu.send(new HeadBucketCommand({ Bucket: 'lz-eu' }))).BucketRegion).toBe('eu-west-1');
    // A location constraint that does not match the endpoint's region is refused. (The SDK itself adds the
    // client's region as LocationConstraint outside us-east-1.)
    const wrong = { LocationConstraint: 'us-west-2' } as const;
    expect(await code(() => eu.send(new CreateBucketCommand({ Bucket: 'lz-eu-2', CreateBucketConfiguration: wrong })))).toEqual(['IllegalLocationConstraintException', 400]);
    eu.destroy();
  });

  it('answers a request for a bucket of another Region with 301 PermanentRedirect and the bucket’s Region, as S3 does', async () => {
    const eu = s3Client(undefined, 'eu-west-1');
    await eu.send(new CreateBucketCommand({ Bucket: 'lz-far', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await eu.send(new PutObjectCommand({ Bucket: 'lz-far', Key: 'k', Body: 'v' }));
    // Sent to us-east-1: refused with the Region to go to, before any access check (another account too).
    for (const client of [s3, other]) {
      const e = await failure(() => client.send(new GetObjectCommand({ Bucket: 'lz-far', Key: 'k' })));
      expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['PermanentRedirect', 301]);
      expect(e.message).toBe('The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.');
      expect((e as { $response?: { headers: Record<string, string> } }).$response?.headers['x-amz-bucket-region']).toBe('eu-west-1');
      expect((e as { Endpoint?: string }).Endpoint).toBe('lz-far.s3.eu-west-1.amazonaws.com');
    }
    // HEAD: the same 301 without a body, the Region in its header.
    const head = await failure(() => s3.send(new HeadBucketCommand({ Bucket: 'lz-far' })));
    expect(head.$metadata?.httpStatusCode).toBe(301);
    expect((head as { $response?: { headers: Record<string, string> } }).$response?.headers['x-amz-bucket-region']).toBe('eu-west-1');
    // The SDK follows it when told to (followRegionRedirects): a second request, in the bucket's Region.
    const follows = new S3Client({ ...clientConfig(sb), region: 'us-east-1', forcePathStyle: true, followRegionRedirects: true });
    const before = sb.requests().length;
    expect(await body(await follows.send(new GetObjectCommand({ Bucket: 'lz-far', Key: 'k' })))).toBe('v');
    expect((await follows.send(new HeadBucketCommand({ Bucket: 'lz-far' }))).BucketRegion).toBe('eu-west-1');
    expect(sb.requests().slice(before).map((r) => `${r.operation} ${r.status}`)).toEqual(['GetObject 301', 'GetObject 200', 'HeadBucket 301', 'HeadBucket 200']);
    follows.destroy();
    eu.destroy();
  });

  it('refuses invalid bucket names', async () => {
    expect(await code(() => s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).toEqual(['InvalidBucketName', 400]);
    expect(await code(() => s3.send(new CreateBucketCommand({ Bucket: 'ab' })))).toEqual(['InvalidBucketName', 400]);
  });

  it('answers HeadBucket 404 NotFound for no bucket and 403 for another account’s', async () => {
    const missing = await failure(() => s3.send(new HeadBucketCommand({ Bucket: 'lz-nope' })));
    expect(missing).toBeInstanceOf(NotFound);
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    await s3.send(new CreateBucketCommand({ Bucket: 'lz-private' }));
    const forbidden = await failure(() => other.send(new HeadBucketCommand({ Bucket: 'lz-private' })));
    expect(forbidden).toBeInstanceOf(S3ServiceException);
    expect(forbidden.$metadata?.httpStatusCode).toBe(403);
  });

  it('lets only the owner account use a bucket (AccessDenied otherwise)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'lz-owned' }));
    expect(await code(() => other.send(new PutObjectCommand({ Bucket: 'lz-owned', Key: 'k', Body: 'x' })))).toEqual(['AccessDenied', 403]);
    expect(await code(() => other.send(new GetBucketPolicyCommand({ Bucket: 'lz-owned' })))).toEqual(['AccessDenied', 403]);
    expect(await code(() => other.send(new DeleteBucketCommand({ Bucket: 'lz-owned' })))).toEqual(['AccessDenied', 403]);
  });

  it('deletes an empty bucket only (BucketNotEmpty, then NoSuchBucket)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'lz-delete-me' }));
    await s3.send(new PutObjectCommand({ Bucket: 'lz-delete-me', Key: 'a', Body: 'a' }));
    expect(await code(() => s3.send(new DeleteBucketCommand({ Bucket: 'lz-delete-me' })))).toEqual(['BucketNotEmpty', 409]);
    await s3.send(new DeleteObjectCommand({ Bucket: 'lz-delete-me', Key: 'a' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'lz-delete-me' }));
    expect(await failure(() => s3.send(new DeleteBucketCommand({ Bucket: 'lz-delete-me' })))).toBeInstanceOf(NoSuchBucket);
    expect(await failure(() => s3.send(new GetBucketVersioningCommand({ Bucket: 'lz-delete-me' })))).toBeInstanceOf(NoSuchBucket);
  });
});

describe('bucket configuration', () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'lz-config' }));
  });

  it('stores the bucket policy verbatim; NoSuchBucketPolicy when there is none', async () => {
    expect(await code(() => s3.send(new GetBucketPolicyCommand({ Bucket: 'lz-config' })))).toEqual(['NoSuchBucketPolicy', 404]);
    const policy = '{"Version":"2012-10-17","Statement":[{"Sid":"CT","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::lz-config/*"}]}';
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'lz-config', Policy: policy }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: 'lz-config' }))).Policy).toBe(policy);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'lz-config' }));
    expect(await code(() => s3.send(new GetBucketPolicyCommand({ Bucket: 'lz-config' })))).toEqual(['NoSuchBucketPolicy', 404]);
  });

  it('refuses a malformed policy, and a public one while BlockPublicPolicy is on', async () => {
    expect(await code(() => s3.send(new PutBucketPolicyCommand({ Bucket: 'lz-config', Policy: 'not json' })))).toEqual(['MalformedPolicy', 400]);
    const publicPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::lz-config/*' }] });
    expect(await code(() => s3.send(new PutBucketPolicyCommand({ Bucket: 'lz-config', Policy: publicPolicy })))).toEqual(['AccessDenied', 403]);
    // A Deny for everyone is not public.
    const deny = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::lz-config/*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] });
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'lz-config', Policy: deny }));
  });

  it('blocks public access on a new bucket (as AWS since 2023); Put replaces it; NoSuchPublicAccessBlockConfiguration once deleted', async () => {
    const initial = await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'lz-config' }));
    expect(initial.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'lz-config', PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: false } }));
    const after = await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'lz-config' }));
    expect(after.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'lz-config' }));
    expect(await code(() => s3.send(new GetPublicAccessBlockCommand({ Bucket: 'lz-config' })))).toEqual(['NoSuchPublicAccessBlockConfiguration', 404]);
  });

  it('encrypts with SSE-S3 by default; PutBucketEncryption sets KMS', async () => {
    const initial = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'lz-config' }));
    expect(initial.ServerSideEncryptionConfiguration?.Rules).toEqual([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }]);
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'lz-config',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/lz' }, BucketKeyEnabled: true }] },
      }),
    );
    const after = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'lz-config' }));
    expect(after.ServerSideEncryptionConfiguration?.Rules).toEqual([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/lz' }, BucketKeyEnabled: true }]);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'lz-config', Key: 'enc', Body: 'x' }));
    expect(put.ServerSideEncryption).toBe('aws:kms');
  });

  it('reports no versioning status until PutBucketVersioning', async () => {
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'lz-config' }))).Status).toBeUndefined();
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'lz-config', VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'lz-config' }))).Status).toBe('Enabled');
    const put = await s3.send(new PutObjectCommand({ Bucket: 'lz-config', Key: 'versioned', Body: 'v' }));
    expect(put.VersionId).toBeTruthy();
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'lz-config', VersioningConfiguration: { Status: 'Suspended' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'lz-config' }))).Status).toBe('Suspended');
  });
});

describe('objects', () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'lz-objects' }));
  });

  it('puts, gets and heads an object (string, bytes and a stream with an unsigned chunked payload)', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'lz-objects', Key: 'dir/a b.json', Body: '{"hello":1}', ContentType: 'application/json', Metadata: { owner: 'lz' } }));
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'lz-objects', Key: 'dir/a b.json' }));
    expect(await body(got)).toBe('{"hello":1}');
    expect(got.ContentType).toBe('application/json');
    expect(got.ETag).toBe(put.ETag);
    expect(got.Metadata).toEqual({ owner: 'lz' });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'lz-objects', Key: 'dir/a b.json' }));
    expect(head.ContentLength).toBe(11);
    expect(head.ETag).toBe(put.ETag);
    expect(head.LastModified).toBeInstanceOf(Date);

    const bytes = new Uint8Array([0, 1, 2, 255, 254]);
    await s3.send(new PutObjectCommand({ Bucket: 'lz-objects', Key: 'bin', Body: bytes }));
    expect([...(await (await s3.send(new GetObjectCommand({ Bucket: 'lz-objects', Key: 'bin' }))).Body!.transformToByteArray())]).toEqual([...bytes]);

    // A stream body goes out as aws-chunked with STREAMING-UNSIGNED-PAYLOAD-TRAILER and a CRC32 trailer.
    await s3.send(new PutObjectCommand({ Bucket: 'lz-objects', Key: 'stream', Body: Readable.from([Buffer.from('chunked '), Buffer.from('body')]), ContentLength: 12 }));
    expect(await body(await s3.send(new GetObjectCommand({ Bucket: 'lz-objects', Key: 'stream' })))).toBe('chunked body');
  });

  it('answers NoSuchKey for GetObject and NotFound for HeadObject of a missing key', async () => {
    const e = await failure(() => s3.send(new GetObjectCommand({ Bucket: 'lz-objects', Key: 'missing' })));
    expect(e).toBeInstanceOf(NoSuchKey);
    expect(e.$metadata?.httpStatusCode).toBe(404);
    const h = await failure(() => s3.send(new HeadObjectCommand({ Bucket: 'lz-objects', Key: 'missing' })));
    expect(h).toBeInstanceOf(NotFound);
    expect(await failure(() => s3.send(new GetObjectCommand({ Bucket: 'lz-no-bucket', Key: 'k' })))).toBeInstanceOf(NoSuchBucket);
  });

  it('takes a lock: the second PutObject with IfNoneMatch * fails 412 PreconditionFailed and leaves the first body', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'lz-objects', Key: 'lock', Body: 'run-1', IfNoneMatch: '*' }));
    const second = await failure(() => s3.send(new PutObjectCommand({ Bucket: 'lz-objects', Key: 'lock', Body: 'run-2', IfNoneMatch: '*' })));
    expect(second.name).toBe('PreconditionFailed');
    expect(second.$metadata?.httpStatusCode).toBe(412);
    expect(await body(await s3.send(new GetObjectCommand({ Bucket: 'lz-objects', Key: 'lock' })))).toBe('run-1');
    // Released (deleted), the lock can be taken again.
    await s3.send(new DeleteObjectCommand({ Bucket: 'lz-objects', Key: 'lock' }));
    await s3.send(new PutObjectCommand({ Bucket: 'lz-objects', Key: 'lock', Body: 'run-2', IfNoneMatch: '*' }));
  });

  it('honours If-Match on PutObject and DeleteObject (412 on another ETag)', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: 'lz-objects', Key: 'cas', Body: 'v1' }));
    expect(await code(() => s3.send(new PutObjectCommand({ Bucket: 'lz-objects', Key: 'cas', Body: 'v2', IfMatch: '"0000"' })))).toEqual(['PreconditionFailed', 412]);
    const second = await s3.send(new PutObjectCommand({ Bucket: 'lz-objects', Key: 'cas', Body: 'v2', IfMatch: first.ETag }));
    expect(await code(() => s3.send(new DeleteObjectCommand({ Bucket: 'lz-objects', Key: 'cas', IfMatch: first.ETag })))).toEqual(['PreconditionFailed', 412]);
    await s3.send(new DeleteObjectCommand({ Bucket: 'lz-objects', Key: 'cas', IfMatch: second.ETag }));
  });

  it('deletes idempotently with 204', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'lz-objects', Key: 'gone', Body: 'x' }));
    const first = await s3.send(new DeleteObjectCommand({ Bucket: 'lz-objects', Key: 'gone' }));
    expect(first.$metadata.httpStatusCode).toBe(204);
    const again = await s3.send(new DeleteObjectCommand({ Bucket: 'lz-objects', Key: 'gone' }));
    expect(again.$metadata.httpStatusCode).toBe(204);
    expect(await failure(() => s3.send(new GetObjectCommand({ Bucket: 'lz-objects', Key: 'gone' })))).toBeInstanceOf(NoSuchKey);
  });

  it('lists objects in small pages', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'lz-list' }));
    const keys = Array.from({ length: 25 }, (_, i) => `k/${String(i).padStart(2, '0')}`);
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: 'lz-list', Key: k, Body: k }));
    await s3.send(new PutObjectCommand({ Bucket: 'lz-list', Key: 'other/x', Body: 'x' }));
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: 'lz-list', Prefix: 'k/' })) {
      pages++;
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
    }
    expect(seen).toEqual(keys);
    expect(pages).toBeGreaterThan(1);
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'lz-list', Delimiter: '/' }));
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['k/', 'other/']);
  });
});

describe('authentication', () => {
  it('answers InvalidAccessKeyId for an unknown key and SignatureDoesNotMatch for a wrong secret, both 403', async () => {
    const unknown = s3Client({ accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' });
    expect(await code(() => unknown.send(new ListBucketsCommand({})))).toEqual(['InvalidAccessKeyId', 403]);
    const wrong = s3Client({ accessKeyId: otherCreds.accessKeyId, secretAccessKey: 'wrong-secret' });
    expect(await code(() => wrong.send(new ListBucketsCommand({})))).toEqual(['SignatureDoesNotMatch', 403]);
  });

  it('logs S3 operations, Get/List/Head as read-only', () => {
    const log = sb.requests().filter((r) => r.service === 's3');
    expect(log.find((r) => r.operation === 'ListBuckets')?.readOnly).toBe(true);
    expect(log.find((r) => r.operation === 'PutObject')?.readOnly).toBe(false);
  });
});
