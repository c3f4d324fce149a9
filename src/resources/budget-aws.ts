import {
  CreateBudgetCommand,
  CreateNotificationCommand,
  CreateSubscriberCommand,
  DeleteNotificationCommand,
  DeleteSubscriberCommand,
  DescribeBudgetCommand,
  UpdateBudgetCommand,
  UpdateNotificationCommand,
  paginateDescribeBudgets,
  paginateDescribeNotificationsForBudget,
  paginateDescribeSubscribersForNotification,
  type Budget,
  type BudgetsClient,
  type Notification,
  type Spend,
  type Subscriber,
} from '@aws-sdk/client-budgets';
import { LzError } from '../errors.js';
import { ignoreCodes, isError } from '../aws/aws-errors.js';
import { alertKey, formatAmount, parseAmount, type Alert, type AlertKey, type LiveBudget, type ResolvedBudget, type Step } from './budget-model.js';

/** Page size for the three Describe calls: AWS's default for DescribeBudgets and the maximum of the other two. */
const PAGE = 100;

/** AWS Budgets' "not found", which it also answers for an empty listing. */
const NOT_FOUND_CODE = 'NotFoundException';

/** A listing AWS answers NotFoundException for reads as empty. */
const emptyIfNotFound = (read: () => Promise<void>) => ignoreCodes(read(), [NOT_FOUND_CODE]);

/** What AWS Budgets answers for a budget, notification or subscriber that exists already. */
export const DUPLICATE_CODE = 'DuplicateRecordException';

// ---- read ---------------------------------------------------------------------------------------------------

/**
 * One DescribeBudgets listing of the account, then notifications and subscribers of only the budgets in
 * `names`: 1 + (1 + notifications) calls per named budget that exists. AWS has answered NotFoundException
 * for "none" on these list calls; that is read as empty.
 */
export async function readBudgets(client: BudgetsClient, accountId: string, names: ReadonlySet<string>): Promise<LiveBudget[]> {
  const listed: LiveBudget[] = [];
  await emptyIfNotFound(async () => {
    for await (const page of paginateDescribeBudgets({ client, pageSize: PAGE }, { AccountId: accountId })) {
      for (const b of page.Budgets ?? []) listed.push(liveBudget(b));
    }
  });
  await Promise.all(
    listed.filter((b) => names.has(b.name)).map(async (b) => {
      b.alerts = await readAlerts(client, accountId, b.name);
    }),
  );
  return listed;
}

/** One budget with its alerts (after a conflict in apply); undefined when it does not exist. */
export async function readBudget(client: BudgetsClient, accountId: string, name: string): Promise<LiveBudget | undefined> {
  const out = await ignoreCodes(client.send(new DescribeBudgetCommand({ AccountId: accountId, BudgetName: name })), [NOT_FOUND_CODE]);
  if (!out?.Budget) return undefined;
  const live = liveBudget(out.Budget);
  live.alerts = await readAlerts(client, accountId, name);
  return live;
}

function liveBudget(b: Budget): LiveBudget {
  return {
    name: b.BudgetName ?? '',
    amount: parseAmount(b.BudgetLimit?.Amount),
    currency: b.BudgetLimit?.Unit ?? null,
    period: b.TimeUnit ?? 'MONTHLY',
    budgetType: b.BudgetType ?? 'COST',
  };
}

async function readAlerts(client: BudgetsClient, accountId: string, name: string): Promise<Alert[]> {
  const notifications: Notification[] = [];
  await emptyIfNotFound(async () => {
    for await (const page of paginateDescribeNotificationsForBudget({ client, pageSize: PAGE }, { AccountId: accountId, BudgetName: name })) {
      notifications.push(...(page.Notifications ?? []));
    }
  });
  const alerts = await Promise.all(
    notifications.map(async (n): Promise<Alert> => {
      const key = alertFrom(n);
      const notify: string[] = [];
      await emptyIfNotFound(async () => {
        for await (const page of paginateDescribeSubscribersForNotification(
          { client, pageSize: PAGE },
          { AccountId: accountId, BudgetName: name, Notification: notificationOf(key) },
        )) {
          for (const s of page.Subscribers ?? []) if (s.Address) notify.push(s.Address);
        }
      });
      return { ...key, notify: notify.sort() };
    }),
  );
  // A stable order, whatever order AWS answered in: a saved plan is compared with a fresh one.
  return alerts.sort((a, b) => alertKey(a).localeCompare(alertKey(b)));
}

function alertFrom(n: Notification): AlertKey {
  return {
    at: n.Threshold ?? 0,
    type: n.NotificationType === 'FORECASTED' ? 'FORECASTED' : 'ACTUAL',
    thresholdType: n.ThresholdType === 'ABSOLUTE_VALUE' ? 'ABSOLUTE_VALUE' : 'PERCENTAGE',
    comparison: n.ComparisonOperator ?? 'GREATER_THAN',
  } as AlertKey;
}

// ---- write --------------------------------------------------------------------------------------------------

export const notificationOf = (a: AlertKey): Notification => ({
  NotificationType: a.type,
  ComparisonOperator: a.comparison,
  Threshold: a.at,
  ThresholdType: a.thresholdType,
});

export const subscriberOf = (address: string): Subscriber => ({ SubscriptionType: address.startsWith('arn:') ? 'SNS' : 'EMAIL', Address: address });

