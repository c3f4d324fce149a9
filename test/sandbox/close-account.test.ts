import { CloudTrailClient, InvalidLookupAttributesException, InvalidMaxResultsException, InvalidNextTokenException, InvalidTimeRangeException, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import {
  AccessDeniedException,
  AccountAlreadyClosedException,
  AccountNotFoundException,
  CloseAccountCommand,
  ConflictException,
  ConstraintViolationException,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  InvalidInputException,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  OrganizationsClient,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SETTLING, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { newAccountRecord } from '../../src/sandbox/accounts.js';
import { CLOSE_QUOTA_WINDOW_MS } from '../../src/sandbox/services/organizations/close-account.js';
import { EVENT_RETENTION_MS } from '../../src/sandbox/services/cloudtrail/events.js';
import { assume, clientConfig, failure, iamClient, stsClient, type Creds } from './clients.js';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';

const CLOSE_DELAY = 5_000;
const DAY = 24 * 60 * 60 * 1000;

/** Clients are made per call: tests move the sandbox clock past what a client signed earlier would allow. */
const orgs = (sb: SandboxHandle, credentials?: Creds) => new OrganizationsClient(clientConfig(sb, credentials));
const trail = (sb: SandboxHandle, region = 'us-east-1', credentials?: Creds) => new CloudTrailClient({ ...clientConfig(sb, credentials), region });

async function startOrg(): Promise<{ sb: SandboxHandle; rootId: string }> {
  // Quotas are on for one burst only; their clock stands still so that none refills mid-burst on a busy machine.
  const sb = await startSandbox({ port: 0, delays: { createAccount: 100, rolePropagation: 0, closeAccount: CLOSE_DELAY, ...NO_SETTLING }, quotaClock: () => 0 });
  await orgs(sb).send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const rootId = (await orgs(sb).send(new ListRootsCommand({}))).Roots![0]!.Id!;
  return { sb, rootId };
}

async function createMember(sb: SandboxHandle, name: string): Promise<string> {
  const req = (await orgs(sb).send(new CreateAccountCommand({ AccountName: name, Email: `${name.toLowerCase()}@example.com` }))).CreateAccountStatus!;
  sb.advanceTime(200);
  return (await orgs(sb).send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req.Id! }))).CreateAccountStatus!.AccountId!;
}

/** Members put straight into the state: an organization of hundreds of accounts without hundreds of CreateAccount calls. */
function addMembers(sb: SandboxHandle, rootId: string, count: number): string[] {
  const org = sb.state.organization!;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = sb.runtime.newAccountId();
    const now = sb.runtime.now().toISOString();
    sb.state.accounts[id] = newAccountRecord(id, `Bulk ${i}`, `bulk-${i}@example.com`, now);
    org.members[id] = { parentId: rootId, joinedMethod: 'INVITED', joinedTimestamp: now };
    ids.push(id);
  }
  return ids;
}

const describeState = async (sb: SandboxHandle, id: string) => {
  const a = (await orgs(sb).send(new DescribeAccountCommand({ AccountId: id }))).Account!;
  return { State: a.State, Status: a.Status };
};

