import {
  CreatePolicyCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateAccountCommand, CreateOrganizationCommand, DescribeCreateAccountStatusCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  AccessDeniedException,
  AttachCustomerManagedPolicyReferenceToPermissionSetCommand,
  AttachManagedPolicyToPermissionSetCommand,
  ConflictException,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  DeleteInlinePolicyFromPermissionSetCommand,
  DeletePermissionSetCommand,
  DeletePermissionsBoundaryFromPermissionSetCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribeInstanceCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  DetachCustomerManagedPolicyReferenceFromPermissionSetCommand,
  DetachManagedPolicyFromPermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  GetPermissionsBoundaryForPermissionSetCommand,
  ListAccountAssignmentCreationStatusCommand,
  ListAccountAssignmentsCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListCustomerManagedPolicyReferencesInPermissionSetCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetProvisioningStatusCommand,
  ListPermissionSetsCommand,
  ListPermissionSetsProvisionedToAccountCommand,
  ListTagsForResourceCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  PutPermissionsBoundaryToPermissionSetCommand,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  SSOAdminClient,
  TagResourceCommand,
  ThrottlingException,
  UntagResourceCommand,
  UpdatePermissionSetCommand,
  ValidationException,
  paginateListPermissionSets,
} from '@aws-sdk/client-sso-admin';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SETTLING, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { assume, clientConfig, failure, iamClient, type Creds } from './clients.js';

const DELAY = 1000;
let sb: SandboxHandle;
let instanceArn: string;
let identityStoreId: string;
let member: string;
let second: string;
let memberCreds: Creds;

const sso = (credentials?: Creds, region = 'us-east-1') => new SSOAdminClient({ ...clientConfig(sb, credentials), region });
const send = <T>(command: Parameters<SSOAdminClient['send']>[0]) => {
  const client = sso();
  return client.send(command).finally(() => client.destroy()) as Promise<T>;
};
/* eslint-disable @typescript-eslint/no-explicit-any -- the SDK's outputs, read member by member */
const call = (command: any): Promise<any> => send(command);
/* eslint-enable @typescript-eslint/no-explicit-any */

async function createMember(orgs: OrganizationsClient, name: string): Promise<string> {
  const req = (await orgs.send(new CreateAccountCommand({ AccountName: name, Email: `${name.toLowerCase()}@example.com` }))).CreateAccountStatus!;
  sb.advanceTime(200);
  const client = new OrganizationsClient(clientConfig(sb));
  const id = (await client.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req.Id! }))).CreateAccountStatus!.AccountId!;
  client.destroy();
  return id;
}

const groupId = (name: string) => Object.values(sb.state.identityCenter!.directory.groups).find((g) => g.DisplayName === name)!.GroupId;
const userId = (name: string) => Object.values(sb.state.identityCenter!.directory.users).find((u) => u.UserName === name)!.UserId;
const rolesOf = (accountId: string) => Object.values(sb.state.accounts[accountId]!.iam.roles).filter((r) => r.path === '/aws-reserved/sso.amazonaws.com/');

async function createSet(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  return (await call(new CreatePermissionSetCommand({ InstanceArn: instanceArn, Name: name, ...extra }))).PermissionSet.PermissionSetArn;
}

function assign(permissionSetArn: string, accountId: string, principalId: string, principalType: 'GROUP' | 'USER' = 'GROUP') {
  return { InstanceArn: instanceArn, PermissionSetArn: permissionSetArn, TargetId: accountId, TargetType: 'AWS_ACCOUNT' as const, PrincipalType: principalType, PrincipalId: principalId };
}

beforeAll(async () => {
  // Quotas are switched on for one burst only; their clock stands still so that none refills mid-burst.
  sb = await startSandbox({ delays: { createAccount: 100, rolePropagation: 0, identityCenter: DELAY, ...NO_SETTLING }, quotaClock: () => 0 });
  const orgs = new OrganizationsClient(clientConfig(sb));
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  member = await createMember(orgs, 'Workloads');
  second = await createMember(orgs, 'Sandbox');
  orgs.destroy();
  memberCreds = await assume(sb, `arn:aws:iam::${member}:role/OrganizationAccountAccessRole`);
  const instance = (await call(new ListInstancesCommand({}))).Instances[0];
  instanceArn = instance.InstanceArn;
  identityStoreId = instance.IdentityStoreId;
});

afterAll(async () => {
  await sb.close();
});

