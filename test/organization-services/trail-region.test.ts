import { CloudTrailClient, CreateTrailCommand, DescribeTrailsCommand, ListTagsCommand } from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/plan.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const manifest = (trail: boolean) => `
organization:
  management: General
${trail ? '  trail: {}\n' : ''}accounts:
  - { name: General, email: aws+general@example.com }
`;

/**
 * Trails homed in another Region than lz runs in (a console or Control Tower trail, made in us-west-2):
 * DescribeTrails shows a multi-Region one everywhere, but its tags are read, and it is changed, only in
 * its home Region (CloudTrailARNInvalidException / InvalidHomeRegionException elsewhere).
 */
describe('trails homed in another Region than lz runs in', () => {
  let w: TestWorld;
  let west: CloudTrailClient;
  let mgmt: string;
  const all = async () => ((await west.send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? []).map((t) => `${t.Name} ${t.HomeRegion}`).sort();

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    mgmt = w.sandbox.managementAccountId;
    const config = { region: 'us-west-2', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials };
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'console-trail-logs', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:GetBucketAcl', Resource: 'arn:aws:s3:::console-trail-logs' },
        { Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::console-trail-logs/AWSLogs/*' },
      ],
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'console-trail-logs', Policy: JSON.stringify(policy) }));
    s3.destroy();
    west = new CloudTrailClient(config);
    // Somebody's own trail, and one an earlier lz run made from us-west-2 (it carries lz's tag).
    await west.send(new CreateTrailCommand({ Name: 'console-trail', S3BucketName: 'console-trail-logs', IsMultiRegionTrail: true }));
    await west.send(new CreateTrailCommand({ Name: 'old-lz-trail', S3BucketName: 'console-trail-logs', IsMultiRegionTrail: true, TagsList: [{ Key: 'lz:managed', Value: 'organization-trail' }] }));
  });
  afterAll(async () => {
    west.destroy();
    await w.close();
  });

  it('do not break a plan that asks for no trail; the one lz made is reported, read in its home Region', async () => {
    w.writeManifest(manifest(false));
    const { code, out, err } = await w.lz('plan', '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const plan = JSON.parse(out) as Plan;
    expect(plan.changes.filter((c) => c.kind === 'trail')).toEqual([]);
    expect(plan.unmanaged.filter((u) => u.kind === 'trail').map((u) => u.address)).toEqual(['trail:old-lz-trail']);
    const tagReads = w.sandbox.requests().filter((r) => r.operation === 'ListTags');
    expect(tagReads.length).toBeGreaterThan(0);
    expect(tagReads.every((r) => r.status === 200)).toBe(true);
  });

  it('do not break a plan and apply that ask for lz’s trail; --prune deletes the old one in its home Region and leaves the console’s', async () => {
    w.writeManifest(manifest(true));
    const applied = await w.lz('apply', '--auto-approve', '--prune');
    expect(applied.err + applied.out).toContain('Apply complete!');
    expect(applied.code).toBe(0);
    expect(await all()).toEqual(['console-trail us-west-2', 'lz-organization-trail us-east-1']);
    const east = new CloudTrailClient({ region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials });
    const arn = `arn:aws:cloudtrail:us-east-1:${mgmt}:trail/lz-organization-trail`;
    expect((await east.send(new ListTagsCommand({ ResourceIdList: [arn] }))).ResourceTagList?.[0]?.TagsList).toEqual([{ Key: 'lz:managed', Value: 'organization-trail' }]);
    east.destroy();
    const again = await w.lz('plan', '--detailed-exitcode');
    expect(again.err).toBe('');
    expect(again.code).toBe(0);
  });
});
