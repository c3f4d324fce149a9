import { CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  AccessDeniedException,
  ConflictException,
  CreateGroupCommand,
  DescribeGroupCommand,
  DescribeUserCommand,
  GetGroupIdCommand,
  GetUserIdCommand,
  IdentitystoreClient,
  ListGroupMembershipsCommand,
  ListGroupsCommand,
  ListUsersCommand,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
  paginateListGroups,
} from '@aws-sdk/client-identitystore';
import { ListInstancesCommand, SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SETTLING, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { createAccessKey } from '../../src/sandbox/services/iam/index.js';
import { addDirectoryGroup, addDirectoryUser } from '../../src/sandbox/services/identity-center/state.js';
import { clientConfig, failure, type Creds } from './clients.js';

let sb: SandboxHandle;
let store: string;

const ids = (credentials?: Creds, region = 'us-east-1') => new IdentitystoreClient({ ...clientConfig(sb, credentials), region });
/* eslint-disable @typescript-eslint/no-explicit-any -- the SDK's outputs, read member by member */
const call = (command: any, credentials?: Creds, region?: string): Promise<any> => {
  const client = ids(credentials, region);
  return client.send(command).finally(() => client.destroy());
};
/* eslint-enable @typescript-eslint/no-explicit-any */
const directory = () => sb.state.identityCenter!.directory;
const groupId = async (name: string): Promise<string> =>
  (await call(new GetGroupIdCommand({ IdentityStoreId: store, AlternateIdentifier: { UniqueAttribute: { AttributePath: 'displayName', AttributeValue: name } } }))).GroupId;

beforeAll(async () => {
  // Quotas are on for one burst only; their clock stands still so that none refills mid-burst on a busy machine.
  sb = await startSandbox({ delays: { createAccount: 100, rolePropagation: 0, ...NO_SETTLING }, quotaClock: () => 0 });
  const orgs = new OrganizationsClient(clientConfig(sb));
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  orgs.destroy();
  const sso = new SSOAdminClient(clientConfig(sb));
  store = (await sso.send(new ListInstancesCommand({}))).Instances![0]!.IdentityStoreId!;
  sso.destroy();
});

afterAll(async () => {
  await sb.close();
});

describe('Identity Store: the seeded directory', () => {
  it('is not there for an organization without all features (Identity Center needs them)', async () => {
    const billing = await startSandbox();
    const orgs = new OrganizationsClient({ endpoint: billing.endpoint, region: 'us-east-1', credentials: billing.managementCredentials, maxAttempts: 1 });
    await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'CONSOLIDATED_BILLING' }));
    orgs.destroy();
    const sso = new SSOAdminClient({ endpoint: billing.endpoint, region: 'us-east-1', credentials: billing.managementCredentials, maxAttempts: 1 });
    expect((await sso.send(new ListInstancesCommand({}))).Instances).toEqual([]);
    sso.destroy();
    expect(billing.state.identityCenter).toBeUndefined();
    await billing.close();
  });

  it('finds the seeded groups by DisplayName and users by UserName', async () => {
    for (const name of ['Administrators', 'Developers', 'Auditors']) {
      const id = await groupId(name);
      expect(directory().groups[id]!.DisplayName).toBe(name);
      expect((await call(new DescribeGroupCommand({ IdentityStoreId: store, GroupId: id })))).toMatchObject({ GroupId: id, DisplayName: name, IdentityStoreId: store });
    }
    for (const name of ['alice', 'bob', 'carol']) {
      const out = await call(new GetUserIdCommand({ IdentityStoreId: store, AlternateIdentifier: { UniqueAttribute: { AttributePath: 'userName', AttributeValue: name } } }));
      expect(out.IdentityStoreId).toBe(store);
      const user = await call(new DescribeUserCommand({ IdentityStoreId: store, UserId: out.UserId }));
      expect(user).toMatchObject({ UserId: out.UserId, UserName: name });
      expect(user.Emails[0]).toMatchObject({ Value: `${name}@sandbox.lz.local`, Primary: true });
    }
  });

  it('holds each seeded user in its group', async () => {
    const alice = Object.values(directory().users).find((u) => u.UserName === 'alice')!;
    const admins = await groupId('Administrators');
    const out = await call(new ListGroupMembershipsCommand({ IdentityStoreId: store, GroupId: admins }));
    expect(out.GroupMemberships).toEqual([expect.objectContaining({ GroupId: admins, IdentityStoreId: store, MemberId: { UserId: alice.UserId } })]);
  });

  it('answers ResourceNotFoundException with the resource type for a name or id it does not hold', async () => {
    const group = await failure(() => groupId('Nobody'));
    expect(group).toBeInstanceOf(ResourceNotFoundException);
    expect(group.$metadata?.httpStatusCode).toBe(404);
    expect((group as ResourceNotFoundException).ResourceType).toBe('GROUP');
    expect((group as ResourceNotFoundException).RequestId).toBeTruthy();
    const user = await failure(() => call(new GetUserIdCommand({ IdentityStoreId: store, AlternateIdentifier: { UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'mallory' } } })));
    expect((user as ResourceNotFoundException).ResourceType).toBe('USER');
    const byId = await failure(() => call(new DescribeUserCommand({ IdentityStoreId: store, UserId: '0123456789-00000000-0000-0000-0000-000000000000' })));
    expect(byId).toBeInstanceOf(ResourceNotFoundException);
    expect((byId as ResourceNotFoundException).ResourceId).toBe('0123456789-00000000-0000-0000-0000-000000000000');
    const otherStore = await failure(() => call(new ListGroupsCommand({ IdentityStoreId: 'd-0000000000' })));
    expect((otherStore as ResourceNotFoundException).ResourceType).toBe('IDENTITY_STORE');
    const external = await failure(() => call(new GetGroupIdCommand({ IdentityStoreId: store, AlternateIdentifier: { ExternalId: { Issuer: 'scim', Id: 'x' } } })));
    expect(external).toBeInstanceOf(ResourceNotFoundException);
  });

  it('refuses a unique attribute other than displayName / userName, and a malformed id, with ValidationException', async () => {
    const path = await failure(() => call(new GetGroupIdCommand({ IdentityStoreId: store, AlternateIdentifier: { UniqueAttribute: { AttributePath: 'description', AttributeValue: 'x' } } })));
    expect(path).toBeInstanceOf(ValidationException);
    expect(path.$metadata?.httpStatusCode).toBe(400);
    expect(await failure(() => call(new DescribeGroupCommand({ IdentityStoreId: store, GroupId: 'not-an-id' })))).toBeInstanceOf(ValidationException);
  });

  it('is the management account\'s, in its Region: a member account is refused', async () => {
    const member = sb.addStandaloneAccount({ name: 'Outsider', email: 'outsider@example.com' });
    const key = createAccessKey(sb.state, member, sb.runtime, 'lz-sandbox-admin');
    const e = await failure(() => call(new ListUsersCommand({ IdentityStoreId: store }), { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }));
    expect(e).toBeInstanceOf(AccessDeniedException);
    expect(e.$metadata?.httpStatusCode).toBe(403);
    expect(await failure(() => call(new ListUsersCommand({ IdentityStoreId: store }), undefined, 'eu-west-1'))).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('Identity Store: a directory tests extend through the state', () => {
  it('finds a user added with addDirectoryUser, in the groups named', async () => {
    const ic = sb.state.identityCenter!;
    addDirectoryGroup(ic, 'Contractors');
    const dave = addDirectoryUser(ic, { userName: 'dave', groups: ['Contractors', 'Developers'] });
    const out = await call(new GetUserIdCommand({ IdentityStoreId: store, AlternateIdentifier: { UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'dave' } } }));
    expect(out.UserId).toBe(dave.UserId);
    const members = await call(new ListGroupMembershipsCommand({ IdentityStoreId: store, GroupId: await groupId('Contractors') }));
    expect(members.GroupMemberships.map((m: { MemberId: { UserId: string } }) => m.MemberId.UserId)).toEqual([dave.UserId]);
    expect(() => addDirectoryUser(ic, { userName: 'eve', groups: ['Nobody'] })).toThrow('no group Nobody');
    expect(Object.values(ic.directory.users).map((u) => u.UserName)).not.toContain('eve');
  });
});

describe('Identity Store: throttling', () => {
  it('answers ThrottlingException (429) past 20 TPS on one API, while another API still answers', async () => {
    sb.setQuotas(true);
    const client = ids();
    const results = await Promise.allSettled(Array.from({ length: 24 }, () => client.send(new ListUsersCommand({ IdentityStoreId: store }))));
    const other = await client.send(new ListGroupsCommand({ IdentityStoreId: store }));
    client.destroy();
    sb.setQuotas(undefined);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error & { $metadata?: { httpStatusCode?: number } });
    expect(refused.length).toBeGreaterThanOrEqual(4);
    expect(refused[0]).toBeInstanceOf(ThrottlingException);
    expect(refused[0]!.$metadata?.httpStatusCode).toBe(429);
    expect(other.Groups!.length).toBeGreaterThan(0);
  });
});

