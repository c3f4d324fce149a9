import {
  AccessDeniedException,
  AccountClient,
  ConflictException,
  DisableRegionCommand,
  EnableRegionCommand,
  GetRegionOptStatusCommand,
  ListRegionsCommand,
  TooManyRequestsException,
  ValidationException,
  paginateListRegions,
  type Region,
  type RegionOptStatus,
} from '@aws-sdk/client-account';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  EnableAWSServiceAccessCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SETTLING, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { assume, clientConfig, failure } from './clients.js';

const OPT_IN_DELAY = 60_000;

let sb: SandboxHandle;
let mgmt: AccountClient;
let org: OrganizationsClient;

beforeAll(async () => {
  // Quotas are on for one burst only; their clock stands still so that none refills mid-burst on a busy machine.
  sb = await startSandbox({ port: 0, delays: { createAccount: 200, rolePropagation: 200, regionOptIn: OPT_IN_DELAY, ...NO_SETTLING }, quotaClock: () => 0 });
  mgmt = new AccountClient(clientConfig(sb));
  org = new OrganizationsClient(clientConfig(sb));
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
});

afterAll(async () => {
  mgmt.destroy();
  org.destroy();
  await sb.close();
});

async function newMember(name: string): Promise<{ id: string; client: AccountClient }> {
  const req = (await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name.toLowerCase()}@example.com` }))).CreateAccountStatus!;
  sb.advanceTime(400);
  const id = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req.Id! }))).CreateAccountStatus!.AccountId!;
  return { id, client: new AccountClient(clientConfig(sb, await assume(sb, `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`))) };
}

async function allRegions(client: AccountClient, filter?: RegionOptStatus[], AccountId?: string): Promise<Region[]> {
  const out: Region[] = [];
  for await (const page of paginateListRegions({ client, pageSize: 7 }, { AccountId, RegionOptStatusContains: filter })) out.push(...(page.Regions ?? []));
  return out;
}

const statusOf = async (client: AccountClient, RegionName: string, AccountId?: string) =>
  (await client.send(new GetRegionOptStatusCommand({ RegionName, AccountId }))).RegionOptStatus;

describe('Region opt-in in the caller’s own account', () => {
  it('lists the commercial Regions: the 17 launched before March 2019 enabled by default, the opt-in ones disabled', async () => {
    const regions = await allRegions(mgmt);
    expect(regions).toHaveLength(34);
    const byStatus = (s: RegionOptStatus) => regions.filter((r) => r.RegionOptStatus === s).map((r) => r.RegionName);
    expect(byStatus('ENABLED_BY_DEFAULT')).toHaveLength(17);
    expect(byStatus('ENABLED_BY_DEFAULT')).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-northeast-3', 'sa-east-1']));
    expect(byStatus('DISABLED')).toEqual(expect.arrayContaining(['af-south-1', 'ap-east-1', 'me-central-1', 'mx-central-1', 'ap-southeast-7', 'ca-west-1', 'il-central-1']));
    expect(byStatus('DISABLED')).toHaveLength(17);
  });

  it('enables a Region asynchronously: ENABLING until the delay has passed, then ENABLED', async () => {
    await mgmt.send(new EnableRegionCommand({ RegionName: 'af-south-1' }));
    expect(await statusOf(mgmt, 'af-south-1')).toBe('ENABLING');
    expect((await allRegions(mgmt, ['ENABLING'])).map((r) => r.RegionName)).toEqual(['af-south-1']);

    // While it is enabling, it can be switched neither way.
    const again = await failure(() => mgmt.send(new EnableRegionCommand({ RegionName: 'af-south-1' })));
    expect(again).toBeInstanceOf(ConflictException);
    expect(again.$metadata?.httpStatusCode).toBe(409);
    expect(again.message).toContain('is currently being enabled or disabled');
    expect(await failure(() => mgmt.send(new DisableRegionCommand({ RegionName: 'af-south-1' })))).toBeInstanceOf(ConflictException);

    sb.advanceTime(OPT_IN_DELAY);
    expect(await statusOf(mgmt, 'af-south-1')).toBe('ENABLED');
    expect((await allRegions(mgmt, ['ENABLED', 'ENABLING'])).map((r) => r.RegionName)).toEqual(['af-south-1']);

    // Enabling an enabled Region is no success: AWS refuses the switch.
    const enabled = (await failure(() => mgmt.send(new EnableRegionCommand({ RegionName: 'af-south-1' })))) as ValidationException;
    expect(enabled).toBeInstanceOf(ValidationException);
    expect(enabled.reason).toBe('invalidRegionOptTarget');
    expect(enabled.message).toBe('Unable to switch region status because of its current opt-in status.');
  });

  it('disables it the same way: DISABLING, then DISABLED, and a disabled Region cannot be disabled again', async () => {
    await mgmt.send(new DisableRegionCommand({ RegionName: 'af-south-1' }));
    expect(await statusOf(mgmt, 'af-south-1')).toBe('DISABLING');
    expect(await failure(() => mgmt.send(new EnableRegionCommand({ RegionName: 'af-south-1' })))).toBeInstanceOf(ConflictException);
    sb.advanceTime(OPT_IN_DELAY);
    expect(await statusOf(mgmt, 'af-south-1')).toBe('DISABLED');
    const e = (await failure(() => mgmt.send(new DisableRegionCommand({ RegionName: 'af-south-1' })))) as ValidationException;
    expect(e).toBeInstanceOf(ValidationException);
    expect(e.reason).toBe('invalidRegionOptTarget');
  });

  it('refuses to switch a Region enabled by default, and names no Region it does not know', async () => {
    expect(await statusOf(mgmt, 'eu-west-1')).toBe('ENABLED_BY_DEFAULT');
    for (const command of [new DisableRegionCommand({ RegionName: 'eu-west-1' }), new EnableRegionCommand({ RegionName: 'us-east-1' })]) {
      const e = (await failure(() => mgmt.send(command))) as ValidationException;
      expect(e).toBeInstanceOf(ValidationException);
      expect(e.reason).toBe('invalidRegionOptTarget');
    }
    for (const RegionName of ['mars-north-1', 'us-gov-west-1', 'cn-north-1']) {
      const e = (await failure(() => mgmt.send(new EnableRegionCommand({ RegionName })))) as ValidationException;
      expect(e).toBeInstanceOf(ValidationException);
      expect(e.message).toBe(`${RegionName} is not a valid region for opt-in or opt-out.`);
      expect(await failure(() => statusOf(mgmt, RegionName))).toBeInstanceOf(ValidationException);
    }
    expect(await failure(() => mgmt.send(new EnableRegionCommand({ RegionName: 'x'.repeat(51) })))).toBeInstanceOf(ValidationException);
  });

  it('validates ListRegions: the status filter, MaxResults 1-50 and its own tokens', async () => {
    const bad = [
      { RegionOptStatusContains: ['ON' as RegionOptStatus] },
      { MaxResults: 0 },
      { MaxResults: 51 },
      { NextToken: 'not-a-token' },
    ];
    for (const input of bad) expect(await failure(() => mgmt.send(new ListRegionsCommand(input))), JSON.stringify(input)).toBeInstanceOf(ValidationException);
    const page = await mgmt.send(new ListRegionsCommand({ MaxResults: 50 }));
    expect(page.Regions).toHaveLength(34);
    expect(page.NextToken).toBeUndefined();
  });

  it('allows 6 switches in flight per account, then ConflictException until one finishes', async () => {
    const six = ['ap-east-1', 'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'eu-south-1', 'eu-central-2'];
    for (const RegionName of six) await mgmt.send(new EnableRegionCommand({ RegionName }));
    const seventh = await failure(() => mgmt.send(new EnableRegionCommand({ RegionName: 'me-south-1' })));
    expect(seventh).toBeInstanceOf(ConflictException);
    expect(seventh.message).toContain('6 region opt-in or opt-out requests in progress');
    expect(await statusOf(mgmt, 'me-south-1')).toBe('DISABLED');
    sb.advanceTime(OPT_IN_DELAY);
    await mgmt.send(new EnableRegionCommand({ RegionName: 'me-south-1' }));
    expect(await statusOf(mgmt, 'me-south-1')).toBe('ENABLING');
    sb.advanceTime(OPT_IN_DELAY);
  });

  it('throttles EnableRegion at AWS’s 1 request a second when quotas are on', async () => {
    sb.setQuotas(true);
    try {
      await mgmt.send(new EnableRegionCommand({ RegionName: 'eu-south-2' }));
      const e = await failure(() => mgmt.send(new EnableRegionCommand({ RegionName: 'il-central-1' })));
      expect(e).toBeInstanceOf(TooManyRequestsException);
      expect(e.$metadata?.httpStatusCode).toBe(429);
    } finally {
      sb.setQuotas(false);
    }
  });
});

describe('Region opt-in with AccountId: the management account acting on a member', () => {
  it('needs trusted access for account.amazonaws.com, then reads and switches the member’s Regions', async () => {
    const alice = await newMember('Alice');
    const bob = await newMember('Bob');
    try {
      expect(await failure(() => mgmt.send(new EnableRegionCommand({ AccountId: alice.id, RegionName: 'me-central-1' })))).toBeInstanceOf(AccessDeniedException);
      await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'account.amazonaws.com' }));

      await mgmt.send(new EnableRegionCommand({ AccountId: alice.id, RegionName: 'me-central-1' }));
      expect(await statusOf(mgmt, 'me-central-1', alice.id)).toBe('ENABLING');
      // The member sees the same Region in its own account; the management account's own is untouched.
      expect(await statusOf(alice.client, 'me-central-1')).toBe('ENABLING');
      expect(await statusOf(mgmt, 'me-central-1')).toBe('DISABLED');
      expect((await allRegions(mgmt, ['ENABLING'], alice.id)).map((r) => r.RegionName)).toEqual(['me-central-1']);

      // A member may not name another account, nor may the management account name itself.
      expect(await failure(() => bob.client.send(new ListRegionsCommand({ AccountId: alice.id })))).toBeInstanceOf(AccessDeniedException);
      expect(await failure(() => mgmt.send(new GetRegionOptStatusCommand({ AccountId: sb.managementAccountId, RegionName: 'af-south-1' })))).toBeInstanceOf(AccessDeniedException);
      expect(sb.state.accounts[alice.id]!.regionOptIn!['me-central-1']!.status).toBe('ENABLING');
      expect(sb.state.accounts[bob.id]!.regionOptIn).toBeUndefined();
    } finally {
      alice.client.destroy();
      bob.client.destroy();
    }
  });

  it('allows 50 switches in flight across the organization, then ConflictException in every member', async () => {
    const busy = await Promise.all(['Carol', 'Dave', 'Erin'].map((name) => newMember(name)));
    const target = await newMember('Frank');
    try {
      // 17 switches under way in each of three members (state set directly: 6 per account is the API's limit).
      const until = new Date(sb.runtime.now().getTime() + OPT_IN_DELAY).toISOString();
      const optIn = (await allRegions(mgmt)).filter((r) => r.RegionOptStatus !== 'ENABLED_BY_DEFAULT').map((r) => r.RegionName!);
      expect(optIn).toHaveLength(17);
      for (const m of busy) sb.state.accounts[m.id]!.regionOptIn = Object.fromEntries(optIn.map((r) => [r, { status: 'ENABLING' as const, settlesAt: until }]));
      const e = await failure(() => mgmt.send(new EnableRegionCommand({ AccountId: target.id, RegionName: 'af-south-1' })));
      expect(e).toBeInstanceOf(ConflictException);
      expect(e.message).toContain('The organization already has 50 region opt-in or opt-out requests in progress');
      sb.advanceTime(OPT_IN_DELAY);
      await mgmt.send(new EnableRegionCommand({ AccountId: target.id, RegionName: 'af-south-1' }));
      expect(await statusOf(mgmt, 'af-south-1', target.id)).toBe('ENABLING');
    } finally {
      for (const m of [...busy, target]) m.client.destroy();
    }
  });

  it('logs ListRegions and GetRegionOptStatus as reads, EnableRegion and DisableRegion as writes', () => {
    const readOnly = (op: string) => sb.requests().find((r) => r.operation === op)?.readOnly;
    expect([readOnly('ListRegions'), readOnly('GetRegionOptStatus'), readOnly('EnableRegion'), readOnly('DisableRegion')]).toEqual([true, true, false, false]);
  });
});
