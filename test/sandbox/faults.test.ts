import { CreateUserCommand, GetUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { CreateOrganizationCommand, ListAccountsCommand, OrganizationsClient, TooManyRequestsException } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseFaultSpec } from '../../src/sandbox/faults.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { QUOTAS, quotaFor } from '../../src/sandbox/quotas.js';
import { failure, iamClient, stsClient } from './clients.js';

describe('quotas: per-caller-account token buckets', () => {
  let sb: SandboxHandle;
  // The buckets refill only between tests, so a burst counts the same on a busy machine; a test of refilling
  // runs on the real clock.
  let now = 0;
  let realTime = false;
  beforeAll(async () => {
    sb = await startSandbox({ quotas: true, quotaClock: () => (realTime ? performance.now() : now) });
  });
  afterEach(() => {
    now += 60_000;
  });
  afterAll(async () => sb.close());

  it("publishes AWS's quotas as data, and leaves unpublished Organizations operations unthrottled", () => {
    expect(QUOTAS.organizations!.ListAccounts).toEqual({ rate: 8, burst: 12 });
    expect(quotaFor(QUOTAS, 'organizations', 'ListTagsForResource')).toBeUndefined();
    expect(quotaFor(QUOTAS, 'account', 'GetAlternateContact')!.quota).toEqual({ rate: 10, burst: 15 });
    expect(quotaFor(QUOTAS, 'account', 'PutAlternateContact')!.quota).toEqual({ rate: 5, burst: 8 });
    expect(QUOTAS.iam!.default).toEqual({ rate: 20, burst: 40 });
  });

  it('lets a burst through, then throttles IAM with Throttling (no SDK retries)', async () => {
    const iam = iamClient(sb, undefined, 1);
    const results = await Promise.allSettled(Array.from({ length: 60 }, () => iam.send(new ListUsersCommand({}))));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const throttled = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as Error & { $metadata: { httpStatusCode: number } });
    expect(ok).toBeGreaterThanOrEqual(40);
    expect(ok).toBeLessThan(46);
    expect(throttled.length).toBe(60 - ok);
    for (const e of throttled) {
      expect(e.name).toBe('Throttling');
      expect(e.$metadata.httpStatusCode).toBe(400);
    }
    // STS has its own bucket: not throttled by IAM's.
    await stsClient(sb, undefined, 1).send(new GetCallerIdentityCommand({}));
    const log = sb.requests().filter((r) => r.errorCode === 'Throttling');
    expect(log.length).toBe(throttled.length);
  });

  it('throttles a JSON service with its modelled exception (Organizations ListAccounts: burst 12)', async () => {
    const org = new OrganizationsClient({ endpoint: sb.endpoint, region: 'us-east-1', credentials: sb.managementCredentials, maxAttempts: 1 });
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => org.send(new ListAccountsCommand({}))));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBeGreaterThanOrEqual(12);
    expect(ok).toBeLessThan(15);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(TooManyRequestsException);
    org.destroy();
  });

  it("the SDK's retries ride out throttling at a low quota", async () => {
    realTime = true;
    sb.setQuotas({ iam: { default: { rate: 20, burst: 2 } } });
    const iam = iamClient(sb, undefined, 10);
    const out = await Promise.all(Array.from({ length: 6 }, () => iam.send(new ListUsersCommand({}))));
    expect(out).toHaveLength(6);
    expect(out.some((o) => (o.$metadata.attempts ?? 1) > 1)).toBe(true);
    realTime = false;
    sb.setQuotas(true);
  });
});

describe('faults: 5xx, resets and latency from a seed', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(async () => sb.close());

  it('parses the CLI fault spec', () => {
    expect(parseFaultSpec('errors=0.05,resets=0.01,latency=30,jitter=10,seed=7')).toEqual({ errors: 0.05, resets: 0.01, latency: 30, jitter: 10, seed: 7 });
    expect(() => parseFaultSpec('errors=2')).toThrow(/fraction/);
    expect(() => parseFaultSpec('bogus=1')).toThrow(/unknown fault option/);
  });

  it('answers 500/503 before the handler runs, so a failed write changes nothing', async () => {
    sb.setFaults({ errors: 0.5, seed: 7 });
    const iam = iamClient(sb, undefined, 1);
    const names = Array.from({ length: 20 }, (_, i) => `five-hundred-${i}`);
    const results = await Promise.allSettled(names.map((UserName) => iam.send(new CreateUserCommand({ UserName }))));
    sb.setFaults(undefined);
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ name: names[i]!, e: r.reason as Error & { $metadata: { httpStatusCode: number } } }] : []));
    expect(failed.length).toBeGreaterThan(3);
    expect(failed.length).toBeLessThan(17);
    const users = sb.state.accounts[sb.managementAccountId]!.iam.users;
    for (const { name, e } of failed) {
      expect([500, 503]).toContain(e.$metadata.httpStatusCode);
      expect(['InternalFailure', 'ServiceUnavailable']).toContain(e.name);
      expect(users[name]).toBeUndefined();
    }
  });

  it('the same seed gives the same faults', async () => {
    const outcome = async () => {
      sb.setFaults({ errors: 0.3, resets: 0.1, seed: 11 });
      const sts = stsClient(sb, undefined, 1);
      const out: string[] = [];
      for (let i = 0; i < 25; i++) {
        try {
          await sts.send(new GetCallerIdentityCommand({}));
          out.push('ok');
        } catch (e) {
          out.push((e as Error & { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ? String((e as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode) : 'reset');
        }
      }
      sts.destroy();
      sb.setFaults(undefined);
      return out;
    };
    const a = await outcome();
    const b = await outcome();
    expect(a).toEqual(b);
    expect(a).toContain('ok');
    expect(a).toContain('reset');
    expect(a.some((x) => x === '500' || x === '503')).toBe(true);
  });

  it("the SDK's retries recover from 5xx and connection resets, and each write happens once", async () => {
    sb.setFaults({ errors: 0.2, resets: 0.1, latency: 2, jitter: 3, seed: 3 });
    sb.clearRequests();
    const iam = iamClient(sb, undefined, 10);
    const names = Array.from({ length: 15 }, (_, i) => `retried-${i}`);
    await Promise.all(names.map((UserName) => iam.send(new CreateUserCommand({ UserName }))));
    sb.setFaults(undefined);
    const users = sb.state.accounts[sb.managementAccountId]!.iam.users;
    for (const n of names) expect(users[n]).toBeDefined();
    const log = sb.requests();
    expect(log.some((r) => r.errorCode === 'ConnectionReset')).toBe(true);
    expect(log.some((r) => r.status >= 500)).toBe(true);
    expect(log.filter((r) => r.operation === 'CreateUser' && r.status === 200)).toHaveLength(15);
  });

  it('resetAfter: the write happens but the client never sees the answer', async () => {
    sb.setFaults({ resetAfter: 1, seed: 1 });
    const iam = iamClient(sb, undefined, 1);
    const e = await failure(() => iam.send(new CreateUserCommand({ UserName: 'ghost-write' })));
    sb.setFaults(undefined);
    expect(e.$metadata?.httpStatusCode).toBeUndefined();
    expect((await iam.send(new GetUserCommand({ UserName: 'ghost-write' }))).User!.UserName).toBe('ghost-write');
  });

  it('adds latency', async () => {
    sb.setFaults({ latency: 60, seed: 1 });
    const sts = stsClient(sb);
    const t0 = performance.now();
    await sts.send(new GetCallerIdentityCommand({}));
    sb.setFaults(undefined);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
  });
});
