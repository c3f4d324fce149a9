import {
  CloudTrailAccessNotEnabledException,
  CloudTrailClient,
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  InsufficientS3BucketPolicyException,
  InvalidParameterCombinationException,
  InvalidTrailNameException,
  ListTagsCommand,
  NotOrganizationMasterAccountException,
  OrganizationsNotInUseException,
  S3BucketDoesNotExistException,
  StartLoggingCommand,
  StopLoggingCommand,
  TrailAlreadyExistsException,
  TrailNotFoundException,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import { CreateAccountCommand, CreateOrganizationCommand, DescribeCreateAccountStatusCommand, EnableAWSServiceAccessCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_SETTLING, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { assume, clientConfig, failure, type Creds } from './clients.js';

const DELAY = 50;
const sandboxes: SandboxHandle[] = [];

afterEach(async () => {
  while (sandboxes.length > 0) await sandboxes.pop()!.close();
});

async function sandbox(): Promise<SandboxHandle> {
  const sb = await startSandbox({ port: 0, delays: { createAccount: DELAY, rolePropagation: DELAY, ...NO_SETTLING } });
  sandboxes.push(sb);
  return sb;
}

const trailClient = (sb: SandboxHandle, creds?: Creds) => new CloudTrailClient(clientConfig(sb, creds));
const s3Client = (sb: SandboxHandle, creds?: Creds) => new S3Client({ ...clientConfig(sb, creds), forcePathStyle: true });

/** The bucket policy CloudTrail needs (AWS's documented one). */
function cloudTrailPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AWSCloudTrailAclCheck', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:GetBucketAcl', Resource: `arn:aws:s3:::${bucket}` },
      { Sid: 'AWSCloudTrailWrite', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/AWSLogs/*` },
    ],
  });
}

async function logBucket(sb: SandboxHandle, name: string, creds?: Creds, policy = true): Promise<void> {
  const s3 = s3Client(sb, creds);
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  if (policy) await s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: cloudTrailPolicy(name) }));
  s3.destroy();
}

/** An organization with one member account; the member's admin credentials via its access role. */
async function organizationWithMember(sb: SandboxHandle): Promise<{ org: OrganizationsClient; memberId: string; member: Creds }> {
  const org = new OrganizationsClient(clientConfig(sb));
  await org.send(new CreateOrganizationCommand({}));
  const started = await org.send(new CreateAccountCommand({ AccountName: 'Log Archive', Email: 'log-archive@example.com' }));
  sb.advanceTime(DELAY);
  const status = await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id! }));
  sb.advanceTime(DELAY);
  const memberId = status.CreateAccountStatus!.AccountId!;
  const member = await assume(sb, `arn:aws:iam::${memberId}:role/OrganizationAccountAccessRole`);
  return { org, memberId, member };
}

