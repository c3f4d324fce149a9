import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateAccountCommand, MoveAccountCommand, ListRootsCommand, DescribeCreateAccountStatusCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldAccounts, unitPaths } from '../helpers/organization.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const MANAGEMENT_EMAIL = 'aws+general@example.com';

const manifest = (extra = '', units = '[Workloads/NonProd, Workloads/Prod, Teams]', testingUnit = 'Workloads/NonProd', prodEnv = 'prod') => `
organization:
  management: General
  units: ${units}
accounts:
  - { name: General, email: ${MANAGEMENT_EMAIL} }
  - { name: Development, email: aws+development@example.com, unit: Workloads/NonProd, tags: { env: dev } }
  - { name: Testing, email: aws+testing@example.com, unit: ${testingUnit} }
  - { name: Production, email: aws+production@example.com, unit: Workloads/Prod, tags: { env: ${prodEnv}, owner: platform } }
${extra}`;

describe('plan and apply: the organization, its units and its accounts', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: MANAGEMENT_EMAIL }, delays: { createAccount: 150, rolePropagation: 400 } });
  });
  afterAll(async () => w.close());

  it('plans a fresh organization without a single write', async () => {
    w.writeManifest(manifest());
    w.sandbox.clearRequests();
    const { code, out } = await w.lz('plan', '--detailed-exitcode');
    expect(code).toBe(2);
    expect(out).toContain('+ organization');
    expect(out).toContain('+ unit:Workloads/NonProd');
    expect(out).toContain('+ account:Production');
    expect(out).toContain('Plan: 8 to add, 0 to change, 0 to destroy.');
    const writes = w.sandbox.requests().filter((r) => !r.readOnly);
    expect(writes).toEqual([]);
    expect(w.sandbox.requests().length).toBeGreaterThan(0);
  });

  it('applies it, waiting for each new account\'s role, and then plans no changes', async () => {
    w.sandbox.clearRequests();
    const { code, out, err } = await w.lz('apply', '--auto-approve');
    expect(err + out).toContain('Apply complete!');
    expect(code).toBe(0);

    const held = await heldAccounts(w.organizations);
    const byName = Object.fromEntries(held.map((a) => [a.name, a]));
    expect(Object.keys(byName).sort()).toEqual(['Development', 'General', 'Production', 'Testing']);
    expect(byName.Development).toMatchObject({ unit: 'Workloads/NonProd', tags: { env: 'dev' } });
    expect(byName.Production).toMatchObject({ unit: 'Workloads/Prod', tags: { env: 'prod', owner: 'platform' } });
    expect(byName.Testing!.unit).toBe('Workloads/NonProd');
    expect([...(await unitPaths(w.organizations)).values()].sort()).toEqual(['(root)', 'Teams', 'Workloads', 'Workloads/NonProd', 'Workloads/Prod']);

    // The roles were not assumable at first (propagation): apply asked again until they were.
    const assumes = w.sandbox.requests().filter((r) => r.operation === 'AssumeRole');
    expect(assumes.some((r) => r.status === 403)).toBe(true);
    expect(assumes.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(3);

    const again = await w.lz('plan', '--detailed-exitcode');
    expect(again.out).toContain('No changes. Your organization matches accounts.yaml.');
    expect(again.code).toBe(0);
  });

  it('creates only an account added to the file', async () => {
    w.writeManifest(manifest('  - { name: Data, email: aws+data@example.com, unit: Teams }'));
    const plan = await w.lz('plan');
    expect(plan.out).toContain('Plan: 1 to add, 0 to change, 0 to destroy.');
    w.sandbox.clearRequests();
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect(w.sandbox.requests().filter((r) => r.operation === 'CreateAccount')).toHaveLength(1);
    const data = (await heldAccounts(w.organizations)).find((a) => a.name === 'Data');
    expect(data).toMatchObject({ email: 'aws+data@example.com', unit: 'Teams' });
  });

  it('moves an account to another unit with one update', async () => {
    w.writeManifest(manifest('  - { name: Data, email: aws+data@example.com, unit: Teams }', undefined, 'Workloads/Prod'));
    const plan = await w.lz('plan');
    expect(plan.out).toContain('~ account:Testing');
    expect(plan.out).toContain('~ unit: "Workloads/NonProd" -> "Workloads/Prod"');
    expect(plan.out).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
    w.sandbox.clearRequests();
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect(w.sandbox.requests().filter((r) => !r.readOnly).map((r) => r.operation)).toEqual(['MoveAccount']);
    expect((await heldAccounts(w.organizations)).find((a) => a.name === 'Testing')!.unit).toBe('Workloads/Prod');
  });

  it('adds a unit and changes tags', async () => {
    w.writeManifest(manifest('  - { name: Data, email: aws+data@example.com, unit: Teams/Data }', '[Workloads/NonProd, Workloads/Prod, Teams/Data]', 'Workloads/Prod', 'production'));
    const plan = await w.lz('plan');
    expect(plan.out).toContain('+ unit:Teams/Data');
    expect(plan.out).toContain('~ tags.env: "prod" -> "production"');
    expect(plan.out).toContain('Plan: 1 to add, 2 to change, 0 to destroy.');
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    const held = await heldAccounts(w.organizations);
    expect(held.find((a) => a.name === 'Production')!.tags).toEqual({ env: 'production', owner: 'platform' });
    expect(held.find((a) => a.name === 'Data')!.unit).toBe('Teams/Data');
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('reports an account the file does not name and never touches it', async () => {
    const created = await w.organizations.send(new CreateAccountCommand({ AccountName: 'Legacy', Email: 'legacy@example.com' }));
    let status = created.CreateAccountStatus!;
    while (status.State === 'IN_PROGRESS') {
      await new Promise((r) => setTimeout(r, 100));
      status = (await w.organizations.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status.Id! }))).CreateAccountStatus!;
    }
    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.out).toMatch(/\? account Legacy \(\d{12}, legacy@example.com/);
    expect(plan.code).toBe(0);
    w.sandbox.clearRequests();
    const pruned = await w.lz('apply', '--auto-approve', '--prune');
    expect(pruned.code, pruned.err).toBe(0);
    expect(pruned.out).toMatch(/\? account Legacy/);
    const touching = w.sandbox.requests().filter((r) => !r.readOnly);
    expect(touching).toEqual([]);
    expect((await heldAccounts(w.organizations)).find((a) => a.name === 'Legacy')!.unit).toBe('(root)');
  });

  it('refuses a saved plan that went stale', async () => {
    w.writeManifest(manifest('  - { name: Data, email: aws+data@example.com, unit: Teams/Data }', '[Workloads/NonProd, Workloads/Prod, Teams/Data]', 'Workloads/NonProd', 'production'));
    const saved = await w.lz('plan', '--out', 'plan.json');
    expect(saved.out).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
    // Someone moves Production by hand after the plan was saved.
    const held = await heldAccounts(w.organizations);
    const prod = held.find((a) => a.name === 'Production')!;
    const paths = await unitPaths(w.organizations);
    const idOf = (p: string) => [...paths].find(([, path]) => path === p)![0];
    await w.organizations.send(new MoveAccountCommand({ AccountId: prod.id, SourceParentId: idOf('Workloads/Prod'), DestinationParentId: idOf('Teams') }));
    w.sandbox.clearRequests();
    const applied = await w.lz('apply', 'plan.json');
    expect(applied.code).toBe(1);
    expect(applied.err).toContain('The saved plan is stale');
    expect(applied.err).toContain('account:Production');
    expect(w.sandbox.requests().filter((r) => !r.readOnly)).toEqual([]);
    // A fresh plan, saved and applied at once, goes through.
    await w.lz('plan', '--out', 'plan.json');
    expect((await w.lz('apply', 'plan.json')).code).toBe(0);
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('refuses something that is not a plan, and a plan from another organization', async () => {
    writeFileSync(join(w.dir, 'not-a-plan.json'), '{"hello": 1}');
    const bad = await w.lz('apply', 'not-a-plan.json');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('is not a saved plan');
    writeFileSync(join(w.dir, 'no-manifest.json'), JSON.stringify({ format: 'lz-plan', formatVersion: 2, changes: [], manual: [], organization: {}, options: {} }));
    const incomplete = await w.lz('apply', 'no-manifest.json');
    expect(incomplete.code).toBe(1);
    expect(incomplete.err).toContain('is not a complete saved plan: it has no manifest.file');
    expect(incomplete.err).not.toContain('internal error');
    await w.lz('plan', '--out', 'plan.json');
    const plan = JSON.parse(readFileSync(join(w.dir, 'plan.json'), 'utf8'));
    plan.organization.id = 'o-otherorg00';
    writeFileSync(join(w.dir, 'other.json'), JSON.stringify(plan));
    const other = await w.lz('apply', 'other.json');
    expect(other.code).toBe(1);
    expect(other.err).toContain('The saved plan is for organization o-otherorg00');
  });

  it('refuses a saved plan whose payload was edited, naming the change, before anything is read or written', async () => {
    w.writeManifest(manifest('  - { name: Audit, email: aws+audit@example.com, unit: Teams }', '[Workloads/NonProd, Workloads/Prod, Teams/Data]', 'Workloads/NonProd', 'production'));
    const saved = await w.lz('plan', '--out', 'plan.json');
    expect(saved.code).toBe(0);
    const plan = JSON.parse(readFileSync(join(w.dir, 'plan.json'), 'utf8'));
    const target = plan.changes.find((c: { address: string }) => c.address === 'account:Audit');
    expect(target.payload).toBeDefined();
    const write = (name: string, edit: (p: typeof plan) => void) => {
      const copy = JSON.parse(JSON.stringify(plan));
      edit(copy);
      writeFileSync(join(w.dir, name), JSON.stringify(copy));
    };

    // A payload that is not what the kind's module makes.
    write('garbage.json', (p) => (p.changes.find((c: { address: string }) => c.address === 'account:Audit').payload = 'rm -rf /'));
    // A payload that still has the right shape but says something else than a plan made now.
    write('edited.json', (p) => {
      const change = p.changes.find((c: { address: string }) => c.address === 'account:Audit');
      change.payload = JSON.parse(JSON.stringify(change.payload).split('aws+audit@example.com').join('attacker@example.com'));
    });
    // A plan of the format before payloads existed.
    write('old.json', (p) => {
      p.formatVersion = 1;
      for (const c of p.changes) delete c.payload;
    });
    w.sandbox.clearRequests();
    const garbage = await w.lz('apply', 'garbage.json');
    expect(garbage.code).toBe(1);
    expect(garbage.err).toContain('change account:Audit has a payload the account module cannot apply');
    expect(w.sandbox.requests()).toEqual([]);
    const edited = await w.lz('apply', 'edited.json');
    expect(edited.code).toBe(1);
    expect(edited.err).toMatch(/stale.*account:Audit/s);
    const old = await w.lz('apply', 'old.json');
    expect(old.code).toBe(1);
    expect(old.err).toContain('plan format version 1');
    expect(w.sandbox.requests().filter((r) => !r.readOnly)).toEqual([]);
    expect((await heldAccounts(w.organizations)).some((a) => a.email === 'attacker@example.com' || a.name === 'Audit')).toBe(false);
  });

  it('needs approval off a terminal', async () => {
    w.writeManifest(manifest('  - { name: Data, email: aws+data@example.com, unit: Teams/Data }\n  - { name: Analytics, email: aws+analytics@example.com, unit: Teams }', '[Workloads/NonProd, Workloads/Prod, Teams/Data]', 'Workloads/NonProd', 'production'));
    w.sandbox.clearRequests();
    const r = await w.lz('apply');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--auto-approve');
    expect(w.sandbox.requests().filter((x) => !x.readOnly)).toEqual([]);
  });

  it('resumes a creation that was interrupted after CreateAccount instead of creating twice', async () => {
    // A run sent CreateAccount, journaled the request id, and died. The creation is still in progress when
    // apply runs, and its name differs, so only the journal (keyed by email) can lead apply to it.
    w.sandbox.runtime.delays.createAccount = 2500;
    const sent = await w.organizations.send(new CreateAccountCommand({ AccountName: 'Analytics (pending)', Email: 'aws+analytics@example.com', RoleName: 'OrganizationAccountAccessRole' }));
    const orgId = JSON.parse(readFileSync(join(w.dir, 'plan.json'), 'utf8')).organization.id;
    writeFileSync(
      join(w.dir, '.lz', 'journal.json'),
      JSON.stringify({ version: 1, creations: { [orgId]: { 'aws+analytics@example.com': { requestId: sent.CreateAccountStatus!.Id, accountName: 'Analytics', email: 'aws+analytics@example.com', requestedAt: new Date().toISOString() } } } }),
    );
    w.sandbox.clearRequests();
    const r = await w.lz('apply', '--auto-approve');
    expect(r.code).toBe(0);
    expect(w.sandbox.requests().filter((x) => x.operation === 'CreateAccount')).toHaveLength(0);
    expect(r.err).toContain('resuming creation');
    const analytics = (await heldAccounts(w.organizations)).filter((a) => a.email === 'aws+analytics@example.com');
    expect(analytics).toHaveLength(1);
    expect(analytics[0]!.unit).toBe('Teams');
    // The journal forgets a creation once the account is known.
    expect(JSON.parse(readFileSync(join(w.dir, '.lz', 'journal.json'), 'utf8')).creations).toEqual({});
  });

  it('adopts a creation in flight that no journal knows of (a crash before journaling)', async () => {
    w.writeManifest(manifest('  - { name: Data, email: aws+data@example.com, unit: Teams/Data }\n  - { name: Analytics, email: aws+analytics@example.com, unit: Teams }\n  - { name: Sales, email: aws+sales@example.com }', '[Workloads/NonProd, Workloads/Prod, Teams/Data]', 'Workloads/NonProd', 'production'));
    await w.organizations.send(new CreateAccountCommand({ AccountName: 'Sales', Email: 'aws+sales@example.com', RoleName: 'OrganizationAccountAccessRole' }));
    w.sandbox.clearRequests();
    const r = await w.lz('apply', '--auto-approve');
    w.sandbox.runtime.delays.createAccount = 150;
    expect(r.code).toBe(0);
    expect(r.err).toContain('resuming creation');
    expect(w.sandbox.requests().filter((x) => x.operation === 'CreateAccount')).toHaveLength(0);
    expect((await heldAccounts(w.organizations)).filter((a) => a.email === 'aws+sales@example.com')).toHaveLength(1);
  });

  it('gives a clear error when an account\'s email belongs to an account outside the organization', async () => {
    const roots = await w.organizations.send(new ListRootsCommand({}));
    expect(roots.Roots).toHaveLength(1);
    w.sandbox.addStandaloneAccount({ name: 'Someone else', email: 'taken@example.com' });
    w.writeManifest(manifest('  - { name: Data, email: aws+data@example.com, unit: Teams/Data }\n  - { name: Analytics, email: aws+analytics@example.com, unit: Teams }\n  - { name: Sales, email: aws+sales@example.com }\n  - { name: Taken, email: taken@example.com }\n  - { name: Marketing, email: aws+marketing@example.com }', '[Workloads/NonProd, Workloads/Prod, Teams/Data]', 'Workloads/NonProd', 'production'));
    const r = await w.lz('apply', '--auto-approve');
    expect(r.code).toBe(1);
    expect(r.out).toContain('x account:Taken: Account Taken: the email taken@example.com already belongs to an AWS account outside this organization.');
    expect(r.out).toContain('1 failed');
    // The other new account was created all the same.
    const held = await heldAccounts(w.organizations);
    expect(held.filter((a) => a.email === 'aws+marketing@example.com')).toHaveLength(1);
    expect(held.filter((a) => a.email === 'taken@example.com')).toHaveLength(0);
  });
});