describe('SSO Admin: the instance', () => {
  it('has one instance in the management account, seeded with the organization', async () => {
    const out = await call(new ListInstancesCommand({}));
    expect(out.Instances).toHaveLength(1);
    expect(out.Instances[0]).toMatchObject({ OwnerAccountId: sb.managementAccountId, Status: 'ACTIVE' });
    expect(instanceArn).toMatch(/^arn:aws:sso:::instance\/ssoins-[0-9a-f]{16}$/);
    expect(identityStoreId).toMatch(/^d-[0-9a-z]{10}$/);
    expect(sb.state.identityCenter!.instanceArn).toBe(instanceArn);
    expect((await call(new DescribeInstanceCommand({ InstanceArn: instanceArn }))).IdentityStoreId).toBe(identityStoreId);
  });

  it('shows no instance to a member account or in another Region, and refuses a member account', async () => {
    const memberClient = sso(memberCreds);
    expect((await memberClient.send(new ListInstancesCommand({}))).Instances).toEqual([]);
    const e = await failure(() => memberClient.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn })));
    memberClient.destroy();
    expect(e).toBeInstanceOf(AccessDeniedException);
    expect(e.$metadata?.httpStatusCode).toBe(403);
    const west = sso(undefined, 'eu-west-1');
    expect((await west.send(new ListInstancesCommand({}))).Instances).toEqual([]);
    const w = await failure(() => west.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn })));
    west.destroy();
    expect(w).toBeInstanceOf(ResourceNotFoundException);
  });

  it('refuses a malformed instance ARN with ValidationException', async () => {
    const e = await failure(() => call(new ListPermissionSetsCommand({ InstanceArn: 'arn:aws:sso:::instance/nope' })));
    expect(e).toBeInstanceOf(ValidationException);
    expect(e.message).toContain("at 'instanceArn' failed to satisfy constraint: Member must satisfy regular expression pattern");
  });
});

