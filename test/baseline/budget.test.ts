import {
  BudgetsClient,
  CreateBudgetCommand,
  CreateSubscriberCommand,
  DeleteNotificationCommand,
  DescribeBudgetCommand,
  UpdateBudgetCommand,
  paginateDescribeBudgets,
  paginateDescribeNotificationsForBudget,
  paginateDescribeSubscribersForNotification,
  type Notification,
} from '@aws-sdk/client-budgets';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountClients } from '../../src/aws/context.js';
import { retrySettling } from '../../src/aws/settling.js';
import type { ResolvedBudget } from '../../src/resources/budget-model.js';
import { budget } from '../../src/resources/budget.js';
import type { AccountApplyContext } from '../../src/core/module.js';
import { heldAccounts } from '../helpers/organization.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const DEFAULT_BUDGET = '{ amount: 100, currency: USD, alerts: [ { at: 80, type: ACTUAL }, { at: 100, type: FORECASTED } ], notify: [finops@example.com] }';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:finops-alerts';

interface Options {
  budget?: string;
  production?: string;
  extra?: string;
}

const manifest = (o: Options = {}) => `
organization:
  management: General
  units: [Workloads]
defaults:
  budget: ${o.budget ?? DEFAULT_BUDGET}
accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Development, email: aws+development@example.com, unit: Workloads }
  - { name: Testing, email: aws+testing@example.com, unit: Workloads, budget: null }
  - name: Production
    email: aws+production@example.com
    unit: Workloads
    ${o.production ?? 'budget: { amount: 1000 }'}
    budgets:
      - { name: prod-quarterly, amount: 5000, period: QUARTERLY, alerts: [ { at: 4000, thresholdType: ABSOLUTE_VALUE } ], notify: [${TOPIC}] }
${o.extra ?? ''}`;

/** What the sandbox holds in one account, read through the SDK with that account's own credentials. */
interface HeldBudget {
  amount: number;
  unit: string;
  timeUnit: string;
  costFilters: Record<string, string[]>;
  /** `ACTUAL GREATER_THAN 80 PERCENTAGE` -> subscribers as `EMAIL:a@b.c`, sorted. */
  alerts: Record<string, string[]>;
}

const key = (n: Notification) => `${n.NotificationType} ${n.ComparisonOperator} ${n.Threshold} ${n.ThresholdType}`;

