/**
 * AWS Budgets (awsJson1_1, `AWSBudgetServiceGateway.*`): budgets, their notifications and subscribers, kept
 * per account in its slice of the state (state.ts). A caller may only name its own account in AccountId.
 * Limits as AWS documents them: up to 10 notifications per budget, and per notification 1 SNS subscriber
 * and up to 10 email subscribers.
 */
import type { OperationContext, OperationHandler, SandboxService } from '../../types.js';
import { AwsError } from '../../types.js';
import type { AccountRecord } from '../../state.js';
import { budgetsState } from './state.js';
import type { BudgetRecord } from './state.js';
import { paginate } from '../../paginate.js';

/** Decoded JSON input and the stored budget/notification structures, in AWS member names. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON, validated member by member
type Input = Record<string, any>;
type Notification = Input;
type Subscriber = { SubscriptionType: string; Address: string };
type NotificationEntry = BudgetRecord['notifications'][number];

export const MAX_NOTIFICATIONS_PER_BUDGET = 10;
export const MAX_EMAIL_SUBSCRIBERS = 10;
export const MAX_SNS_SUBSCRIBERS = 1;
/** AWS's default end of a budget's period when none is given. */
const DEFAULT_END = '2087-06-15T00:00:00.000Z';

const TIME_UNITS = ['DAILY', 'MONTHLY', 'QUARTERLY', 'ANNUALLY', 'CUSTOM'];
const BUDGET_TYPES = ['USAGE', 'COST', 'RI_UTILIZATION', 'RI_COVERAGE', 'SAVINGS_PLANS_UTILIZATION', 'SAVINGS_PLANS_COVERAGE'];
const NOTIFICATION_TYPES = ['ACTUAL', 'FORECASTED'];
const COMPARISON_OPERATORS = ['GREATER_THAN', 'LESS_THAN', 'EQUAL_TO'];
const THRESHOLD_TYPES = ['PERCENTAGE', 'ABSOLUTE_VALUE'];
const SUBSCRIPTION_TYPES = ['EMAIL', 'SNS'];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SNS_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

/** AWS's defaults for a cost budget's CostTypes: every Include* true, UseBlended and UseAmortized false. */
const DEFAULT_COST_TYPES = {
  IncludeTax: true,
  IncludeSubscription: true,
  UseBlended: false,
  IncludeRefund: true,
  IncludeCredit: true,
  IncludeUpfront: true,
  IncludeRecurring: true,
  IncludeOtherSubscription: true,
  IncludeSupport: true,
  IncludeDiscount: true,
  UseAmortized: false,
};

const invalid = (message: string) => new AwsError('InvalidParameterException', message, 400);
const duplicate = (message: string) => new AwsError('DuplicateRecordException', message, 409);
const notFound = (message: string) => new AwsError('NotFoundException', message, 404);
const limitExceeded = (message: string) => new AwsError('CreationLimitExceededException', message, 405);

// ---- account and lookups -----------------------------------------------------------------------------------

const ACTIONS: Record<string, string> = {
  CreateBudget: 'ModifyBudget',
  UpdateBudget: 'ModifyBudget',
  DeleteBudget: 'ModifyBudget',
  CreateNotification: 'ModifyBudget',
  UpdateNotification: 'ModifyBudget',
  DeleteNotification: 'ModifyBudget',
  CreateSubscriber: 'ModifyBudget',
  UpdateSubscriber: 'ModifyBudget',
  DeleteSubscriber: 'ModifyBudget',
};

