import * as z from 'zod';
import type { FieldChange } from '../core/plan.js';
import { plainDecimal } from '../manifest/yaml-source.js';

/**
 * The pure half of the budget module: what a budget looks like on both sides, and the steps (AWS calls, in
 * order) that turn the live budget into the declared one without deleting it. Plan derives the steps with
 * `budgetSteps` and hands them to apply in the change's payload, so what the plan shows is what apply does.
 */

const alertKeyShape = {
  at: z.number(),
  type: z.enum(['ACTUAL', 'FORECASTED']),
  thresholdType: z.enum(['PERCENTAGE', 'ABSOLUTE_VALUE']),
  comparison: z.enum(['GREATER_THAN', 'LESS_THAN', 'EQUAL_TO']),
};
const alertKeySchema = z.strictObject(alertKeyShape);
/** An alert as lz sends it: `notify` is the alert's own subscribers, or else the budget's; never empty. */
const alertSchema = z.strictObject({ ...alertKeyShape, notify: z.array(z.string()) });

/** A budget of the file with `notify` resolved onto each alert: what apply makes true in AWS. */
export const resolvedBudgetSchema = z.strictObject({
  name: z.string(),
  amount: z.number(),
  currency: z.string(),
  period: z.enum(['MONTHLY', 'QUARTERLY', 'ANNUALLY']),
  alerts: z.array(alertSchema),
});

export type ResolvedBudget = z.output<typeof resolvedBudgetSchema>;
export type Alert = z.output<typeof alertSchema>;
/** What identifies a notification in AWS Budgets: its type, comparison, threshold and threshold type. */
export type AlertKey = z.output<typeof alertKeySchema>;

/** A budget as read from AWS. `alerts` is read only for budgets the file names. */
export interface LiveBudget {
  name: string;
  /** BudgetLimit.Amount as a number; null when the budget has no fixed limit (planned limits). */
  amount: number | null;
  currency: string | null;
  /** TimeUnit (MONTHLY, QUARTERLY, ANNUALLY, or DAILY/CUSTOM made outside lz). */
  period: string;
  /** BudgetType: lz manages COST budgets. */
  budgetType: string;
  alerts?: Alert[];
}

export interface BudgetsRead {
  /** Every budget in the account, in AWS's order. */
  budgets: LiveBudget[];
}

const fieldChangeSchema = z.strictObject({ field: z.string(), before: z.unknown(), after: z.unknown(), note: z.string().optional() });

/** One AWS call of an update, as the plan carries it to apply. */
export const stepSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('update-budget'), fields: z.array(fieldChangeSchema) }),
  z.strictObject({ op: z.literal('delete-notification'), alert: alertSchema }),
  z.strictObject({ op: z.literal('update-notification'), from: alertKeySchema, to: alertKeySchema }),
  z.strictObject({ op: z.literal('delete-subscriber'), alert: alertKeySchema, address: z.string() }),
  z.strictObject({ op: z.literal('create-subscriber'), alert: alertKeySchema, address: z.string() }),
  z.strictObject({ op: z.literal('create-notification'), alert: alertSchema }),
]);
export type Step = z.output<typeof stepSchema>;

const OPERATOR: Record<Alert['comparison'], string> = { GREATER_THAN: '>', LESS_THAN: '<', EQUAL_TO: '=' };

export const alertKey = (a: AlertKey): string => `${a.type}|${a.comparison}|${a.thresholdType}|${a.at}`;
export const sameKey = (a: AlertKey, b: AlertKey): boolean => alertKey(a) === alertKey(b);
export const keyOf = (a: AlertKey): AlertKey => ({ at: a.at, type: a.type, thresholdType: a.thresholdType, comparison: a.comparison });

/** `FORECASTED > 100%`, `ACTUAL > 500 USD`: how a person reads an alert. */
export function alertLabel(a: AlertKey, currency: string | null): string {
  const threshold = a.thresholdType === 'PERCENTAGE' ? `${a.at}%` : `${a.at} ${currency ?? ''}`.trimEnd();
  return `${a.type} ${OPERATOR[a.comparison]} ${threshold}`;
}

export const alertLine = (a: Alert, currency: string | null): string => `${alertLabel(a, currency)} -> ${a.notify.join(', ')}`;

/**
 * The file's budget as AWS will hold it: subscribers deduplicated, alerts that AWS would see as one
 * notification (same type, comparison, threshold and threshold type) merged into one.
 */
export function normaliseBudget(budget: ResolvedBudget): ResolvedBudget {
  const alerts: Alert[] = [];
  for (const alert of budget.alerts) {
    const same = alerts.find((a) => sameKey(a, alert));
    if (same) same.notify = unique([...same.notify, ...alert.notify]);
    else alerts.push({ ...keyOf(alert), notify: unique(alert.notify) });
  }
  return { ...budget, alerts };
}

const unique = (list: string[]): string[] => [...new Set(list)];