describe('SSO Admin: permission sets', () => {
  it('creates, describes, updates and deletes a permission set', async () => {
    const arn = await createSet('lz-crud', { Description: 'crud', SessionDuration: 'PT4H', RelayState: 'https://console.aws.amazon.com/' });
    expect(arn).toMatch(new RegExp(`^arn:aws:sso:::permissionSet/${instanceArn.split('/')[1]}/ps-[0-9a-f]{16}$`));
    const described = (await call(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }))).PermissionSet;
    expect(described).toMatchObject({ Name: 'lz-crud', Description: 'crud', SessionDuration: 'PT4H', RelayState: 'https://console.aws.amazon.com/' });
    expect(described.CreatedDate).toBeInstanceOf(Date);
    await call(new UpdatePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn, SessionDuration: 'PT12H', Description: 'updated' }));
    expect(sb.state.identityCenter!.permissionSets[arn]).toMatchObject({ sessionDuration: 'PT12H', description: 'updated' });
    await call(new DeletePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }));
    expect(sb.state.identityCenter!.permissionSets[arn]).toBeUndefined();
    const gone = await failure(() => call(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn })));
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    expect(gone.$metadata?.httpStatusCode).toBe(404);
  });

  it('refuses a duplicate name (ConflictException), a bad name and a session duration outside 1 to 12 hours', async () => {
    await createSet('lz-dup');
    const dup = await failure(() => createSet('lz-dup'));
    expect(dup).toBeInstanceOf(ConflictException);
    expect(dup.$metadata?.httpStatusCode).toBe(409);
    expect(dup.message).toBe('PermissionSet with name lz-dup already exists.');
    const long = await failure(() => createSet('x'.repeat(33)));
    expect(long).toBeInstanceOf(ValidationException);
    expect(long.message).toContain("at 'name' failed to satisfy constraint: Member must have length between 1 and 32");
    expect(await failure(() => createSet('has space'))).toBeInstanceOf(ValidationException);
    for (const d of ['PT13H', 'PT59M', 'P1D']) expect(await failure(() => createSet(`lz-d-${d}`, { SessionDuration: d }))).toBeInstanceOf(ValidationException);
    expect(await createSet('lz-d-ok', { SessionDuration: 'PT90M' })).toBeTruthy();
  });

  it('pages ListPermissionSets in small pages', async () => {
    for (let i = 0; i < 6; i++) await createSet(`lz-page-${i}`);
    const first = await call(new ListPermissionSetsCommand({ InstanceArn: instanceArn }));
    expect(first.PermissionSets).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const client = sso();
    const all: string[] = [];
    for await (const page of paginateListPermissionSets({ client }, { InstanceArn: instanceArn, MaxResults: 4 })) all.push(...page.PermissionSets!);
    client.destroy();
    expect(all.sort()).toEqual(Object.keys(sb.state.identityCenter!.permissionSets).sort());
    expect(await failure(() => call(new ListPermissionSetsCommand({ InstanceArn: instanceArn, MaxResults: 101 })))).toBeInstanceOf(ValidationException);
    expect(await failure(() => call(new ListPermissionSetsCommand({ InstanceArn: instanceArn, NextToken: 'forged' })))).toBeInstanceOf(ValidationException);
  });

  it('attaches, lists and detaches AWS managed policies; a second attach conflicts; 20 at most', async () => {
    const arn = await createSet('lz-managed');
    const ps = { InstanceArn: instanceArn, PermissionSetArn: arn };
    await call(new AttachManagedPolicyToPermissionSetCommand({ ...ps, ManagedPolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    expect((await call(new ListManagedPoliciesInPermissionSetCommand(ps))).AttachedManagedPolicies).toEqual([{ Arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', Name: 'ReadOnlyAccess' }]);
    expect(await failure(() => call(new AttachManagedPolicyToPermissionSetCommand({ ...ps, ManagedPolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' })))).toBeInstanceOf(ConflictException);
    const customer = await failure(() => call(new AttachManagedPolicyToPermissionSetCommand({ ...ps, ManagedPolicyArn: `arn:aws:iam::${member}:policy/Mine` })));
    expect(customer).toBeInstanceOf(ValidationException);
    await call(new DetachManagedPolicyFromPermissionSetCommand({ ...ps, ManagedPolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    expect(sb.state.identityCenter!.permissionSets[arn]!.managedPolicies).toEqual([]);
    expect(await failure(() => call(new DetachManagedPolicyFromPermissionSetCommand({ ...ps, ManagedPolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' })))).toBeInstanceOf(ResourceNotFoundException);
    for (let i = 0; i < 15; i++) await call(new AttachManagedPolicyToPermissionSetCommand({ ...ps, ManagedPolicyArn: `arn:aws:iam::aws:policy/P${i}` }));
    for (let i = 0; i < 5; i++) await call(new AttachCustomerManagedPolicyReferenceToPermissionSetCommand({ ...ps, CustomerManagedPolicyReference: { Name: `C${i}` } }));
    const over = await failure(() => call(new AttachManagedPolicyToPermissionSetCommand({ ...ps, ManagedPolicyArn: 'arn:aws:iam::aws:policy/P99' })));
    expect(over).toBeInstanceOf(ServiceQuotaExceededException);
    expect(over.$metadata?.httpStatusCode).toBe(402);
    const page = await call(new ListManagedPoliciesInPermissionSetCommand(ps));
    expect(page.AttachedManagedPolicies).toHaveLength(5);
    expect(page.NextToken).toBeTruthy();
  });

  it('attaches, lists and detaches customer managed policy references (path defaults to /)', async () => {
    const arn = await createSet('lz-cmp');
    const ps = { InstanceArn: instanceArn, PermissionSetArn: arn };
    await call(new AttachCustomerManagedPolicyReferenceToPermissionSetCommand({ ...ps, CustomerManagedPolicyReference: { Name: 'lz-boundary', Path: '/lz/' } }));
    await call(new AttachCustomerManagedPolicyReferenceToPermissionSetCommand({ ...ps, CustomerManagedPolicyReference: { Name: 'lz-extra' } }));
    expect((await call(new ListCustomerManagedPolicyReferencesInPermissionSetCommand(ps))).CustomerManagedPolicyReferences).toEqual([
      { Name: 'lz-boundary', Path: '/lz/' },
      { Name: 'lz-extra', Path: '/' },
    ]);
    expect(await failure(() => call(new AttachCustomerManagedPolicyReferenceToPermissionSetCommand({ ...ps, CustomerManagedPolicyReference: { Name: 'lz-extra', Path: '/' } })))).toBeInstanceOf(ConflictException);
    await call(new DetachCustomerManagedPolicyReferenceFromPermissionSetCommand({ ...ps, CustomerManagedPolicyReference: { Name: 'lz-extra' } }));
    expect(sb.state.identityCenter!.permissionSets[arn]!.customerManagedPolicies).toEqual([{ Name: 'lz-boundary', Path: '/lz/' }]);
    expect(await failure(() => call(new DetachCustomerManagedPolicyReferenceFromPermissionSetCommand({ ...ps, CustomerManagedPolicyReference: { Name: 'lz-extra' } })))).toBeInstanceOf(ResourceNotFoundException);
  });

  it('puts, gets and deletes the inline policy; refuses one too long or not JSON', async () => {
    const arn = await createSet('lz-inline');
    const ps = { InstanceArn: instanceArn, PermissionSetArn: arn };
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:*', Resource: '*' }] });
    await call(new PutInlinePolicyToPermissionSetCommand({ ...ps, InlinePolicy: doc }));
    expect((await call(new GetInlinePolicyForPermissionSetCommand(ps))).InlinePolicy).toBe(doc);
    const long = await failure(() => call(new PutInlinePolicyToPermissionSetCommand({ ...ps, InlinePolicy: ' '.repeat(32769) })));
    expect(long).toBeInstanceOf(ValidationException);
    expect(long.message).toContain('Member must have length between 1 and 32768');
    const dense = await failure(() => call(new PutInlinePolicyToPermissionSetCommand({ ...ps, InlinePolicy: JSON.stringify({ Sid: 'x'.repeat(10300) }) })));
    expect(dense).toBeInstanceOf(ValidationException);
    expect(await failure(() => call(new PutInlinePolicyToPermissionSetCommand({ ...ps, InlinePolicy: '{not json' })))).toBeInstanceOf(ValidationException);
    await call(new DeleteInlinePolicyFromPermissionSetCommand(ps));
    expect(sb.state.identityCenter!.permissionSets[arn]!.inlinePolicy).toBeUndefined();
    expect((await call(new GetInlinePolicyForPermissionSetCommand(ps))).InlinePolicy).toBe('');
  });

  it('puts, gets and deletes the permissions boundary', async () => {
    const arn = await createSet('lz-boundary');
    const ps = { InstanceArn: instanceArn, PermissionSetArn: arn };
    expect(await failure(() => call(new GetPermissionsBoundaryForPermissionSetCommand(ps)))).toBeInstanceOf(ResourceNotFoundException);
    await call(new PutPermissionsBoundaryToPermissionSetCommand({ ...ps, PermissionsBoundary: { ManagedPolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess' } }));
    expect((await call(new GetPermissionsBoundaryForPermissionSetCommand(ps))).PermissionsBoundary).toEqual({ ManagedPolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess' });
    await call(new PutPermissionsBoundaryToPermissionSetCommand({ ...ps, PermissionsBoundary: { CustomerManagedPolicyReference: { Name: 'lz-limit' } } }));
    expect(sb.state.identityCenter!.permissionSets[arn]!.permissionsBoundary).toEqual({ CustomerManagedPolicyReference: { Name: 'lz-limit', Path: '/' } });
    expect(await failure(() => call(new PutPermissionsBoundaryToPermissionSetCommand({ ...ps, PermissionsBoundary: {} })))).toBeInstanceOf(ValidationException);
    await call(new DeletePermissionsBoundaryFromPermissionSetCommand(ps));
    expect(sb.state.identityCenter!.permissionSets[arn]!.permissionsBoundary).toBeUndefined();
    expect(await failure(() => call(new DeletePermissionsBoundaryFromPermissionSetCommand(ps)))).toBeInstanceOf(ResourceNotFoundException);
  });

  it('tags and untags a permission set', async () => {
    const arn = await createSet('lz-tags', { Tags: [{ Key: 'owner', Value: 'lz' }] });
    await call(new TagResourceCommand({ InstanceArn: instanceArn, ResourceArn: arn, Tags: [{ Key: 'env', Value: 'prod' }, { Key: 'owner', Value: 'platform' }] }));
    expect((await call(new ListTagsForResourceCommand({ InstanceArn: instanceArn, ResourceArn: arn }))).Tags).toEqual([
      { Key: 'owner', Value: 'platform' },
      { Key: 'env', Value: 'prod' },
    ]);
    await call(new UntagResourceCommand({ InstanceArn: instanceArn, ResourceArn: arn, TagKeys: ['owner'] }));
    expect(sb.state.identityCenter!.permissionSets[arn]!.tags).toEqual([{ Key: 'env', Value: 'prod' }]);
    expect(await failure(() => call(new TagResourceCommand({ InstanceArn: instanceArn, ResourceArn: arn, Tags: [{ Key: 'aws:x', Value: 'y' }] })))).toBeInstanceOf(ValidationException);
  });
});

describe('SSO Admin: assignments and provisioning', () => {
  it('creates an assignment IN_PROGRESS, then SUCCEEDED with the reserved role in the target account', async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'organizations:*', Resource: '*' }] });
    const arn = await createSet('lz-admin', { SessionDuration: 'PT8H' });
    const ps = { InstanceArn: instanceArn, PermissionSetArn: arn };
    await call(new AttachManagedPolicyToPermissionSetCommand({ ...ps, ManagedPolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    await call(new PutInlinePolicyToPermissionSetCommand({ ...ps, InlinePolicy: doc }));
    await call(new PutPermissionsBoundaryToPermissionSetCommand({ ...ps, PermissionsBoundary: { ManagedPolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess' } }));

    const status = (await call(new CreateAccountAssignmentCommand(assign(arn, member, groupId('Administrators'))))).AccountAssignmentCreationStatus;
    expect(status).toMatchObject({ Status: 'IN_PROGRESS', TargetId: member, TargetType: 'AWS_ACCOUNT', PrincipalType: 'GROUP', PermissionSetArn: arn });
    expect(status.RequestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const describe = () => call(new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: instanceArn, AccountAssignmentCreationRequestId: status.RequestId }));
    expect((await describe()).AccountAssignmentCreationStatus.Status).toBe('IN_PROGRESS');
    expect(rolesOf(member)).toEqual([]);
    expect((await call(new ListAccountAssignmentsCommand({ InstanceArn: instanceArn, AccountId: member, PermissionSetArn: arn }))).AccountAssignments).toEqual([]);

    sb.advanceTime(DELAY);
    expect((await describe()).AccountAssignmentCreationStatus.Status).toBe('SUCCEEDED');
    const [role] = rolesOf(member);
    expect(role!.roleName).toMatch(/^AWSReservedSSO_lz-admin_[0-9a-f]{16}$/);
    expect(role!.attachedPolicies).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess']);
    expect(role!.inlinePolicies).toEqual({ AwsSSOInlinePolicy: doc });
    expect(role!.permissionsBoundary).toBe('arn:aws:iam::aws:policy/PowerUserAccess');
    expect(role!.maxSessionDuration).toBe(8 * 3600);
    const trust = JSON.parse(role!.assumeRolePolicyDocument);
    expect(trust.Statement[0].Principal.Federated).toMatch(new RegExp(`^arn:aws:iam::${member}:saml-provider/AWSSSO_[0-9a-f]{16}_DO_NOT_DELETE$`));
    expect(trust.Statement[0].Action).toEqual(['sts:AssumeRoleWithSAML', 'sts:TagSession']);

    // IAM in the account shows it, through the real SDK.
    const iam = iamClient(sb, memberCreds);
    const got = (await iam.send(new GetRoleCommand({ RoleName: role!.roleName }))).Role!;
    expect(got.Path).toBe('/aws-reserved/sso.amazonaws.com/');
    expect(got.PermissionsBoundary?.PermissionsBoundaryArn).toBe('arn:aws:iam::aws:policy/PowerUserAccess');
    expect((await iam.send(new GetRolePolicyCommand({ RoleName: role!.roleName, PolicyName: 'AwsSSOInlinePolicy' }))).PolicyName).toBe('AwsSSOInlinePolicy');
    iam.destroy();

    expect((await call(new ListAccountAssignmentsCommand({ InstanceArn: instanceArn, AccountId: member, PermissionSetArn: arn }))).AccountAssignments).toEqual([
      { AccountId: member, PermissionSetArn: arn, PrincipalType: 'GROUP', PrincipalId: groupId('Administrators') },
    ]);
    expect((await call(new ListAccountsForProvisionedPermissionSetCommand(ps))).AccountIds).toEqual([member]);
    expect((await call(new ListPermissionSetsProvisionedToAccountCommand({ InstanceArn: instanceArn, AccountId: member }))).PermissionSets).toEqual([arn]);
    expect(
      (await call(new ListAccountAssignmentsForPrincipalCommand({ InstanceArn: instanceArn, PrincipalType: 'GROUP', PrincipalId: groupId('Administrators') }))).AccountAssignments,
    ).toEqual([{ AccountId: member, PermissionSetArn: arn, PrincipalType: 'GROUP', PrincipalId: groupId('Administrators') }]);
    expect((await call(new ListAccountAssignmentCreationStatusCommand({ InstanceArn: instanceArn, Filter: { Status: 'SUCCEEDED' } }))).AccountAssignmentsCreationStatus.map((s: { RequestId: string }) => s.RequestId)).toContain(status.RequestId);
  });

  it('settles the request for IAM too: the role appears without anyone polling SSO Admin', async () => {
    const creds = await assume(sb, `arn:aws:iam::${second}:role/OrganizationAccountAccessRole`);
    const arn = await createSet('lz-unpolled');
    await call(new CreateAccountAssignmentCommand(assign(arn, second, groupId('Developers'))));
    sb.advanceTime(DELAY);
    const iam = iamClient(sb, creds);
    const listed = (await iam.send(new ListRolesCommand({ PathPrefix: '/aws-reserved/sso.amazonaws.com/' }))).Roles!.map((r) => r.RoleName!);
    iam.destroy();
    expect(listed.filter((n) => n.startsWith('AWSReservedSSO_lz-unpolled_'))).toHaveLength(1);
  });

  it('protects the reserved role from IAM changes by the account\'s principals (UnmodifiableEntity)', async () => {
    const name = rolesOf(member).find((r) => r.roleName.startsWith('AWSReservedSSO_lz-admin_'))!.roleName;
    const iam = iamClient(sb, memberCreds);
    const attempts = [
      () => iam.send(new DeleteRoleCommand({ RoleName: name })),
      () => iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })),
      () => iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'extra', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) })),
      () => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name.toLowerCase(), PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: member }, Action: 'sts:AssumeRole' }] }) })),
    ];
    for (const attempt of attempts) {
      const e = await failure(attempt);
      expect(e.name).toBe('UnmodifiableEntityException');
      expect(e.$metadata?.httpStatusCode).toBe(400);
      expect(e.message).toBe(`Cannot perform the operation on the protected role '${name}' - this role is only modifiable by AWS`);
    }
    iam.destroy();
    const role = sb.state.accounts[member]!.iam.roles[name]!;
    expect(role.attachedPolicies).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess']);
    expect(Object.keys(role.inlinePolicies)).toEqual(['AwsSSOInlinePolicy']);
  });

  it('keeps the old copy until ProvisionPermissionSet, which runs IN_PROGRESS then SUCCEEDED and rewrites the role', async () => {
    const arn = await createSet('lz-reprov');
    const ps = { InstanceArn: instanceArn, PermissionSetArn: arn };
    await call(new AttachManagedPolicyToPermissionSetCommand({ ...ps, ManagedPolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await call(new CreateAccountAssignmentCommand(assign(arn, member, groupId('Auditors'))));
    sb.advanceTime(DELAY);
    expect((await call(new ListAccountsForProvisionedPermissionSetCommand({ ...ps, ProvisioningStatus: 'LATEST_PERMISSION_SET_PROVISIONED' }))).AccountIds).toEqual([member]);

    await call(new AttachManagedPolicyToPermissionSetCommand({ ...ps, ManagedPolicyArn: 'arn:aws:iam::aws:policy/SecurityAudit' }));
    await call(new UpdatePermissionSetCommand({ ...ps, SessionDuration: 'PT2H' }));
    const role = () => rolesOf(member).find((r) => r.roleName.startsWith('AWSReservedSSO_lz-reprov_'))!;
    expect(role().attachedPolicies).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    expect((await call(new ListAccountsForProvisionedPermissionSetCommand({ ...ps, ProvisioningStatus: 'LATEST_PERMISSION_SET_NOT_PROVISIONED' }))).AccountIds).toEqual([member]);
    expect((await call(new ListPermissionSetsProvisionedToAccountCommand({ InstanceArn: instanceArn, AccountId: member, ProvisioningStatus: 'LATEST_PERMISSION_SET_NOT_PROVISIONED' }))).PermissionSets).toEqual([arn]);

    const started = (await call(new ProvisionPermissionSetCommand({ ...ps, TargetType: 'ALL_PROVISIONED_ACCOUNTS' }))).PermissionSetProvisioningStatus;
    expect(started).toMatchObject({ Status: 'IN_PROGRESS', PermissionSetArn: arn });
    expect(started.AccountId).toBeUndefined();
    const describe = async () =>
      (await call(new DescribePermissionSetProvisioningStatusCommand({ InstanceArn: instanceArn, ProvisionPermissionSetRequestId: started.RequestId }))).PermissionSetProvisioningStatus;
    expect((await describe()).Status).toBe('IN_PROGRESS');
    expect((await call(new ListPermissionSetProvisioningStatusCommand({ InstanceArn: instanceArn, Filter: { Status: 'IN_PROGRESS' } }))).PermissionSetsProvisioningStatus).toEqual([
      expect.objectContaining({ RequestId: started.RequestId, Status: 'IN_PROGRESS' }),
    ]);
    expect(role().attachedPolicies).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    sb.advanceTime(DELAY);
    expect((await describe()).Status).toBe('SUCCEEDED');
    expect(role().attachedPolicies).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/SecurityAudit']);
    expect(role().maxSessionDuration).toBe(7200);
    expect((await call(new ListAccountsForProvisionedPermissionSetCommand({ ...ps, ProvisioningStatus: 'LATEST_PERMISSION_SET_NOT_PROVISIONED' }))).AccountIds).toEqual([]);

    const one = (await call(new ProvisionPermissionSetCommand({ ...ps, TargetType: 'AWS_ACCOUNT', TargetId: member }))).PermissionSetProvisioningStatus;
    expect(one.AccountId).toBe(member);
    expect(await failure(() => call(new ProvisionPermissionSetCommand({ ...ps, TargetType: 'AWS_ACCOUNT' })))).toBeInstanceOf(ValidationException);
    expect(
      await failure(() => call(new DescribePermissionSetProvisioningStatusCommand({ InstanceArn: instanceArn, ProvisionPermissionSetRequestId: '00000000-0000-0000-0000-000000000000' }))),
    ).toBeInstanceOf(ResourceNotFoundException);
  });

  it('deletes the role with the last assignment of the set in the account, not before; the set can then be deleted', async () => {
    const arn = await createSet('lz-two');
    const ps = { InstanceArn: instanceArn, PermissionSetArn: arn };
    await call(new CreateAccountAssignmentCommand(assign(arn, member, groupId('Developers'))));
    await call(new CreateAccountAssignmentCommand(assign(arn, member, userId('bob'), 'USER')));
    sb.advanceTime(DELAY);
    expect((await call(new ListAccountAssignmentsCommand({ ...ps, AccountId: member }))).AccountAssignments).toHaveLength(2);
    const role = () => rolesOf(member).find((r) => r.roleName.startsWith('AWSReservedSSO_lz-two_'));
    expect(role()).toBeDefined();

    const busy = await failure(() => call(new DeletePermissionSetCommand(ps)));
    expect(busy).toBeInstanceOf(ConflictException);

    const first = (await call(new DeleteAccountAssignmentCommand(assign(arn, member, groupId('Developers'))))).AccountAssignmentDeletionStatus;
    expect(first.Status).toBe('IN_PROGRESS');
    sb.advanceTime(DELAY);
    expect(
      (await call(new DescribeAccountAssignmentDeletionStatusCommand({ InstanceArn: instanceArn, AccountAssignmentDeletionRequestId: first.RequestId }))).AccountAssignmentDeletionStatus.Status,
    ).toBe('SUCCEEDED');
    expect(role()).toBeDefined();

    await call(new DeleteAccountAssignmentCommand(assign(arn, member, userId('bob'), 'USER')));
    expect(role()).toBeDefined();
    sb.advanceTime(DELAY);
    expect((await call(new ListAccountAssignmentsCommand({ ...ps, AccountId: member }))).AccountAssignments).toEqual([]);
    expect(role()).toBeUndefined();
    expect((await call(new ListAccountsForProvisionedPermissionSetCommand(ps))).AccountIds).toEqual([]);
    const again = await failure(() => call(new DeleteAccountAssignmentCommand(assign(arn, member, userId('bob'), 'USER'))));
    expect(again).toBeInstanceOf(ResourceNotFoundException);
    await call(new DeletePermissionSetCommand(ps));
  });

  it('fails the request (FAILED, a reason) for a customer managed policy the account lacks, and succeeds once it exists', async () => {
    const arn = await createSet('lz-needs-cmp');
    const ps = { InstanceArn: instanceArn, PermissionSetArn: arn };
    await call(new AttachCustomerManagedPolicyReferenceToPermissionSetCommand({ ...ps, CustomerManagedPolicyReference: { Name: 'lz-team', Path: '/lz/' } }));
    const req = (await call(new CreateAccountAssignmentCommand(assign(arn, member, groupId('Developers'))))).AccountAssignmentCreationStatus;
    sb.advanceTime(DELAY);
    const failed = (await call(new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: instanceArn, AccountAssignmentCreationRequestId: req.RequestId }))).AccountAssignmentCreationStatus;
    expect(failed.Status).toBe('FAILED');
    expect(failed.FailureReason).toContain(`arn:aws:iam::${member}:policy/lz/lz-team`);
    expect(rolesOf(member).some((r) => r.roleName.startsWith('AWSReservedSSO_lz-needs-cmp_'))).toBe(false);

    const iam = iamClient(sb, memberCreds);
    await iam.send(new CreatePolicyCommand({ PolicyName: 'lz-team', Path: '/lz/', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] }) }));
    const retry = (await call(new CreateAccountAssignmentCommand(assign(arn, member, groupId('Developers'))))).AccountAssignmentCreationStatus;
    sb.advanceTime(DELAY);
    expect(
      (await call(new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: instanceArn, AccountAssignmentCreationRequestId: retry.RequestId }))).AccountAssignmentCreationStatus.Status,
    ).toBe('SUCCEEDED');
    const name = rolesOf(member).find((r) => r.roleName.startsWith('AWSReservedSSO_lz-needs-cmp_'))!.roleName;
    const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies!.map((p) => p.PolicyArn);
    iam.destroy();
    expect(attached).toEqual([`arn:aws:iam::${member}:policy/lz/lz-team`]);
  });

  it('fails the request for a principal the identity store does not hold, and for an account outside the organization', async () => {
    const arn = await createSet('lz-bad-target');
    const ghost = (await call(new CreateAccountAssignmentCommand(assign(arn, member, '0123456789-00000000-0000-0000-0000-000000000000')))).AccountAssignmentCreationStatus;
    expect(ghost.Status).toBe('FAILED');
    expect(ghost.FailureReason).toContain('does not exist');
    const outsider = (await call(new CreateAccountAssignmentCommand(assign(arn, '111122223333', groupId('Developers'))))).AccountAssignmentCreationStatus;
    expect(outsider.Status).toBe('IN_PROGRESS');
    sb.advanceTime(DELAY);
    const settled = (await call(new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: instanceArn, AccountAssignmentCreationRequestId: outsider.RequestId }))).AccountAssignmentCreationStatus;
    expect(settled.Status).toBe('FAILED');
    expect(settled.FailureReason).toContain('111122223333');
    const bad = await failure(() => call(new CreateAccountAssignmentCommand(assign(arn, '12345', groupId('Developers')))));
    expect(bad).toBeInstanceOf(ValidationException);
  });

  it('fails provisioning to a suspended member with AWS\'s reason', async () => {
    const orgs = new OrganizationsClient(clientConfig(sb));
    const closed = await createMember(orgs, 'Closed');
    orgs.destroy();
    sb.state.accounts[closed]!.status = 'SUSPENDED';
    const arn = await createSet('lz-to-suspended');
    const req = (await call(new ProvisionPermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn, TargetType: 'AWS_ACCOUNT', TargetId: closed }))).PermissionSetProvisioningStatus;
    sb.advanceTime(DELAY);
    const out = (await call(new DescribePermissionSetProvisioningStatusCommand({ InstanceArn: instanceArn, ProvisionPermissionSetRequestId: req.RequestId }))).PermissionSetProvisioningStatus;
    expect(out).toMatchObject({ Status: 'FAILED', AccountId: closed });
    expect(out.FailureReason).toBe(
      `AWS SSO is unable to complete your request at this time. Obtaining permissions to manage your AWS account '${closed}' takes longer than usual. Please try again in a few minutes. If this problem continues, contact AWS Support.`,
    );
  });

  it('provisions a set to all its provisioned accounts even when there are none (SUCCEEDED, nothing to do)', async () => {
    const arn = await createSet('lz-nowhere');
    const req = (await call(new ProvisionPermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn, TargetType: 'ALL_PROVISIONED_ACCOUNTS' }))).PermissionSetProvisioningStatus;
    expect(req.Status).toBe('IN_PROGRESS');
    sb.advanceTime(DELAY);
    expect((await call(new DescribePermissionSetProvisioningStatusCommand({ InstanceArn: instanceArn, ProvisionPermissionSetRequestId: req.RequestId }))).PermissionSetProvisioningStatus.Status).toBe('SUCCEEDED');
  });
});