/** The caller's own account: AccountId must name it (AccessDeniedException otherwise, as on AWS). */
function ownAccount(ctx: OperationContext, input: Input, operation: string): AccountRecord {
  const accountId = input.AccountId;
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) {
    throw invalid(`AccountId ${String(accountId)} is not a valid account id: it must be 12 digits.`);
  }
  if (accountId !== ctx.caller.accountId) {
    const name = input.BudgetName ?? input.Budget?.BudgetName ?? input.NewBudget?.BudgetName;
    const resource = `arn:aws:budgets::${accountId}:budget/${name ?? '*'}`;
    throw new AwsError(
      'AccessDeniedException',
      `User: ${ctx.caller.arn} is not authorized to perform: budgets:${ACTIONS[operation] ?? 'ViewBudget'} on resource: ${resource}`,
      403,
    );
  }
  const account = ctx.state.accounts[accountId];
  if (!account) throw invalid(`Account ${accountId} does not exist.`);
  return account;
}

function requireBudget(account: AccountRecord, name: unknown): BudgetRecord {
  if (typeof name !== 'string' || name.length === 0) throw invalid('BudgetName is required.');
  const record = budgetsState(account)[name];
  if (!record) throw notFound(`Unable to get budget: ${name} - the budget doesn't exist.`);
  return record;
}

function findNotification(record: BudgetRecord, n: Notification): NotificationEntry | undefined {
  return record.notifications.find((e) => sameNotification(e.notification, n));
}

function requireNotification(record: BudgetRecord, input: unknown): NotificationEntry {
  const n = normaliseNotification(input);
  const entry = findNotification(record, n);
  if (!entry) throw notFound(`Unable to find the notification in budget ${String(record.budget.BudgetName)}.`);
  return entry;
}

// ---- validation and normalisation ----------------------------------------------------------------------------

function oneOf(name: string, value: unknown, allowed: string[]): string {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalid(`${name} must be one of ${allowed.join(', ')}; got ${String(value)}.`);
  }
  return value;
}

/** A timestamp as JSON sent it (epoch seconds), or already a Date/ISO string; returned as ISO. */
function toIso(value: unknown, name: string): string {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value * 1000;
  else if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) ms = Number(value) * 1000;
  else if (typeof value === 'string') ms = Date.parse(value);
  else ms = NaN;
  if (!Number.isFinite(ms)) throw invalid(`${name} is not a valid timestamp.`);
  return new Date(ms).toISOString();
}

function periodStart(timeUnit: string, now: Date): string {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  switch (timeUnit) {
    case 'DAILY':
      return new Date(Date.UTC(y, m, now.getUTCDate())).toISOString();
    case 'QUARTERLY':
      return new Date(Date.UTC(y, m - (m % 3), 1)).toISOString();
    case 'ANNUALLY':
      return new Date(Date.UTC(y, 0, 1)).toISOString();
    default:
      return new Date(Date.UTC(y, m, 1)).toISOString();
  }
}

function validateSpend(name: string, spend: unknown): { Amount: string; Unit: string } {
  const s = spend as Record<string, unknown> | undefined;
  if (!s || typeof s.Amount !== 'string' || typeof s.Unit !== 'string' || s.Unit.length === 0) {
    throw invalid(`${name} needs an Amount and a Unit.`);
  }
  if (!/^([0-9]*\.)?[0-9]+$/.test(s.Amount) || s.Amount.length > 2147483647) {
    throw invalid(`${name}.Amount must be a non-negative decimal number; got ${s.Amount}.`);
  }
  return { Amount: s.Amount, Unit: s.Unit };
}

/**
 * A Budget as sent, validated, with AWS's defaults filled in; timestamps stored as ISO strings. It is the
 * whole budget: UpdateBudget stores it in place of the old one, so a member left out is gone (as on AWS).
 */
