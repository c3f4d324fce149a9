import { CloudTrailClient, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetRoleCommand,
  ListRolesCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UntagUserCommand,
} from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  DescribeCreateAccountStatusCommand,
  LeaveOrganizationCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRootCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NO_SETTLING, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { evaluate } from '../../src/sandbox/policy/evaluate.js';
import type { PolicyRequest } from '../../src/sandbox/policy/evaluate.js';
import { ADMINISTRATOR_ACCESS_ARN, createRole } from '../../src/sandbox/services/iam/index.js';
import type { OrganizationRecord, PolicyRecord } from '../../src/sandbox/services/organizations/state.js';
import { assume, clientConfig, failure, iamClient, stsClient, type Creds } from './clients.js';

// ---- the engine ---------------------------------------------------------------------------------------------

const doc = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const request = (action: string, resource = '*', keys: Record<string, string | string[]> = {}): PolicyRequest => ({
  action,
  resource,
  context: new Map(Object.entries(keys).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]])),
});
const allowIf = (condition: object) => doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: condition });

describe('the policy engine', () => {
  const cases: [string, string, PolicyRequest, 'Allow' | 'Deny' | 'None'][] = [
    ['an action wildcard matches case-insensitively', doc({ Effect: 'Allow', Action: 'IAM:list*', Resource: '*' }), request('iam:ListRoles'), 'Allow'],
    ['? matches exactly one character', doc({ Effect: 'Allow', Action: 'iam:Get?ser', Resource: '*' }), request('iam:GetUser'), 'Allow'],
    ['? does not match two', doc({ Effect: 'Allow', Action: 'iam:Get?ser', Resource: '*' }), request('iam:GetUUser'), 'None'],
    ['another service is not matched', doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }), request('sts:AssumeRole'), 'None'],
    ['NotAction allows what it does not name', doc({ Effect: 'Allow', NotAction: ['iam:*'], Resource: '*' }), request('s3:GetObject'), 'Allow'],
    ['NotAction leaves out what it names', doc({ Effect: 'Allow', NotAction: ['iam:*'], Resource: '*' }), request('iam:ListRoles'), 'None'],
    ['a resource wildcard spans path separators', doc({ Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::logs/*' }), request('s3:PutObject', 'arn:aws:s3:::logs/a/b.json'), 'Deny'],
    ['resources compare case-sensitively', doc({ Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::Logs' }), request('s3:PutObject', 'arn:aws:s3:::logs'), 'None'],
    ['NotResource applies to every other resource', doc({ Effect: 'Deny', Action: '*', NotResource: 'arn:aws:iam::*:root' }), request('iam:GetUser', 'arn:aws:iam::111122223333:user/u'), 'Deny'],
    ['NotResource spares the named one', doc({ Effect: 'Deny', Action: '*', NotResource: 'arn:aws:iam::*:root' }), request('iam:GetUser', 'arn:aws:iam::111122223333:root'), 'None'],
    ['a policy variable resolves from the request', doc({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:iam::*:user/${aws:username}' }), request('iam:ChangePassword', 'arn:aws:iam::1:user/ann', { 'aws:username': 'ann' }), 'Allow'],
    ['StringEquals: one of the values (OR)', allowIf({ StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } }), request('x:Y', '*', { 'aws:RequestedRegion': 'us-east-1' }), 'Allow'],
    ['StringEquals is case-sensitive', allowIf({ StringEquals: { 'aws:RequestedRegion': 'US-EAST-1' } }), request('x:Y', '*', { 'aws:RequestedRegion': 'us-east-1' }), 'None'],
    ['condition keys are case-insensitive', allowIf({ StringEquals: { 'AWS:REQUESTEDREGION': 'us-east-1' } }), request('x:Y', '*', { 'aws:RequestedRegion': 'us-east-1' }), 'Allow'],
    ['StringEqualsIgnoreCase', allowIf({ StringEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'OPS' } }), request('x:Y', '*', { 'aws:PrincipalTag/team': 'ops' }), 'Allow'],
    ['StringNotEquals matches another value', allowIf({ StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } }), request('x:Y', '*', { 'aws:RequestedRegion': 'eu-west-1' }), 'Allow'],
    ['StringNotEquals: none of the values', allowIf({ StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } }), request('x:Y', '*', { 'aws:RequestedRegion': 'us-east-1' }), 'None'],
    ['StringNotEqualsIgnoreCase', allowIf({ StringNotEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'OPS' } }), request('x:Y', '*', { 'aws:PrincipalTag/team': 'ops' }), 'None'],
    ['StringLike with * and ?', allowIf({ StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/lz-?ccess' } }), request('x:Y', '*', { 'aws:PrincipalArn': 'arn:aws:iam::1:role/lz-access' }), 'Allow'],
    ['StringNotLike', allowIf({ StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/lz-*' } }), request('x:Y', '*', { 'aws:PrincipalArn': 'arn:aws:iam::1:role/lz-access' }), 'None'],
    ['ArnLike matches part by part', allowIf({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } }), request('x:Y', '*', { 'aws:PrincipalArn': 'arn:aws:iam::1:role/a/b' }), 'Allow'],
    ['ArnLike: a wildcard stays within its part', allowIf({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:*:role/x' } }), request('x:Y', '*', { 'aws:PrincipalArn': 'arn:aws:iam::1:role/x' }), 'None'],
    ['ArnEquals', allowIf({ ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::1:root' } }), request('x:Y', '*', { 'aws:PrincipalArn': 'arn:aws:iam::1:root' }), 'Allow'],
    ['ArnNotEquals', allowIf({ ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::1:root' } }), request('x:Y', '*', { 'aws:PrincipalArn': 'arn:aws:iam::1:root' }), 'None'],
    ['ArnNotLike', allowIf({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/admin' } }), request('x:Y', '*', { 'aws:PrincipalArn': 'arn:aws:iam::1:role/dev' }), 'Allow'],
    ['Bool', allowIf({ Bool: { 'aws:PrincipalIsAWSService': 'false' } }), request('x:Y', '*', { 'aws:PrincipalIsAWSService': 'false' }), 'Allow'],
    ['Null true: the key is absent', allowIf({ Null: { 'aws:PrincipalTag/team': 'true' } }), request('x:Y'), 'Allow'],
    ['Null false: the key is present', allowIf({ Null: { 'aws:PrincipalTag/team': 'false' } }), request('x:Y'), 'None'],
    ['a missing key makes a positive operator false', allowIf({ StringEquals: { 'aws:PrincipalOrgID': 'o-1' } }), request('x:Y'), 'None'],
    ['a missing key makes a negated operator true', allowIf({ StringNotEquals: { 'aws:PrincipalOrgID': 'o-1' } }), request('x:Y'), 'Allow'],
    ['a missing key makes ArnNotLike true', allowIf({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } }), request('x:Y'), 'Allow'],
    ['IfExists: a missing key is true', allowIf({ StringEqualsIfExists: { 'aws:PrincipalTag/team': 'ops' } }), request('x:Y'), 'Allow'],
    ['IfExists: a present key is tested', allowIf({ StringEqualsIfExists: { 'aws:PrincipalTag/team': 'ops' } }), request('x:Y', '*', { 'aws:PrincipalTag/team': 'dev' }), 'None'],
    ['ForAnyValue: one value matches', allowIf({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }), request('x:Y', '*', { 'aws:TagKeys': ['z', 'b'] }), 'Allow'],
    ['ForAnyValue: a missing key is false', allowIf({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } }), request('x:Y'), 'None'],
    ['ForAllValues: every value must match', allowIf({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }), request('x:Y', '*', { 'aws:TagKeys': ['a', 'z'] }), 'None'],
    ['ForAllValues: a missing key is true', allowIf({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } }), request('x:Y'), 'Allow'],
    ['ForAllValues with a negated operator', allowIf({ 'ForAllValues:StringNotLike': { 'aws:TagKeys': ['aws:*'] } }), request('x:Y', '*', { 'aws:TagKeys': ['a', 'b'] }), 'Allow'],
    [
      'several keys are AND-ed',
      allowIf({ StringEquals: { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalAccount': '111122223333' } }),
      request('x:Y', '*', { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalAccount': '444455556666' }),
      'None',
    ],
    [
      'several operators are AND-ed',
      allowIf({ StringEquals: { 'aws:RequestedRegion': 'us-east-1' }, StringLike: { 'aws:PrincipalArn': '*:root' } }),
      request('x:Y', '*', { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalArn': 'arn:aws:iam::1:user/u' }),
      'None',
    ],
    ['an unknown operator never matches', allowIf({ StringFancy: { 'aws:RequestedRegion': 'us-east-1' } }), request('x:Y', '*', { 'aws:RequestedRegion': 'us-east-1' }), 'None'],
    ['a document that is not a policy grants nothing', '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Maybe"}]}', request('x:Y'), 'None'],
  ];
  it.each(cases)('%s', (_name, content, req, expected) => {
    expect(evaluate([{ content }], req).effect).toBe(expected);
  });

  it('lets an explicit Deny win over an Allow, whatever their order', () => {
    const allow = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
    const deny = doc({ Effect: 'Deny', Action: 'iam:Delete*', Resource: '*' });
    expect(evaluate([{ content: allow }, { content: deny, arn: 'arn:deny' }], request('iam:DeleteRole'))).toEqual({ effect: 'Deny', by: { content: deny, arn: 'arn:deny' } });
    expect(evaluate([{ content: deny }, { content: allow }], request('iam:DeleteRole')).effect).toBe('Deny');
  });
});

// ---- through the SDK ----------------------------------------------------------------------------------------

const FULL_ACCESS = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';

describe('service control and identity-based policies in the request path', () => {
  let sb: SandboxHandle;
  let org: OrganizationRecord;
  let member: string;
  let ouId: string;
  let accessRole: string;
  let roleCreds: Creds;

  const orgs = (creds?: Creds) => new OrganizationsClient(clientConfig(sb, creds));

  function scp(id: string, statement: object, targets: string[]): PolicyRecord {
    return {
      id,
      arn: `arn:aws:organizations::${sb.managementAccountId}:policy/${org.id}/service_control_policy/${id}`,
      name: id,
      description: '',
      type: 'SERVICE_CONTROL_POLICY',
      awsManaged: false,
      content: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }),
      targets,
    };
  }

  beforeAll(async () => {
    sb = await startSandbox({ delays: { ...NO_SETTLING, createAccount: 10, rolePropagation: 10 } });
    const o = orgs();
    await o.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    org = sb.state.organization!;
    ouId = (await o.send(new CreateOrganizationalUnitCommand({ ParentId: org.rootId, Name: 'Workloads' }))).OrganizationalUnit!.Id!;
    const req = (await o.send(new CreateAccountCommand({ AccountName: 'Prod', Email: 'prod@example.com' }))).CreateAccountStatus!.Id!;
    sb.advanceTime(1000);
    o.config.systemClockOffset += 1000;
    member = (await o.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req }))).CreateAccountStatus!.AccountId!;
    await o.send(new MoveAccountCommand({ AccountId: member, SourceParentId: org.rootId, DestinationParentId: ouId }));
    o.destroy();
    accessRole = `arn:aws:iam::${member}:role/OrganizationAccountAccessRole`;
  });

  beforeEach(async () => {
    // SCPs on, with AWS's FullAWSAccess on every level, as Organizations leaves them when the type is enabled.
    org.policyTypes = { SERVICE_CONTROL_POLICY: 'ENABLED' };
    org.policies = { 'p-FullAWSAccess': { ...scp('p-FullAWSAccess', { Effect: 'Allow', Action: '*', Resource: '*' }, [org.rootId, ouId, member]), awsManaged: true, content: FULL_ACCESS } };
    roleCreds = await assume(sb, accessRole);
  });

  afterAll(async () => {
    await sb.close();
  });

  it("refuses a member account's access role what an SCP denies, with AWS's message, and the account stays", async () => {
    const deny = scp('p-denyleave', { Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }, [org.rootId]);
    org.policies!['p-denyleave'] = deny;
    const e = await failure(() => orgs(roleCreds).send(new LeaveOrganizationCommand({})));
    expect(e.name).toBe('AccessDeniedException');
    expect(e.$metadata?.httpStatusCode).toBe(403);
    expect(e.message).toBe(
      `User: arn:aws:sts::${member}:assumed-role/OrganizationAccountAccessRole/test is not authorized to perform: organizations:LeaveOrganization with an explicit deny in a service control policy: ${deny.arn}`,
    );
    expect(org.members[member]).toBeDefined();
    // Without the SCP, LeaveOrganization reaches Organizations, which refuses a created account on its own.
    delete org.policies!['p-denyleave'];
    const own = await failure(() => orgs(roleCreds).send(new LeaveOrganizationCommand({})));
    expect(own.name).toBe('ConstraintViolationException');
    expect((own as Error & { Reason?: string }).Reason).toBe('ACCOUNT_CANNOT_LEAVE_WITHOUT_PHONE_VERIFICATION');
    const management = await failure(() => orgs().send(new LeaveOrganizationCommand({})));
    expect(management.name).toBe('MasterCannotLeaveOrganizationException');
  });

  it('leaves the management account unaffected, even by a Deny on the root', async () => {
    org.policies!['p-denyall'] = scp('p-denyall', { Effect: 'Deny', Action: '*', Resource: '*' }, [org.rootId]);
    const iam = iamClient(sb);
    await iam.send(new CreateUserCommand({ UserName: 'still-allowed' }));
    const e = await failure(() => iamClient(sb, roleCreds).send(new ListRolesCommand({})));
    expect(e.message).toContain('with an explicit deny in a service control policy');
    // GetCallerIdentity is never denied.
    const who = await stsClient(sb, roleCreds).send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(member);
  });

  it('denies outside the allowed Regions by aws:RequestedRegion, global services exempted by NotAction', async () => {
    org.policies!['p-regions'] = scp(
      'p-regions',
      { Effect: 'Deny', NotAction: ['iam:*', 'organizations:*', 'sts:*'], Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } } },
      [org.rootId],
    );
    const trails = (region: string) => new CloudTrailClient({ ...clientConfig(sb, roleCreds), region });
    await trails('eu-west-1').send(new DescribeTrailsCommand({}));
    const e = await failure(() => trails('ap-southeast-2').send(new DescribeTrailsCommand({})));
    expect(e.name).toBe('AccessDeniedException');
    expect(e.message).toContain('is not authorized to perform: cloudtrail:DescribeTrails with an explicit deny in a service control policy');
    await iamClient(sb, roleCreds).send(new ListRolesCommand({}));
  });

  it('exempts the principal an SCP names by aws:PrincipalArn (the role, not its session)', async () => {
    createRole(sb.state.accounts[member]!, sb.runtime, { roleName: 'Other', trustAccountId: sb.managementAccountId, attachedPolicies: [ADMINISTRATOR_ACCESS_ARN] });
    org.policies!['p-protect'] = scp(
      'p-protect',
      {
        Effect: 'Deny',
        Action: ['iam:PutRolePolicy', 'iam:DeleteRole'],
        Resource: 'arn:aws:iam::*:role/OrganizationAccountAccessRole',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/OrganizationAccountAccessRole' } },
      },
      [org.rootId],
    );
    const put = new PutRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyName: 'extra', PolicyDocument: FULL_ACCESS });
    const other = await assume(sb, `arn:aws:iam::${member}:role/Other`);
    const e = await failure(() => iamClient(sb, other).send(put));
    expect(e.name).toBe('AccessDenied');
    expect(e.message).toBe(
      `User: arn:aws:sts::${member}:assumed-role/Other/test is not authorized to perform: iam:PutRolePolicy on resource: ${accessRole} with an explicit deny in a service control policy: ${org.policies!['p-protect']!.arn}`,
    );
    await iamClient(sb, roleCreds).send(put);
    expect(sb.state.accounts[member]!.iam.roles.OrganizationAccountAccessRole!.inlinePolicies.extra).toBeDefined();
  });

  it('denies implicitly when a level between the root and the account has no Allow', async () => {
    org.policies!['p-FullAWSAccess']!.targets = [org.rootId, member];
    const e = await failure(() => iamClient(sb, roleCreds).send(new ListRolesCommand({})));
    expect(e.message).toBe(
      `User: arn:aws:sts::${member}:assumed-role/OrganizationAccountAccessRole/test is not authorized to perform: iam:ListRoles because no service control policy allows the iam:ListRoles action`,
    );
    // An Allow of the action alone on that level is enough.
    org.policies!['p-iamonly'] = scp('p-iamonly', { Effect: 'Allow', Action: 'iam:List*', Resource: '*' }, [ouId]);
    await iamClient(sb, roleCreds).send(new ListRolesCommand({}));
  });

  it('exempts service-linked roles', async () => {
    createRole(sb.state.accounts[member]!, sb.runtime, { roleName: 'AWSServiceRoleForX', path: '/aws-service-role/x.amazonaws.com/', trustAccountId: sb.managementAccountId, attachedPolicies: [ADMINISTRATOR_ACCESS_ARN] });
    org.policies!['p-denyall'] = scp('p-denyall', { Effect: 'Deny', Action: '*', Resource: '*' }, [org.rootId]);
    const slr = await assume(sb, `arn:aws:iam::${member}:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX`);
    await iamClient(sb, slr).send(new ListRolesCommand({}));
    await failure(() => iamClient(sb, roleCreds).send(new ListRolesCommand({})));
  });

  it("binds a member's root user too (an AssumeRoot session)", async () => {
    org.serviceAccess['iam.amazonaws.com'] = sb.runtime.now().toISOString();
    org.iamFeatures = ['RootSessions'];
    const out = await stsClient(sb).send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials' } }));
    const root: Creds = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    const { ListMFADevicesCommand } = await import('@aws-sdk/client-iam');
    await iamClient(sb, root).send(new ListMFADevicesCommand({}));
    org.policies!['p-denyroot'] = scp('p-denyroot', { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } } }, [org.rootId]);
    const e = await failure(() => iamClient(sb, root).send(new ListMFADevicesCommand({})));
    expect(e.message).toBe(`User: arn:aws:iam::${member}:root is not authorized to perform: iam:ListMFADevices with an explicit deny in a service control policy: ${org.policies!['p-denyroot']!.arn}`);
    // The access role is no root user: the same SCP leaves it alone.
    await iamClient(sb, roleCreds).send(new ListRolesCommand({}));
  });

  it("binds a member account's roles with RCPs, whoever assumes them, the management account included", async () => {
    org.policyTypes = { SERVICE_CONTROL_POLICY: 'ENABLED', RESOURCE_CONTROL_POLICY: 'ENABLED' };
    const rcpFull = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}';
    org.policies!['p-RCPFullAWSAccess'] = { ...scp('p-RCPFullAWSAccess', {}, [org.rootId, ouId, member]), type: 'RESOURCE_CONTROL_POLICY', awsManaged: true, content: rcpFull };
    await assume(sb, accessRole);
    const deny = {
      ...scp('p-rcpdeny', { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': member } } }, [ouId]),
      type: 'RESOURCE_CONTROL_POLICY' as const,
    };
    org.policies!['p-rcpdeny'] = deny;
    const e = await failure(() => assume(sb, accessRole));
    expect(e.name).toBe('AccessDenied');
    expect(e.message).toBe(
      `User: arn:aws:iam::${sb.managementAccountId}:user/lz-sandbox-admin is not authorized to perform: sts:AssumeRole on resource: ${accessRole} with an explicit deny in a resource control policy: ${deny.arn}`,
    );
    delete org.policies!['p-rcpdeny'];
    org.policies!['p-RCPFullAWSAccess']!.targets = [org.rootId, member];
    const implicit = await failure(() => assume(sb, accessRole));
    expect(implicit.message).toContain('because no resource control policy allows the sts:AssumeRole action');
  });

  it("binds a member account's S3 buckets with RCPs, S3 quoting the resource as it does", async () => {
    org.policyTypes = { SERVICE_CONTROL_POLICY: 'ENABLED', RESOURCE_CONTROL_POLICY: 'ENABLED' };
    const rcpFull = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}';
    org.policies!['p-RCPFullAWSAccess'] = { ...scp('p-RCPFullAWSAccess', {}, [org.rootId, ouId, member]), type: 'RESOURCE_CONTROL_POLICY', awsManaged: true, content: rcpFull };
    const s3 = new S3Client({ ...clientConfig(sb, roleCreds), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'member-logs-rcp' }));
    const deny = { ...scp('p-rcps3', { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::member-logs-rcp/*' }, [org.rootId]), type: 'RESOURCE_CONTROL_POLICY' as const };
    org.policies!['p-rcps3'] = deny;
    const e = await failure(() => s3.send(new PutObjectCommand({ Bucket: 'member-logs-rcp', Key: 'a.txt', Body: 'x' })));
    expect(e.name).toBe('AccessDenied');
    expect(e.$metadata?.httpStatusCode).toBe(403);
    expect(e.message).toBe(
      `User: arn:aws:sts::${member}:assumed-role/OrganizationAccountAccessRole/test is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::member-logs-rcp/a.txt" with an explicit deny in a resource control policy: ${deny.arn}`,
    );
    // What the RCP does not deny goes through.
    await s3.send(new HeadBucketCommand({ Bucket: 'member-logs-rcp' }));
    s3.destroy();
  });

  it('needs an identity-based Allow: a user with only ReadOnlyAccess reads but does not write', async () => {
    const iam = iamClient(sb);
    await iam.send(new CreateUserCommand({ UserName: 'reader' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'reader', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey!;
    const reader = iamClient(sb, { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
    await reader.send(new ListUsersCommand({}));
    const e = await failure(() => reader.send(new CreateUserCommand({ UserName: 'sneaky' })));
    const arn = `arn:aws:iam::${sb.managementAccountId}:user/reader`;
    expect(e.name).toBe('AccessDenied');
    expect(e.$metadata?.httpStatusCode).toBe(403);
    expect(e.message).toBe(`User: ${arn} is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${sb.managementAccountId}:user/sneaky because no identity-based policy allows the iam:CreateUser action`);
    expect(sb.state.accounts[sb.managementAccountId]!.iam.users.sneaky).toBeUndefined();
    // An explicit Deny in an inline policy wins over ReadOnlyAccess's Allow.
    await iam.send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'no-listing', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:ListUsers', Resource: '*' }] }) }));
    const d = await failure(() => reader.send(new ListUsersCommand({})));
    expect(d.message).toBe(`User: ${arn} is not authorized to perform: iam:ListUsers with an explicit deny in an identity-based policy`);
  });

  it("reads the caller's IAM tags as aws:PrincipalTag and a named role's as aws:ResourceTag", async () => {
    const iam = iamClient(sb);
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: sb.managementAccountId }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'ops-role', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'ops' }] }));
    await iam.send(new CreateRoleCommand({ RoleName: 'dev-role', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'dev' }] }));
    await iam.send(new CreateUserCommand({ UserName: 'opsy', Tags: [{ Key: 'Team', Value: 'ops' }] }));
    const condition = { StringEquals: { 'aws:ResourceTag/team': 'ops', 'aws:PrincipalTag/team': 'ops' } };
    await iam.send(new PutUserPolicyCommand({ UserName: 'opsy', PolicyName: 'own-team', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*', Condition: condition }] }) }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'opsy' }))).AccessKey!;
    const opsy = iamClient(sb, { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
    await opsy.send(new GetRoleCommand({ RoleName: 'ops-role' }));
    const other = await failure(() => opsy.send(new GetRoleCommand({ RoleName: 'dev-role' })));
    expect(other.message).toBe(
      `User: arn:aws:iam::${sb.managementAccountId}:user/opsy is not authorized to perform: iam:GetRole on resource: arn:aws:iam::${sb.managementAccountId}:role/dev-role because no identity-based policy allows the iam:GetRole action`,
    );
    await iam.send(new UntagUserCommand({ UserName: 'opsy', TagKeys: ['Team'] }));
    await failure(() => opsy.send(new GetRoleCommand({ RoleName: 'ops-role' })));
  });
});