describe('SSO Admin: quotas', () => {
  it('answers ThrottlingException (429) past the 20 TPS the SSO Admin APIs share', async () => {
    sb.setQuotas(true);
    const client = sso();
    const results = await Promise.allSettled(Array.from({ length: 24 }, () => client.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn }))));
    client.destroy();
    sb.setQuotas(undefined);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error & { $metadata?: { httpStatusCode?: number } });
    expect(refused.length).toBeGreaterThanOrEqual(4);
    expect(refused[0]).toBeInstanceOf(ThrottlingException);
    expect(refused[0]!.$metadata?.httpStatusCode).toBe(429);
  });

  it('holds at most 15 CreateAccountAssignment calls in progress and 3 ProvisionPermissionSet calls', async () => {
    const arn = await createSet('lz-burst');
    for (let i = 0; i < 15; i++) await call(new CreateAccountAssignmentCommand(assign(arn, member, groupId('Auditors'))));
    const sixteenth = await failure(() => call(new CreateAccountAssignmentCommand(assign(arn, member, groupId('Auditors')))));
    expect(sixteenth).toBeInstanceOf(ThrottlingException);
    expect(sixteenth.$metadata?.httpStatusCode).toBe(429);
    sb.advanceTime(DELAY);
    const ps = { InstanceArn: instanceArn, PermissionSetArn: arn };
    for (let i = 0; i < 3; i++) await call(new ProvisionPermissionSetCommand({ ...ps, TargetType: 'AWS_ACCOUNT', TargetId: member }));
    expect(await failure(() => call(new ProvisionPermissionSetCommand({ ...ps, TargetType: 'AWS_ACCOUNT', TargetId: member })))).toBeInstanceOf(ThrottlingException);
    sb.advanceTime(DELAY);
    expect((await call(new ProvisionPermissionSetCommand({ ...ps, TargetType: 'AWS_ACCOUNT', TargetId: member }))).PermissionSetProvisioningStatus.Status).toBe('IN_PROGRESS');
    sb.advanceTime(DELAY);
  });

  it('refuses a 2,001st permission set, a 101st group on a set in an account and a 251st set provisioned to an account (ServiceQuotaExceededException)', async () => {
    const ic = sb.state.identityCenter!;
    const saved = { sets: { ...ic.permissionSets }, assignments: [...ic.assignments], provisioned: { ...ic.provisioned } };
    const template = Object.values(ic.permissionSets)[0]!;
    for (let i = Object.keys(ic.permissionSets).length; i < 2000; i++) ic.permissionSets[`filler-${i}`] = { ...template, arn: `filler-${i}`, name: `filler-${i}` };
    const sets = await failure(() => createSet('lz-2001'));
    expect(sets).toBeInstanceOf(ServiceQuotaExceededException);
    expect(sets.$metadata?.httpStatusCode).toBe(402);
    ic.permissionSets = { ...saved.sets };

    const arn = await createSet('lz-many-groups');
    for (let i = 0; i < 100; i++) {
      ic.assignments.push({ accountId: second, permissionSetArn: arn, principalType: 'GROUP', principalId: `0123456789-00000000-0000-0000-0000-${String(i).padStart(12, '0')}` });
    }
    expect(await failure(() => call(new CreateAccountAssignmentCommand(assign(arn, second, groupId('Developers')))))).toBeInstanceOf(ServiceQuotaExceededException);
    // A user is not a group: the group quota leaves it alone.
    expect((await call(new CreateAccountAssignmentCommand(assign(arn, second, userId('bob'), 'USER')))).AccountAssignmentCreationStatus.Status).toBe('IN_PROGRESS');
    sb.advanceTime(DELAY);
    await call(new ListInstancesCommand({}));
    ic.assignments = saved.assignments;
    for (const key of Object.keys(ic.provisioned)) if (!saved.provisioned[key]) delete ic.provisioned[key];

    const other = await createSet('lz-251');
    for (let i = 0; i < 250; i++) ic.provisioned[`${second}|filler-${i}`] = { accountId: second, permissionSetArn: `filler-${i}`, roleName: `filler-${i}`, version: 1 };
    const provisioned = await failure(() => call(new ProvisionPermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: other, TargetType: 'AWS_ACCOUNT', TargetId: second })));
    expect(provisioned).toBeInstanceOf(ServiceQuotaExceededException);
    ic.provisioned = saved.provisioned;
  });

  it('fails provisioning past IAM\'s default of 10 managed policies per role, though the permission set holds 20', async () => {
    const arn = await createSet('lz-eleven');
    const ps = { InstanceArn: instanceArn, PermissionSetArn: arn };
    for (let i = 0; i < 11; i++) await call(new AttachManagedPolicyToPermissionSetCommand({ ...ps, ManagedPolicyArn: `arn:aws:iam::aws:policy/P${i}` }));
    const req = (await call(new ProvisionPermissionSetCommand({ ...ps, TargetType: 'AWS_ACCOUNT', TargetId: member }))).PermissionSetProvisioningStatus;
    sb.advanceTime(DELAY);
    const out = (await call(new DescribePermissionSetProvisioningStatusCommand({ InstanceArn: instanceArn, ProvisionPermissionSetRequestId: req.RequestId }))).PermissionSetProvisioningStatus;
    expect(out.Status).toBe('FAILED');
    expect(out.FailureReason).toContain('PoliciesPerRole: 10');
    expect(rolesOf(member).some((r) => r.roleName.startsWith('AWSReservedSSO_lz-eleven_'))).toBe(false);
  });
});

