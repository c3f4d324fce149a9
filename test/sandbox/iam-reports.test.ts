import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  CredentialReportExpiredException,
  CredentialReportNotPresentException,
  CredentialReportNotReadyException,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  PutGroupPolicyCommand,
  paginateGetAccountAuthorizationDetails,
  type GetAccountAuthorizationDetailsCommandOutput,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { CREDENTIAL_REPORT_COLUMNS, CREDENTIAL_REPORT_MAX_AGE_MS } from '../../src/sandbox/services/iam/index.js';
import { failure, iamClient } from './clients.js';

const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

function csv(content: Uint8Array | undefined): Record<string, string>[] {
  const [header, ...lines] = Buffer.from(content!).toString('utf8').split('\n');
  const cols = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

describe('IAM account-wide reads through the SDK', () => {
  let sb: SandboxHandle;
  let iam: ReturnType<typeof iamClient>;
  beforeAll(async () => {
    sb = await startSandbox({ seed: 9 });
    iam = iamClient(sb);
    await iam.send(new CreateGroupCommand({ GroupName: 'Admins' }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    await iam.send(new PutGroupPolicyCommand({ GroupName: 'Admins', PolicyName: 'inline', PolicyDocument: doc('s3:*') }));
    for (const name of ['ann', 'bob', 'cat', 'dan', 'eve', 'fay']) {
      await iam.send(new CreateUserCommand({ UserName: name, Tags: name === 'ann' ? [{ Key: 'team', Value: 'ops' }] : undefined }));
    }
    await iam.send(new AddUserToGroupCommand({ GroupName: 'Admins', UserName: 'ann' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'bob', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'local', PolicyDocument: doc('ec2:*'), Description: 'mine' }))).Policy!.Arn!;
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('ec2:Describe*'), SetAsDefault: true }));
  });
  afterAll(async () => sb.close());

  it('pages GetAccountAuthorizationDetails across its lists, with the shapes AWS returns', async () => {
    const pages: GetAccountAuthorizationDetailsCommandOutput[] = [];
    for await (const page of paginateGetAccountAuthorizationDetails({ client: iam, pageSize: 3 }, { Filter: ['User', 'Group', 'LocalManagedPolicy'] })) pages.push(page);
    // 7 users (the sandbox's admin included) + 2 groups (the sandbox's admins') + 1 policy, three per page.
    expect(pages).toHaveLength(4);
    expect(pages.slice(0, -1).every((p) => p.IsTruncated && p.Marker)).toBe(true);
    const users = pages.flatMap((p) => p.UserDetailList ?? []);
    expect(users.map((u) => u.UserName)).toEqual(['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'lz-sandbox-admin']);
    expect(users[0]).toMatchObject({ GroupList: ['Admins'], Tags: [{ Key: 'team', Value: 'ops' }], AttachedManagedPolicies: [] });
    expect(users[1]!.AttachedManagedPolicies).toEqual([{ PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }]);
    const groups = pages.flatMap((p) => p.GroupDetailList ?? []);
    expect(groups.map((g) => g.GroupName)).toEqual(['Admins', 'lz-sandbox-admins']);
    expect(groups[0]!.AttachedManagedPolicies).toEqual([{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }]);
    // Inline documents come back URL-encoded, as AWS sends them.
    expect(groups[0]!.GroupPolicyList![0]!.PolicyDocument).toBe(encodeURIComponent(doc('s3:*')));
    expect(pages.flatMap((p) => p.RoleDetailList ?? [])).toEqual([]);
    const policies = pages.flatMap((p) => p.Policies ?? []);
    expect(policies).toHaveLength(1);
    expect(policies[0]).toMatchObject({ PolicyName: 'local', Description: 'mine', DefaultVersionId: 'v2' });
    const versions = policies[0]!.PolicyVersionList!;
    expect(versions.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([['v2', true], ['v1', false]]);
    expect(decodeURIComponent(versions[0]!.Document!)).toBe(doc('ec2:Describe*'));
  });

  it('filters by entity type; AWS-managed policies only when in use; refuses an unknown filter', async () => {
    const roles = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'], MaxItems: 100 }));
    expect(roles.UserDetailList).toEqual([]);
    expect(roles.RoleDetailList!.length).toBeGreaterThanOrEqual(0);
    const aws = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['AWSManagedPolicy'], MaxItems: 100 }));
    expect(aws.Policies!.map((p) => p.PolicyName).sort()).toEqual(['AdministratorAccess', 'ReadOnlyAccess']);
    const bad = await failure(() => iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Nope' as 'User'] })));
    expect(bad.name).toBe('ValidationError');
  });

  it('generates a credential report (STARTED, then COMPLETE) and serves it as base64 CSV with AWS\'s columns', async () => {
    const missing = await failure(() => iam.send(new GetCredentialReportCommand({})));
    expect(missing).toBeInstanceOf(CredentialReportNotPresentException);
    await iam.send(new CreateLoginProfileCommand({ UserName: 'cat', Password: 'Correct-Horse-9', PasswordResetRequired: true }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'dan', Password: 'Correct-Horse-9' }));
    const serial = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'dan' }))).VirtualMFADevice!.SerialNumber!;
    await iam.send(new EnableMFADeviceCommand({ UserName: 'dan', SerialNumber: serial, AuthenticationCode1: '123456', AuthenticationCode2: '654321' }));

    sb.clearRequests();
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    expect(await failure(() => iam.send(new GetCredentialReportCommand({})))).toBeInstanceOf(CredentialReportNotReadyException);
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    // Generating a report changes no configuration: the request log counts it as a read.
    expect(sb.requests().filter((r) => !r.readOnly)).toEqual([]);

    const report = await iam.send(new GetCredentialReportCommand({}));
    expect(report.ReportFormat).toBe('text/csv');
    expect(report.GeneratedTime).toBeInstanceOf(Date);
    const header = Buffer.from(report.Content!).toString('utf8').split('\n')[0];
    expect(header).toBe(CREDENTIAL_REPORT_COLUMNS.join(','));
    expect(header).toBe(
      'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated',
    );
    const rows = Object.fromEntries(csv(report.Content).map((r) => [r.user, r]));
    expect(rows['<root_account>']).toMatchObject({ arn: `arn:aws:iam::${sb.managementAccountId}:root`, password_enabled: 'not_supported', mfa_active: 'false' });
    expect(rows.cat).toMatchObject({ password_enabled: 'true', mfa_active: 'false', access_key_1_active: 'false', access_key_1_last_rotated: 'N/A' });
    expect(rows.cat!.password_last_changed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect(rows.dan).toMatchObject({ password_enabled: 'true', mfa_active: 'true' });
    expect(rows.eve).toMatchObject({ password_enabled: 'false', password_last_changed: 'N/A' });
    expect(rows['lz-sandbox-admin']).toMatchObject({ password_enabled: 'false', access_key_1_active: 'true' });
    expect(rows['lz-sandbox-admin']!.access_key_1_last_rotated).toMatch(/\+00:00$/);
  });

  it('serves the same report for four hours, as AWS does, and then expires it', async () => {
    await iam.send(new CreateLoginProfileCommand({ UserName: 'eve', Password: 'Correct-Horse-9' }));
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    const stale = csv((await iam.send(new GetCredentialReportCommand({}))).Content);
    expect(stale.find((r) => r.user === 'eve')!.password_enabled).toBe('false');

    sb.advanceTime(CREDENTIAL_REPORT_MAX_AGE_MS + 1000);
    // Four hours on, a client's clock has moved too (the sandbox refuses one 15 minutes off its own).
    iam.destroy();
    iam = iamClient(sb);
    expect(await failure(() => iam.send(new GetCredentialReportCommand({})))).toBeInstanceOf(CredentialReportExpiredException);
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    const fresh = csv((await iam.send(new GetCredentialReportCommand({}))).Content);
    expect(fresh.find((r) => r.user === 'eve')!.password_enabled).toBe('true');
  });
});
