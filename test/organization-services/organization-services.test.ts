import { BCMDataExportsClient, GetExportCommand, ListExportsCommand } from '@aws-sdk/client-bcm-data-exports';
import { CloudTrailClient, GetTrailCommand, GetTrailStatusCommand, StopLoggingCommand, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { IAMClient, ListOrganizationsFeaturesCommand } from '@aws-sdk/client-iam';
import { ListAWSServiceAccessForOrganizationCommand, paginateListAccounts } from '@aws-sdk/client-organizations';
import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/plan.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

interface Options {
  trail?: boolean;
  costExport?: boolean;
  rootAccess?: boolean;
  managementDelete?: boolean;
}

const manifest = (o: Options = {}) => `
organization:
  management: General
  logArchive: LogArchive
${o.trail === false ? '' : '  trail: {}\n'}${o.costExport === false ? '' : '  costExport: {}\n'}${o.rootAccess === false ? '' : '  rootAccess: { centralized: true }\n'}accounts:
  - { name: General, email: aws+general@example.com${o.managementDelete ? ', rootCredentials: delete' : ''} }
  - { name: LogArchive, email: aws+logarchive@example.com }
  - { name: Workload, email: aws+workload@example.com, rootCredentials: delete }
`;

/** The lines of one change's block in the text plan (its address line and its field lines). */
function block(out: string, header: string): string[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.trim() === header);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start, end < 0 ? undefined : end).map((l) => l.trim());
}

