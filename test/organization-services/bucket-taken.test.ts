import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessKey } from '../../src/sandbox/services/iam/index.js';
import { ADMIN_USER_NAME } from '../../src/sandbox/index.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

/** S3 bucket names are global: one the file asks for may belong to somebody else's account. */
describe('a log bucket whose name another AWS account owns', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    const stranger = w.sandbox.addStandaloneAccount({ name: 'Stranger', email: 'stranger@example.org' });
    const key = createAccessKey(w.sandbox.state, stranger, w.sandbox.runtime, ADMIN_USER_NAME);
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: w.sandbox.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'acme-org-logs' }));
    s3.destroy();
    w.writeManifest(`
organization: { management: General, trail: { bucket: acme-org-logs } }
accounts:
  - { name: General, email: aws+general@example.com }
`);
  });
  afterAll(async () => w.close());

  it('is refused at plan time, naming the bucket, with no write', async () => {
    w.sandbox.clearRequests();
    const r = await w.lz('apply', '--auto-approve');
    expect(r.code).toBe(1);
    expect(r.err).toContain('S3 bucket acme-org-logs belongs to another AWS account');
    expect(r.err).toContain('Name another bucket in accounts.yaml');
    expect(w.sandbox.requests().filter((q) => !q.readOnly)).toEqual([]);
  });
});
