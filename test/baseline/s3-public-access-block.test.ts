import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DeletePublicAccessBlockCommand, GetPublicAccessBlockCommand, PutPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Plan } from '../../src/core/plan.js';
import { accountIds } from '../helpers/organization.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const ALL_ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

const manifest = (prod = '') => `
organization:
  management: General
  units: [Workloads]
defaults:
  s3PublicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true }
accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Development, email: aws+development@example.com, unit: Workloads }
  - { name: Production, email: aws+production@example.com, unit: Workloads${prod} }
`;

describe('account-level S3 Block Public Access (CIS 2.1.4, Security Hub S3.1)', () => {
  let w: TestWorld;
  let ids: Record<string, string>;
  /** S3 Control as the account itself sees it: the management keys, or the member's access role. */
  const s3Control = async (name: string) => {
    const config = { region: 'us-east-1', endpoint: w.sandbox.endpoint, maxAttempts: 1, endpointProvider: () => ({ url: new URL(w.sandbox.endpoint) }) };
    if (ids[name] === w.sandbox.managementAccountId) return new S3ControlClient({ ...config, credentials: w.sandbox.managementCredentials });
    const sts = new STSClient({ ...config, credentials: w.sandbox.managementCredentials });
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ids[name]}:role/OrganizationAccountAccessRole`, RoleSessionName: 'test' }))).Credentials!;
    sts.destroy();
    return new S3ControlClient({ ...config, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! } });
  };
  const held = async (name: string) => {
    const client = await s3Control(name);
    try {
      return (await client.send(new GetPublicAccessBlockCommand({ AccountId: ids[name] }))).PublicAccessBlockConfiguration;
    } catch (err) {
      if ((err as Error).name === 'NoSuchPublicAccessBlockConfiguration') return undefined;
      throw err;
    } finally {
      client.destroy();
    }
  };
  const inAccount = async (name: string, call: (client: S3ControlClient) => Promise<unknown>) => {
    const client = await s3Control(name);
    await call(client).finally(() => client.destroy());
  };

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' }, delays: { createAccount: 100, rolePropagation: 200 } });
  });
  afterAll(async () => w.close());

  it('is planned in every account, new ones after their creation, and applied in every account', async () => {
    w.writeManifest(manifest());
    const plan = JSON.parse((await w.lz('plan', '--json')).out) as Plan;
    for (const name of ['General', 'Development', 'Production']) {
      const change = plan.changes.find((c) => c.address === `${name}.s3-public-access-block`)!;
      expect(change).toMatchObject({ action: 'create', kind: 's3-public-access-block', payload: { put: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true } } });
    }
    expect(plan.changes.find((c) => c.address === 'Production.s3-public-access-block')!.dependsOn).toContain('account:Production');

    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.err + applied.out).toContain('Apply complete!');
    ids = await accountIds(w.organizations);
    for (const name of ['General', 'Development', 'Production']) expect(await held(name)).toEqual(ALL_ON);
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('finds a setting turned off by hand as drift and a posture finding, and apply turns it back on', async () => {
    await inAccount('Development', (c) => c.send(new PutPublicAccessBlockCommand({ AccountId: ids.Development, PublicAccessBlockConfiguration: { ...ALL_ON, BlockPublicPolicy: false } })));
    await inAccount('Production', (c) => c.send(new DeletePublicAccessBlockCommand({ AccountId: ids.Production })));

    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.out).toContain('~ Development.s3-public-access-block');
    expect(plan.out).toContain('~ blockPublicPolicy: false -> true');
    expect(plan.out).toContain('+ Production.s3-public-access-block');

    const drift = await w.lz('drift', '--format', 'json');
    expect(drift.code).toBe(2);
    const report = JSON.parse(drift.out) as { posture: { check: string; account: string; status: string; cis?: string; control?: string; resources: string[] }[] };
    const bpa = report.posture.filter((r) => r.check === 's3-account-public-access-block');
    expect(bpa.map((r) => [r.account, r.status, r.resources])).toEqual([
      ['General', 'pass', []],
      ['Development', 'fail', ['blockPublicPolicy']],
      ['Production', 'fail', ['blockPublicAcls', 'ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets']],
    ]);
    expect(bpa[0]).toMatchObject({ cis: '2.1.4', control: 'S3.1' });

    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect(await held('Development')).toEqual(ALL_ON);
    expect(await held('Production')).toEqual(ALL_ON);
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('relaxes a setting only where the file says so, and never turns the block off for an account the file leaves out', async () => {
    w.writeManifest(manifest(', s3PublicAccessBlock: { restrictPublicBuckets: false }'));
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect(await held('Production')).toEqual({ ...ALL_ON, RestrictPublicBuckets: false });
    expect(await held('Development')).toEqual(ALL_ON);

    w.writeManifest(manifest(', s3PublicAccessBlock: null'));
    w.sandbox.clearRequests();
    const pruned = await w.lz('plan', '--prune', '--detailed-exitcode');
    expect(pruned.code).toBe(0);
    expect(pruned.out).toContain('S3 Block Public Access on account Production (blockPublicAcls, ignorePublicAcls, blockPublicPolicy); accounts.yaml declares none, and lz never turns it off');
    expect(w.sandbox.requests().filter((r) => !r.readOnly)).toEqual([]);
    expect(await held('Production')).toEqual({ ...ALL_ON, RestrictPublicBuckets: false });
  });

  it('is written back by lz import, once under defaults when every account has the same', async () => {
    w.writeManifest(manifest());
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    const imported = await w.lz('import', '--out', 'imported.yaml');
    expect(imported.code).toBe(0);
    const doc = parse(readFileSync(join(w.dir, 'imported.yaml'), 'utf8')) as { defaults: Record<string, unknown>; accounts: Record<string, unknown>[] };
    expect(doc.defaults.s3PublicAccessBlock).toEqual({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true });
    expect(doc.accounts.filter((a) => 's3PublicAccessBlock' in a)).toEqual([]);
    expect((await w.lz('plan', '-f', 'imported.yaml', '--detailed-exitcode')).code).toBe(0);
  });
});