describe('the budget baseline item', () => {
  let w: TestWorld;
  let sts: STSClient;
  const ids: Record<string, string> = {};
  const config = () => ({ region: 'us-east-1', endpoint: w.sandbox.endpoint, maxAttempts: 1 });

  /** A Budgets client inside an account: the management account's own keys, or the member's access role. */
  async function budgetsIn(name: string): Promise<BudgetsClient> {
    const id = ids[name]!;
    if (id === w.sandbox.managementAccountId) return new BudgetsClient({ ...config(), credentials: w.sandbox.managementCredentials });
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`, RoleSessionName: 'budget-test' }));
    const c = out.Credentials!;
    // A new account's Budgets answers SubscriptionRequiredException at first: this client waits through it as lz's do.
    const client = new BudgetsClient({ ...config(), maxAttempts: 8, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
    retrySettling(client, () => {});
    return client;
  }

  async function held(name: string): Promise<Record<string, HeldBudget>> {
    const client = await budgetsIn(name);
    const AccountId = ids[name]!;
    const out: Record<string, HeldBudget> = {};
    for await (const page of paginateDescribeBudgets({ client }, { AccountId })) {
      for (const b of page.Budgets ?? []) {
        const alerts: Record<string, string[]> = {};
        for await (const np of paginateDescribeNotificationsForBudget({ client }, { AccountId, BudgetName: b.BudgetName })) {
          for (const n of np.Notifications ?? []) {
            const subs: string[] = [];
            for await (const sp of paginateDescribeSubscribersForNotification({ client }, { AccountId, BudgetName: b.BudgetName, Notification: n })) {
              for (const s of sp.Subscribers ?? []) subs.push(`${s.SubscriptionType}:${s.Address}`);
            }
            expect(alerts[key(n)], `notification ${key(n)} twice on ${b.BudgetName}`).toBeUndefined();
            alerts[key(n)] = subs.sort();
          }
        }
        out[b.BudgetName!] = {
          amount: Number(b.BudgetLimit!.Amount),
          unit: b.BudgetLimit!.Unit!,
          timeUnit: b.TimeUnit!,
          costFilters: (b.CostFilters ?? {}) as Record<string, string[]>,
          alerts,
        };
      }
    }
    client.destroy();
    return out;
  }

  const budgetCalls = (account: string, write?: boolean) =>
    w.sandbox
      .requests()
      .filter((r) => r.service === 'budgets' && r.callerAccount === ids[account] && (write === undefined || r.readOnly !== write));
  const budgetWrites = () => w.sandbox.requests().filter((r) => r.service === 'budgets' && !r.readOnly);

  const standard = (subscribers = ['EMAIL:finops@example.com']) => ({
    'ACTUAL GREATER_THAN 80 PERCENTAGE': subscribers,
    'FORECASTED GREATER_THAN 100 PERCENTAGE': subscribers,
  });

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' }, delays: { createAccount: 100, rolePropagation: 200 } });
    sts = new STSClient({ ...config(), credentials: w.sandbox.managementCredentials });
  });
  afterAll(async () => {
    sts.destroy();
    await w.close();
  });

  it('plans budgets for accounts that do not exist yet, with their alerts, and writes nothing', async () => {
    w.writeManifest(manifest());
    w.sandbox.clearRequests();
    const { code, out } = await w.lz('plan', '--detailed-exitcode');
    expect(code).toBe(2);
    expect(out).toContain('+ General.budget.lz-monthly');
    expect(out).toContain('+ Development.budget.lz-monthly');
    expect(out).toContain('+ Production.budget.lz-monthly');
    expect(out).toContain('+ Production.budget.prod-quarterly');
    expect(out).not.toContain('Testing.budget');
    expect(budgetWrites()).toEqual([]);
  });

  it('creates each account\'s budgets with their notifications and subscribers', async () => {
    const { code, out } = await w.lz('apply', '--auto-approve');
    expect(out).toContain('Apply complete!');
    expect(code).toBe(0);
    for (const a of await heldAccounts(w.organizations)) ids[a.name] = a.id;

    expect(await held('General')).toEqual({ 'lz-monthly': { amount: 100, unit: 'USD', timeUnit: 'MONTHLY', costFilters: {}, alerts: standard() } });
    expect(await held('Development')).toEqual({ 'lz-monthly': { amount: 100, unit: 'USD', timeUnit: 'MONTHLY', costFilters: {}, alerts: standard() } });
    expect(await held('Testing')).toEqual({});
    expect(await held('Production')).toEqual({
      'lz-monthly': { amount: 1000, unit: 'USD', timeUnit: 'MONTHLY', costFilters: {}, alerts: standard() },
      'prod-quarterly': {
        amount: 5000,
        unit: 'USD',
        timeUnit: 'QUARTERLY',
        costFilters: {},
        alerts: { 'ACTUAL GREATER_THAN 4000 ABSOLUTE_VALUE': [`SNS:${TOPIC}`] },
      },
    });
  });

  it('then plans no changes, reading only the budgets the file names', async () => {
    // An unmanaged budget with alerts of its own: listed, but its notifications are never read.
    const dev = await budgetsIn('Development');
    await dev.send(
      new CreateBudgetCommand({
        AccountId: ids.Development,
        Budget: { BudgetName: 'team-experiments', BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: '50.0', Unit: 'USD' } },
        NotificationsWithSubscribers: [
          { Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 50, ThresholdType: 'PERCENTAGE' }, Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'team@example.com' }] },
        ],
      }),
    );
    dev.destroy();
    w.sandbox.clearRequests();
    const { code, out } = await w.lz('plan', '--detailed-exitcode');
    expect(out).toContain('No changes.');
    expect(code).toBe(0);
    // One listing, then per named budget its notifications and each notification's subscribers.
    expect(budgetCalls('General').map((r) => r.operation).sort()).toEqual([
      'DescribeBudgets',
      'DescribeNotificationsForBudget',
      'DescribeSubscribersForNotification',
      'DescribeSubscribersForNotification',
    ]);
    expect(budgetCalls('Development')).toHaveLength(4);
    expect(budgetCalls('Testing').map((r) => r.operation)).toEqual(['DescribeBudgets']);
    expect(budgetCalls('Production')).toHaveLength(1 + 3 + 2);
  });

  it('reports a budget the file does not name and never touches it, even with --prune', async () => {
    const plan = await w.lz('plan');
    expect(plan.out).toContain('? budget "team-experiments" in account Development (cost, 50 USD, monthly)');
    w.sandbox.clearRequests();
    const applied = await w.lz('apply', '--auto-approve', '--prune');
    expect(applied.code).toBe(0);
    expect(budgetWrites()).toEqual([]);
    expect((await held('Development'))['team-experiments']).toEqual({
      amount: 50,
      unit: 'USD',
      timeUnit: 'MONTHLY',
      costFilters: {},
      alerts: { 'ACTUAL GREATER_THAN 50 PERCENTAGE': ['EMAIL:team@example.com'] },
    });
  });

  it('shows exactly the out-of-band changes and puts them back in place', async () => {
    // Someone raises Development's limit (and scopes it to one service), deletes General's forecast
    // alert, and subscribes themselves to Production's 80% alert.
    const dev = await budgetsIn('Development');
    const live = (await dev.send(new DescribeBudgetCommand({ AccountId: ids.Development, BudgetName: 'lz-monthly' }))).Budget!;
    await dev.send(
      new UpdateBudgetCommand({
        AccountId: ids.Development,
        NewBudget: { BudgetName: 'lz-monthly', BudgetType: 'COST', TimeUnit: 'MONTHLY', TimePeriod: live.TimePeriod, BudgetLimit: { Amount: '250.0', Unit: 'USD' }, CostFilters: { Service: ['Amazon Elastic Compute Cloud - Compute'] } },
      }),
    );
    dev.destroy();
    const general = await budgetsIn('General');
    await general.send(
      new DeleteNotificationCommand({ AccountId: ids.General, BudgetName: 'lz-monthly', Notification: { NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' } }),
    );
    general.destroy();
    const prod = await budgetsIn('Production');
    await prod.send(
      new CreateSubscriberCommand({
        AccountId: ids.Production,
        BudgetName: 'lz-monthly',
        Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' },
        Subscriber: { SubscriptionType: 'EMAIL', Address: 'intruder@example.com' },
      }),
    );
    prod.destroy();

    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    // Nothing else changes: in particular not the cost filter set out of band, which lz must keep.
    expect(plan.out).toContain('Plan: 0 to add, 3 to change, 0 to destroy.');
    expect(plan.out).not.toMatch(/costFilters|CostFilters/);
    const budgetLines = plan.out.split('\n').filter((l) => /\.budget\.|^\s+[~+-] (amount|currency|period|alert|subscriber)\b/.test(l)).map((l) => l.trim());
    expect(budgetLines).toEqual([
      '~ General.budget.lz-monthly',
      '+ alert = "FORECASTED > 100% -> finops@example.com"',
      '~ Development.budget.lz-monthly',
      '~ amount: 250 -> 100',
      '~ Production.budget.lz-monthly',
      '- subscriber = "ACTUAL > 80% -> intruder@example.com"',
    ]);

    w.sandbox.clearRequests();
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.code).toBe(0);
    // In place: nothing deleted and recreated.
    expect(budgetWrites().map((r) => r.operation).sort()).toEqual(['CreateNotification', 'DeleteSubscriber', 'UpdateBudget']);
    expect((await held('General'))['lz-monthly']!.alerts).toEqual(standard());
    const devHeld = (await held('Development'))['lz-monthly']!;
    expect(devHeld.amount).toBe(100);
    // UpdateBudget sent the whole budget back: the filter the file does not name is kept.
    expect(devHeld.costFilters).toEqual({ Service: ['Amazon Elastic Compute Cloud - Compute'] });
    expect((await held('Production'))['lz-monthly']!.alerts).toEqual(standard());
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('updates a changed threshold in place and adds a subscriber, and applying again duplicates nothing', async () => {
    const changed = '{ amount: 100, currency: USD, alerts: [ { at: 90, type: ACTUAL }, { at: 100, type: FORECASTED } ], notify: [finops@example.com, cto@example.com] }';
    w.writeManifest(manifest({ budget: changed }));
    const plan = await w.lz('plan');
    expect(plan.out).toContain('~ alert: "ACTUAL > 80%" -> "ACTUAL > 90%"');
    expect(plan.out).toContain('+ subscriber = "ACTUAL > 90% -> cto@example.com"');
    expect(plan.out).toContain('+ subscriber = "FORECASTED > 100% -> cto@example.com"');
    w.sandbox.clearRequests();
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    const ops = budgetWrites().map((r) => r.operation);
    expect(ops.filter((o) => o === 'UpdateNotification')).toHaveLength(3);
    expect(ops.filter((o) => o === 'CreateSubscriber')).toHaveLength(6);
    expect(ops.filter((o) => o !== 'UpdateNotification' && o !== 'CreateSubscriber')).toEqual([]);

    const both = ['EMAIL:cto@example.com', 'EMAIL:finops@example.com'];
    const expected = { 'ACTUAL GREATER_THAN 90 PERCENTAGE': both, 'FORECASTED GREATER_THAN 100 PERCENTAGE': both };
    expect((await held('General'))['lz-monthly']!.alerts).toEqual(expected);

    w.sandbox.clearRequests();
    const again = await w.lz('apply', '--auto-approve');
    expect(again.code).toBe(0);
    expect(budgetWrites()).toEqual([]);
    for (const name of ['General', 'Development', 'Production']) expect((await held(name))['lz-monthly']!.alerts).toEqual(expected);
  });

  it('applies an account override and leaves a budget switched off with null in place, reported', async () => {
    w.writeManifest(manifest({ production: 'budget: { amount: 2500 }' }));
    const plan = await w.lz('plan');
    expect(plan.out).toContain('~ Production.budget.lz-monthly');
    expect(plan.out).toContain('~ amount: 1000 -> 2500');
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect((await held('Production'))['lz-monthly']!.amount).toBe(2500);
    expect((await held('General'))['lz-monthly']!.amount).toBe(100);

    w.writeManifest(manifest({ production: 'budget: null' }));
    const off = await w.lz('plan', '--detailed-exitcode');
    expect(off.code).toBe(0);
    expect(off.out).not.toContain('Production.budget.lz-monthly');
    expect(off.out).toContain('? budget "lz-monthly" in account Production (cost, 2500 USD, monthly)');
    w.sandbox.clearRequests();
    expect((await w.lz('apply', '--auto-approve', '--prune')).code).toBe(0);
    expect(budgetWrites()).toEqual([]);
    expect(Object.keys(await held('Production')).sort()).toEqual(['lz-monthly', 'prod-quarterly']);
  });

  it('gives a new account its budget, and one failing account does not stop the others', async () => {
    w.writeManifest(manifest({ budget: DEFAULT_BUDGET.replace('amount: 100', 'amount: 200'), extra: '  - { name: Data, email: aws+data@example.com, unit: Workloads }' }));
    const plan = await w.lz('plan');
    expect(plan.out).toContain('+ account:Data');
    expect(plan.out).toContain('+ Data.budget.lz-monthly');
    // Development refuses every write (its role lost its permissions, say).
    w.sandbox.setReadOnlyPrincipals([ids.Development!]);
    const applied = await w.lz('apply', '--auto-approve');
    w.sandbox.setReadOnlyPrincipals([]);
    expect(applied.code).toBe(1);
    expect(applied.out).toContain('x Development.budget.lz-monthly');
    for (const a of await heldAccounts(w.organizations)) ids[a.name] = a.id;
    expect(await held('Data')).toEqual({ 'lz-monthly': { amount: 200, unit: 'USD', timeUnit: 'MONTHLY', costFilters: {}, alerts: standard() } });
    expect((await held('General'))['lz-monthly']!.amount).toBe(200);
    expect((await held('Development'))['lz-monthly']!.amount).toBe(100);

    const again = await w.lz('apply', '--auto-approve');
    expect(again.code).toBe(0);
    expect((await held('Development'))['lz-monthly']!.amount).toBe(200);
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('adopts a budget that already exists when creating it (an interrupted run) and completes it without duplicates', async () => {
    // A run created the budget with one alert and died; the plan it made still says "create".
    const want: ResolvedBudget = {
      name: 'adopt-me',
      amount: 40,
      currency: 'USD',
      period: 'MONTHLY',
      alerts: [
        { at: 80, type: 'ACTUAL', thresholdType: 'PERCENTAGE', comparison: 'GREATER_THAN', notify: ['finops@example.com', 'cto@example.com'] },
        { at: 100, type: 'FORECASTED', thresholdType: 'PERCENTAGE', comparison: 'GREATER_THAN', notify: ['finops@example.com'] },
      ],
    };
    const general = await budgetsIn('General');
    await general.send(
      new CreateBudgetCommand({
        AccountId: ids.General,
        Budget: { BudgetName: 'adopt-me', BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: '40', Unit: 'USD' } },
        NotificationsWithSubscribers: [
          { Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' }, Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'finops@example.com' }] },
        ],
      }),
    );
    general.destroy();
    const clients = new AccountClients(undefined, { region: 'us-east-1', maxAttempts: 1, retryMode: 'standard', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials });
    const ctx = { clients, accountId: ids.General, progress: () => {} } as unknown as AccountApplyContext;
    const change = { address: 'General.budget.adopt-me', kind: 'budget', action: 'create' as const, account: 'General', before: null, after: want, payload: budget.payload.parse({ op: 'create', budget: want }) };
    w.sandbox.clearRequests();
    await budget.apply(ctx, change);
    await budget.apply(ctx, change);
    clients.destroy();
    expect(budgetWrites().filter((r) => r.status === 200).map((r) => r.operation).sort()).toEqual(['CreateNotification', 'CreateSubscriber']);
    expect((await held('General'))['adopt-me']).toEqual({
      amount: 40,
      unit: 'USD',
      timeUnit: 'MONTHLY',
      costFilters: {},
      alerts: { 'ACTUAL GREATER_THAN 80 PERCENTAGE': ['EMAIL:cto@example.com', 'EMAIL:finops@example.com'], 'FORECASTED GREATER_THAN 100 PERCENTAGE': ['EMAIL:finops@example.com'] },
    });
  });
});
