import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldAccounts } from '../helpers/organization.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const ORIGINAL = `# accounts.yaml: the organization of Example Corp.
# Owners: platform@example.com

organization:
  management: General            # the account that owns the organization
  units: [Workloads/NonProd, Teams]   # parents are implied
  emailPattern: aws+{name}@example.com

defaults:
  passwordPolicy: { minimumLength: 14, reusePrevention: 24 }

accounts:
  # Core
  - { name: General,     email: aws+general@example.com,     alias: example-general-7f3a }
  - { name: Development, email: aws+development@example.com, unit: Workloads/NonProd }   # the devs' sandbox
  - { name: Testing,     email: aws+testing@example.com,     unit: Workloads/NonProd, tags: { env: test } }

# Team accounts are added by \`lz onboard\`.
`;

describe('lz onboard', () => {
  let w: TestWorld;
  const file = () => readFileSync(join(w.dir, 'accounts.yaml'), 'utf8');

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(ORIGINAL);
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.code, applied.err + applied.out).toBe(0);
  }, 60_000);
  afterAll(async () => w.close());

  it('adds the account, keeping every other byte of the file, and plans that account alone', async () => {
    w.sandbox.clearRequests();
    const r = await w.lz('onboard', 'Data', '--unit', 'Teams', '--tag', 'team=data', '--tag', 'cost-centre=42', '--budget', '50');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const text = file();
    const inserted = '  - { name: Data,        email: aws+data@example.com,        unit: Teams, tags: { team: data, cost-centre: "42" }, budget: { amount: 50 } }\n';
    const at = ORIGINAL.indexOf('\n# Team accounts');
    expect(text).toBe(ORIGINAL.slice(0, at) + inserted + ORIGINAL.slice(at));
    expect(r.out).toContain(`Added Data to accounts.yaml:\n${inserted}`);

    // The plan: one account to add, and its baseline; nothing about the others.
    expect(r.out).toContain('+ account:Data');
    const addresses = [...r.out.matchAll(/^ {2}[+~-] (\S+)$/gm)].map((m) => m[1]!);
    expect(addresses).toContain('Data.password-policy');
    expect(addresses).toContain('Data.budget.lz-monthly');
    expect(addresses.every((a) => a === 'account:Data' || a.startsWith('Data.'))).toBe(true);
    expect(addresses.filter((a) => a.startsWith('account:'))).toEqual(['account:Data']);
    expect(r.out).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy\./);
    expect(r.out).toContain('Apply it with: lz apply --target "Data"');
    // Onboarding plans; it does not apply.
    expect(w.sandbox.requests().filter((q) => !q.readOnly)).toEqual([]);
    expect((await heldAccounts(w.organizations)).some((a) => a.name === 'Data')).toBe(false);
  });

  it.each([
    ['a name', ['data', '--email', 'someone-else@example.com'], 'account name "data" is already used by account Data'],
    ['an email', ['Other', '--email', 'AWS+Testing@example.com'], 'email "AWS+Testing@example.com" is already used by account Testing'],
    ['an email from the pattern', ['DEVELOPMENT'], 'already used by account Development'],
    ['an alias', ['Other', '--alias', 'example-general-7f3a'], 'alias "example-general-7f3a" is already used by account General'],
  ])('refuses %s already in the file and leaves the file untouched', async (_what, args, message) => {
    const before = file();
    const r = await w.lz('onboard', ...args);
    expect(r.code).toBe(1);
    expect(r.err).toContain(message);
    expect(r.err).toContain('nothing was changed');
    expect(file()).toBe(before);
  });

  it('refuses a unit the file does not declare, naming the ones it does', async () => {
    const before = file();
    const r = await w.lz('onboard', 'Other', '--unit', 'Teams/Data');
    expect(r.code).toBe(1);
    expect(r.err).toContain('unit "Teams/Data" is not declared in accounts.yaml');
    expect(r.err).toContain('declared units: Teams, Workloads, Workloads/NonProd');
    expect(file()).toBe(before);
  });

  it('refuses what would make the file invalid, before writing it', async () => {
    const before = file();
    const r = await w.lz('onboard', 'Other', '--alias', 'Not An Alias');
    expect(r.code).toBe(1);
    expect(r.err).toContain('must be 3-63 lowercase letters');
    expect(file()).toBe(before);
  });

  it('needs --auto-approve for --apply off a terminal, and changes nothing without it', async () => {
    const before = file();
    w.sandbox.clearRequests();
    const r = await w.lz('onboard', 'Analytics', '--apply');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--auto-approve');
    expect(file()).toBe(before);
    expect(w.sandbox.requests().filter((q) => !q.readOnly)).toEqual([]);
  });

  it('with --apply, creates the account where the file says', async () => {
    const before = file();
    w.sandbox.clearRequests();
    const r = await w.lz('onboard', 'Analytics', '--unit', 'Teams', '--apply', '--auto-approve');
    expect(r.err + r.out).toContain('Apply complete!');
    expect(r.code).toBe(0);
    const held = await heldAccounts(w.organizations);
    const analytics = held.find((a) => a.name === 'Analytics');
    expect(analytics).toMatchObject({ email: 'aws+analytics@example.com', unit: 'Teams' });
    // Once created, its id pins the entry; every other byte of the file is as it was.
    const at = before.indexOf('\n# Team accounts');
    expect(file()).toBe(`${before.slice(0, at)}  - { name: Analytics,   email: aws+analytics@example.com, id: "${analytics!.id}",   unit: Teams }\n${before.slice(at)}`);
    expect(r.out).toContain(`Pinned Analytics to its account id ${analytics!.id}`);
    // Targeted: Data, in the file but not applied, was not created.
    expect(w.sandbox.requests().filter((q) => q.operation === 'CreateAccount')).toHaveLength(1);
    expect(held.some((a) => a.name === 'Data')).toBe(false);
  });

  it('edits the file a symlinked accounts.yaml points at, keeping its mode', async () => {
    const real = join(w.dir, 'org', 'real-accounts.yaml');
    mkdirSync(join(w.dir, 'org'), { recursive: true });
    renameSync(join(w.dir, 'accounts.yaml'), real);
    symlinkSync(real, join(w.dir, 'accounts.yaml'));
    chmodSync(real, 0o640);
    const r = await w.lz('onboard', 'Billing', '--unit', 'Teams');
    expect(r.code, r.err).toBe(0);
    expect(lstatSync(join(w.dir, 'accounts.yaml')).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toContain('name: Billing');
    expect(statSync(real).mode & 0o777).toBe(0o640);
  });
});