describe('Identity Store: groups', () => {
  it('creates a group, and refuses a second of the same DisplayName with ConflictException', async () => {
    const out = await call(new CreateGroupCommand({ IdentityStoreId: store, DisplayName: 'Platform', Description: 'the platform team' }));
    expect(out.IdentityStoreId).toBe(store);
    expect(directory().groups[out.GroupId]).toMatchObject({ DisplayName: 'Platform', Description: 'the platform team' });
    expect(await groupId('Platform')).toBe(out.GroupId);
    const dup = await failure(() => call(new CreateGroupCommand({ IdentityStoreId: store, DisplayName: 'Platform' })));
    expect(dup).toBeInstanceOf(ConflictException);
    expect(dup.$metadata?.httpStatusCode).toBe(409);
    expect((dup as ConflictException).Reason).toBe('UNIQUENESS_CONSTRAINT_VIOLATION');
    expect(await failure(() => call(new CreateGroupCommand({ IdentityStoreId: store, DisplayName: '' })))).toBeInstanceOf(ValidationException);
  });

  it('pages ListGroups and ListUsers, and filters them by DisplayName / UserName', async () => {
    for (const name of ['Ops', 'Security', 'Finance']) await call(new CreateGroupCommand({ IdentityStoreId: store, DisplayName: name }));
    const first = await call(new ListGroupsCommand({ IdentityStoreId: store }));
    expect(first.Groups).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const client = ids();
    const names: string[] = [];
    for await (const page of paginateListGroups({ client }, { IdentityStoreId: store, MaxResults: 2 })) names.push(...page.Groups!.map((g) => g.DisplayName!));
    client.destroy();
    expect(names.sort()).toEqual(Object.values(directory().groups).map((g) => g.DisplayName).sort());
    expect(names.length).toBeGreaterThanOrEqual(7);
    const filtered = await call(new ListGroupsCommand({ IdentityStoreId: store, Filters: [{ AttributePath: 'DisplayName', AttributeValue: 'Auditors' }] }));
    expect(filtered.Groups.map((g: { DisplayName: string }) => g.DisplayName)).toEqual(['Auditors']);
    const users = await call(new ListUsersCommand({ IdentityStoreId: store, Filters: [{ AttributePath: 'UserName', AttributeValue: 'bob' }] }));
    expect(users.Users.map((u: { UserName: string }) => u.UserName)).toEqual(['bob']);
    expect((await call(new ListUsersCommand({ IdentityStoreId: store }))).Users).toHaveLength(Object.keys(directory().users).length);
    expect(await failure(() => call(new ListUsersCommand({ IdentityStoreId: store, MaxResults: 101 })))).toBeInstanceOf(ValidationException);
  });
});
