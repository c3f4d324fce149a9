import {
  AWSOrganizationsNotInUseException,
  AccessDeniedException,
  AccountNotFoundException,
  AlreadyInOrganizationException,
  ChildNotFoundException,
  ConstraintViolationException,
  CreateAccountCommand,
  CreateAccountStatusNotFoundException,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  DescribeOrganizationalUnitCommand,
  DestinationParentNotFoundException,
  DisableAWSServiceAccessCommand,
  DuplicateAccountException,
  DuplicateOrganizationalUnitException,
  EnableAWSServiceAccessCommand,
  InvalidInputException,
  ListAWSServiceAccessForOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  ListCreateAccountStatusCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  OrganizationalUnitNotFoundException,
  OrganizationsClient,
  ParentNotFoundException,
  SourceParentNotFoundException,
  TagResourceCommand,
  TargetNotFoundException,
  UntagResourceCommand,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListChildren,
  paginateListCreateAccountStatus,
  paginateListOrganizationalUnitsForParent,
  type Account,
  type CreateAccountStatus,
} from '@aws-sdk/client-organizations';
import { GetRoleCommand, GetRolePolicyCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_SETTLING, startSandbox, ADMIN_USER_NAME, type SandboxHandle, type SandboxOptions } from '../../src/sandbox/index.js';
import { createAccessKey } from '../../src/sandbox/services/iam/index.js';
import { assume, clientConfig, failure, iamClient, stsClient, type Creds } from './clients.js';

const DELAY = 200;
const sandboxes: SandboxHandle[] = [];

async function sandbox(options: Partial<SandboxOptions> = {}): Promise<SandboxHandle> {
  const sb = await startSandbox({ port: 0, delays: { createAccount: DELAY, rolePropagation: DELAY, ...NO_SETTLING }, accountLimit: 50, ...options });
  sandboxes.push(sb);
  return sb;
}

afterEach(async () => {
  while (sandboxes.length > 0) await sandboxes.pop()!.close();
});

const orgClient = (sb: SandboxHandle, credentials?: Creds) => new OrganizationsClient(clientConfig(sb, credentials));

/** A sandbox with an organization, and the management account's client. */
async function withOrganization(options: Partial<SandboxOptions> = {}) {
  const sb = await sandbox(options);
  const org = orgClient(sb);
  const created = await org.send(new CreateOrganizationCommand({}));
  const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  return { sb, org, organization: created.Organization!, rootId };
}