describe('SSO Admin: the state file', () => {
  it('keeps the instance, its permission sets and its directory across a restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lz-sso-')), 'state.json');
    const first = await startSandbox({ stateFile: file, delays: { createAccount: 100, rolePropagation: 0, identityCenter: DELAY, ...NO_SETTLING } });
    const config = { endpoint: first.endpoint, region: 'us-east-1', credentials: first.managementCredentials, maxAttempts: 1 };
    const orgs = new OrganizationsClient(config);
    await orgs.send(new CreateOrganizationCommand({}));
    orgs.destroy();
    let client = new SSOAdminClient(config);
    const arn = (await client.send(new ListInstancesCommand({}))).Instances![0]!.InstanceArn!;
    const set = (await client.send(new CreatePermissionSetCommand({ InstanceArn: arn, Name: 'lz-kept' }))).PermissionSet!.PermissionSetArn!;
    client.destroy();
    await first.close();

    const second = await startSandbox({ stateFile: file });
    client = new SSOAdminClient({ ...config, endpoint: second.endpoint });
    expect((await client.send(new ListInstancesCommand({}))).Instances![0]!.InstanceArn).toBe(arn);
    expect((await client.send(new DescribePermissionSetCommand({ InstanceArn: arn, PermissionSetArn: set }))).PermissionSet!.Name).toBe('lz-kept');
    client.destroy();
    expect(Object.values(second.state.identityCenter!.directory.users).map((u) => u.UserName)).toEqual(['alice', 'bob', 'carol']);
    await second.close();
  });
});