describe('organization-level services: log archive bucket, organization trail, cost export, centralized root access', () => {
  let w: TestWorld;
  let mgmt: string;
  const ids: Record<string, string> = {};
  const config = () => ({ region: 'us-east-1', endpoint: w.sandbox.endpoint, maxAttempts: 1 });
  const management = () => ({ ...config(), credentials: w.sandbox.managementCredentials });
  let logArchiveBucket: string;
  let exportBucket: string;

  /** S3 inside a member account, through its access role, as any client would reach it. */
  async function memberS3(accountId: string): Promise<S3Client> {
    const sts = new STSClient(management());
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: 'test' }))).Credentials!;
    sts.destroy();
    return new S3Client({ ...config(), forcePathStyle: true, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
  }

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' }, delays: { createAccount: 100, rolePropagation: 200 } });
    mgmt = w.sandbox.managementAccountId;
    logArchiveBucket = `lz-log-archive-${mgmt}`;
    exportBucket = `lz-cost-export-${mgmt}`;
  });
  afterAll(async () => w.close());

  it('plans all four, in dependency order, without a single write', async () => {
    w.writeManifest(manifest());
    w.sandbox.clearRequests();
    const { code, out } = await w.lz('plan', '--json');
    expect(code).toBe(0);
    expect(w.sandbox.requests().filter((r) => !r.readOnly)).toEqual([]);
    const plan = JSON.parse(out) as Plan;
    const byAddress = new Map(plan.changes.map((c) => [c.address, c]));
    expect(byAddress.get('service-access:cloudtrail.amazonaws.com')?.action).toBe('create');
    expect(byAddress.get('service-access:iam.amazonaws.com')?.action).toBe('create');
    expect(byAddress.get(`bucket:${logArchiveBucket}`)).toMatchObject({ action: 'create', after: { account: 'LogArchive' }, dependsOn: expect.arrayContaining(['account:LogArchive']) });
    expect(byAddress.get(`bucket:${exportBucket}`)).toMatchObject({ action: 'create', after: { account: 'General', accountId: mgmt } });
    expect(byAddress.get(`bucket-policy:${logArchiveBucket}`)?.dependsOn).toContain(`bucket:${logArchiveBucket}`);
    expect(byAddress.get('trail:lz-organization-trail')?.dependsOn).toEqual(
      expect.arrayContaining(['service-access:cloudtrail.amazonaws.com', `bucket:${logArchiveBucket}`, `bucket-policy:${logArchiveBucket}`]),
    );
    expect(byAddress.get('cost-export:lz-cost-export')?.dependsOn).toContain(`bucket-policy:${exportBucket}`);
    expect(byAddress.get('root-access')?.dependsOn).toContain('service-access:iam.amazonaws.com');
    expect(byAddress.get('Workload.root-credentials')?.dependsOn).toEqual(expect.arrayContaining(['root-access', 'account:Workload']));
    expect(byAddress.has('General.root-credentials')).toBe(false);

    const text = await w.lz('plan');
    expect(text.out).toContain('+ trail:lz-organization-trail');
    expect(text.out).toContain('+ cost-export:lz-cost-export');
    expect(block(text.out, '+ cost-export:lz-cost-export')).toContain('format             = "PARQUET"');
  });

  it('applies them and AWS holds what the file asks for; then plans no changes', async () => {
    const { code, out, err } = await w.lz('apply', '--auto-approve');
    expect(err + out).toContain('Apply complete!');
    expect(code).toBe(0);
    for await (const page of paginateListAccounts({ client: w.organizations }, {})) for (const a of page.Accounts ?? []) ids[a.Name!] = a.Id!;

    // Trusted access for both services.
    const access = await w.organizations.send(new ListAWSServiceAccessForOrganizationCommand({}));
    expect((access.EnabledServicePrincipals ?? []).map((p) => p.ServicePrincipal)).toEqual(expect.arrayContaining(['cloudtrail.amazonaws.com', 'iam.amazonaws.com']));

    // The log archive bucket lives in the log archive account, locked down, with CloudTrail's policy.
    const s3 = await memberS3(ids.LogArchive!);
    await s3.send(new HeadBucketCommand({ Bucket: logArchiveBucket }));
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: logArchiveBucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: logArchiveBucket }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: logArchiveBucket }))).Status).toBe('Enabled');
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: logArchiveBucket }))).Policy!) as { Statement: { Sid: string; Action: unknown; Resource: unknown; Condition?: Record<string, Record<string, unknown>> }[] };
    const orgId = w.sandbox.state.organization!.id;
    const trailArn = `arn:aws:cloudtrail:us-east-1:${mgmt}:trail/lz-organization-trail`;
    const sid = (s: string) => policy.Statement.find((x) => x.Sid === s)!;
    expect(sid('AWSCloudTrailAclCheck')).toMatchObject({ Action: 's3:GetBucketAcl', Resource: `arn:aws:s3:::${logArchiveBucket}`, Condition: { StringEquals: { 'aws:SourceArn': trailArn } } });
    expect(sid('AWSCloudTrailWrite')).toMatchObject({
      Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${logArchiveBucket}/AWSLogs/${mgmt}/*`,
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trailArn } },
    });
    expect(sid('AWSCloudTrailOrganizationWrite')).toMatchObject({ Resource: `arn:aws:s3:::${logArchiveBucket}/AWSLogs/${orgId}/*` });
    s3.destroy();

    // The export's bucket is the management account's (Data Exports delivers to the exporting account's bucket).
    const mgmtS3 = new S3Client({ ...management(), forcePathStyle: true });
    const exportPolicy = JSON.parse((await mgmtS3.send(new GetBucketPolicyCommand({ Bucket: exportBucket }))).Policy!) as { Statement: { Sid: string; Principal: unknown; Condition: unknown }[] };
    expect(exportPolicy.Statement.find((s) => s.Sid === 'EnableAWSDataExportsToWriteToS3AndCheckPolicy')).toMatchObject({
      Principal: { Service: ['billingreports.amazonaws.com', 'bcm-data-exports.amazonaws.com'] },
      Condition: { StringLike: { 'aws:SourceAccount': mgmt, 'aws:SourceArn': [`arn:aws:cur:us-east-1:${mgmt}:definition/*`, `arn:aws:bcm-data-exports:us-east-1:${mgmt}:export/*`] } },
    });
    mgmtS3.destroy();

    // The organization trail, logging.
    const ct = new CloudTrailClient(management());
    const trail = (await ct.send(new GetTrailCommand({ Name: 'lz-organization-trail' }))).Trail!;
    expect(trail).toMatchObject({ S3BucketName: logArchiveBucket, IsOrganizationTrail: true, IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true, LogFileValidationEnabled: true });
    expect((await ct.send(new GetTrailStatusCommand({ Name: 'lz-organization-trail' }))).IsLogging).toBe(true);
    ct.destroy();

    // The CUR 2.0 export.
    const bcm = new BCMDataExportsClient(management());
    const ref = (await bcm.send(new ListExportsCommand({}))).Exports!.find((e) => e.ExportName === 'lz-cost-export')!;
    const exp = (await bcm.send(new GetExportCommand({ ExportArn: ref.ExportArn }))).Export!;
    expect(exp.DataQuery?.QueryStatement).toMatch(/^SELECT .*line_item_unblended_cost.* FROM COST_AND_USAGE_REPORT$/);
    expect(exp.DataQuery?.TableConfigurations?.COST_AND_USAGE_REPORT).toMatchObject({ TIME_GRANULARITY: 'DAILY', INCLUDE_RESOURCES: 'TRUE' });
    expect(exp.DestinationConfigurations?.S3Destination).toMatchObject({ S3Bucket: exportBucket, S3Prefix: 'cost-export', S3Region: 'us-east-1', S3OutputConfigurations: { Format: 'PARQUET', Compression: 'PARQUET', OutputType: 'CUSTOM' } });
    expect(exp.RefreshCadence?.Frequency).toBe('SYNCHRONOUS');
    expect(ref.ExportStatus?.StatusCode).toBe('HEALTHY');
    bcm.destroy();

    // Centralized root access.
    const iam = new IAMClient(management());
    expect((await iam.send(new ListOrganizationsFeaturesCommand({}))).EnabledFeatures?.sort()).toEqual(['RootCredentialsManagement', 'RootSessions']);
    iam.destroy();
    // The marked account's root user lost its password; the management account's kept its own.
    expect(w.sandbox.state.accounts[ids.Workload!]!.root.passwordPresent).toBe(false);
    expect(w.sandbox.state.accounts[mgmt]!.root.passwordPresent).toBe(true);

    const again = await w.lz('plan', '--detailed-exitcode');
    expect(again.out).toContain('No changes.');
    expect(again.code).toBe(0);
  });

  it('finds a trail whose logging was stopped, and starts it again', async () => {
    const ct = new CloudTrailClient(management());
    await ct.send(new StopLoggingCommand({ Name: 'lz-organization-trail' }));
    const drift = await w.lz('plan', '--detailed-exitcode');
    expect(drift.code).toBe(2);
    expect(block(drift.out, '~ trail:lz-organization-trail')).toEqual(['~ trail:lz-organization-trail', '~ logging: false -> true']);
    expect(drift.out).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
    // lz drift: the change, and CIS 3.1 / CloudTrail.1 failing in every account (the organization trail covers them all).
    const report = await w.lz('drift', '--format', 'json');
    expect(report.code).toBe(2);
    const parsed = JSON.parse(report.out) as { plan: Plan; posture: { check: string; account: string; status: string }[] };
    expect(parsed.plan.changes.map((c) => c.address)).toEqual(['trail:lz-organization-trail']);
    expect(parsed.posture.filter((p) => p.check === 'cloudtrail').map((p) => `${p.account} ${p.status}`).sort()).toEqual(['General fail', 'LogArchive fail', 'Workload fail']);

    w.sandbox.clearRequests();
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    // Only StartLogging: the settings had not drifted.
    expect(w.sandbox.requests().filter((r) => r.service === 'cloudtrail' && !r.readOnly).map((r) => r.operation)).toEqual(['StartLogging']);
    expect((await ct.send(new GetTrailStatusCommand({ Name: 'lz-organization-trail' }))).IsLogging).toBe(true);
    ct.destroy();
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('finds a bucket policy edited out of band, statement by statement, and puts lz\'s back', async () => {
    const s3 = await memberS3(ids.LogArchive!);
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: logArchiveBucket }))).Policy!) as { Version: string; Statement: { Sid: string; Resource: unknown }[] };
    const edited = {
      ...policy,
      Statement: [
        ...policy.Statement.filter((s) => s.Sid !== 'DenyInsecureTransport').map((s) => (s.Sid === 'AWSCloudTrailWrite' ? { ...s, Resource: `arn:aws:s3:::${logArchiveBucket}/*` } : s)),
        { Sid: 'SomeoneElse', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${logArchiveBucket}/*` },
      ],
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: logArchiveBucket, Policy: JSON.stringify(edited) }));

    const drift = await w.lz('plan', '--detailed-exitcode');
    expect(drift.code).toBe(2);
    const lines = block(drift.out, `~ bucket-policy:${logArchiveBucket}`);
    expect(lines[0]).toBe(`~ bucket-policy:${logArchiveBucket}`);
    // A changed statement reads as a diff of its lines; an added or removed one as itself.
    const write = lines.indexOf('~ statement AWSCloudTrailWrite:');
    expect(write).toBeGreaterThan(0);
    const diff = lines.slice(write + 1).filter((l) => /^[-+ ] /.test(l) && !/^[-+] statement /.test(l));
    expect(diff.filter((l) => /^[-+]/.test(l)).map((l) => l.replace(/\s+/g, ' '))).toEqual([`- "Resource": "arn:aws:s3:::${logArchiveBucket}/*",`, `+ "Resource": "arn:aws:s3:::${logArchiveBucket}/AWSLogs/${mgmt}/*",`]);
    expect(lines.some((l) => l.startsWith('+ statement DenyInsecureTransport = '))).toBe(true);
    expect(lines.some((l) => l.startsWith('- statement SomeoneElse = '))).toBe(true);

    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    const restored = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: logArchiveBucket }))).Policy!) as { Statement: { Sid: string }[] };
    expect(restored.Statement.map((s) => s.Sid)).toEqual(['AWSCloudTrailAclCheck', 'AWSCloudTrailWrite', 'AWSCloudTrailOrganizationWrite', 'DenyInsecureTransport']);
    s3.destroy();
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('deletes the root credentials of a marked member account, and then plans it clean', async () => {
    w.sandbox.state.accounts[ids.Workload!]!.root = { passwordPresent: true, accessKeysPresent: true, mfaEnabled: true, signingCertificatesPresent: true };
    // An unmarked member whose root user kept a password (one created before centralized root access).
    w.sandbox.state.accounts[ids.LogArchive!]!.root.passwordPresent = true;
    const drift = await w.lz('plan', '--detailed-exitcode');
    expect(drift.code).toBe(2);
    expect(block(drift.out, '~ Workload.root-credentials')).toEqual([
      '~ Workload.root-credentials',
      '- root password = "present"',
      `- root access key = "AKIAROOT${ids.Workload}"`,
      `- root signing certificate = "ROOTCERT${ids.Workload}"`,
      `- root MFA device = "arn:aws:iam::${ids.Workload}:mfa/root-account-mfa-device"`,
    ]);
    const report = JSON.parse((await w.lz('drift', '--format', 'json')).out) as { posture: { check: string; account: string; status: string; resources: string[] }[] };
    expect(report.posture.filter((p) => p.check === 'root-credentials')).toEqual([
      expect.objectContaining({ account: 'Workload', status: 'fail', resources: ['password', 'access keys', 'signing certificates', 'MFA devices'] }),
    ]);
    // The plan read them as the root user with the audit task policy, and wrote nothing.
    w.sandbox.clearRequests();
    await w.lz('plan');
    expect(w.sandbox.requests().filter((r) => r.operation === 'AssumeRoot').length).toBeGreaterThan(0);
    expect(w.sandbox.requests().filter((r) => !r.readOnly)).toEqual([]);

    // The virtual MFA device is deactivated, not deleted: the task policy refuses DeleteVirtualMFADevice.
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.code).toBe(0);
    expect(w.sandbox.requests().filter((r) => r.operation === 'DeleteVirtualMFADevice')).toEqual([]);
    expect(w.sandbox.state.accounts[ids.Workload!]!.root).toEqual({ passwordPresent: false, accessKeysPresent: false, mfaEnabled: false, signingCertificatesPresent: false });
    // The other accounts' root users are untouched.
    expect(w.sandbox.state.accounts[ids.LogArchive!]!.root.passwordPresent).toBe(true);
    const clean = await w.lz('plan', '--detailed-exitcode');
    expect(clean.out).not.toContain('Workload.root-credentials');
    expect(clean.code).toBe(0);
    const after = JSON.parse((await w.lz('drift', '--format', 'json')).out) as { posture: { check: string; account: string; status: string }[] };
    const checked = after.posture.filter((p) => p.check === 'root-credentials' || p.check === 'cloudtrail');
    expect(checked.filter((p) => p.check === 'root-credentials').map((p) => p.account)).toEqual(['Workload']);
    expect(checked.filter((p) => p.check === 'cloudtrail').length).toBeGreaterThanOrEqual(3);
    expect(checked.filter((p) => p.status !== 'pass')).toEqual([]);
  });

  it('asks for no root MFA where the root user has no credentials at all, and still does where it has a password', async () => {
    // LogArchive keeps its root credentials (rootCredentials: keep) but has none: as a member account created
    // once root credentials management is on. Workload's were deleted by lz.
    w.sandbox.state.accounts[ids.LogArchive!]!.root = { passwordPresent: false, accessKeysPresent: false, mfaEnabled: false };
    const plan = await w.lz('plan', '--json', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    const manual = (JSON.parse(plan.out) as Plan).manual.map((c) => c.address);
    expect(manual).not.toContain('LogArchive.root-user.mfa');
    expect(manual).not.toContain('Workload.root-user.mfa');
    const report = JSON.parse((await w.lz('drift', '--format', 'json')).out) as { posture: { check: string; account: string; status: string; detail: string }[] };
    const rootMfa = (account: string) => report.posture.find((p) => p.check === 'root-mfa' && p.account === account);
    expect(rootMfa('LogArchive')).toMatchObject({ status: 'pass', detail: expect.stringContaining('no credentials at all') });
    // The management account is never audited through AssumeRoot: its root user keeps the manual step.
    expect(rootMfa('General')).toMatchObject({ status: 'fail' });
    expect(manual).toContain('General.root-user.mfa');

    // A root user with a password can sign in: MFA is asked for again.
    w.sandbox.state.accounts[ids.LogArchive!]!.root.passwordPresent = true;
    expect((JSON.parse((await w.lz('plan', '--json')).out) as Plan).manual.map((c) => c.address)).toContain('LogArchive.root-user.mfa');
  });

  it('refuses rootCredentials: delete on the management account', async () => {
    w.writeManifest(manifest({ managementDelete: true }));
    const { code, err, out } = await w.lz('plan');
    expect(code).toBe(1);
    expect(err + out).toContain('General is the management account: lz never deletes its root user credentials');
    w.writeManifest(manifest({ rootAccess: false }));
    const noFeature = await w.lz('plan');
    expect(noFeature.code).toBe(1);
    expect(noFeature.err + noFeature.out).toContain('needs centralized root access');
  });

  it('reports what the file no longer asks for, and --prune deletes what lz made except a bucket with logs in it', async () => {
    const s3 = await memberS3(ids.LogArchive!);
    await s3.send(new PutObjectCommand({ Bucket: logArchiveBucket, Key: `AWSLogs/${mgmt}/CloudTrail/log.json.gz`, Body: 'logs' }));
    s3.destroy();
    w.writeManifest(manifest({ trail: false, costExport: false }).replace('rootCredentials: delete', 'rootCredentials: keep'));
    const report = await w.lz('plan', '--detailed-exitcode');
    expect(report.code).toBe(0);
    expect(report.out).toContain('? CloudTrail trail lz-organization-trail (made by lz;');
    expect(report.out).toContain('? cost export lz-cost-export (made by lz;');
    expect(report.out).toContain(`? S3 bucket ${logArchiveBucket} in account LogArchive (made by lz;`);
    expect(report.out).toContain('? trusted access for cloudtrail.amazonaws.com is enabled');

    const pruned = await w.lz('plan', '--prune');
    expect(pruned.out).toContain('- trail:lz-organization-trail');
    expect(pruned.out).toContain('- cost-export:lz-cost-export');
    expect(pruned.out).toContain(`- bucket:${exportBucket}`);
    expect(pruned.out).not.toContain(`- bucket:${logArchiveBucket}`);
    expect(pruned.out).toContain(`S3 bucket ${logArchiveBucket} in account LogArchive (made by lz; accounts.yaml no longer uses it) holds objects: lz never deletes a bucket with logs in it.`);

    expect((await w.lz('apply', '--prune', '--auto-approve')).code).toBe(0);
    const ct = new CloudTrailClient(management());
    expect((await ct.send(new DescribeTrailsCommand({}))).trailList).toEqual([]);
    ct.destroy();
    const bcm = new BCMDataExportsClient(management());
    expect((await bcm.send(new ListExportsCommand({}))).Exports).toEqual([]);
    bcm.destroy();
    const mgmtS3 = new S3Client({ ...management(), forcePathStyle: true });
    await expect(mgmtS3.send(new HeadBucketCommand({ Bucket: exportBucket }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    mgmtS3.destroy();
    const archive = await memberS3(ids.LogArchive!);
    await archive.send(new HeadBucketCommand({ Bucket: logArchiveBucket }));
    archive.destroy();
  });
});
