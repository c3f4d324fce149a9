import {
  AccountNotManagementOrDelegatedAdministratorException,
  CallerIsNotManagementAccountException,
  CreateUserCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  DeleteVirtualMFADeviceCommand,
  DisableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootSessionsCommand,
  GetAccountSummaryCommand,
  GetLoginProfileCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListOrganizationsFeaturesCommand,
  ListSigningCertificatesCommand,
  NoSuchEntityException,
  OrganizationNotFoundException,
  ServiceAccessNotEnabledException,
} from '@aws-sdk/client-iam';
import { CreateAccountCommand, CreateOrganizationCommand, DescribeCreateAccountStatusCommand, EnableAWSServiceAccessCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { CreateBucketCommand, DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRootCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_SETTLING, ADMIN_USER_NAME, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { createAccessKey } from '../../src/sandbox/services/iam/index.js';
import { assume, clientConfig, failure, iamClient, stsClient, type Creds } from './clients.js';

const DELAY = 50;
const DELETE_ROOT = 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials';
const AUDIT_ROOT = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';
const UNLOCK_BUCKET = 'arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy';
const sandboxes: SandboxHandle[] = [];

afterEach(async () => {
  while (sandboxes.length > 0) await sandboxes.pop()!.close();
});

/** A sandbox with an organization and one member account; the member's admin credentials via its role. */
async function world() {
  const sb = await startSandbox({ port: 0, delays: { createAccount: DELAY, rolePropagation: DELAY, ...NO_SETTLING } });
  sandboxes.push(sb);
  const org = new OrganizationsClient(clientConfig(sb));
  await org.send(new CreateOrganizationCommand({}));
  const started = await org.send(new CreateAccountCommand({ AccountName: 'Workload', Email: 'workload@example.com' }));
  sb.advanceTime(DELAY);
  const status = await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id! }));
  sb.advanceTime(DELAY);
  const memberId = status.CreateAccountStatus!.AccountId!;
  const memberAdmin = await assume(sb, `arn:aws:iam::${memberId}:role/OrganizationAccountAccessRole`);
  return { sb, org, memberId, memberAdmin, iam: iamClient(sb) };
}

/** Trusted access for IAM plus both centralized root access features. */
async function enableRootAccess(org: OrganizationsClient, sb: SandboxHandle) {
  await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'iam.amazonaws.com' }));
  const iam = iamClient(sb);
  await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
  await iam.send(new EnableOrganizationsRootSessionsCommand({}));
}

async function assumeRoot(sb: SandboxHandle, target: string, policyArn = DELETE_ROOT, from?: Creds, durationSeconds?: number): Promise<Creds> {
  const out = await stsClient(sb, from).send(new AssumeRootCommand({ TargetPrincipal: target, TaskPolicyArn: { arn: policyArn }, DurationSeconds: durationSeconds }));
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

describe('organization features (IAM centralized root access)', () => {
  it('needs an organization, the management account and trusted access for iam.amazonaws.com', async () => {
    const sb = await startSandbox({ port: 0 });
    sandboxes.push(sb);
    expect(await failure(() => iamClient(sb).send(new ListOrganizationsFeaturesCommand({})))).toBeInstanceOf(OrganizationNotFoundException);

    const { sb: sb2, org, memberAdmin, iam } = await world();
    expect(await failure(() => iam.send(new ListOrganizationsFeaturesCommand({})))).toBeInstanceOf(ServiceAccessNotEnabledException);
    expect(await failure(() => iam.send(new EnableOrganizationsRootSessionsCommand({})))).toBeInstanceOf(ServiceAccessNotEnabledException);
    const member = iamClient(sb2, memberAdmin);
    expect(await failure(() => member.send(new ListOrganizationsFeaturesCommand({})))).toBeInstanceOf(AccountNotManagementOrDelegatedAdministratorException);
    expect(await failure(() => member.send(new EnableOrganizationsRootSessionsCommand({})))).toBeInstanceOf(CallerIsNotManagementAccountException);

    await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'iam.amazonaws.com' }));
    const none = await iam.send(new ListOrganizationsFeaturesCommand({}));
    expect(none.OrganizationId).toMatch(/^o-/);
    expect(none.EnabledFeatures ?? []).toEqual([]);
    expect((await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}))).EnabledFeatures).toEqual(['RootCredentialsManagement']);
    expect((await iam.send(new EnableOrganizationsRootSessionsCommand({}))).EnabledFeatures).toEqual(['RootCredentialsManagement', 'RootSessions']);
    expect((await iam.send(new ListOrganizationsFeaturesCommand({}))).EnabledFeatures).toEqual(['RootCredentialsManagement', 'RootSessions']);
    expect((await iam.send(new DisableOrganizationsRootCredentialsManagementCommand({}))).EnabledFeatures).toEqual(['RootSessions']);
  });
});