/** CreateBudget with its notifications and subscribers in one call. */
export async function createBudget(client: BudgetsClient, accountId: string, want: ResolvedBudget): Promise<void> {
  await client.send(
    new CreateBudgetCommand({
      AccountId: accountId,
      Budget: {
        BudgetName: want.name,
        BudgetType: 'COST',
        TimeUnit: want.period,
        BudgetLimit: { Amount: formatAmount(want.amount), Unit: want.currency },
      },
      NotificationsWithSubscribers: want.alerts.map((a) => ({ Notification: notificationOf(a), Subscribers: a.notify.map(subscriberOf) })),
    }),
  );
}

/** A step hit a state the plan did not expect (someone changed the budget since): re-read and reconcile. */
export class BudgetConflict extends Error {
  constructor(override readonly cause: unknown) {
    super('the budget changed since it was read');
  }
}

/** Runs the steps in order. Deletes of something already gone and creates of a subscriber already there are no-ops. */
export async function runSteps(client: BudgetsClient, accountId: string, want: ResolvedBudget, steps: Step[]): Promise<void> {
  const base = { AccountId: accountId, BudgetName: want.name };
  for (const step of steps) {
    try {
      switch (step.op) {
        case 'update-budget':
          await updateBudget(client, accountId, want);
          break;
        case 'delete-notification':
          await ignoreCodes(client.send(new DeleteNotificationCommand({ ...base, Notification: notificationOf(step.alert) })), [NOT_FOUND_CODE]);
          break;
        case 'update-notification':
          await client.send(new UpdateNotificationCommand({ ...base, OldNotification: notificationOf(step.from), NewNotification: notificationOf(step.to) }));
          break;
        case 'delete-subscriber':
          await ignoreCodes(
            client.send(new DeleteSubscriberCommand({ ...base, Notification: notificationOf(step.alert), Subscriber: subscriberOf(step.address) })),
            [NOT_FOUND_CODE],
          );
          break;
        case 'create-subscriber':
          await ignoreCodes(
            client.send(new CreateSubscriberCommand({ ...base, Notification: notificationOf(step.alert), Subscriber: subscriberOf(step.address) })),
            [DUPLICATE_CODE],
          );
          break;
        case 'create-notification':
          await client.send(new CreateNotificationCommand({ ...base, Notification: notificationOf(step.alert), Subscribers: step.alert.notify.map(subscriberOf) }));
          break;
      }
    } catch (err) {
      if (isError(err, NOT_FOUND_CODE, DUPLICATE_CODE)) throw new BudgetConflict(err);
      throw err;
    }
  }
}

/**
 * UpdateBudget replaces the whole budget, so it sends the live one (DescribeBudget) with only what lz manages
 * changed: the limit and the time unit. Everything else a person set is sent back as read: planned limits,
 * auto-adjustment, the filter and metric set, the period's end, the billing view. AWS refuses BudgetLimit
 * with PlannedBudgetLimits, and FilterExpression/Metrics with CostFilters/CostTypes, though Describe answers a
 * planned budget with both limits (and does not say which filter set it answers for one made with the new);
 * CalculatedSpend, LastUpdatedTime and HealthStatus are AWS's own.
 */
async function updateBudget(client: BudgetsClient, accountId: string, want: ResolvedBudget): Promise<void> {
  const live = (await client.send(new DescribeBudgetCommand({ AccountId: accountId, BudgetName: want.name }))).Budget;
  if (!live) throw new BudgetConflict(new Error(`budget ${want.name} is gone`));
  const {
    CalculatedSpend: _spend,
    LastUpdatedTime: _updated,
    HealthStatus: _health,
    BudgetLimit: _limit,
    PlannedBudgetLimits: planned,
    FilterExpression,
    Metrics,
    CostFilters,
    CostTypes,
    ...kept
  } = live;
  const limit = { Amount: formatAmount(want.amount), Unit: want.currency };
  const next: Budget = {
    ...kept,
    ...(planned && Object.keys(planned).length > 0 ? { PlannedBudgetLimits: withCurrentLimit(planned, limit) } : { BudgetLimit: limit }),
    ...(FilterExpression || Metrics ? { FilterExpression, Metrics } : { CostFilters, CostTypes }),
  };
  if (live.TimeUnit !== want.period) {
    if (next.PlannedBudgetLimits) {
      throw new LzError('budget-planned-period', `Budget "${want.name}" has a limit planned per ${live.TimeUnit?.toLowerCase() ?? 'period'} (PlannedBudgetLimits); changing its period to ${want.period} would drop the plan.`, {
        hint: `Change the period in the Billing console (Budgets), or set period: ${live.TimeUnit ?? 'MONTHLY'} on this budget in accounts.yaml.`,
      });
    }
    next.TimeUnit = want.period;
    // The start of a period of the new length: AWS picks it when none is sent.
    next.TimePeriod = live.TimePeriod?.End ? { End: live.TimePeriod.End } : undefined;
  }
  await client.send(new UpdateBudgetCommand({ AccountId: accountId, NewBudget: next }));
}

/**
 * Planned limits with lz's limit for the period under way, the one Describe answers as BudgetLimit (the
 * latest period started, or the first when none has): the periods planned ahead keep their limits.
 */
function withCurrentLimit(planned: Record<string, Spend>, limit: Spend): Record<string, Spend> {
  const starts = Object.keys(planned).sort((x, y) => Number(x) - Number(y));
  const now = Date.now() / 1000;
  const current = starts.filter((t) => Number(t) <= now).pop() ?? starts[0]!;
  // A budget has one currency: every period takes the file's.
  const out = Object.fromEntries(starts.map((t) => [t, { Amount: planned[t]!.Amount, Unit: limit.Unit }]));
  out[current] = limit;
  return out;
}