function normaliseBudget(input: unknown, now: Date): Input {
  if (!input || typeof input !== 'object') throw invalid('Budget is required.');
  const b = input as Input;
  const name = b.BudgetName;
  if (typeof name !== 'string' || name.length < 1 || name.length > 100) throw invalid('BudgetName must be 1 to 100 characters long.');
  if (/[:\\]/.test(name)) throw invalid(`BudgetName ${name} can't contain ':' or '\\'.`);
  const timeUnit = oneOf('TimeUnit', b.TimeUnit, TIME_UNITS);
  const budgetType = oneOf('BudgetType', b.BudgetType, BUDGET_TYPES);
  const out: Input = { BudgetName: name, TimeUnit: timeUnit, BudgetType: budgetType };
  if (b.BudgetLimit !== undefined) out.BudgetLimit = validateSpend('BudgetLimit', b.BudgetLimit);
  if (b.PlannedBudgetLimits !== undefined) {
    if (b.BudgetLimit !== undefined) throw invalid('Only one of BudgetLimit and PlannedBudgetLimits can be present.');
    if (!b.PlannedBudgetLimits || typeof b.PlannedBudgetLimits !== 'object' || Object.keys(b.PlannedBudgetLimits as object).length === 0) {
      throw invalid('PlannedBudgetLimits must map the start of each period (epoch seconds) to its limit.');
    }
    out.PlannedBudgetLimits = Object.fromEntries(
      Object.entries(b.PlannedBudgetLimits as Record<string, unknown>).map(([k, v]) => {
        if (!/^\d+$/.test(k)) throw invalid(`PlannedBudgetLimits key ${k} is not the start of a period in epoch seconds.`);
        return [k, validateSpend(`PlannedBudgetLimits.${k}`, v)];
      }),
    );
  }
  if ((budgetType === 'COST' || budgetType === 'USAGE') && !out.BudgetLimit && !out.PlannedBudgetLimits && !b.AutoAdjustData) {
    throw invalid(`A ${budgetType} budget needs a BudgetLimit.`);
  }
  // One set of filter and metric selections: FilterExpression and Metrics, or CostFilters and CostTypes.
  const newSet = b.FilterExpression !== undefined || b.Metrics !== undefined;
  if (newSet && (b.CostFilters !== undefined || b.CostTypes !== undefined)) {
    throw invalid('Only one set of filter and metric selections can be present: FilterExpression and Metrics, or CostFilters and CostTypes.');
  }
  if (b.FilterExpression !== undefined) out.FilterExpression = b.FilterExpression;
  if (b.Metrics !== undefined) out.Metrics = b.Metrics;
  if (b.CostFilters !== undefined) out.CostFilters = b.CostFilters;
  if (!newSet && (budgetType === 'COST' || budgetType === 'USAGE')) out.CostTypes = { ...DEFAULT_COST_TYPES, ...(b.CostTypes ?? {}) };
  const tp = (b.TimePeriod ?? {}) as Input;
  if (timeUnit === 'CUSTOM' && (tp.Start === undefined || tp.End === undefined)) {
    throw invalid('A budget with TimeUnit CUSTOM needs a TimePeriod with Start and End.');
  }
  const start = tp.Start !== undefined ? toIso(tp.Start, 'TimePeriod.Start') : periodStart(timeUnit, now);
  const end = tp.End !== undefined ? toIso(tp.End, 'TimePeriod.End') : DEFAULT_END;
  if (Date.parse(end) <= Date.parse(start)) throw invalid('TimePeriod.End must be after TimePeriod.Start.');
  out.TimePeriod = { Start: start, End: end };
  // Zero on creation, and again after UpdateBudget "until AWS has new usage data".
  const unit = out.BudgetLimit?.Unit ?? (Object.values(out.PlannedBudgetLimits ?? {})[0] as { Unit: string } | undefined)?.Unit ?? 'USD';
  out.CalculatedSpend = { ActualSpend: { Amount: '0', Unit: unit } };
  if (b.AutoAdjustData !== undefined) out.AutoAdjustData = b.AutoAdjustData;
  if (b.BillingViewArn !== undefined) out.BillingViewArn = b.BillingViewArn;
  out.LastUpdatedTime = now.toISOString();
  return out;
}

/**
 * The limit of the period `now` is in: the planned limit of the latest period started by then (after the
 * last one, the last one goes on), or the first when the budget has not started.
 */