/** Creates an account and moves the sandbox clock past its completion; returns the final status. */
async function createAccount(sb: SandboxHandle, org: OrganizationsClient, name: string, extra: Record<string, unknown> = {}): Promise<CreateAccountStatus> {
  const started = await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name.toLowerCase()}@example.com`, ...extra }));
  sb.advanceTime(DELAY);
  const status = await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id! }));
  return status.CreateAccountStatus!;
}

async function allAccounts(org: OrganizationsClient, parentId?: string): Promise<{ accounts: Account[]; pages: number }> {
  const accounts: Account[] = [];
  let pages = 0;
  const pager = parentId ? paginateListAccountsForParent({ client: org }, { ParentId: parentId }) : paginateListAccounts({ client: org }, {});
  for await (const page of pager) {
    pages++;
    accounts.push(...(page.Accounts ?? []));
  }
  return { accounts, pages };
}

/** Credentials for the new account's access role, through STS from the management account. */
const roleArn = (accountId: string, role = 'OrganizationAccountAccessRole') => `arn:aws:iam::${accountId}:role/${role}`;

describe('organization', () => {
  it('answers AWSOrganizationsNotInUseException before CreateOrganization, then creates one owned by the caller', async () => {
    const sb = await sandbox();
    const org = orgClient(sb);
    expect(await failure(() => org.send(new DescribeOrganizationCommand({})))).toBeInstanceOf(AWSOrganizationsNotInUseException);
    expect(await failure(() => org.send(new ListAccountsCommand({})))).toBeInstanceOf(AWSOrganizationsNotInUseException);

    const created = (await org.send(new CreateOrganizationCommand({}))).Organization!;
    expect(created.Id).toMatch(/^o-[a-z0-9]{10}$/);
    expect(created.FeatureSet).toBe('ALL');
    expect(created.MasterAccountId).toBe(sb.managementAccountId);
    expect(created.Arn).toBe(`arn:aws:organizations::${sb.managementAccountId}:organization/${created.Id}`);

    const described = (await org.send(new DescribeOrganizationCommand({}))).Organization!;
    expect(described).toMatchObject({ Id: created.Id, MasterAccountId: sb.managementAccountId, MasterAccountEmail: 'management@sandbox.lz.local' });

    const roots = (await org.send(new ListRootsCommand({}))).Roots!;
    expect(roots).toHaveLength(1);
    expect(roots[0]!.Id).toMatch(/^r-[a-z0-9]{4}$/);
    expect(roots[0]!.Arn).toBe(`arn:aws:organizations::${sb.managementAccountId}:root/${created.Id}/${roots[0]!.Id}`);

    const accounts = (await org.send(new ListAccountsCommand({}))).Accounts!;
    expect(accounts.map((a) => a.Id)).toEqual([sb.managementAccountId]);
    expect(accounts[0]).toMatchObject({ Status: 'ACTIVE', JoinedMethod: 'INVITED' });
    expect(accounts[0]!.JoinedTimestamp).toBeInstanceOf(Date);

    expect(await failure(() => org.send(new CreateOrganizationCommand({})))).toBeInstanceOf(AlreadyInOrganizationException);
  });

  it('keeps FeatureSet CONSOLIDATED_BILLING when asked', async () => {
    const sb = await sandbox();
    const org = orgClient(sb);
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'CONSOLIDATED_BILLING' }));
    expect((await org.send(new DescribeOrganizationCommand({}))).Organization!.FeatureSet).toBe('CONSOLIDATED_BILLING');
  });
});

describe('organizational units', () => {
  it('creates nested OUs, refuses duplicates and unknown parents, and lists them across pages', async () => {
    const { org, rootId, organization } = await withOrganization();
    const workloads = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' }))).OrganizationalUnit!;
    expect(workloads.Id).toMatch(new RegExp(`^ou-${rootId.slice(2)}-[a-z0-9]{8}$`));
    expect(workloads.Arn).toBe(`arn:aws:organizations::${organization.MasterAccountId}:ou/${organization.Id}/${workloads.Id}`);

    const prod = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: workloads.Id!, Name: 'Prod' }))).OrganizationalUnit!;
    expect((await org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: prod.Id! }))).OrganizationalUnit).toMatchObject({
      Id: prod.Id,
      Name: 'Prod',
      Path: `${organization.Id}/${rootId}/${workloads.Id}/${prod.Id}/`,
    });
    expect((await org.send(new ListParentsCommand({ ChildId: prod.Id! }))).Parents).toEqual([{ Id: workloads.Id, Type: 'ORGANIZATIONAL_UNIT' }]);
    expect((await org.send(new ListParentsCommand({ ChildId: workloads.Id! }))).Parents).toEqual([{ Id: rootId, Type: 'ROOT' }]);

    expect(await failure(() => org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' })))).toBeInstanceOf(
      DuplicateOrganizationalUnitException,
    );
    // The same name under another parent is fine.
    await org.send(new CreateOrganizationalUnitCommand({ ParentId: workloads.Id!, Name: 'Workloads' }));
    const missing = `ou-${rootId.slice(2)}-zzzzzzzz`;
    expect(await failure(() => org.send(new CreateOrganizationalUnitCommand({ ParentId: missing, Name: 'X' })))).toBeInstanceOf(ParentNotFoundException);
    expect(await failure(() => org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: missing })))).toBeInstanceOf(
      OrganizationalUnitNotFoundException,
    );
    expect(await failure(() => org.send(new ListParentsCommand({ ChildId: missing })))).toBeInstanceOf(ChildNotFoundException);
    expect(await failure(() => org.send(new CreateOrganizationalUnitCommand({ ParentId: 'not-an-id', Name: 'X' })))).toBeInstanceOf(InvalidInputException);

    const names = ['A', 'B', 'C', 'D', 'E', 'F'];
    for (const name of names) await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: name }));
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListOrganizationalUnitsForParent({ client: org }, { ParentId: rootId })) {
      pages++;
      seen.push(...page.OrganizationalUnits!.map((u) => u.Name!));
    }
    expect(pages).toBeGreaterThan(1);
    expect(seen.sort()).toEqual(['Workloads', ...names].sort());

    const children: string[] = [];
    for await (const page of paginateListChildren({ client: org }, { ParentId: rootId, ChildType: 'ORGANIZATIONAL_UNIT' })) {
      children.push(...page.Children!.map((c) => c.Id!));
    }
    expect(children).toHaveLength(7);
    expect(children).toContain(workloads.Id);
    const first = await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: rootId, MaxResults: 2 }));
    expect(first.OrganizationalUnits).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
  });

  it('refuses MaxResults over 20 and a NextToken it did not issue', async () => {
    const { org, rootId } = await withOrganization();
    expect(await failure(() => org.send(new ListAccountsCommand({ MaxResults: 21 })))).toBeInstanceOf(InvalidInputException);
    expect(await failure(() => org.send(new ListChildrenCommand({ ParentId: rootId, ChildType: 'ACCOUNT', NextToken: 'bogus' })))).toBeInstanceOf(
      InvalidInputException,
    );
  });
});

describe('CreateAccount', () => {
  it('stays IN_PROGRESS for the configured delay, then SUCCEEDED: the account joined the root with its tags', async () => {
    const { sb, org, rootId, organization } = await withOrganization();
    const started = Date.now();
    const request = (
      await org.send(
        new CreateAccountCommand({ AccountName: 'Development', Email: 'dev@example.com', Tags: [{ Key: 'team', Value: 'core' }], IamUserAccessToBilling: 'DENY' }),
      )
    ).CreateAccountStatus!;
    expect(request.Id).toMatch(/^car-[a-f0-9]{32}$/);
    expect(request.State).toBe('IN_PROGRESS');
    expect(request.AccountId).toBeUndefined();
    expect((await org.send(new ListAccountsCommand({}))).Accounts!.map((a) => a.Name)).toEqual(['Management']);

    let status: CreateAccountStatus;
    for (;;) {
      status = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: request.Id! }))).CreateAccountStatus!;
      if (status.State !== 'IN_PROGRESS') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(DELAY - 5);
    expect(status.State).toBe('SUCCEEDED');
    expect(status.AccountId).toMatch(/^\d{12}$/);
    expect(status.CompletedTimestamp).toBeInstanceOf(Date);
    const id = status.AccountId!;

    const account = (await org.send(new DescribeAccountCommand({ AccountId: id }))).Account!;
    expect(account).toMatchObject({
      Id: id,
      Name: 'Development',
      Email: 'dev@example.com',
      Status: 'ACTIVE',
      JoinedMethod: 'CREATED',
      Arn: `arn:aws:organizations::${sb.managementAccountId}:account/${organization.Id}/${id}`,
    });
    expect((await org.send(new ListParentsCommand({ ChildId: id }))).Parents).toEqual([{ Id: rootId, Type: 'ROOT' }]);
    expect((await org.send(new ListTagsForResourceCommand({ ResourceId: id }))).Tags).toEqual([{ Key: 'team', Value: 'core' }]);
    const children = (await org.send(new ListChildrenCommand({ ParentId: rootId, ChildType: 'ACCOUNT' }))).Children!;
    expect(children.map((c) => c.Id)).toContain(id);
    expect(sb.state.accounts[id]!.iamUserAccessToBilling).toBe('DENY');
  });

  it('makes the account visible to a read that comes after completion, without polling the request', async () => {
    const { sb, org } = await withOrganization();
    await org.send(new CreateAccountCommand({ AccountName: 'Quiet', Email: 'quiet@example.com' }));
    expect((await org.send(new ListAccountsCommand({}))).Accounts).toHaveLength(1);
    sb.advanceTime(DELAY);
    const names = (await org.send(new ListAccountsCommand({}))).Accounts!.map((a) => a.Name);
    expect(names).toEqual(['Management', 'Quiet']);
  });

  it('fails with EMAIL_ALREADY_EXISTS for an email taken by any account or an in-flight request, whatever its case', async () => {
    const { sb, org } = await withOrganization();
    sb.addStandaloneAccount({ name: 'Outside', email: 'outside@example.com' });
    const first = (await org.send(new CreateAccountCommand({ AccountName: 'One', Email: 'one@example.com' }))).CreateAccountStatus!;
    const twin = (await org.send(new CreateAccountCommand({ AccountName: 'Twin', Email: 'ONE@example.com' }))).CreateAccountStatus!;
    const mgmt = (await org.send(new CreateAccountCommand({ AccountName: 'Mgmt', Email: 'Management@Sandbox.lz.local' }))).CreateAccountStatus!;
    const outside = (await org.send(new CreateAccountCommand({ AccountName: 'Out', Email: 'outside@example.com' }))).CreateAccountStatus!;
    expect(twin.State).toBe('IN_PROGRESS');
    sb.advanceTime(DELAY);
    const state = async (id: string) => (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: id }))).CreateAccountStatus!;
    expect((await state(first.Id!)).State).toBe('SUCCEEDED');
    for (const failed of [twin, mgmt, outside]) {
      const s = await state(failed.Id!);
      expect(s).toMatchObject({ State: 'FAILED', FailureReason: 'EMAIL_ALREADY_EXISTS' });
      expect(s.AccountId).toBeUndefined();
    }
    expect((await org.send(new ListAccountsCommand({}))).Accounts!.map((a) => a.Name).sort()).toEqual(['Management', 'One']);

    const failedOnly = (await org.send(new ListCreateAccountStatusCommand({ States: ['FAILED'] }))).CreateAccountStatuses!;
    expect(failedOnly.map((s) => s.AccountName).sort()).toEqual(['Mgmt', 'Out', 'Twin']);
    const succeeded = (await org.send(new ListCreateAccountStatusCommand({ States: ['SUCCEEDED'] }))).CreateAccountStatuses!;
    expect(succeeded.map((s) => s.AccountName)).toEqual(['One']);
  });

  it('fails with ACCOUNT_LIMIT_EXCEEDED past the organization account limit', async () => {
    const { sb, org } = await withOrganization({ accountLimit: 3 });
    const a = await org.send(new CreateAccountCommand({ AccountName: 'A', Email: 'a@example.com' }));
    const b = await org.send(new CreateAccountCommand({ AccountName: 'B', Email: 'b@example.com' }));
    const c = await org.send(new CreateAccountCommand({ AccountName: 'C', Email: 'c@example.com' }));
    sb.advanceTime(DELAY);
    const states = [];
    for (const r of [a, b, c]) {
      states.push((await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: r.CreateAccountStatus!.Id! }))).CreateAccountStatus!);
    }
    expect(states.map((s) => s.State)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'FAILED']);
    expect(states[2]!.FailureReason).toBe('ACCOUNT_LIMIT_EXCEEDED');
    expect((await org.send(new ListAccountsCommand({}))).Accounts).toHaveLength(3);
  });

  it('refuses a sixth request while five are in progress, and accepts it once they complete', async () => {
    const { sb, org } = await withOrganization();
    for (let i = 1; i <= 5; i++) await org.send(new CreateAccountCommand({ AccountName: `Batch${i}`, Email: `batch${i}@example.com` }));
    const refused = await failure(() => org.send(new CreateAccountCommand({ AccountName: 'Batch6', Email: 'batch6@example.com' })));
    expect(refused).toBeInstanceOf(ConstraintViolationException);
    expect((refused as ConstraintViolationException).Reason).toBe('ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED');
    const inProgress: CreateAccountStatus[] = [];
    for await (const page of paginateListCreateAccountStatus({ client: org }, { States: ['IN_PROGRESS'] })) inProgress.push(...page.CreateAccountStatuses!);
    expect(inProgress).toHaveLength(5);

    sb.advanceTime(DELAY);
    const sixth = (await org.send(new CreateAccountCommand({ AccountName: 'Batch6', Email: 'batch6@example.com' }))).CreateAccountStatus!;
    expect(sixth.State).toBe('IN_PROGRESS');
    sb.advanceTime(DELAY);
    const { accounts, pages } = await allAccounts(org);
    expect(accounts).toHaveLength(7);
    expect(pages).toBeGreaterThan(1);
  });

  it('validates the request as AWS does', async () => {
    const { org } = await withOrganization();
    const bad = [
      { AccountName: 'X', Email: 'not-an-email' },
      { AccountName: 'x'.repeat(51), Email: 'long@example.com' },
      { AccountName: 'X', Email: 'x@example.com', RoleName: 'bad role' },
    ];
    for (const input of bad) expect(await failure(() => org.send(new CreateAccountCommand(input)))).toBeInstanceOf(InvalidInputException);
    expect(
      await failure(() => org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: 'car-0123456789abcdef0123456789abcdef' }))),
    ).toBeInstanceOf(CreateAccountStatusNotFoundException);
    expect((await org.send(new ListCreateAccountStatusCommand({}))).CreateAccountStatuses).toEqual([]);
  });

  it('creates the access role, assumable through STS only after the propagation delay', async () => {
    const { sb, org } = await withOrganization();
    const status = await createAccount(sb, org, 'Sandbox');
    const id = status.AccountId!;
    const early = await failure(() => assume(sb, roleArn(id)));
    expect(early.name).toBe('AccessDenied');

    sb.advanceTime(DELAY);
    const creds = await assume(sb, roleArn(id));
    const sts = stsClient(sb, creds);
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(id);
    const iam = iamClient(sb, creds);
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }))).Role!;
    const trust = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!));
    expect(trust.Statement[0].Principal.AWS).toBe(`arn:aws:iam::${sb.managementAccountId}:root`);
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'OrganizationAccountAccessRole' }))).PolicyNames).toEqual(['AdministratorAccess']);
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyName: 'AdministratorAccess' }));
    expect(JSON.parse(decodeURIComponent(policy.PolicyDocument!)).Statement[0]).toMatchObject({ Effect: 'Allow', Action: '*', Resource: '*' });
  });

  it('settles a completed request when STS is the first to ask', async () => {
    const { sb, org } = await withOrganization();
    const started = (await org.send(new CreateAccountCommand({ AccountName: 'Direct', Email: 'direct@example.com', RoleName: 'Admin' }))).CreateAccountStatus!;
    sb.advanceTime(DELAY * 2);
    const id = Object.values(sb.state.organization!.createAccountRequests).find((r) => r.id === started.Id)!.accountId!;
    const creds = await assume(sb, roleArn(id, 'Admin'));
    expect((await stsClient(sb, creds).send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${id}:assumed-role/Admin/test`);
  });
});