describe('CloseAccount: the account over time', () => {
  let sb: SandboxHandle;
  let rootId: string;
  let closing: string;
  let kept: string;
  let session: Creds;

  beforeAll(async () => {
    ({ sb, rootId } = await startOrg());
    closing = await createMember(sb, 'Retired');
    kept = await createMember(sb, 'Kept');
    session = await assume(sb, `arn:aws:iam::${closing}:role/OrganizationAccountAccessRole`);
  });
  afterAll(() => sb.close());

  it('is PENDING_CLOSURE at once, then SUSPENDED after the delay, in DescribeAccount, ListAccounts and ListAccountsForParent', async () => {
    expect(await orgs(sb).send(new CloseAccountCommand({ AccountId: closing }))).toBeDefined();
    expect(sb.state.accounts[closing]!.status).toBe('PENDING_CLOSURE');
    expect(await describeState(sb, closing)).toEqual({ State: 'PENDING_CLOSURE', Status: 'PENDING_CLOSURE' });
    expect(await describeState(sb, kept)).toEqual({ State: 'ACTIVE', Status: 'ACTIVE' });

    sb.advanceTime(CLOSE_DELAY - 100);
    expect((await describeState(sb, closing)).State).toBe('PENDING_CLOSURE');
    sb.advanceTime(100);
    expect(await describeState(sb, closing)).toEqual({ State: 'SUSPENDED', Status: 'SUSPENDED' });
    expect(sb.state.accounts[closing]!.status).toBe('SUSPENDED');
    const listed = (await orgs(sb).send(new ListAccountsCommand({ MaxResults: 20 }))).Accounts!.find((a) => a.Id === closing)!;
    expect(listed).toMatchObject({ State: 'SUSPENDED', Status: 'SUSPENDED' });
    const underRoot = (await orgs(sb).send(new ListAccountsForParentCommand({ ParentId: rootId, MaxResults: 20 }))).Accounts!.find((a) => a.Id === closing)!;
    expect(underRoot.State).toBe('SUSPENDED');
  });

  it('refuses a second close: ConflictException while PENDING_CLOSURE, AccountAlreadyClosedException once SUSPENDED', async () => {
    const other = await createMember(sb, 'Twice');
    await orgs(sb).send(new CloseAccountCommand({ AccountId: other }));
    const pending = await failure(() => orgs(sb).send(new CloseAccountCommand({ AccountId: other })));
    expect(pending).toBeInstanceOf(ConflictException);
    sb.advanceTime(CLOSE_DELAY);
    const closed = await failure(() => orgs(sb).send(new CloseAccountCommand({ AccountId: other })));
    expect(closed).toBeInstanceOf(AccountAlreadyClosedException);
    expect(closed.message).toBe('You attempted to close an account that is already closed.');
  });

  it('refuses AssumeRole into a closing or closed account, and the closed account’s own sessions', async () => {
    const sts = stsClient(sb);
    const e = await failure(() => sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${closing}:role/OrganizationAccountAccessRole`, RoleSessionName: 'late' })));
    expect(e.name).toBe('AccessDenied');
    expect(e.$metadata?.httpStatusCode).toBe(403);
    expect(e.message).toContain(`is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${closing}:role/OrganizationAccountAccessRole`);
    const stale = await failure(() => iamClient(sb, session).send(new ListUsersCommand({})));
    expect(stale.name).toBe('InvalidClientTokenId');
    expect(stale.$metadata?.httpStatusCode).toBe(403);

    const pendingOne = await createMember(sb, 'Pending');
    const live = await assume(sb, `arn:aws:iam::${pendingOne}:role/OrganizationAccountAccessRole`);
    await orgs(sb).send(new CloseAccountCommand({ AccountId: pendingOne }));
    const refused = await failure(() => stsClient(sb).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${pendingOne}:role/OrganizationAccountAccessRole`, RoleSessionName: 'closing' })));
    expect(refused.name).toBe('AccessDenied');
    // Until the closure completes, sessions issued before it still work.
    expect((await iamClient(sb, live).send(new ListUsersCommand({}))).Users).toBeDefined();
    sb.advanceTime(CLOSE_DELAY);
    expect((await failure(() => iamClient(sb, live).send(new ListUsersCommand({})))).name).toBe('InvalidClientTokenId');
  });

  it('still moves and tags a closed account (a quarantine OU is where closed accounts go)', async () => {
    const ou = (await orgs(sb).send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Quarantine' }))).OrganizationalUnit!.Id!;
    await orgs(sb).send(new MoveAccountCommand({ AccountId: closing, SourceParentId: rootId, DestinationParentId: ou }));
    expect(sb.state.organization!.members[closing]!.parentId).toBe(ou);
    await orgs(sb).send(new TagResourceCommand({ ResourceId: closing, Tags: [{ Key: 'closed-by', Value: 'lz' }] }));
    expect((await orgs(sb).send(new ListTagsForResourceCommand({ ResourceId: closing }))).Tags).toEqual([{ Key: 'closed-by', Value: 'lz' }]);
  });

  it('refuses the management account, an unknown or malformed id, and a member caller', async () => {
    const mgmt = await failure(() => orgs(sb).send(new CloseAccountCommand({ AccountId: sb.managementAccountId })));
    expect(mgmt).toBeInstanceOf(ConstraintViolationException);
    expect((mgmt as ConstraintViolationException).Reason).toBe('CANNOT_CLOSE_MANAGEMENT_ACCOUNT');
    expect(await failure(() => orgs(sb).send(new CloseAccountCommand({ AccountId: '123456789012' })))).toBeInstanceOf(AccountNotFoundException);
    const bad = await failure(() => orgs(sb).send(new CloseAccountCommand({ AccountId: '12345' })));
    expect(bad).toBeInstanceOf(InvalidInputException);
    const member = await assume(sb, `arn:aws:iam::${kept}:role/OrganizationAccountAccessRole`);
    expect(await failure(() => orgs(sb, member).send(new CloseAccountCommand({ AccountId: kept })))).toBeInstanceOf(AccessDeniedException);
    expect(sb.state.accounts[kept]!.status).toBe('ACTIVE');
    expect(sb.state.accounts[sb.managementAccountId]!.status).toBe('ACTIVE');
  });
});