function currentPlannedLimit(planned: Record<string, unknown>, now: Date): unknown {
  const starts = Object.keys(planned).map(Number).sort((x, y) => x - y);
  const started = starts.filter((t) => t * 1000 <= now.getTime());
  return planned[String(started.length > 0 ? started[started.length - 1] : starts[0])];
}

function normaliseNotification(input: unknown): Notification {
  if (!input || typeof input !== 'object') throw invalid('Notification is required.');
  const n = input as Input;
  const thresholdType = n.ThresholdType === undefined ? 'PERCENTAGE' : oneOf('ThresholdType', n.ThresholdType, THRESHOLD_TYPES);
  const threshold = Number(n.Threshold);
  if (n.Threshold === undefined || !Number.isFinite(threshold) || threshold < 0 || threshold > 1_000_000_000) {
    throw invalid(`Threshold must be a number between 0 and 1000000000; got ${String(n.Threshold)}.`);
  }
  if (thresholdType === 'PERCENTAGE' && threshold > 1000) throw invalid('A PERCENTAGE threshold must be at most 1000.');
  return {
    NotificationType: oneOf('NotificationType', n.NotificationType, NOTIFICATION_TYPES),
    ComparisonOperator: oneOf('ComparisonOperator', n.ComparisonOperator, COMPARISON_OPERATORS),
    Threshold: threshold,
    ThresholdType: thresholdType,
    NotificationState: n.NotificationState === 'ALARM' ? 'ALARM' : 'OK',
  };
}

/** A notification is identified by its type, operator, threshold and threshold type. */
function sameNotification(a: Notification, b: Notification): boolean {
  return (
    a.NotificationType === b.NotificationType &&
    a.ComparisonOperator === b.ComparisonOperator &&
    a.Threshold === b.Threshold &&
    a.ThresholdType === b.ThresholdType
  );
}

function normaliseSubscriber(input: unknown): Subscriber {
  if (!input || typeof input !== 'object') throw invalid('Subscriber is required.');
  const s = input as Input;
  const type = oneOf('SubscriptionType', s.SubscriptionType, SUBSCRIPTION_TYPES);
  const address = s.Address;
  if (typeof address !== 'string' || address.length === 0) throw invalid('Subscriber Address is required.');
  if (type === 'EMAIL' && !EMAIL.test(address)) throw invalid(`Invalid email address: ${address}.`);
  if (type === 'SNS' && !SNS_ARN.test(address)) throw invalid(`Invalid SNS topic ARN: ${address}.`);
  return { SubscriptionType: type, Address: address };
}

const sameSubscriber = (a: Subscriber, b: Subscriber) => a.SubscriptionType === b.SubscriptionType && a.Address === b.Address;

/** Subscribers for one notification, checked against AWS's per-notification limits and for duplicates. */
function checkSubscribers(subscribers: Subscriber[]): Subscriber[] {
  const out: Subscriber[] = [];
  for (const s of subscribers) {
    if (out.some((o) => sameSubscriber(o, s))) throw duplicate(`Subscriber ${s.Address} appears more than once.`);
    out.push(s);
  }
  const emails = out.filter((s) => s.SubscriptionType === 'EMAIL').length;
  const sns = out.filter((s) => s.SubscriptionType === 'SNS').length;
  if (emails > MAX_EMAIL_SUBSCRIBERS || sns > MAX_SNS_SUBSCRIBERS) {
    throw limitExceeded(
      `You've exceeded the subscriber limit: a notification can have up to ${MAX_EMAIL_SUBSCRIBERS} email subscribers and ${MAX_SNS_SUBSCRIBERS} SNS subscriber.`,
    );
  }
  return out;
}

function subscriberList(input: unknown): Subscriber[] {
  if (!Array.isArray(input) || input.length === 0) throw invalid('Subscribers must list at least one subscriber.');
  return input.map(normaliseSubscriber);
}

