import { CreateBucketCommand, GetBucketPolicyCommand, GetBucketVersioningCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CloudTrailClient, GetTrailCommand } from '@aws-sdk/client-cloudtrail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

/** A bucket lives in one Region; the one the file names may be in another than the one lz runs in. */
describe('a trail bucket the file names, made beforehand in another Region than lz runs in', () => {
  let w: TestWorld;
  let s3: S3Client;
  const bucket = 'acme-trail-logs';
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    s3 = new S3Client({ region: 'eu-west-1', endpoint: w.sandbox.endpoint, forcePathStyle: true, credentials: w.sandbox.managementCredentials });
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    w.writeManifest(`
organization: { management: General, trail: { bucket: ${bucket} } }
accounts:
  - { name: General, email: aws+general@example.com }
`);
  });
  afterAll(async () => {
    s3.destroy();
    await w.close();
  });

  it('is brought in line where it is, the trail delivers to it, and the next plan has nothing to do', async () => {
    const plan = await w.lz('plan');
    expect(plan.err).toBe('');
    expect(plan.out).toContain(`~ bucket:${bucket}`);
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.err + applied.out).toContain('Apply complete!');
    // Still in eu-west-1, now versioned and with CloudTrail's policy.
    expect((await s3.send(new HeadBucketCommand({ Bucket: bucket }))).BucketRegion).toBe('eu-west-1');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Enabled');
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy).toContain('cloudtrail.amazonaws.com');
    const ct = new CloudTrailClient({ region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials });
    expect((await ct.send(new GetTrailCommand({ Name: 'lz-organization-trail' }))).Trail?.S3BucketName).toBe(bucket);
    ct.destroy();
    const again = await w.lz('plan', '--detailed-exitcode');
    expect(again.code).toBe(0);
  });
});
