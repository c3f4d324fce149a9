import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateAccountAliasCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteAccountAliasCommand,
  DeleteAccountPasswordPolicyCommand,
  DeleteConflictException,
  DeleteSSHPublicKeyCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteGroupCommand,
  DeleteLoginProfileCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DeleteVirtualMFADeviceCommand,
  DetachUserPolicyCommand,
  EnableMFADeviceCommand,
  EntityAlreadyExistsException,
  GetAccessKeyLastUsedCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetLoginProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  LimitExceededException,
  ListAccessKeysCommand,
  ListAccountAliasesCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListPolicyVersionsCommand,
  ListRolesCommand,
  ListUserPoliciesCommand,
  ListVirtualMFADevicesCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  PasswordPolicyViolationException,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
  UpdateAccountPasswordPolicyCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateLoginProfileCommand,
  UploadSSHPublicKeyCommand,
  UploadSigningCertificateCommand,
  paginateGetGroup,
  paginateListPolicies,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { createRole, trustPolicyFor } from '../../src/sandbox/services/iam/index.js';
import { assume, failure, iamClient, stsClient } from './clients.js';

const doc = (action = 's3:GetObject') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

describe('IAM semantics through the SDK', () => {
  let sb: SandboxHandle;
  let iam: ReturnType<typeof iamClient>;
  beforeAll(async () => {
    sb = await startSandbox({ seed: 5 });
    iam = iamClient(sb);
  });
  afterAll(async () => sb.close());

  it('creates users, finds them case-insensitively, refuses duplicates and answers NoSuchEntity', async () => {
    const u = await iam.send(new CreateUserCommand({ UserName: 'Alice', Path: '/people/', Tags: [{ Key: 'team', Value: 'platform' }] }));
    expect(u.User!.Arn).toBe(`arn:aws:iam::${sb.managementAccountId}:user/people/Alice`);
    expect(u.User!.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    const dup = await failure(() => iam.send(new CreateUserCommand({ UserName: 'alice' })));
    expect(dup).toBeInstanceOf(EntityAlreadyExistsException);
    expect(dup.$metadata?.httpStatusCode).toBe(409);
    const got = await iam.send(new GetUserCommand({ UserName: 'Alice' }));
    expect(got.User!.Tags).toEqual([{ Key: 'team', Value: 'platform' }]);
    const missing = await failure(() => iam.send(new GetUserCommand({ UserName: 'nobody' })));
    expect(missing).toBeInstanceOf(NoSuchEntityException);
    expect(missing.message).toBe('The user with name nobody cannot be found.');
    // Without UserName, GetUser is about the caller.
    expect((await iam.send(new GetUserCommand({}))).User!.UserName).toBe('lz-sandbox-admin');
  });

  it('refuses to delete a user until its login profile, keys, groups, policies and MFA devices are gone', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'busy' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'busy', Password: 'Correct-Horse-9', PasswordResetRequired: true }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'busy' }))).AccessKey!;
    await iam.send(new CreateGroupCommand({ GroupName: 'busy-group' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'busy-group', UserName: 'busy' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'busy', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'busy', PolicyName: 'inline', PolicyDocument: doc() }));
    const mfa = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'busy-mfa' }))).VirtualMFADevice!;
    await iam.send(new EnableMFADeviceCommand({ UserName: 'busy', SerialNumber: mfa.SerialNumber, AuthenticationCode1: '123456', AuthenticationCode2: '654321' }));
    const certificate = (await iam.send(new UploadSigningCertificateCommand({ UserName: 'busy', CertificateBody: '-----BEGIN CERTIFICATE-----\nMIIBbusy\n-----END CERTIFICATE-----' }))).Certificate!;
    const sshKey = (await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'busy', SSHPublicKeyBody: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC1 busy@example' }))).SSHPublicKey!;
    const gitCredential = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'busy', ServiceName: 'codecommit.amazonaws.com' }))).ServiceSpecificCredential!;

    const steps: [RegExp, () => Promise<unknown>][] = [
      [/login profile/, () => iam.send(new DeleteLoginProfileCommand({ UserName: 'busy' }))],
      [/access keys/, () => iam.send(new DeleteAccessKeyCommand({ UserName: 'busy', AccessKeyId: key.AccessKeyId }))],
      [/remove users from group/, () => iam.send(new RemoveUserFromGroupCommand({ GroupName: 'busy-group', UserName: 'busy' }))],
      [/detach all policies/, () => iam.send(new DetachUserPolicyCommand({ UserName: 'busy', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }))],
      [/delete policies/, () => iam.send(new DeleteUserPolicyCommand({ UserName: 'busy', PolicyName: 'inline' }))],
      [/MFA device/, () => iam.send(new DeactivateMFADeviceCommand({ UserName: 'busy', SerialNumber: mfa.SerialNumber }))],
      [/^Cannot delete entity, must delete certificates first\.$/, () => iam.send(new DeleteSigningCertificateCommand({ UserName: 'busy', CertificateId: certificate.CertificateId }))],
      [/^Cannot delete entity, must remove referenced objects first\.$/, () => iam.send(new DeleteSSHPublicKeyCommand({ UserName: 'busy', SSHPublicKeyId: sshKey.SSHPublicKeyId }))],
      [/^Cannot delete entity, must remove referenced objects first\.$/, () => iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: 'busy', ServiceSpecificCredentialId: gitCredential.ServiceSpecificCredentialId }))],
    ];
    for (const [message, fix] of steps) {
      const e = await failure(() => iam.send(new DeleteUserCommand({ UserName: 'busy' })));
      expect(e).toBeInstanceOf(DeleteConflictException);
      expect(e.message).toMatch(message);
      await fix();
    }
    await iam.send(new DeleteUserCommand({ UserName: 'busy' }));
    expect(await failure(() => iam.send(new GetUserCommand({ UserName: 'busy' })))).toBeInstanceOf(NoSuchEntityException);
    // The deleted user's key no longer authenticates.
    const e = await failure(() => stsClient(sb, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }).send(new GetCallerIdentityCommand({})));
    expect(e.name).toBe('InvalidClientTokenId');
  });

  it('checks passwords against the password policy, which an update replaces as a whole', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'pw' }));
    // No policy: AWS's default (8 characters, three character classes).
    expect(await failure(() => iam.send(new CreateLoginProfileCommand({ UserName: 'pw', Password: 'short' })))).toBeInstanceOf(PasswordPolicyViolationException);
    expect(await failure(() => iam.send(new GetAccountPasswordPolicyCommand({})))).toBeInstanceOf(NoSuchEntityException);

    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 14, RequireSymbols: true, PasswordReusePrevention: 24, MaxPasswordAge: 90 }));
    const p1 = (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy!;
    expect(p1).toMatchObject({ MinimumPasswordLength: 14, RequireSymbols: true, PasswordReusePrevention: 24, MaxPasswordAge: 90, ExpirePasswords: true, RequireNumbers: false });

    const e = await failure(() => iam.send(new CreateLoginProfileCommand({ UserName: 'pw', Password: 'longenoughbutnosymbol' })));
    expect(e).toBeInstanceOf(PasswordPolicyViolationException);
    expect(e.message).toMatch(/symbol/);
    expect(await failure(() => iam.send(new CreateLoginProfileCommand({ UserName: 'pw', Password: 'short!' })))).toBeInstanceOf(PasswordPolicyViolationException);
    await iam.send(new CreateLoginProfileCommand({ UserName: 'pw', Password: 'long-enough-with!symbol', PasswordResetRequired: true }));
    expect((await iam.send(new GetLoginProfileCommand({ UserName: 'pw' }))).LoginProfile!.PasswordResetRequired).toBe(true);
    await iam.send(new UpdateLoginProfileCommand({ UserName: 'pw', PasswordResetRequired: false }));
    expect((await iam.send(new GetLoginProfileCommand({ UserName: 'pw' }))).LoginProfile!.PasswordResetRequired).toBe(false);
    // Only a hash of the password is kept.
    const stored = JSON.stringify(sb.state.accounts[sb.managementAccountId]!.iam.users.pw);
    expect(stored).not.toContain('long-enough-with!symbol');

    // An update with only one field resets every other one to AWS's defaults.
    await iam.send(new UpdateAccountPasswordPolicyCommand({ RequireNumbers: true }));
    const p2 = (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy!;
    expect(p2.RequireNumbers).toBe(true);
    expect(p2.MinimumPasswordLength).toBe(6);
    expect(p2.RequireSymbols).toBe(false);
    expect(p2.PasswordReusePrevention).toBeUndefined();
    expect(p2.MaxPasswordAge).toBeUndefined();
    expect(p2.ExpirePasswords).toBe(false);

    await iam.send(new DeleteAccountPasswordPolicyCommand({}));
    expect(await failure(() => iam.send(new GetAccountPasswordPolicyCommand({})))).toBeInstanceOf(NoSuchEntityException);
  });

  it('keeps group membership and pages GetGroup members', async () => {
    await iam.send(new CreateGroupCommand({ GroupName: 'Administrators' }));
    for (let i = 0; i < 7; i++) {
      await iam.send(new CreateUserCommand({ UserName: `member${i}` }));
      await iam.send(new AddUserToGroupCommand({ GroupName: 'Administrators', UserName: `member${i}` }));
    }
    const members: string[] = [];
    let pages = 0;
    for await (const page of paginateGetGroup({ client: iam }, { GroupName: 'Administrators' })) {
      pages++;
      members.push(...page.Users!.map((u) => u.UserName!));
    }
    expect(pages).toBe(2);
    expect(members.sort()).toEqual(['member0', 'member1', 'member2', 'member3', 'member4', 'member5', 'member6']);
    expect((await iam.send(new ListGroupsForUserCommand({ UserName: 'member3' }))).Groups!.map((g) => g.GroupName)).toEqual(['Administrators']);
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'Administrators', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    expect((await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Administrators' }))).AttachedPolicies).toEqual([
      { PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
    ]);
    expect(await failure(() => iam.send(new DeleteGroupCommand({ GroupName: 'Administrators' })))).toBeInstanceOf(DeleteConflictException);
    expect(await failure(() => iam.send(new AddUserToGroupCommand({ GroupName: 'NoGroup', UserName: 'member0' })))).toBeInstanceOf(NoSuchEntityException);
  });

  it('has AWS-managed policies and keeps at most five versions of a customer policy', async () => {
    const billing = await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/job-function/Billing' }));
    expect(billing.Policy!.PolicyName).toBe('Billing');
    const awsNames: string[] = [];
    for await (const page of paginateListPolicies({ client: iam }, { Scope: 'AWS' })) awsNames.push(...page.Policies!.map((p) => p.PolicyName!));
    expect(awsNames).toEqual(expect.arrayContaining(['AdministratorAccess', 'ReadOnlyAccess', 'Billing', 'IAMUserChangePassword']));

    expect(await failure(() => iam.send(new CreatePolicyCommand({ PolicyName: 'bad', PolicyDocument: '{not json' })))).toBeInstanceOf(MalformedPolicyDocumentException);
    const created = (await iam.send(new CreatePolicyCommand({ PolicyName: 'RequireMFA', PolicyDocument: doc('iam:ListUsers'), Description: 'mfa' }))).Policy!;
    const arn = created.Arn!;
    expect(arn).toBe(`arn:aws:iam::${sb.managementAccountId}:policy/RequireMFA`);
    expect(created.DefaultVersionId).toBe('v1');
    const local = [];
    for await (const page of paginateListPolicies({ client: iam }, { Scope: 'Local' })) local.push(...page.Policies!.map((p) => p.Arn));
    expect(local).toEqual([arn]);

    for (let v = 2; v <= 5; v++) {
      const out = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(`iam:Get${v}`), SetAsDefault: v === 3 }));
      expect(out.PolicyVersion!.VersionId).toBe(`v${v}`);
    }
    const limit = await failure(() => iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc() })));
    expect(limit).toBeInstanceOf(LimitExceededException);
    expect(limit.$metadata?.httpStatusCode).toBe(409);
    expect(await failure(() => iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' })))).toBeInstanceOf(DeleteConflictException);
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    // Version ids are never reused.
    expect((await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc() }))).PolicyVersion!.VersionId).toBe('v6');
    const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn, MaxItems: 10 }));
    expect(versions.Versions!.map((v) => v.VersionId).sort()).toEqual(['v2', 'v3', 'v4', 'v5', 'v6']);
    expect(versions.Versions!.find((v) => v.IsDefaultVersion)!.VersionId).toBe('v3');

    // Documents come back URL-encoded, as AWS sends them.
    const v3 = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' }))).PolicyVersion!;
    expect(v3.Document).toBe(encodeURIComponent(doc('iam:Get3')));
    expect(JSON.parse(decodeURIComponent(v3.Document!))).toEqual(JSON.parse(doc('iam:Get3')));

    await iam.send(new AttachUserPolicyCommand({ UserName: 'Alice', PolicyArn: arn }));
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount).toBe(1);
    expect((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'Alice' }))).AttachedPolicies!.map((p) => p.PolicyArn)).toEqual([arn]);
    expect(await failure(() => iam.send(new DeletePolicyCommand({ PolicyArn: arn })))).toBeInstanceOf(DeleteConflictException);
    await iam.send(new DetachUserPolicyCommand({ UserName: 'Alice', PolicyArn: arn }));
    expect(await failure(() => iam.send(new DetachUserPolicyCommand({ UserName: 'Alice', PolicyArn: arn })))).toBeInstanceOf(NoSuchEntityException);
    // More than one version: the extra versions must go first.
    expect(await failure(() => iam.send(new DeletePolicyCommand({ PolicyArn: arn })))).toBeInstanceOf(DeleteConflictException);
    for (const v of ['v2', 'v4', 'v5', 'v6']) await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    expect(await failure(() => iam.send(new GetPolicyCommand({ PolicyArn: arn })))).toBeInstanceOf(NoSuchEntityException);
  });

  it('keeps inline user policies, URL-encoded on the way out', async () => {
    await iam.send(new PutUserPolicyCommand({ UserName: 'Alice', PolicyName: 'deny-all', PolicyDocument: doc('*') }));
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: 'Alice' }))).PolicyNames).toEqual(['deny-all']);
    const got = await iam.send(new GetUserPolicyCommand({ UserName: 'Alice', PolicyName: 'deny-all' }));
    expect(decodeURIComponent(got.PolicyDocument!)).toBe(doc('*'));
    expect(got.PolicyDocument).not.toBe(doc('*'));
    expect(await failure(() => iam.send(new GetUserPolicyCommand({ UserName: 'Alice', PolicyName: 'nope' })))).toBeInstanceOf(NoSuchEntityException);
  });

  it('creates, updates and deletes roles', async () => {
    const trust = trustPolicyFor('111122223333');
    const role = (await iam.send(new CreateRoleCommand({ RoleName: 'Deployer', AssumeRolePolicyDocument: trust, MaxSessionDuration: 7200 }))).Role!;
    expect(role.Arn).toBe(`arn:aws:iam::${sb.managementAccountId}:role/Deployer`);
    expect(decodeURIComponent(role.AssumeRolePolicyDocument!)).toBe(trust);
    expect(await failure(() => iam.send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trust })))).toBeInstanceOf(EntityAlreadyExistsException);
    const newTrust = trustPolicyFor(sb.managementAccountId);
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'Deployer', PolicyDocument: newTrust }));
    expect(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: 'Deployer' }))).Role!.AssumeRolePolicyDocument!)).toBe(newTrust);
    expect((await iam.send(new ListRolesCommand({}))).Roles!.map((r) => r.RoleName)).toContain('Deployer');
    await iam.send(new DeleteRoleCommand({ RoleName: 'Deployer' }));
    expect(await failure(() => iam.send(new GetRoleCommand({ RoleName: 'Deployer' })))).toBeInstanceOf(NoSuchEntityException);
  });

  it('keeps one alias per account, unique across every sandbox account', async () => {
    await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'example-general' }));
    expect((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual(['example-general']);
    // A new alias replaces the old one.
    await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'example-mgmt' }));
    expect((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual(['example-mgmt']);

    const other = sb.addStandaloneAccount({ name: 'Other', email: 'other@example.com' });
    createRole(other, sb.runtime, { roleName: 'Admin', trustAccountId: sb.managementAccountId, attachedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
    const creds = await assume(sb, `arn:aws:iam::${other.id}:role/Admin`);
    const otherIam = iamClient(sb, creds);
    const e = await failure(() => otherIam.send(new CreateAccountAliasCommand({ AccountAlias: 'example-mgmt' })));
    expect(e).toBeInstanceOf(EntityAlreadyExistsException);
    expect(e.message).toContain('example-mgmt');
    await otherIam.send(new CreateAccountAliasCommand({ AccountAlias: 'example-general' }));
    expect((await otherIam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual(['example-general']);
    expect(sb.state.accounts[other.id]!.iam.aliases).toEqual(['example-general']);
    expect(await failure(() => iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'example-general' })))).toBeInstanceOf(NoSuchEntityException);
    const bad = await failure(() => iam.send(new CreateAccountAliasCommand({ AccountAlias: 'Bad--Alias' })));
    expect(bad.$metadata?.httpStatusCode).toBe(400);
  });

  it('reports the account summary, including the root user flags tests set', async () => {
    const account = sb.state.accounts[sb.managementAccountId]!;
    const s1 = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(s1.AccountMFAEnabled).toBe(0);
    expect(s1.AccountAccessKeysPresent).toBe(0);
    expect(s1.Users).toBe(Object.keys(account.iam.users).length);
    expect(s1.Groups).toBe(Object.keys(account.iam.groups).length);
    account.root.mfaEnabled = true;
    account.root.accessKeysPresent = true;
    const s2 = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(s2.AccountMFAEnabled).toBe(1);
    expect(s2.AccountAccessKeysPresent).toBe(1);
  });

  it('manages virtual MFA devices', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'mfa-user' }));
    const device = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mfa-user' }))).VirtualMFADevice!;
    expect(device.SerialNumber).toBe(`arn:aws:iam::${sb.managementAccountId}:mfa/mfa-user`);
    expect(device.Base32StringSeed!.length).toBeGreaterThan(0);
    expect(await failure(() => iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mfa-user' })))).toBeInstanceOf(EntityAlreadyExistsException);
    expect((await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }))).VirtualMFADevices!.map((d) => d.SerialNumber)).toContain(device.SerialNumber);
    await iam.send(new EnableMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: device.SerialNumber, AuthenticationCode1: '111111', AuthenticationCode2: '222222' }));
    const listed = (await iam.send(new ListMFADevicesCommand({ UserName: 'mfa-user' }))).MFADevices!;
    expect(listed.map((d) => d.SerialNumber)).toEqual([device.SerialNumber]);
    const assigned = (await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }))).VirtualMFADevices!;
    expect(assigned.find((d) => d.SerialNumber === device.SerialNumber)!.User!.UserName).toBe('mfa-user');
    expect(await failure(() => iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: device.SerialNumber })))).toBeInstanceOf(DeleteConflictException);
    await iam.send(new DeactivateMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: device.SerialNumber }));
    await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: device.SerialNumber }));
    expect((await iam.send(new ListMFADevicesCommand({ UserName: 'mfa-user' }))).MFADevices).toEqual([]);
  });

  it('allows two access keys per user; new keys authenticate as the user until deleted or deactivated', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'keyed' }));
    const k1 = (await iam.send(new CreateAccessKeyCommand({ UserName: 'keyed' }))).AccessKey!;
    const k2 = (await iam.send(new CreateAccessKeyCommand({ UserName: 'keyed' }))).AccessKey!;
    expect(k1.AccessKeyId).toMatch(/^AKIA/);
    expect(await failure(() => iam.send(new CreateAccessKeyCommand({ UserName: 'keyed' })))).toBeInstanceOf(LimitExceededException);
    expect((await iam.send(new ListAccessKeysCommand({ UserName: 'keyed' }))).AccessKeyMetadata!.map((k) => k.AccessKeyId).sort()).toEqual([k1.AccessKeyId, k2.AccessKeyId].sort());

    const asKeyed = stsClient(sb, { accessKeyId: k1.AccessKeyId!, secretAccessKey: k1.SecretAccessKey! });
    expect((await asKeyed.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:iam::${sb.managementAccountId}:user/keyed`);
    const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k1.AccessKeyId }));
    expect(used.UserName).toBe('keyed');
    expect(used.AccessKeyLastUsed!.ServiceName).toBe('sts');
    expect(used.AccessKeyLastUsed!.LastUsedDate).toBeInstanceOf(Date);

    await iam.send(new UpdateAccessKeyCommand({ UserName: 'keyed', AccessKeyId: k1.AccessKeyId, Status: 'Inactive' }));
    expect((await failure(() => asKeyed.send(new GetCallerIdentityCommand({})))).name).toBe('InvalidClientTokenId');
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'keyed', AccessKeyId: k2.AccessKeyId }));
    expect((await failure(() => stsClient(sb, { accessKeyId: k2.AccessKeyId!, secretAccessKey: k2.SecretAccessKey! }).send(new GetCallerIdentityCommand({})))).name).toBe('InvalidClientTokenId');
    expect(await failure(() => iam.send(new DeleteAccessKeyCommand({ UserName: 'keyed', AccessKeyId: k2.AccessKeyId })))).toBeInstanceOf(NoSuchEntityException);
  });
});
