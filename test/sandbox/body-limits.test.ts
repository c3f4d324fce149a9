import { request } from 'node:http';
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { FRONT_END_MAX_BODY, S3_MAX_BODY } from '../../src/sandbox/limits.js';
import { clientConfig, failure } from './clients.js';

let sb: SandboxHandle;
beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
});
afterAll(async () => sb.close());

/** An unsigned-looking request that names a service in its credential scope (the signature is never checked). */
const scope = (service: string) => `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`;

interface Outcome {
  status: number;
  text: string;
  /** Body bytes the client had handed to the socket when the answer came. */
  sentWhenAnswered: number;
  /** The most `process.memoryUsage().arrayBuffers` grew while the request was under way. */
  peakGrowth: number;
  /** The server answered `Expect: 100-continue` with 100 Continue (an invitation to send the body). */
  continued: boolean;
}

/**
 * Sends `total` bytes in 64 KiB chunks (the same chunk again and again: the test holds no body), with
 * `contentLength` declared or, when undefined, chunked. Resolves on the answer; stops sending then.
 */
function sendLarge(path: string, headers: Record<string, string>, total: number, contentLength?: number): Promise<Outcome> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  let sent = 0;
  let continued = false;
  return new Promise((resolve, reject) => {
    const url = new URL(sb.endpoint);
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path, headers: { ...headers, ...(contentLength !== undefined ? { 'content-length': String(contentLength) } : {}) } });
    let answered = false;
    req.on('continue', () => {
      continued = true;
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer after ${sent} bytes sent`));
    }, 15_000);
    req.on('response', (res) => {
      answered = true;
      const sentWhenAnswered = sent;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8'), sentWhenAnswered, peakGrowth: peak, continued });
      });
    });
    req.on('error', (e) => {
      if (!answered) {
        clearTimeout(timer);
        reject(e);
      }
    });
    const pump = () => {
      while (!answered && sent < total) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('a request body larger than the service takes', () => {
  it('is refused by its Content-Length before any of it is read: 1.5 GB claimed, 413 from the query front end', async () => {
    // 64 MiB sent of the 1.5 GB declared: answered long before, from the header alone.
    const out = await sendLarge('/', { authorization: scope('iam'), 'content-type': 'application/x-www-form-urlencoded' }, 64 * 1024 * 1024, 1_500_000_000);
    expect(out.status).toBe(413);
    expect(out.text).toBe(`HTTP content length exceeded ${FRONT_END_MAX_BODY} bytes.`);
    expect(out.sentWhenAnswered).toBeLessThan(16 * 1024 * 1024);
    expect(sb.requests().at(-1)).toMatchObject({ service: 'iam', status: 413 });
  });

  it('without a length, stops being read past the bound: 200 MB streamed, answered early, memory bounded', async () => {
    const total = 200 * 1024 * 1024;
    const out = await sendLarge('/', { authorization: scope('organizations'), 'x-amz-target': 'AWSOrganizationsV20161128.ListAccounts', 'content-type': 'application/x-amz-json-1.1' }, total);
    expect(out.status).toBe(413);
    // Answered once the bound was passed, not after the whole body (socket buffers hold a few MB at most).
    expect(out.sentWhenAnswered).toBeLessThan(32 * 1024 * 1024);
    expect(out.peakGrowth).toBeLessThan(48 * 1024 * 1024);
  });

  it('in S3 is EntityTooLarge for an object (with ProposedSize and MaxSizeAllowed) and MaxMessageLengthExceeded otherwise', async () => {
    const s3 = new S3Client({ ...clientConfig(sb), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'big' }));
    const size = S3_MAX_BODY + 1;
    const put = await failure(() => s3.send(new PutObjectCommand({ Bucket: 'big', Key: 'k', Body: Buffer.alloc(size) })));
    expect([put.name, put.$metadata?.httpStatusCode, put.message]).toEqual(['EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size']);
    const fields = put as unknown as { ProposedSize: string; MaxSizeAllowed: string };
    expect([String(fields.ProposedSize), String(fields.MaxSizeAllowed)]).toEqual([String(size), String(S3_MAX_BODY)]);
    const policy = await failure(() => s3.send(new PutBucketPolicyCommand({ Bucket: 'big', Policy: 'x'.repeat(size) })));
    expect([policy.name, policy.$metadata?.httpStatusCode, policy.message]).toEqual(['MaxMessageLengthExceeded', 400, 'Your request was too big.']);
    expect(sb.state.accounts[sb.managementAccountId]!.s3?.big?.objects).toEqual({});
    s3.destroy();
  });

  it('is refused before the body is sent when the client asks with Expect: 100-continue', async () => {
    const out = await sendLarge('/', { authorization: scope('iam'), expect: '100-continue' }, 0, FRONT_END_MAX_BODY + 1);
    expect(out.status).toBe(413);
    // No 100 Continue: the client is told no before it is invited to send.
    expect(out.continued).toBe(false);
  });
});