describe('trails', () => {
  it('creates a trail whose bucket exists and lets CloudTrail write; refuses a missing bucket or an insufficient policy', async () => {
    const sb = await sandbox();
    const ct = trailClient(sb);
    expect(await failure(() => ct.send(new CreateTrailCommand({ Name: 'lz-trail', S3BucketName: 'lz-no-such-bucket' })))).toBeInstanceOf(S3BucketDoesNotExistException);
    await logBucket(sb, 'lz-nopolicy', undefined, false);
    const insufficient = await failure(() => ct.send(new CreateTrailCommand({ Name: 'lz-trail', S3BucketName: 'lz-nopolicy' })));
    expect(insufficient).toBeInstanceOf(InsufficientS3BucketPolicyException);
    expect(insufficient.$metadata?.httpStatusCode).toBe(403);

    await logBucket(sb, 'lz-trail-logs');
    const created = await ct.send(new CreateTrailCommand({ Name: 'lz-trail', S3BucketName: 'lz-trail-logs', S3KeyPrefix: 'ct', IsMultiRegionTrail: true, EnableLogFileValidation: true }));
    expect(created).toMatchObject({
      Name: 'lz-trail',
      S3BucketName: 'lz-trail-logs',
      S3KeyPrefix: 'ct',
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      LogFileValidationEnabled: true,
      IsOrganizationTrail: false,
      TrailARN: `arn:aws:cloudtrail:us-east-1:${sb.managementAccountId}:trail/lz-trail`,
    });
    expect(await failure(() => ct.send(new CreateTrailCommand({ Name: 'lz-trail', S3BucketName: 'lz-trail-logs' })))).toBeInstanceOf(TrailAlreadyExistsException);
    expect(await failure(() => ct.send(new CreateTrailCommand({ Name: 'a..b', S3BucketName: 'lz-trail-logs' })))).toBeInstanceOf(InvalidTrailNameException);
  });

  it('describes, gets, starts and stops logging, updates and deletes a trail', async () => {
    const sb = await sandbox();
    const ct = trailClient(sb);
    await logBucket(sb, 'lz-trail-logs');
    await ct.send(new CreateTrailCommand({ Name: 'lz-trail', S3BucketName: 'lz-trail-logs' }));
    await ct.send(new CreateTrailCommand({ Name: 'other', S3BucketName: 'lz-trail-logs' }));

    expect((await ct.send(new DescribeTrailsCommand({}))).trailList?.map((t) => t.Name)).toEqual(['lz-trail', 'other']);
    const byName = (await ct.send(new DescribeTrailsCommand({ trailNameList: ['lz-trail'] }))).trailList!;
    expect(byName).toHaveLength(1);
    expect(byName[0]).toMatchObject({ Name: 'lz-trail', HomeRegion: 'us-east-1', IsMultiRegionTrail: false, HasCustomEventSelectors: false });
    const arn = byName[0]!.TrailARN!;
    expect((await ct.send(new GetTrailCommand({ Name: arn }))).Trail?.Name).toBe('lz-trail');

    expect((await ct.send(new GetTrailStatusCommand({ Name: 'lz-trail' }))).IsLogging).toBe(false);
    await ct.send(new StartLoggingCommand({ Name: 'lz-trail' }));
    const started = await ct.send(new GetTrailStatusCommand({ Name: 'lz-trail' }));
    expect(started.IsLogging).toBe(true);
    expect(started.StartLoggingTime).toBeInstanceOf(Date);
    await ct.send(new StopLoggingCommand({ Name: arn }));
    expect((await ct.send(new GetTrailStatusCommand({ Name: 'lz-trail' }))).IsLogging).toBe(false);

    const updated = await ct.send(new UpdateTrailCommand({ Name: 'lz-trail', IsMultiRegionTrail: true, EnableLogFileValidation: true }));
    expect(updated).toMatchObject({ Name: 'lz-trail', IsMultiRegionTrail: true, LogFileValidationEnabled: true });
    expect(await failure(() => ct.send(new UpdateTrailCommand({ Name: 'lz-trail', IncludeGlobalServiceEvents: false })))).toBeInstanceOf(InvalidParameterCombinationException);
    expect(await failure(() => ct.send(new UpdateTrailCommand({ Name: 'lz-trail', S3BucketName: 'lz-missing' })))).toBeInstanceOf(S3BucketDoesNotExistException);
    // A failed update changes nothing.
    expect((await ct.send(new GetTrailCommand({ Name: 'lz-trail' }))).Trail).toMatchObject({ IncludeGlobalServiceEvents: true, S3BucketName: 'lz-trail-logs' });

    await ct.send(new DeleteTrailCommand({ Name: 'lz-trail' }));
    expect((await ct.send(new DescribeTrailsCommand({}))).trailList?.map((t) => t.Name)).toEqual(['other']);
    for (const call of [
      () => ct.send(new GetTrailCommand({ Name: 'lz-trail' })),
      () => ct.send(new GetTrailStatusCommand({ Name: 'lz-trail' })),
      () => ct.send(new StartLoggingCommand({ Name: 'lz-trail' })),
      () => ct.send(new DeleteTrailCommand({ Name: 'lz-trail' })),
      () => ct.send(new UpdateTrailCommand({ Name: 'lz-trail', EnableLogFileValidation: false })),
    ]) {
      const e = await failure(call);
      expect(e).toBeInstanceOf(TrailNotFoundException);
      expect(e.$metadata?.httpStatusCode).toBe(404);
    }
  });

  it('shows a single-region trail only in its home region, a multi-region one everywhere', async () => {
    const sb = await sandbox();
    const east = trailClient(sb);
    const west = new CloudTrailClient({ ...clientConfig(sb), region: 'us-west-2' });
    await logBucket(sb, 'lz-trail-logs');
    await east.send(new CreateTrailCommand({ Name: 'single', S3BucketName: 'lz-trail-logs' }));
    await east.send(new CreateTrailCommand({ Name: 'multi', S3BucketName: 'lz-trail-logs', IsMultiRegionTrail: true }));
    expect((await west.send(new DescribeTrailsCommand({}))).trailList?.map((t) => [t.Name, t.HomeRegion])).toEqual([['multi', 'us-east-1']]);
    expect(await failure(() => west.send(new DeleteTrailCommand({ Name: 'multi' })))).toMatchObject({ name: 'InvalidHomeRegionException' });
  });

  it('reads a trail’s tags only in its home Region: a shadow trail’s ARN elsewhere is CloudTrailARNInvalidException; its status is read anywhere by ARN', async () => {
    const sb = await sandbox();
    const west = new CloudTrailClient({ ...clientConfig(sb), region: 'us-west-2' });
    const east = trailClient(sb);
    await logBucket(sb, 'lz-trail-logs');
    const made = await west.send(new CreateTrailCommand({ Name: 'console', S3BucketName: 'lz-trail-logs', IsMultiRegionTrail: true, TagsList: [{ Key: 'team', Value: 'sec' }] }));
    const shadow = (await east.send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList!;
    expect(shadow.map((t) => [t.TrailARN, t.HomeRegion])).toEqual([[made.TrailARN, 'us-west-2']]);
    const e = await failure(() => east.send(new ListTagsCommand({ ResourceIdList: [made.TrailARN!] })));
    expect([e.name, e.$metadata?.httpStatusCode, e.message]).toEqual(['CloudTrailARNInvalidException', 400, 'Region in ARN is wrong, you can only access resources in region us-east-1.']);
    expect((await west.send(new ListTagsCommand({ ResourceIdList: [made.TrailARN!] }))).ResourceTagList).toEqual([{ ResourceId: made.TrailARN, TagsList: [{ Key: 'team', Value: 'sec' }] }]);
    // GetTrailStatus takes a shadow trail's ARN (AWS documents it: "you must specify its ARN").
    expect((await east.send(new GetTrailStatusCommand({ Name: made.TrailARN }))).IsLogging).toBe(false);
    expect(await failure(() => east.send(new StartLoggingCommand({ Name: made.TrailARN })))).toMatchObject({ name: 'InvalidHomeRegionException' });
  });
});

describe('organization trail', () => {
  it('needs an organization, the management account and trusted access for cloudtrail.amazonaws.com', async () => {
    const sb = await sandbox();
    const ct = trailClient(sb);
    await logBucket(sb, 'lz-org-logs');
    const create = (client: CloudTrailClient) => client.send(new CreateTrailCommand({ Name: 'org', S3BucketName: 'lz-org-logs', IsOrganizationTrail: true, IsMultiRegionTrail: true }));

    expect(await failure(() => create(ct))).toBeInstanceOf(OrganizationsNotInUseException);
    const { org, member } = await organizationWithMember(sb);
    const fromMember = trailClient(sb, member);
    expect(await failure(() => create(fromMember))).toBeInstanceOf(NotOrganizationMasterAccountException);
    const notEnabled = await failure(() => create(ct));
    expect(notEnabled).toBeInstanceOf(CloudTrailAccessNotEnabledException);
    // Nothing was created by the refused calls.
    expect((await ct.send(new DescribeTrailsCommand({}))).trailList).toEqual([]);

    await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'cloudtrail.amazonaws.com' }));
    const created = await create(ct);
    expect(created.IsOrganizationTrail).toBe(true);
  });

  it('writes to a bucket of another account (the log archive) and shows the trail to members, who cannot delete it', async () => {
    const sb = await sandbox();
    const ct = trailClient(sb);
    const { org, member, memberId } = await organizationWithMember(sb);
    await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'cloudtrail.amazonaws.com' }));
    await logBucket(sb, 'lz-archive-logs', member);
    const created = await ct.send(new CreateTrailCommand({ Name: 'org', S3BucketName: 'lz-archive-logs', IsOrganizationTrail: true, IsMultiRegionTrail: true }));
    await ct.send(new StartLoggingCommand({ Name: 'org' }));

    const memberCt = trailClient(sb, member);
    const seen = (await memberCt.send(new DescribeTrailsCommand({}))).trailList!;
    expect(seen.map((t) => [t.TrailARN, t.IsOrganizationTrail])).toEqual([[created.TrailARN, true]]);
    expect((await memberCt.send(new GetTrailStatusCommand({ Name: created.TrailARN }))).IsLogging).toBe(true);
    expect(await failure(() => memberCt.send(new DeleteTrailCommand({ Name: created.TrailARN })))).toBeInstanceOf(NotOrganizationMasterAccountException);
    const tags = await failure(() => memberCt.send(new ListTagsCommand({ ResourceIdList: [created.TrailARN!] })));
    expect([tags.name, tags.message]).toEqual(['CloudTrailARNInvalidException', `AccountID in ARN is wrong, you can only access resources with AccountID ${memberId}.`]);
  });
});
