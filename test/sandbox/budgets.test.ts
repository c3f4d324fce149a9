import {
  AccessDeniedException,
  BudgetsClient,
  CreateBudgetCommand,
  CreateNotificationCommand,
  CreateSubscriberCommand,
  CreationLimitExceededException,
  DeleteBudgetCommand,
  DeleteNotificationCommand,
  DeleteSubscriberCommand,
  DescribeBudgetCommand,
  DescribeBudgetsCommand,
  DescribeSubscribersForNotificationCommand,
  DuplicateRecordException,
  InvalidNextTokenException,
  InvalidParameterException,
  NotFoundException,
  UpdateBudgetCommand,
  UpdateNotificationCommand,
  paginateDescribeBudgets,
  paginateDescribeNotificationsForBudget,
  paginateDescribeSubscribersForNotification,
  type Budget,
  type Notification,
  type Subscriber,
} from '@aws-sdk/client-budgets';
import { CreateAccountCommand, CreateOrganizationCommand, DescribeCreateAccountStatusCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SETTLING, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { assume, clientConfig, failure, type Creds } from './clients.js';

let sb: SandboxHandle;
let budgets: BudgetsClient;
let me: string;

beforeAll(async () => {
  sb = await startSandbox({ port: 0, delays: { createAccount: 200, rolePropagation: 200, ...NO_SETTLING } });
  budgets = new BudgetsClient(clientConfig(sb));
  me = sb.managementAccountId;
});

afterAll(async () => {
  budgets.destroy();
  await sb.close();
});

const budgetsFor = (credentials?: Creds) => new BudgetsClient(clientConfig(sb, credentials));

function monthly(name: string, amount = '100.0'): Budget {
  return { BudgetName: name, BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: amount, Unit: 'USD' } };
}