/** The steps from `have` to `want`, in the order apply runs them (removals before additions: AWS's limits). */
export function budgetSteps(want: ResolvedBudget, have: LiveBudget): Step[] {
  const steps: Step[] = [];
  const fields: FieldChange[] = [];
  if (have.amount !== want.amount) fields.push({ field: 'amount', before: have.amount, after: want.amount });
  if (have.currency !== want.currency) fields.push({ field: 'currency', before: have.currency, after: want.currency });
  if (have.period !== want.period) fields.push({ field: 'period', before: have.period, after: want.period });
  if (fields.length > 0) steps.push({ op: 'update-budget', fields });

  const haveAlerts = have.alerts ?? [];
  const matched: [Alert, Alert][] = [];
  const newAlerts: Alert[] = [];
  const goneAlerts = haveAlerts.filter((h) => !want.alerts.some((w) => sameKey(w, h)));
  for (const w of want.alerts) {
    const h = haveAlerts.find((x) => sameKey(x, w));
    if (h) matched.push([w, h]);
    else newAlerts.push(w);
  }
  const { pairs, created, deleted } = pairAlerts(newAlerts, goneAlerts);

  for (const alert of deleted) steps.push({ op: 'delete-notification', alert });
  for (const [w, h] of pairs) steps.push({ op: 'update-notification', from: keyOf(h), to: keyOf(w) });
  for (const [w, h] of [...pairs, ...matched]) steps.push(...subscriberSteps(w, h));
  for (const alert of created) steps.push({ op: 'create-notification', alert });
  return steps;
}

/**
 * Alerts whose threshold changed are updated in place (UpdateNotification keeps the notification's
 * subscribers and history) when they pair up clearly: among the unmatched alerts of one type and threshold
 * type, the file and AWS have the same number, paired in threshold order. Anything else is a delete of the
 * old notification and a create of the new one.
 */
export function pairAlerts(newAlerts: Alert[], goneAlerts: Alert[]): { pairs: [Alert, Alert][]; created: Alert[]; deleted: Alert[] } {
  const group = (a: Alert) => `${a.type}|${a.thresholdType}`;
  const order = (a: Alert, b: Alert) => a.at - b.at || a.comparison.localeCompare(b.comparison);
  const pairs: [Alert, Alert][] = [];
  const created: Alert[] = [];
  const deleted: Alert[] = [];
  for (const g of new Set([...newAlerts, ...goneAlerts].map(group))) {
    const wants = newAlerts.filter((a) => group(a) === g).sort(order);
    const haves = goneAlerts.filter((a) => group(a) === g).sort(order);
    if (wants.length === haves.length) wants.forEach((w, i) => pairs.push([w, haves[i]!]));
    else {
      created.push(...wants);
      deleted.push(...haves);
    }
  }
  // Keep the file's order for creations, AWS's for deletions, so the plan reads like the file.
  created.sort((a, b) => newAlerts.indexOf(a) - newAlerts.indexOf(b));
  deleted.sort((a, b) => goneAlerts.indexOf(a) - goneAlerts.indexOf(b));
  return { pairs, created, deleted };
}

/** Subscribers of one notification (already carrying `want`'s key). Removals first, unless they would empty it. */
function subscriberSteps(want: Alert, have: Alert): Step[] {
  const key = keyOf(want);
  const add = want.notify.filter((s) => !have.notify.includes(s)).map<Step>((address) => ({ op: 'create-subscriber', alert: key, address }));
  const remove = have.notify.filter((s) => !want.notify.includes(s)).map<Step>((address) => ({ op: 'delete-subscriber', alert: key, address }));
  return remove.length >= have.notify.length ? [...add, ...remove] : [...remove, ...add];
}

/** The plan's field-level view of the steps: `~ amount: 100 -> 1000`, `+ alert = "FORECASTED > 100% -> a@b.c"`. */
export function stepFields(steps: Step[], currency: string | null): FieldChange[] {
  return steps.flatMap<FieldChange>((s) => {
    switch (s.op) {
      case 'update-budget':
        return s.fields;
      case 'delete-notification':
        return [{ field: 'alert', before: alertLine(s.alert, currency), after: null }];
      case 'update-notification':
        return [{ field: 'alert', before: alertLabel(s.from, currency), after: alertLabel(s.to, currency) }];
      case 'delete-subscriber':
        return [{ field: 'subscriber', before: `${alertLabel(s.alert, currency)} -> ${s.address}`, after: null }];
      case 'create-subscriber':
        return [{ field: 'subscriber', before: null, after: `${alertLabel(s.alert, currency)} -> ${s.address}` }];
      case 'create-notification':
        return [{ field: 'alert', before: null, after: alertLine(s.alert, currency) }];
    }
  });
}

/** A live amount as AWS returns it ("100.0", "1e3"?) compared as a number. */
export function parseAmount(amount: string | undefined): number | null {
  if (amount === undefined) return null;
  const n = Number(amount);
  return Number.isFinite(n) ? n : null;
}

/** A plain decimal string for BudgetLimit.Amount (never exponent notation). */
export function formatAmount(amount: number): string {
  return plainDecimal(amount);
}
