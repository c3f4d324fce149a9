import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DisableRegionCommand, EnableRegionCommand, GetRegionOptStatusCommand, type RegionOptStatus } from '@aws-sdk/client-account';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Plan } from '../../src/core/plan.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';
import { accountIds, inAccount } from './settings-helpers.js';

/** How long the sandbox keeps a Region ENABLING or DISABLING; tests move its clock past it. */
const OPT_IN_DELAY = 30_000;

const manifest = (production = '[me-central-1, af-south-1]', development = 'null') => `
organization:
  management: General
  units: [Workloads]
defaults:
  optInRegions: [af-south-1]
accounts:
  - name: General
    email: aws+general@example.com
  - name: Development
    email: aws+development@example.com
    unit: Workloads
    optInRegions: ${development}
  - name: Production
    email: aws+production@example.com
    unit: Workloads
    optInRegions: ${production}
`;

describe('opt-in Regions per account', () => {
  let w: TestWorld;
  let ids: Record<string, string>;

  /** The Region's status as the account itself reads it from the sandbox, through the SDK. */
  const held = async (name: string, region: string): Promise<RegionOptStatus | undefined> => {
    const c = await inAccount(w, ids[name]!);
    try {
      return (await c.account.send(new GetRegionOptStatusCommand({ RegionName: region }))).RegionOptStatus;
    } finally {
      c.iam.destroy();
      c.account.destroy();
    }
  };

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' }, delays: { createAccount: 100, rolePropagation: 200, regionOptIn: OPT_IN_DELAY } });
  });
  afterAll(async () => w.close());

  it('plans the enable of each listed Region, in new accounts after their creation, and says it completes asynchronously', async () => {
    w.writeManifest(manifest());
    const plan = JSON.parse((await w.lz('plan', '--json')).out) as Plan;
    const ours = plan.changes.filter((c) => c.kind === 'opt-in-regions');
    expect(ours.map((c) => [c.address, c.action, c.payload])).toEqual([
      ['General.opt-in-regions.af-south-1', 'create', { region: 'af-south-1', enable: true }],
      ['Production.opt-in-regions.af-south-1', 'create', { region: 'af-south-1', enable: true }],
      ['Production.opt-in-regions.me-central-1', 'create', { region: 'me-central-1', enable: true }],
    ]);
    expect(ours.find((c) => c.account === 'Production')!.dependsOn).toContain('account:Production');

    const text = (await w.lz('plan')).out;
    expect(text).toContain('+ General.opt-in-regions.af-south-1');
    expect(text).toContain('AWS completes it asynchronously (minutes, sometimes hours); lz does not wait');
  });

  it('applies them inside each account: ENABLING at once, no drift while AWS works, ENABLED once it is done', async () => {
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.err + applied.out).toContain('Apply complete!');
    expect(applied.code).toBe(0);
    ids = await accountIds(w);
    expect(await held('General', 'af-south-1')).toBe('ENABLING');
    expect(await held('Production', 'af-south-1')).toBe('ENABLING');
    expect(await held('Production', 'me-central-1')).toBe('ENABLING');
    expect(await held('Development', 'af-south-1')).toBe('DISABLED');
    // Each account switched its own Regions (no AccountId from the management account).
    const enables = w.sandbox.requests().filter((r) => r.operation === 'EnableRegion');
    expect(enables.map((r) => r.callerAccount).sort()).toEqual([ids.General, ids.Production, ids.Production].sort());

    const during = await w.lz('plan', '--detailed-exitcode');
    expect(during.out).toContain('No changes. Your organization matches accounts.yaml.');
    expect(during.out).toContain('… opt-in Region me-central-1 on account Production is being enabled: AWS completes it asynchronously (minutes, sometimes hours)');
    expect(during.code).toBe(0);
    const duringJson = JSON.parse((await w.lz('plan', '--json')).out) as Plan;
    expect(duringJson.inProgress?.map((p) => p.address)).toEqual(['General.opt-in-regions.af-south-1', 'Production.opt-in-regions.af-south-1', 'Production.opt-in-regions.me-central-1']);

    w.sandbox.advanceTime(OPT_IN_DELAY);
    expect(await held('General', 'af-south-1')).toBe('ENABLED');
    expect(await held('Production', 'me-central-1')).toBe('ENABLED');
    const after = await w.lz('plan', '--detailed-exitcode');
    expect(after.code).toBe(0);
    expect(after.out).not.toContain('being enabled');
  });

  it('reads only accounts that declare optInRegions, with one ListRegions each', async () => {
    w.sandbox.clearRequests();
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
    const lists = (id: string) => w.sandbox.requests().filter((r) => r.callerAccount === id && r.service === 'account' && r.operation.includes('Region'));
    expect(lists(ids.General!).map((r) => r.operation)).toEqual(['ListRegions']);
    expect(lists(ids.Production!).map((r) => r.operation)).toEqual(['ListRegions']);
    expect(lists(ids.Development!)).toEqual([]);
  });

  it('reports an opt-in Region enabled by hand and disables it only with --prune', async () => {
    const prod = await inAccount(w, ids.Production!);
    await prod.account.send(new EnableRegionCommand({ RegionName: 'ca-west-1' }));
    prod.iam.destroy();
    prod.account.destroy();
    w.sandbox.advanceTime(OPT_IN_DELAY);

    w.sandbox.clearRequests();
    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    expect(plan.out).toContain('? opt-in Region ca-west-1 is enabled on account Production; accounts.yaml does not list it (--prune removes it)');
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect(w.sandbox.requests().filter((r) => !r.readOnly)).toEqual([]);
    expect(await held('Production', 'ca-west-1')).toBe('ENABLED');

    const pruned = JSON.parse((await w.lz('plan', '--prune', '--json')).out) as Plan;
    expect(pruned.changes.filter((c) => c.kind === 'opt-in-regions').map((c) => [c.address, c.action, c.payload])).toEqual([
      ['Production.opt-in-regions.ca-west-1', 'delete', { region: 'ca-west-1', enable: false }],
    ]);
    expect((await w.lz('apply', '--prune', '--auto-approve')).code).toBe(0);
    expect(await held('Production', 'ca-west-1')).toBe('DISABLING');
    // On its way out, it is neither reported nor planned again: only shown as under way.
    const during = await w.lz('plan', '--prune', '--detailed-exitcode');
    expect(during.code).toBe(0);
    expect(during.out.split('\n').filter((l) => l.includes('ca-west-1'))).toEqual(['  … opt-in Region ca-west-1 on account Production is being disabled; accounts.yaml does not list it']);
    w.sandbox.advanceTime(OPT_IN_DELAY);
    expect(await held('Production', 'ca-west-1')).toBe('DISABLED');
    expect(await held('Production', 'me-central-1')).toBe('ENABLED');
  });

  it('applies idempotently: a Region another hand switched a moment before lz’s call is no failure', async () => {
    w.writeManifest(manifest('[me-central-1, af-south-1, il-central-1, eu-south-2]'));
    // Just before each of lz's EnableRegion calls reaches the sandbox, someone else has already started the
    // same enable (il-central-1: still ENABLING) or seen it through (eu-south-2: ENABLED), as a re-run
    // after a crash would find them. AWS then answers ConflictException and ValidationException.
    const now = w.sandbox.runtime.now().getTime();
    const stop = w.sandbox.onRequest((r) => {
      if (r.operation !== 'EnableRegion') return;
      const regions = (w.sandbox.state.accounts[ids.Production!]!.regionOptIn ??= {});
      regions['il-central-1'] = { status: 'ENABLING', settlesAt: new Date(now + OPT_IN_DELAY).toISOString() };
      regions['eu-south-2'] = { status: 'ENABLING', settlesAt: new Date(now - 1).toISOString() };
    });
    try {
      const applied = await w.lz('apply', '--auto-approve');
      expect(applied.err + applied.out).toContain('Apply complete!');
      expect(applied.code).toBe(0);
    } finally {
      stop();
    }
    const answers = w.sandbox.requests().filter((r) => r.operation === 'EnableRegion').slice(-2).map((r) => r.errorCode).sort();
    expect(answers).toEqual(['ConflictException', 'ValidationException']);
    expect(await held('Production', 'il-central-1')).toBe('ENABLING');
    expect(await held('Production', 'eu-south-2')).toBe('ENABLED');
  });

  it('plans a listed Region found DISABLING as an update, which apply refuses until AWS has finished', async () => {
    const prod = await inAccount(w, ids.Production!);
    await prod.account.send(new EnableRegionCommand({ RegionName: 'mx-central-1' }));
    w.sandbox.advanceTime(OPT_IN_DELAY);
    await prod.account.send(new DisableRegionCommand({ RegionName: 'mx-central-1' }));
    prod.iam.destroy();
    prod.account.destroy();
    w.writeManifest(manifest('[me-central-1, af-south-1, il-central-1, eu-south-2, mx-central-1]'));

    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.out).toContain('~ Production.opt-in-regions.mx-central-1');
    expect(plan.out).toContain('~ status: "DISABLING" -> "ENABLED"');
    const refused = await w.lz('apply', '--auto-approve');
    expect(refused.code).toBe(1);
    expect(refused.err + refused.out).toContain('cannot enable Region mx-central-1 in account Production now: it is DISABLING');
    expect(await held('Production', 'mx-central-1')).toBe('DISABLING');

    w.sandbox.advanceTime(OPT_IN_DELAY);
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect(await held('Production', 'mx-central-1')).toBe('ENABLING');
  });

  it('validate refuses a Region enabled by default, an unknown name and a duplicate, at their line, without calling AWS', async () => {
    w.writeManifest(manifest('[me-central-1, us-east-1]', '[af-south-1, af-south-1]').replace('optInRegions: [af-south-1]', 'optInRegions: [af-south-l]'));
    w.sandbox.clearRequests();
    const r = await w.lz('validate', '--json');
    expect(r.code).toBe(1);
    const errors = (JSON.parse(r.out) as { errors: { message: string; line: number; col: number; path: string; hint?: string }[] }).errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'defaults.optInRegions[0]', line: 6, message: expect.stringContaining('"af-south-l" is not an opt-in Region of the aws partition'), hint: expect.stringContaining('did you mean af-south-1?') }),
        expect.objectContaining({ path: 'accounts[1].optInRegions[1]', line: 13, message: expect.stringContaining('is listed twice') }),
        expect.objectContaining({ path: 'accounts[2].optInRegions[1]', line: 17, col: 34, message: expect.stringContaining('"us-east-1" is enabled by default in every account: it needs no opt-in'), hint: 'remove it from optInRegions' }),
      ]),
    );
    expect(w.sandbox.requests()).toEqual([]);
    const text = await w.lz('validate');
    expect(text.err).toContain('accounts.yaml:17:34');
  });

  it('is written back by lz import, and the imported file plans no change', async () => {
    w.writeManifest(manifest('[me-central-1, af-south-1, il-central-1, eu-south-2, mx-central-1]'));
    w.sandbox.advanceTime(OPT_IN_DELAY);
    const imported = await w.lz('import', '--out', 'imported.yaml');
    expect(imported.code, imported.err).toBe(0);
    const doc = parse(readFileSync(join(w.dir, 'imported.yaml'), 'utf8')) as { defaults: Record<string, unknown>; accounts: Record<string, unknown>[] };
    const of = (name: string) => doc.accounts.find((a) => a.name === name)?.optInRegions;
    expect(of('General') ?? doc.defaults.optInRegions).toEqual(['af-south-1']);
    expect(of('Production')).toEqual(['af-south-1', 'eu-south-2', 'il-central-1', 'me-central-1', 'mx-central-1']);
    expect(of('Development')).toBeUndefined();
    expect((await w.lz('plan', '-f', 'imported.yaml', '--prune', '--detailed-exitcode')).code).toBe(0);
  });
});