describe('accounts', () => {
  it('moves accounts between parents and lists them per parent across pages', async () => {
    const { sb, org, rootId } = await withOrganization();
    const ou = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' }))).OrganizationalUnit!;
    const ids: string[] = [];
    for (const name of ['A1', 'A2', 'A3', 'A4', 'A5']) ids.push((await createAccount(sb, org, name)).AccountId!);
    for (const id of ids.slice(0, 3)) await org.send(new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: ou.Id! }));
    await org.send(new MoveAccountCommand({ AccountId: sb.managementAccountId, SourceParentId: rootId, DestinationParentId: ou.Id! }));

    const inOu = await allAccounts(org, ou.Id!);
    expect(inOu.accounts.map((a) => a.Id).sort()).toEqual([...ids.slice(0, 3), sb.managementAccountId].sort());
    const inRoot = await allAccounts(org, rootId);
    expect(inRoot.accounts.map((a) => a.Id).sort()).toEqual(ids.slice(3).sort());
    const all = await allAccounts(org);
    expect(all.accounts).toHaveLength(6);
    expect(all.pages).toBe(2);
    expect((await org.send(new ListParentsCommand({ ChildId: ids[0]! }))).Parents).toEqual([{ Id: ou.Id, Type: 'ORGANIZATIONAL_UNIT' }]);
    const page = await org.send(new ListAccountsForParentCommand({ ParentId: ou.Id!, MaxResults: 3 }));
    expect(page.Accounts).toHaveLength(3);
    expect(page.NextToken).toBeDefined();

    const move = (AccountId: string, SourceParentId: string, DestinationParentId: string) =>
      failure(() => org.send(new MoveAccountCommand({ AccountId, SourceParentId, DestinationParentId })));
    expect(await move(ids[0]!, ou.Id!, ou.Id!)).toBeInstanceOf(DuplicateAccountException);
    expect(await move(ids[0]!, rootId, ou.Id!)).toBeInstanceOf(DuplicateAccountException);
    expect(await move(ids[3]!, ou.Id!, rootId)).toBeInstanceOf(DuplicateAccountException);
    const missingOu = `ou-${rootId.slice(2)}-zzzzzzzz`;
    expect(await move(ids[3]!, missingOu, ou.Id!)).toBeInstanceOf(SourceParentNotFoundException);
    expect(await move(ids[3]!, rootId, missingOu)).toBeInstanceOf(DestinationParentNotFoundException);
    expect(await move('999999999999', rootId, ou.Id!)).toBeInstanceOf(AccountNotFoundException);
    expect(await failure(() => org.send(new DescribeAccountCommand({ AccountId: '999999999999' })))).toBeInstanceOf(AccountNotFoundException);
    // Nothing moved by the refused calls.
    expect((await allAccounts(org, rootId)).accounts.map((a) => a.Id).sort()).toEqual(ids.slice(3).sort());
  });

  it('tags accounts, OUs and the root', async () => {
    const { sb, org, rootId } = await withOrganization();
    const ou = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Teams', Tags: [{ Key: 'k', Value: 'v' }] }))).OrganizationalUnit!;
    const tags = async (ResourceId: string) => (await org.send(new ListTagsForResourceCommand({ ResourceId }))).Tags;
    expect(await tags(ou.Id!)).toEqual([{ Key: 'k', Value: 'v' }]);

    for (const id of [sb.managementAccountId, ou.Id!, rootId]) {
      await org.send(new TagResourceCommand({ ResourceId: id, Tags: [{ Key: 'env', Value: 'prod' }, { Key: 'k', Value: 'new' }] }));
    }
    expect(await tags(ou.Id!)).toEqual([{ Key: 'env', Value: 'prod' }, { Key: 'k', Value: 'new' }]);
    await org.send(new UntagResourceCommand({ ResourceId: sb.managementAccountId, TagKeys: ['k'] }));
    expect(await tags(sb.managementAccountId)).toEqual([{ Key: 'env', Value: 'prod' }]);
    expect(await tags(rootId)).toHaveLength(2);

    expect(await failure(() => org.send(new ListTagsForResourceCommand({ ResourceId: '999999999999' })))).toBeInstanceOf(TargetNotFoundException);
    expect(await failure(() => org.send(new TagResourceCommand({ ResourceId: '999999999999', Tags: [{ Key: 'a', Value: 'b' }] })))).toBeInstanceOf(
      TargetNotFoundException,
    );
    expect(
      await failure(() => org.send(new TagResourceCommand({ ResourceId: rootId, Tags: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] }))),
    ).toBeInstanceOf(InvalidInputException);
  });

  it('enables, lists and disables trusted service access', async () => {
    const { org } = await withOrganization();
    await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'account.amazonaws.com' }));
    await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'cloudtrail.amazonaws.com' }));
    const listed = (await org.send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals!;
    expect(listed.map((p) => p.ServicePrincipal)).toEqual(['account.amazonaws.com', 'cloudtrail.amazonaws.com']);
    expect(listed[0]!.DateEnabled).toBeInstanceOf(Date);
    await org.send(new DisableAWSServiceAccessCommand({ ServicePrincipal: 'account.amazonaws.com' }));
    expect((await org.send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals!.map((p) => p.ServicePrincipal)).toEqual([
      'cloudtrail.amazonaws.com',
    ]);
    expect(await failure(() => org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'nonsense' })))).toBeInstanceOf(InvalidInputException);
  });
});