describe('CloseAccount: the rolling 30-day quota (the higher of 250 or 20% of the member accounts, at most 1,000)', () => {
  it('lets an organization of 10 members close all 10 (250 is the floor, not 20% of 10)', async () => {
    const { sb, rootId } = await startOrg();
    try {
      const ids = addMembers(sb, rootId, 10);
      for (const id of ids) await orgs(sb).send(new CloseAccountCommand({ AccountId: id }));
      expect(ids.every((id) => sb.state.accounts[id]!.status === 'PENDING_CLOSURE')).toBe(true);
    } finally {
      await sb.close();
    }
  });

  it('with 1,300 members allows 260 closures in 30 days, refuses the 261st, and allows it once the first leave the window', async () => {
    const { sb, rootId } = await startOrg();
    try {
      const ids = addMembers(sb, rootId, 1300);
      const client = orgs(sb);
      for (const id of ids.slice(0, 260)) await client.send(new CloseAccountCommand({ AccountId: id }));
      const refused = await failure(() => client.send(new CloseAccountCommand({ AccountId: ids[260]! })));
      expect(refused).toBeInstanceOf(ConstraintViolationException);
      expect((refused as ConstraintViolationException).Reason).toBe('CLOSE_ACCOUNT_QUOTA_EXCEEDED');
      expect(sb.state.accounts[ids[260]!]!.status).toBe('ACTIVE');

      sb.advanceTime(CLOSE_QUOTA_WINDOW_MS - 60_000);
      expect((await failure(() => orgs(sb).send(new CloseAccountCommand({ AccountId: ids[260]! })))).name).toBe('ConstraintViolationException');
      sb.advanceTime(60_000);
      await orgs(sb).send(new CloseAccountCommand({ AccountId: ids[260]! }));
      expect(sb.state.accounts[ids[260]!]!.status).toBe('PENDING_CLOSURE');
    } finally {
      await sb.close();
    }
  });
});