// ---- shapes --------------------------------------------------------------------------------------------------

/** A budget as Describe answers it: one with planned limits also has the current period's as BudgetLimit. */
function budgetShape(b: Input, now: Date): Record<string, unknown> {
  return {
    ...b,
    ...(b.PlannedBudgetLimits ? { BudgetLimit: currentPlannedLimit(b.PlannedBudgetLimits as Record<string, unknown>, now) } : {}),
    TimePeriod: { Start: new Date(b.TimePeriod.Start), End: new Date(b.TimePeriod.End) },
    LastUpdatedTime: new Date(b.LastUpdatedTime),
  };
}

function page<T>(items: readonly T[], input: Input, maxPage: number): { items: T[]; NextToken?: string } {
  const p = paginate(items, {
    token: input.NextToken,
    limit: input.MaxResults,
    maxPage,
    limitName: 'maxResults',
    invalid: (message) =>
      message.startsWith('Invalid pagination token')
        ? new AwsError('InvalidNextTokenException', message, 400)
        : invalid(message),
  });
  return { items: p.items, NextToken: p.nextToken };
}

// ---- operations ----------------------------------------------------------------------------------------------

const handlers: Record<string, OperationHandler> = {
  CreateBudget(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'CreateBudget');
    const budget = normaliseBudget(input.Budget, ctx.runtime.now());
    const withSubscribers: unknown[] = input.NotificationsWithSubscribers ?? [];
    if (!Array.isArray(withSubscribers)) throw invalid('NotificationsWithSubscribers must be a list.');
    if (withSubscribers.length > MAX_NOTIFICATIONS_PER_BUDGET) {
      throw limitExceeded(`You've exceeded the notification limit: a budget can have up to ${MAX_NOTIFICATIONS_PER_BUDGET} notifications.`);
    }
    const notifications: NotificationEntry[] = [];
    for (const item of withSubscribers as Input[]) {
      const notification = normaliseNotification(item?.Notification);
      if (notifications.some((e) => sameNotification(e.notification, notification))) {
        throw duplicate(`Error creating notification: the same notification appears more than once for budget ${budget.BudgetName}.`);
      }
      notifications.push({ notification, subscribers: checkSubscribers(subscriberList(item?.Subscribers)) });
    }
    if (budgetsState(account)[budget.BudgetName]) {
      throw duplicate(`Error creating budget: ${budget.BudgetName} - the budget already exists.`);
    }
    budgetsState(account)[budget.BudgetName] = { budget, notifications };
    return {};
  },

  DescribeBudget(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'DescribeBudget');
    return { Budget: budgetShape(requireBudget(account, input.BudgetName).budget, ctx.runtime.now()) };
  },

  DescribeBudgets(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'DescribeBudgets');
    const budgets = Object.values(budgetsState(account)).map((r) => budgetShape(r.budget, ctx.runtime.now()));
    const p = page(budgets, input, 1000);
    return { Budgets: p.items, NextToken: p.NextToken };
  },

  UpdateBudget(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'UpdateBudget');
    const name = (input.NewBudget as Input | undefined)?.BudgetName;
    const record = requireBudget(account, name);
    record.budget = normaliseBudget(input.NewBudget, ctx.runtime.now());
    return {};
  },

  DeleteBudget(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'DeleteBudget');
    const record = requireBudget(account, input.BudgetName);
    delete budgetsState(account)[record.budget.BudgetName];
    return {};
  },

  CreateNotification(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'CreateNotification');
    const record = requireBudget(account, input.BudgetName);
    const notification = normaliseNotification(input.Notification);
    const subscribers = checkSubscribers(subscriberList(input.Subscribers));
    if (findNotification(record, notification)) {
      throw duplicate(`Error creating notification: the notification already exists for budget ${record.budget.BudgetName}.`);
    }
    if (record.notifications.length >= MAX_NOTIFICATIONS_PER_BUDGET) {
      throw limitExceeded(`You've exceeded the notification limit: a budget can have up to ${MAX_NOTIFICATIONS_PER_BUDGET} notifications.`);
    }
    record.notifications.push({ notification, subscribers });
    return {};
  },

  UpdateNotification(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'UpdateNotification');
    const record = requireBudget(account, input.BudgetName);
    const entry = requireNotification(record, input.OldNotification);
    const next = normaliseNotification(input.NewNotification);
    const clash = findNotification(record, next);
    if (clash && clash !== entry) {
      throw duplicate(`Error updating notification: the new notification already exists for budget ${record.budget.BudgetName}.`);
    }
    entry.notification = next;
    return {};
  },

  DeleteNotification(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'DeleteNotification');
    const record = requireBudget(account, input.BudgetName);
    const entry = requireNotification(record, input.Notification);
    record.notifications = record.notifications.filter((e) => e !== entry);
    return {};
  },

  DescribeNotificationsForBudget(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'DescribeNotificationsForBudget');
    const record = requireBudget(account, input.BudgetName);
    const p = page(record.notifications.map((e) => ({ ...e.notification })), input, 100);
    return { Notifications: p.items, NextToken: p.NextToken };
  },

  CreateSubscriber(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'CreateSubscriber');
    const record = requireBudget(account, input.BudgetName);
    const entry = requireNotification(record, input.Notification);
    const subscriber = normaliseSubscriber(input.Subscriber);
    if (entry.subscribers.some((s) => sameSubscriber(s, subscriber))) {
      throw duplicate(`Error creating subscriber: ${subscriber.Address} is already subscribed to this notification.`);
    }
    entry.subscribers = checkSubscribers([...entry.subscribers, subscriber]);
    return {};
  },

  UpdateSubscriber(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'UpdateSubscriber');
    const record = requireBudget(account, input.BudgetName);
    const entry = requireNotification(record, input.Notification);
    const old = normaliseSubscriber(input.OldSubscriber);
    const next = normaliseSubscriber(input.NewSubscriber);
    const index = entry.subscribers.findIndex((s) => sameSubscriber(s, old));
    if (index < 0) throw notFound(`Unable to find subscriber ${old.Address} for this notification.`);
    if (!sameSubscriber(old, next) && entry.subscribers.some((s) => sameSubscriber(s, next))) {
      throw duplicate(`Error updating subscriber: ${next.Address} is already subscribed to this notification.`);
    }
    const updated = [...entry.subscribers];
    updated[index] = next;
    entry.subscribers = checkSubscribers(updated);
    return {};
  },

  DeleteSubscriber(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'DeleteSubscriber');
    const record = requireBudget(account, input.BudgetName);
    const entry = requireNotification(record, input.Notification);
    const subscriber = normaliseSubscriber(input.Subscriber);
    if (!entry.subscribers.some((s) => sameSubscriber(s, subscriber))) {
      throw notFound(`Unable to find subscriber ${subscriber.Address} for this notification.`);
    }
    entry.subscribers = entry.subscribers.filter((s) => !sameSubscriber(s, subscriber));
    return {};
  },

  DescribeSubscribersForNotification(ctx, input: Input) {
    const account = ownAccount(ctx, input, 'DescribeSubscribersForNotification');
    const record = requireBudget(account, input.BudgetName);
    const entry = requireNotification(record, input.Notification);
    const p = page(entry.subscribers.map((s) => ({ ...s })), input, 100);
    return { Subscribers: p.items, NextToken: p.NextToken };
  },
};

export const budgets: SandboxService = {
  signingName: 'budgets',
  protocol: 'awsJson1_1',
  targetPrefix: 'AWSBudgetServiceGateway',
  // Budgets authorizes by two actions: every write is budgets:ModifyBudget, every read budgets:ViewBudget.
  actionOf: (operation) => `budgets:${ACTIONS[operation] ?? 'ViewBudget'}`,
  operations: handlers,
};
