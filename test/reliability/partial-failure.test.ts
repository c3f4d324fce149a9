import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { BudgetsClient, DescribeBudgetCommand } from '@aws-sdk/client-budgets';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { IamRole } from '../../src/sandbox/state.js';
import { accountIds } from '../helpers/organization.js';
import { problems, readHoldings, type Expected } from '../helpers/holdings.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const REPO = join(import.meta.dirname, '..', '..');
const ROLE = 'OrganizationAccountAccessRole';
const NAMES = ['General', 'Development', 'Testing', 'Production', 'Data'] as const;
const email = (name: string) => `aws+${name.toLowerCase()}@example.com`;

/** The repository's accounts.yaml baseline over `accounts`, with every account's budget at `amount`. */
function manifest(accounts: readonly string[], amount: number): string {
  const doc = parse(readFileSync(join(REPO, 'accounts.yaml'), 'utf8')) as { defaults: { budget: { amount: number } }; accounts: unknown[] };
  doc.defaults.budget.amount = amount;
  doc.accounts = accounts.map((name, i) => ({ name, email: email(name), ...(i > 0 ? { unit: i % 2 ? 'Workloads/NonProd' : 'Teams' } : {}) }));
  return stringify(doc);
}

const expected = (accounts: readonly string[], workdir: string): Expected => ({
  emails: accounts.map(email),
  adminUser: 'IAMADMIN',
  adminGroup: 'Administrators',
  mfaPolicy: 'lz-require-mfa',
  groupPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'],
  budget: { name: 'monthly-cost', notifications: ['ACTUAL GREATER_THAN 80 PERCENTAGE', 'FORECASTED GREATER_THAN 100 PERCENTAGE'], subscribers: ['EMAIL:finops@example.com'] },
  aliases: {},
  workdir,
});

/**
 * One account lz cannot get into must not stop the others: they complete, the summary names the account
 * and why, apply exits 1, and once the cause is gone the next apply finishes it.
 */
describe('partial failure: one account whose role cannot be assumed', () => {
  let w: TestWorld;
  let ids: Record<string, string>;
  let sts: STSClient;

  /** The budget's limit as the account holds it, read inside the account. */
  const budgetIn = async (name: string): Promise<number> => {
    const id = ids[name]!;
    const config = { region: 'us-east-1', endpoint: w.sandbox.endpoint, maxAttempts: 1 };
    let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = w.sandbox.managementCredentials;
    if (id !== w.sandbox.managementAccountId) {
      const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${id}:role/${ROLE}`, RoleSessionName: 'test' }))).Credentials!;
      credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    }
    const budgets = new BudgetsClient({ ...config, credentials });
    try {
      return Number((await budgets.send(new DescribeBudgetCommand({ AccountId: id, BudgetName: 'monthly-cost' }))).Budget!.BudgetLimit!.Amount);
    } finally {
      budgets.destroy();
    }
  };
  const roleOf = (name: string) => w.sandbox.state.accounts[ids[name]!]!.iam.roles;

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: email('General') }, delays: { createAccount: 50, rolePropagation: 100 } });
    sts = new STSClient({ region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials, maxAttempts: 1 });
    const four = NAMES.slice(0, 4);
    w.writeManifest(manifest(four, 100));
    const r = await w.lz('apply', '--auto-approve');
    expect(r.code, r.err + r.out).toBe(0);
    ids = await accountIds(w.organizations);
  });
  afterAll(async () => {
    sts?.destroy();
    await w?.close();
  });

  it('an existing account whose role is gone: the others complete, it fails at once and names AccessDenied; restored, it is finished', async () => {
    const four = NAMES.slice(0, 4);
    w.writeManifest(manifest(four, 250));
    const saved = roleOf('Testing')[ROLE]!;
    delete roleOf('Testing')[ROLE];
    w.sandbox.clearRequests();

    const started = Date.now();
    const r = await w.lz('apply', '--auto-approve', '--role-timeout', '2');
    const elapsed = Date.now() - started;
    expect(r.code, r.err + r.out).toBe(1);
    // The summary names the account and why, as AWS said it.
    expect(r.out).toMatch(/x account:Testing: cannot assume arn:aws:iam::\d{12}:role\/OrganizationAccountAccessRole: sts:AssumeRole \(\d{12}\) returned HTTP 403 AccessDenied: .*sts:AssumeRole.*\(request id [\w-]+\)/);
    expect(r.out).toContain('Apply finished with errors.');
    // An existing account's AccessDenied is a failure, not propagation: no waiting, no retrying.
    expect(elapsed).toBeLessThan(2000);
    expect(w.sandbox.requests().filter((x) => x.operation === 'AssumeRole' && x.errorCode === 'AccessDenied').length).toBeLessThanOrEqual(2);
    // The others were done; Testing was not touched.
    for (const name of ['General', 'Development', 'Production']) expect(await budgetIn(name), name).toBe(250);
    expect(w.sandbox.requests().some((x) => !x.readOnly && x.callerAccount === ids.Testing)).toBe(false);

    // `lz plan` says the same and exits 1 rather than calling an unread account converged.
    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.code).toBe(1);
    expect(plan.out).toContain('x account:Testing: cannot assume');

    roleOf('Testing')[ROLE] = saved;
    const again = await w.lz('apply', '--auto-approve');
    expect(again.code, again.err + again.out).toBe(0);
    expect(await budgetIn('Testing')).toBe(250);
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('a new account whose role never becomes assumable: waits --role-timeout, the others complete; then it is finished', async () => {
    w.writeManifest(manifest(NAMES, 300));
    // The new account's role stays unassumable (as if IAM never propagated it) for this run.
    w.sandbox.runtime.delays.rolePropagation = 3_600_000;
    w.sandbox.clearRequests();
    const started = Date.now();
    const r = await w.lz('apply', '--auto-approve', '--role-timeout', '2');
    const elapsed = Date.now() - started;
    w.sandbox.runtime.delays.rolePropagation = 100;
    expect(r.code, r.err + r.out).toBe(1);
    expect(r.out).toMatch(/x account:Data: Account Data: cannot assume arn:aws:iam::\d{12}:role\/OrganizationAccountAccessRole: .*sts:AssumeRole/);
    expect(r.out).toMatch(/Data\.budget\.monthly-cost not run: account:Data did not complete/);
    // A new account's role is waited for, up to --role-timeout, and no longer.
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(15_000);
    ids = await accountIds(w.organizations);
    expect(ids.Data).toBeDefined();
    // ... asking again while it waited (only Data's role refuses in this run).
    expect(w.sandbox.requests().filter((x) => x.operation === 'AssumeRole' && x.errorCode === 'AccessDenied').length).toBeGreaterThan(1);
    for (const name of NAMES.slice(0, 4)) expect(await budgetIn(name), name).toBe(300);
    expect(w.sandbox.requests().some((x) => !x.readOnly && x.callerAccount === ids.Data)).toBe(false);

    // IAM catches up.
    const role: IamRole = roleOf('Data')[ROLE]!;
    delete role.assumableAfter;
    const again = await w.lz('apply', '--auto-approve');
    expect(again.code, again.err + again.out).toBe(0);
    expect(await budgetIn('Data')).toBe(300);
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
    const held = await readHoldings(w.sandbox);
    expect(problems(held, expected(NAMES, join(w.dir, '.lz')), w.sandbox)).toEqual([]);
  });
});