describe('CloudTrail LookupEvents: the CloseAccount calls in the management account’s event history', () => {
  let sb: SandboxHandle;
  let first: string;
  let second: string;

  beforeAll(async () => {
    let rootId: string;
    ({ sb, rootId } = await startOrg());
    [first, second] = addMembers(sb, rootId, 3) as [string, string];
    await orgs(sb).send(new CloseAccountCommand({ AccountId: first }));
    sb.advanceTime(60_000);
    await orgs(sb).send(new CloseAccountCommand({ AccountId: second }));
  });
  afterAll(() => sb.close());

  const closeEvents = (input: Omit<ConstructorParameters<typeof LookupEventsCommand>[0] & object, 'LookupAttributes'> = {}, region?: string) =>
    trail(sb, region).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CloseAccount' }], ...input }));

  it('holds each accepted CloseAccount in us-east-1, newest first, with the CloudTrail record', async () => {
    const events = (await closeEvents()).Events!;
    expect(events.map((e) => e.Resources![0]!.ResourceName)).toEqual([second, first]);
    const [latest] = events;
    expect(latest).toMatchObject({ EventName: 'CloseAccount', EventSource: 'organizations.amazonaws.com', Username: 'lz-sandbox-admin', ReadOnly: 'false' });
    expect(latest!.Resources).toEqual([{ ResourceType: 'AWS::Organizations::Account', ResourceName: second }]);
    const record = JSON.parse(latest!.CloudTrailEvent!) as Record<string, unknown>;
    expect(record).toMatchObject({ eventName: 'CloseAccount', eventSource: 'organizations.amazonaws.com', awsRegion: 'us-east-1', requestParameters: { accountId: second }, recipientAccountId: sb.managementAccountId });
    expect(Date.parse(record.eventTime as string)).toBe(Math.floor(latest!.EventTime!.getTime() / 1000) * 1000);
    expect(record.eventID).toBe(latest!.EventId);
    expect(sb.state.accounts[sb.managementAccountId]!.cloudtrailEvents!['us-east-1']).toHaveLength(2);
  });

  it('answers nothing in another Region or for another event name; ResourceName finds one account’s closure', async () => {
    expect((await closeEvents({}, 'eu-west-1')).Events).toEqual([]);
    const other = (await trail(sb).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateAccount' }] }))).Events;
    expect(other).toEqual([]);
    const byResource = (await trail(sb).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: first }] }))).Events!;
    expect(byResource.map((e) => e.Resources![0]!.ResourceName)).toEqual([first]);
  });

  it('filters by StartTime/EndTime and pages with MaxResults and NextToken', async () => {
    const all = (await closeEvents()).Events!;
    const between = (await closeEvents({ StartTime: new Date(all[0]!.EventTime!.getTime() - 1000), EndTime: new Date(all[0]!.EventTime!.getTime() + 1000) })).Events!;
    expect(between.map((e) => e.EventId)).toEqual([all[0]!.EventId]);
    const p1 = await closeEvents({ MaxResults: 1 });
    expect(p1.Events!.map((e) => e.EventId)).toEqual([all[0]!.EventId]);
    const p2 = await closeEvents({ MaxResults: 1, NextToken: p1.NextToken });
    expect(p2.Events!.map((e) => e.EventId)).toEqual([all[1]!.EventId]);
    expect(p2.NextToken).toBeUndefined();
    const otherQuery = await failure(() => trail(sb).send(new LookupEventsCommand({ MaxResults: 1, NextToken: p1.NextToken })));
    expect(otherQuery).toBeInstanceOf(InvalidNextTokenException);
  });

  it('refuses two lookup attributes, a reversed time range, MaxResults over 50 and a foreign token', async () => {
    const two = await failure(() =>
      trail(sb).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CloseAccount' }, { AttributeKey: 'Username', AttributeValue: 'x' }] })),
    );
    expect(two).toBeInstanceOf(InvalidLookupAttributesException);
    const now = sb.runtime.now();
    expect(await failure(() => closeEvents({ StartTime: now, EndTime: new Date(now.getTime() - 1000) }))).toBeInstanceOf(InvalidTimeRangeException);
    expect(await failure(() => closeEvents({ MaxResults: 51 }))).toBeInstanceOf(InvalidMaxResultsException);
    expect(await failure(() => closeEvents({ NextToken: 'not-a-token' }))).toBeInstanceOf(InvalidNextTokenException);
  });

  it('throttles past 2 lookups a second with the quotas on', async () => {
    sb.setQuotas(true);
    try {
      await closeEvents();
      await closeEvents();
      const e = await failure(() => closeEvents());
      expect(e.name).toBe('ThrottlingException');
    } finally {
      sb.setQuotas(undefined);
    }
  });

  it('keeps events 90 days', async () => {
    sb.advanceTime(EVENT_RETENTION_MS - 2 * 60_000);
    expect((await closeEvents()).Events).toHaveLength(2);
    sb.advanceTime(DAY);
    expect((await closeEvents()).Events).toEqual([]);
  });
});