describe('callers', () => {
  it('refuses management-only operations from a member account, but lets it describe the organization', async () => {
    const { sb, org, rootId, organization } = await withOrganization();
    const id = (await createAccount(sb, org, 'Member')).AccountId!;
    sb.advanceTime(DELAY);
    const member = orgClient(sb, await assume(sb, roleArn(id)));
    expect((await member.send(new DescribeOrganizationCommand({}))).Organization).toMatchObject({ Id: organization.Id, MasterAccountId: sb.managementAccountId });
    const refused = [
      () => member.send(new ListAccountsCommand({})),
      () => member.send(new ListRootsCommand({})),
      () => member.send(new DescribeAccountCommand({ AccountId: id })),
      () => member.send(new CreateAccountCommand({ AccountName: 'Nope', Email: 'nope@example.com' })),
      () => member.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Nope' })),
      () => member.send(new TagResourceCommand({ ResourceId: id, Tags: [{ Key: 'a', Value: 'b' }] })),
    ];
    for (const call of refused) {
      const e = await failure(call);
      expect(e).toBeInstanceOf(AccessDeniedException);
      expect(e.message).toBe("You don't have permissions to access this resource.");
    }
    expect(await failure(() => member.send(new CreateOrganizationCommand({})))).toBeInstanceOf(AlreadyInOrganizationException);
    // Nothing was created by the refused calls.
    expect((await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: rootId }))).OrganizationalUnits).toEqual([]);
    expect((await org.send(new ListTagsForResourceCommand({ ResourceId: id }))).Tags).toEqual([]);
  });

  it('answers AWSOrganizationsNotInUseException to an account outside the organization', async () => {
    const { sb } = await withOrganization();
    const outside = sb.addStandaloneAccount({ name: 'Outside', email: 'outside@example.com' });
    const key = createAccessKey(sb.state, outside, sb.runtime, ADMIN_USER_NAME);
    const client = orgClient(sb, { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
    expect(await failure(() => client.send(new DescribeOrganizationCommand({})))).toBeInstanceOf(AWSOrganizationsNotInUseException);
    expect(await failure(() => client.send(new ListAccountsCommand({})))).toBeInstanceOf(AWSOrganizationsNotInUseException);
  });
});