describe('AssumeRoot', () => {
  it('is denied until root sessions are enabled, from a member, into the management account, and past 900 seconds', async () => {
    const { sb, org, memberId, memberAdmin } = await world();
    const denied = await failure(() => assumeRoot(sb, memberId));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata?.httpStatusCode).toBe(403);

    await enableRootAccess(org, sb);
    expect((await failure(() => assumeRoot(sb, memberId, DELETE_ROOT, memberAdmin))).name).toBe('AccessDenied');
    expect((await failure(() => assumeRoot(sb, sb.managementAccountId))).name).toBe('AccessDenied');
    expect((await failure(() => assumeRoot(sb, '999999999999'))).name).toBe('AccessDenied');
    expect((await failure(() => assumeRoot(sb, memberId, DELETE_ROOT, undefined, 901))).name).toBe('ValidationError');
    expect((await failure(() => assumeRoot(sb, memberId, 'arn:aws:iam::aws:policy/AdministratorAccess'))).name).toBe('ValidationError');
    expect(sb.requests().filter((r) => r.operation === 'AssumeRoot' && r.status === 200)).toHaveLength(0);
  });

  it('returns short credentials of the member’s root user (account id or root ARN as the target)', async () => {
    const { sb, org, memberId } = await world();
    await enableRootAccess(org, sb);
    for (const target of [memberId, `arn:aws:iam::${memberId}:root`]) {
      const root = await assumeRoot(sb, target);
      expect(root.accessKeyId).toMatch(/^ASIA/);
      const who = await stsClient(sb, root).send(new GetCallerIdentityCommand({}));
      expect(who).toMatchObject({ Account: memberId, Arn: `arn:aws:iam::${memberId}:root` });
    }
    const root = await assumeRoot(sb, memberId, DELETE_ROOT, undefined, 60);
    sb.advanceTime(61_000);
    expect((await failure(() => iamClient(sb, root).send(new ListAccessKeysCommand({})))).name).toBe('ExpiredToken');
  });

  it('deletes the member root user’s credentials with IAMDeleteRootUserCredentials, and may do nothing else', async () => {
    const { sb, org, memberId, memberAdmin } = await world();
    await enableRootAccess(org, sb);
    sb.state.accounts[memberId]!.root = { mfaEnabled: true, accessKeysPresent: true, passwordPresent: true, signingCertificatesPresent: true };
    const summary = async () => (await iamClient(sb, memberAdmin).send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(await summary()).toMatchObject({ AccountMFAEnabled: 1, AccountAccessKeysPresent: 1, AccountSigningCertificatesPresent: 1 });

    const iam = iamClient(sb, await assumeRoot(sb, memberId));
    const keys = (await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!;
    expect(keys).toHaveLength(1);
    for (const k of keys) await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: k.AccessKeyId }));
    expect((await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata ?? []).toEqual([]);

    expect((await iam.send(new GetLoginProfileCommand({}))).LoginProfile).toBeDefined();
    await iam.send(new DeleteLoginProfileCommand({}));
    expect(await failure(() => iam.send(new GetLoginProfileCommand({})))).toBeInstanceOf(NoSuchEntityException);
    expect(await failure(() => iam.send(new DeleteLoginProfileCommand({})))).toBeInstanceOf(NoSuchEntityException);

    const certificates = (await iam.send(new ListSigningCertificatesCommand({}))).Certificates!;
    expect(certificates).toHaveLength(1);
    await iam.send(new DeleteSigningCertificateCommand({ CertificateId: certificates[0]!.CertificateId }));
    expect((await iam.send(new ListSigningCertificatesCommand({}))).Certificates ?? []).toEqual([]);
    expect(await failure(() => iam.send(new DeleteSigningCertificateCommand({ CertificateId: certificates[0]!.CertificateId })))).toBeInstanceOf(NoSuchEntityException);

    const devices = (await iam.send(new ListMFADevicesCommand({}))).MFADevices!;
    const serial = `arn:aws:iam::${memberId}:mfa/root-account-mfa-device`;
    expect(devices.map((d) => d.SerialNumber)).toEqual([serial]);
    await iam.send(new DeactivateMFADeviceCommand({ SerialNumber: serial }));
    // The task policy denies its actions on any resource but the root user: a virtual MFA device is one of its own.
    const virtual = await failure(() => iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })));
    expect(virtual).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(virtual.message).toBe(`User: arn:aws:iam::${memberId}:root is not authorized to perform: iam:DeleteVirtualMFADevice on resource: ${serial} with an explicit deny in a session policy`);

    // Nor may it touch an IAM user's credentials.
    await iamClient(sb, memberAdmin).send(new CreateUserCommand({ UserName: 'someone' }));
    expect((await failure(() => iam.send(new ListAccessKeysCommand({ UserName: 'someone' })))).name).toBe('AccessDenied');

    // The task policy allows nothing else.
    for (const call of [() => iam.send(new CreateUserCommand({ UserName: 'backdoor' })), () => iam.send(new GetAccountSummaryCommand({}))]) {
      const e = await failure(call);
      expect(e.name).toBe('AccessDenied');
      expect(e.$metadata?.httpStatusCode).toBe(403);
    }
    expect(sb.state.accounts[memberId]!.iam.users.backdoor).toBeUndefined();

    expect(await summary()).toMatchObject({ AccountMFAEnabled: 0, AccountAccessKeysPresent: 0 });
    expect(await summary()).toMatchObject({ AccountSigningCertificatesPresent: 0 });
    expect(sb.state.accounts[memberId]!.root).toEqual({ mfaEnabled: false, accessKeysPresent: false, passwordPresent: false, signingCertificatesPresent: false });
  });

  it('scopes each session to its task policy: audit reads but cannot delete; S3UnlockBucketPolicy deletes a bucket policy only', async () => {
    const { sb, org, memberId, memberAdmin } = await world();
    await enableRootAccess(org, sb);
    sb.state.accounts[memberId]!.root.passwordPresent = true;
    const audit = iamClient(sb, await assumeRoot(sb, memberId, AUDIT_ROOT));
    expect((await audit.send(new GetLoginProfileCommand({}))).LoginProfile).toBeDefined();
    expect((await audit.send(new GetAccountSummaryCommand({}))).SummaryMap).toMatchObject({ AccountMFAEnabled: 0 });
    expect((await failure(() => audit.send(new DeleteLoginProfileCommand({})))).name).toBe('AccessDenied');
    expect(sb.state.accounts[memberId]!.root.passwordPresent).toBe(true);

    // A bucket policy that locks everyone out, unlocked by a root session.
    const admin = new S3Client({ ...clientConfig(sb, memberAdmin), forcePathStyle: true });
    await admin.send(new CreateBucketCommand({ Bucket: 'lz-locked' }));
    await admin.send(new PutBucketPolicyCommand({ Bucket: 'lz-locked', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::lz-locked/*' }] }) }));
    const unlock = new S3Client({ ...clientConfig(sb, await assumeRoot(sb, memberId, UNLOCK_BUCKET)), forcePathStyle: true });
    expect((await failure(() => unlock.send(new PutObjectCommand({ Bucket: 'lz-locked', Key: 'k', Body: 'x' })))).name).toBe('AccessDenied');
    await unlock.send(new DeleteBucketPolicyCommand({ Bucket: 'lz-locked' }));
    expect((await failure(() => admin.send(new GetBucketPolicyCommand({ Bucket: 'lz-locked' })))).name).toBe('NoSuchBucketPolicy');
  });

  it('creates member accounts without root credentials once root credentials management is on', async () => {
    const { sb, org, memberId } = await world();
    await enableRootAccess(org, sb);
    const before = iamClient(sb, await assumeRoot(sb, memberId, AUDIT_ROOT));
    expect((await before.send(new GetLoginProfileCommand({}))).LoginProfile).toBeDefined();

    const started = await org.send(new CreateAccountCommand({ AccountName: 'Later', Email: 'later@example.com' }));
    sb.advanceTime(DELAY);
    const laterId = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id! }))).CreateAccountStatus!.AccountId!;
    const audit = iamClient(sb, await assumeRoot(sb, laterId, AUDIT_ROOT));
    const missing = await failure(() => audit.send(new GetLoginProfileCommand({})));
    expect(missing).toBeInstanceOf(NoSuchEntityException);
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    expect((await audit.send(new ListAccessKeysCommand({}))).AccessKeyMetadata ?? []).toEqual([]);
    expect((await audit.send(new ListSigningCertificatesCommand({}))).Certificates ?? []).toEqual([]);
    expect((await audit.send(new ListMFADevicesCommand({}))).MFADevices ?? []).toEqual([]);
  });

  it('refuses root user credentials as the caller of AssumeRoot', async () => {
    const { sb, org, memberId } = await world();
    await enableRootAccess(org, sb);
    // A long-term root key of the management account (AWS has no API to mint one; the state can hold it).
    const key = createAccessKey(sb.state, sb.state.accounts[sb.managementAccountId]!, sb.runtime, ADMIN_USER_NAME);
    Object.assign(key, { kind: 'root', arn: `arn:aws:iam::${sb.managementAccountId}:root`, principalName: sb.managementAccountId });
    const e = await failure(() => assumeRoot(sb, memberId, DELETE_ROOT, { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }));
    expect(e.name).toBe('AccessDenied');
  });
});