const at80: Notification = { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' };
const forecast100: Notification = { NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' };
const email = (Address: string) => ({ SubscriptionType: 'EMAIL' as const, Address });

async function notifications(name: string) {
  const out: Notification[] = [];
  for await (const page of paginateDescribeNotificationsForBudget({ client: budgets }, { AccountId: me, BudgetName: name })) out.push(...page.Notifications!);
  return out;
}

async function subscribers(name: string, notification: Notification) {
  const out: Subscriber[] = [];
  for await (const page of paginateDescribeSubscribersForNotification({ client: budgets }, { AccountId: me, BudgetName: name, Notification: notification })) {
    out.push(...page.Subscribers!);
  }
  return out;
}

describe('budgets', () => {
  it('creates a budget with notifications and subscribers, keeping the limit as sent and filling AWS defaults', async () => {
    await budgets.send(
      new CreateBudgetCommand({
        AccountId: me,
        Budget: monthly('main', '100.0'),
        NotificationsWithSubscribers: [
          { Notification: at80, Subscribers: [email('finops@example.com')] },
          { Notification: forecast100, Subscribers: [email('finops@example.com'), email('cto@example.com')] },
        ],
      }),
    );
    const budget = (await budgets.send(new DescribeBudgetCommand({ AccountId: me, BudgetName: 'main' }))).Budget!;
    expect(budget).toMatchObject({ BudgetName: 'main', BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: '100.0', Unit: 'USD' } });
    expect(budget.CostTypes).toMatchObject({ IncludeTax: true, UseBlended: false });
    expect(budget.TimePeriod!.Start).toBeInstanceOf(Date);
    expect(budget.TimePeriod!.Start!.getUTCDate()).toBe(1);
    expect(budget.TimePeriod!.End!.toISOString()).toBe('2087-06-15T00:00:00.000Z');
    expect(budget.CalculatedSpend!.ActualSpend).toEqual({ Amount: '0', Unit: 'USD' });

    const held = await notifications('main');
    expect(held.map((n) => [n.NotificationType, n.Threshold, n.ThresholdType])).toEqual([
      ['ACTUAL', 80, 'PERCENTAGE'],
      ['FORECASTED', 100, 'PERCENTAGE'],
    ]);
    expect((await subscribers('main', forecast100)).map((s) => s.Address)).toEqual(['finops@example.com', 'cto@example.com']);

    expect(await failure(() => budgets.send(new CreateBudgetCommand({ AccountId: me, Budget: monthly('main') })))).toBeInstanceOf(DuplicateRecordException);
    expect(await failure(() => budgets.send(new DescribeBudgetCommand({ AccountId: me, BudgetName: 'nope' })))).toBeInstanceOf(NotFoundException);
  });

  it('replaces the whole budget on UpdateBudget, and refuses two limits or two filter sets as AWS does', async () => {
    const now = new Date();
    const thisMonth = String(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) / 1000);
    const nextMonth = String(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) / 1000);
    const planned = { [thisMonth]: { Amount: '10', Unit: 'USD' }, [nextMonth]: { Amount: '20', Unit: 'USD' } };
    const base = { BudgetName: 'whole', BudgetType: 'COST' as const, TimeUnit: 'MONTHLY' as const };
    await budgets.send(new CreateBudgetCommand({ AccountId: me, Budget: { ...base, PlannedBudgetLimits: planned, CostFilters: { Region: ['eu-west-1'] } } }));
    // Describe answers a planned budget with this period's limit as BudgetLimit too.
    const read = (await budgets.send(new DescribeBudgetCommand({ AccountId: me, BudgetName: 'whole' }))).Budget!;
    expect(read).toMatchObject({ PlannedBudgetLimits: planned, BudgetLimit: { Amount: '10', Unit: 'USD' }, CostFilters: { Region: ['eu-west-1'] } });
    // ...which UpdateBudget refuses to take back as it was read.
    const { CalculatedSpend: _s, LastUpdatedTime: _u, ...asRead } = read;
    expect(await failure(() => budgets.send(new UpdateBudgetCommand({ AccountId: me, NewBudget: asRead })))).toBeInstanceOf(InvalidParameterException);
    const bothSets = { ...base, BudgetLimit: { Amount: '5', Unit: 'USD' }, CostTypes: { IncludeTax: false }, Metrics: ['UnblendedCost' as const] };
    expect(await failure(() => budgets.send(new UpdateBudgetCommand({ AccountId: me, NewBudget: bothSets })))).toBeInstanceOf(InvalidParameterException);

    // What the new budget leaves out is gone: nothing is merged from the old one.
    await budgets.send(new UpdateBudgetCommand({ AccountId: me, NewBudget: { ...base, BudgetLimit: { Amount: '5', Unit: 'USD' }, Metrics: ['UnblendedCost'] } }));
    const replaced = (await budgets.send(new DescribeBudgetCommand({ AccountId: me, BudgetName: 'whole' }))).Budget!;
    expect(replaced.BudgetLimit).toEqual({ Amount: '5', Unit: 'USD' });
    expect(replaced.Metrics).toEqual(['UnblendedCost']);
    expect([replaced.PlannedBudgetLimits, replaced.CostFilters, replaced.CostTypes]).toEqual([undefined, undefined, undefined]);
    await budgets.send(new DeleteBudgetCommand({ AccountId: me, BudgetName: 'whole' }));
  });

  it('updates a budget in place and deletes it', async () => {
    await budgets.send(new CreateBudgetCommand({ AccountId: me, Budget: monthly('upd', '50'), NotificationsWithSubscribers: [{ Notification: at80, Subscribers: [email('a@example.com')] }] }));
    await budgets.send(new UpdateBudgetCommand({ AccountId: me, NewBudget: monthly('upd', '75.5') }));
    const budget = (await budgets.send(new DescribeBudgetCommand({ AccountId: me, BudgetName: 'upd' }))).Budget!;
    expect(budget.BudgetLimit).toEqual({ Amount: '75.5', Unit: 'USD' });
    // The notifications survive an update of the budget.
    expect(await notifications('upd')).toHaveLength(1);
    expect(await failure(() => budgets.send(new UpdateBudgetCommand({ AccountId: me, NewBudget: monthly('ghost') })))).toBeInstanceOf(NotFoundException);

    await budgets.send(new DeleteBudgetCommand({ AccountId: me, BudgetName: 'upd' }));
    expect(await failure(() => budgets.send(new DescribeBudgetCommand({ AccountId: me, BudgetName: 'upd' })))).toBeInstanceOf(NotFoundException);
    expect(await failure(() => budgets.send(new DeleteBudgetCommand({ AccountId: me, BudgetName: 'upd' })))).toBeInstanceOf(NotFoundException);
  });

  it('manages notifications: duplicates refused, update by identity, at most ten', async () => {
    await budgets.send(new CreateBudgetCommand({ AccountId: me, Budget: monthly('notes') }));
    await budgets.send(new CreateNotificationCommand({ AccountId: me, BudgetName: 'notes', Notification: at80, Subscribers: [email('a@example.com')] }));
    expect(
      await failure(() => budgets.send(new CreateNotificationCommand({ AccountId: me, BudgetName: 'notes', Notification: { ...at80 }, Subscribers: [email('b@example.com')] }))),
    ).toBeInstanceOf(DuplicateRecordException);

    const at90 = { ...at80, Threshold: 90 };
    await budgets.send(new UpdateNotificationCommand({ AccountId: me, BudgetName: 'notes', OldNotification: at80, NewNotification: at90 }));
    expect((await notifications('notes')).map((n) => n.Threshold)).toEqual([90]);
    // Subscribers follow the notification.
    expect((await subscribers('notes', at90)).map((s) => s.Address)).toEqual(['a@example.com']);
    expect(
      await failure(() => budgets.send(new UpdateNotificationCommand({ AccountId: me, BudgetName: 'notes', OldNotification: at80, NewNotification: at90 }))),
    ).toBeInstanceOf(NotFoundException);

    const more = [10, 20, 30, 40, 50, 60, 70, 75, 85];
    for (const t of more) {
      await budgets.send(new CreateNotificationCommand({ AccountId: me, BudgetName: 'notes', Notification: { ...at80, Threshold: t }, Subscribers: [email('a@example.com')] }));
    }
    expect(await notifications('notes')).toHaveLength(10);
    const eleventh = await failure(() =>
      budgets.send(new CreateNotificationCommand({ AccountId: me, BudgetName: 'notes', Notification: { ...at80, Threshold: 95 }, Subscribers: [email('a@example.com')] })),
    );
    expect(eleventh).toBeInstanceOf(CreationLimitExceededException);
    expect(await notifications('notes')).toHaveLength(10);

    await budgets.send(new DeleteNotificationCommand({ AccountId: me, BudgetName: 'notes', Notification: at90 }));
    expect((await notifications('notes')).map((n) => n.Threshold)).toEqual(more);
    expect(await failure(() => budgets.send(new DeleteNotificationCommand({ AccountId: me, BudgetName: 'notes', Notification: at90 })))).toBeInstanceOf(
      NotFoundException,
    );
  });

  it('manages subscribers: duplicates refused, at most ten email subscribers', async () => {
    await budgets.send(new CreateBudgetCommand({ AccountId: me, Budget: monthly('subs'), NotificationsWithSubscribers: [{ Notification: at80, Subscribers: [email('s0@example.com')] }] }));
    const add = (Address: string) => budgets.send(new CreateSubscriberCommand({ AccountId: me, BudgetName: 'subs', Notification: at80, Subscriber: email(Address) }));
    expect(await failure(() => add('s0@example.com'))).toBeInstanceOf(DuplicateRecordException);
    for (let i = 1; i < 10; i++) await add(`s${i}@example.com`);
    expect(await subscribers('subs', at80)).toHaveLength(10);
    const first = await budgets.send(new DescribeSubscribersForNotificationCommand({ AccountId: me, BudgetName: 'subs', Notification: at80 }));
    expect(first.Subscribers!.length).toBeLessThan(10);
    expect(first.NextToken).toBeDefined();
    expect(await failure(() => add('s10@example.com'))).toBeInstanceOf(CreationLimitExceededException);
    expect(await failure(() => add('not-an-email'))).toBeInstanceOf(InvalidParameterException);

    await budgets.send(new DeleteSubscriberCommand({ AccountId: me, BudgetName: 'subs', Notification: at80, Subscriber: email('s0@example.com') }));
    const held = (await subscribers('subs', at80)).map((s) => s.Address);
    expect(held).toHaveLength(9);
    expect(held).not.toContain('s0@example.com');
    expect(
      await failure(() => budgets.send(new DeleteSubscriberCommand({ AccountId: me, BudgetName: 'subs', Notification: at80, Subscriber: email('s0@example.com') }))),
    ).toBeInstanceOf(NotFoundException);
    expect(
      await failure(() => budgets.send(new CreateSubscriberCommand({ AccountId: me, BudgetName: 'subs', Notification: forecast100, Subscriber: email('x@example.com') }))),
    ).toBeInstanceOf(NotFoundException);
  });

  it('refuses more than ten notifications or ten email subscribers in CreateBudget', async () => {
    const eleventh = Array.from({ length: 11 }, (_, i) => ({ Notification: { ...at80, Threshold: (i + 1) * 10 }, Subscribers: [email('a@example.com')] }));
    expect(await failure(() => budgets.send(new CreateBudgetCommand({ AccountId: me, Budget: monthly('big'), NotificationsWithSubscribers: eleventh })))).toBeInstanceOf(
      CreationLimitExceededException,
    );
    const eleven = Array.from({ length: 11 }, (_, i) => email(`e${i}@example.com`));
    expect(
      await failure(() => budgets.send(new CreateBudgetCommand({ AccountId: me, Budget: monthly('big'), NotificationsWithSubscribers: [{ Notification: at80, Subscribers: eleven }] }))),
    ).toBeInstanceOf(CreationLimitExceededException);
    expect(await failure(() => budgets.send(new DescribeBudgetCommand({ AccountId: me, BudgetName: 'big' })))).toBeInstanceOf(NotFoundException);
  });

  it('pages DescribeBudgets and refuses a token it did not issue', async () => {
    for (let i = 0; i < 7; i++) await budgets.send(new CreateBudgetCommand({ AccountId: me, Budget: monthly(`paged-${i}`) }));
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeBudgets({ client: budgets }, { AccountId: me })) {
      pages++;
      names.push(...page.Budgets!.map((b) => b.BudgetName!));
    }
    expect(pages).toBeGreaterThan(1);
    expect(names.filter((n) => n.startsWith('paged-')).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `paged-${i}`));
    expect(new Set(names).size).toBe(names.length);
    expect(await failure(() => budgets.send(new DescribeBudgetsCommand({ AccountId: me, NextToken: 'forged' })))).toBeInstanceOf(InvalidNextTokenException);
  });

  it('validates budgets as AWS does', async () => {
    const bad: Budget[] = [
      { ...monthly('x'), BudgetName: 'a:b' },
      { ...monthly('x'), TimeUnit: 'WEEKLY' as never },
      { ...monthly('x'), BudgetLimit: { Amount: 'lots', Unit: 'USD' } },
      { BudgetName: 'nolimit', BudgetType: 'COST', TimeUnit: 'MONTHLY' },
    ];
    for (const Budget of bad) expect(await failure(() => budgets.send(new CreateBudgetCommand({ AccountId: me, Budget })))).toBeInstanceOf(InvalidParameterException);
  });

  it("refuses an AccountId that isn't the caller's own account", async () => {
    const org = new OrganizationsClient(clientConfig(sb));
    await org.send(new CreateOrganizationCommand({}));
    const req = (await org.send(new CreateAccountCommand({ AccountName: 'Member', Email: 'member@example.com' }))).CreateAccountStatus!;
    sb.advanceTime(400);
    const memberId = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req.Id! }))).CreateAccountStatus!.AccountId!;
    const member = budgetsFor(await assume(sb, `arn:aws:iam::${memberId}:role/OrganizationAccountAccessRole`));

    // The management account can't reach into a member's budgets, nor a member into the management account's.
    expect(await failure(() => budgets.send(new CreateBudgetCommand({ AccountId: memberId, Budget: monthly('cross') })))).toBeInstanceOf(AccessDeniedException);
    expect(await failure(() => member.send(new DescribeBudgetCommand({ AccountId: me, BudgetName: 'main' })))).toBeInstanceOf(AccessDeniedException);
    expect(await failure(() => member.send(new DescribeBudgetsCommand({ AccountId: me })))).toBeInstanceOf(AccessDeniedException);

    // In its own account the member works, and its budgets are its own.
    await member.send(new CreateBudgetCommand({ AccountId: memberId, Budget: monthly('main', '5') }));
    const mine = (await member.send(new DescribeBudgetsCommand({ AccountId: memberId }))).Budgets!;
    expect(mine.map((b) => [b.BudgetName, b.BudgetLimit!.Amount])).toEqual([['main', '5']]);
    expect((await budgets.send(new DescribeBudgetCommand({ AccountId: me, BudgetName: 'main' }))).Budget!.BudgetLimit!.Amount).toBe('100.0');
  });
});
