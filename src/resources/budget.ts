import type { BudgetsClient } from '@aws-sdk/client-budgets';
import * as z from 'zod';
import { ignoreCodes } from '../aws/aws-errors.js';
import { defineAccountKind } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import type { Change, Unmanaged } from '../core/plan.js';
import { LzError } from '../errors.js';
import { describeValue } from '../manifest/schema-errors.js';
import { accountSection, type SectionCheckInput } from '../manifest/sections.js';
import type { ResolvedAccount } from '../manifest/types.js';
import { EMAIL_HINT, SUBSCRIBER, rule, text } from '../manifest/schema.js';
import { BudgetConflict, DUPLICATE_CODE, createBudget, readBudget, readBudgets, runSteps } from './budget-aws.js';
import { budgetSteps, normaliseBudget, resolvedBudgetSchema, stepFields, stepSchema, type BudgetsRead, type ResolvedBudget } from './budget-model.js';

export const BUDGET_KIND = 'budget';

/** `Production.budget.lz-monthly` */
export const budgetAddress = (account: string, name: string): string => `${account}.${BUDGET_KIND}.${name}`;

// ---------------------------------------------------------------------------------------------- the file

const subscribers = z
  .array(
    z.string().regex(SUBSCRIBER, rule('must be an email address or an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)', EMAIL_HINT)),
  )
  .superRefine((list, ctx) => {
    const emails = list.filter((s) => !s.startsWith('arn:')).length;
    const topics = list.length - emails;
    if (emails > 10) ctx.addIssue({ code: 'custom', message: rule(`must have at most 10 email subscribers (AWS Budgets, per notification); it has ${emails}`, 'use a distribution list, or an SNS topic') });
    if (topics > 1) ctx.addIssue({ code: 'custom', message: rule(`must have at most one SNS topic (AWS Budgets, per notification); it has ${topics}`, 'keep one topic and fan out from it') });
  })
  .describe('Who is notified: email addresses (at most 10) and at most one SNS topic ARN.');

const budgetAlertSchema = z
  .strictObject({
    at: z.number().gt(0, rule('must be greater than 0', 'a threshold of 0 would fire at once; use e.g. 80 (percent)')).describe('Threshold: a percentage of the amount (0 < at <= 1000) or an absolute value.'),
    type: z.enum(['ACTUAL', 'FORECASTED']).default('ACTUAL').describe('Compare actual or forecasted spend.'),
    thresholdType: z.enum(['PERCENTAGE', 'ABSOLUTE_VALUE']).default('PERCENTAGE').describe('Whether `at` is a percentage or an amount.'),
    comparison: z.enum(['GREATER_THAN', 'LESS_THAN', 'EQUAL_TO']).default('GREATER_THAN').describe('How spend is compared to the threshold.'),
    notify: subscribers.optional().describe("Subscribers for this alert; replaces the budget's `notify`."),
  })
  .superRefine((alert, ctx) => {
    if (alert.thresholdType === 'PERCENTAGE' && alert.at > 1000) {
      ctx.addIssue({ code: 'custom', path: ['at'], input: alert.at, message: rule('must be at most 1000 for a PERCENTAGE threshold (AWS Budgets allows 0 < at <= 1000)', 'use a percentage such as 80 or 100, or set thresholdType: ABSOLUTE_VALUE') });
    }
  })
  .describe('A notification when spend crosses a threshold.');

export const budgetSchema = z
  .strictObject({
    name: text(1, 100, 'AWS budget names are 1-100 characters')
      .regex(/^[^:\\]+$/, rule('must not contain ":" or "\\" (AWS budget names)', 'use letters, digits, spaces and - _ .'))
      .default('lz-monthly')
      .describe('Budget name, unique within the account.'),
    amount: z.number().gt(0, rule('must be greater than 0', 'set the monthly (or per-period) limit, e.g. amount: 100')).describe('The budgeted amount per period.'),
    currency: z.string().regex(/^[A-Z]{3}$/, rule('must be a 3-letter uppercase currency code', 'e.g. USD')).default('USD').describe('ISO 4217 currency code.'),
    period: z.enum(['MONTHLY', 'QUARTERLY', 'ANNUALLY']).default('MONTHLY').describe('The budget period.'),
    alerts: z
      .array(budgetAlertSchema)
      .max(10, rule('must have at most 10 entries (AWS Budgets notifications per budget)', 'remove some alerts'))
      .default([])
      .describe('Notifications, at most 10.'),
    notify: subscribers.default([]).describe('Default subscribers for every alert.'),
  })
  .superRefine((budget, ctx) => {
    budget.alerts.forEach((alert, i) => {
      if ((alert.notify ?? budget.notify).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['alerts', i], message: rule('has nobody to notify: AWS Budgets needs at least one subscriber per notification', "add notify: [someone@example.com] to the budget or to this alert") });
      }
    });
  })
  .describe('An AWS Budgets cost budget with alerts.');

type Budget = z.output<typeof budgetSchema>;

/** The budget as lz sends it: each alert's subscribers are its own, or else the budget's. */
function toResolvedBudget(budget: Budget): ResolvedBudget {
  return {
    name: budget.name,
    amount: budget.amount,
    currency: budget.currency,
    period: budget.period,
    alerts: budget.alerts.map((alert) => ({
      at: alert.at,
      type: alert.type,
      thresholdType: alert.thresholdType,
      comparison: alert.comparison,
      notify: [...(alert.notify ?? budget.notify)],
    })),
  };
}

const limitWord = (b: ResolvedBudget) => `budget(${b.amount} ${b.currency})`;

/** `budget`: the one budget most accounts have, merged key by key over `defaults.budget`. */
export const budgetSection = accountSection({
  key: 'budget',
  schema: budgetSchema,
  inherit: 'merge',
  resolve: toResolvedBudget,
  summary: (b) => [limitWord(b)],
});

/** `budgets`: further budgets, full objects, replacing `defaults.budgets` as a whole. */
export const budgetsSection = accountSection({
  key: 'budgets',
  schema: z.array(budgetSchema).describe('Additional budgets (full objects).'),
  inherit: 'replace',
  override: z.array(budgetSchema).nullable().optional().describe('Additional budgets; replaces defaults.budgets.'),
  resolve: (list) => list.map(toResolvedBudget),
  factorable: true,
  summary: (list) => list.map(limitWord),
  check: uniqueBudgetNames,
});

/** The account's budgets: `budget` (unless null) first, then `budgets[]`. */
export function budgetsOf(account: ResolvedAccount): ResolvedBudget[] {
  const one = budgetSection.of(account);
  return [...(one ? [one] : []), ...(budgetsSection.of(account) ?? [])];
}

/** AWS budget names are unique per account; the second use of a name is the mistake (always in `budgets[]`). */
function uniqueBudgetNames({ accounts, report }: SectionCheckInput): void {
  for (const account of accounts) {
    const hasBudget = budgetSection.of(account) !== undefined;
    const seen = new Set<string>();
    budgetsOf(account).forEach((b, i) => {
      if (seen.has(b.name)) {
        report(account, ['budgets', hasBudget ? i - 1 : i, 'name'], {
          code: 'manifest.invalid',
          message: `name ${describeValue(b.name)} is used by another budget of this account; AWS budget names are unique per account`,
          hint: 'give each budget its own name',
        });
      }
      seen.add(b.name);
    });
  }
}

// ---------------------------------------------------------------------------------------------- the kind

/**
 * Apply's instruction: create the budget whole, or run the plan's steps on it (falling back to re-reading
 * and reconciling when AWS no longer matches what the plan read).
 */
const payload = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('create'), budget: resolvedBudgetSchema }),
  z.strictObject({ op: z.literal('update'), budget: resolvedBudgetSchema, steps: z.array(stepSchema) }),
]);
type Payload = z.output<typeof payload>;

/**
 * The account's cost budgets (the `budget` item, then `budgets[]`), each with its alerts (notifications)
 * and their subscribers. A budget is changed in place, never deleted and recreated, so its history stays.
 * Budgets the file does not name are reported, never touched, even with --prune: lz cannot tell a budget it
 * made from one a person made once the name is gone from the file. A budget the file names is managed as a
 * whole: alerts and subscribers on it that the file does not name are removed.
 */
export const budget = defineAccountKind<ResolvedBudget[], BudgetsRead, Payload>({
  kind: BUDGET_KIND,
  permissions: { account: [reads('budgets:ViewBudget'), writes('budgets:ModifyBudget')] },
  sections: [budgetSection, budgetsSection],
  payload,

  desired: (account) => budgetsOf(account).map(normaliseBudget),

  // Always read, even with no budget wanted: the listing is how budgets left in AWS are reported.
  read: async (ctx, want) => ({
    budgets: await readBudgets(ctx.clients.budgets, ctx.accountId, new Set((want ?? []).map((b) => b.name))),
  }),

  diff(want, have, { account }) {
    const changes: Change<Payload>[] = [];
    const unmanaged: Unmanaged[] = [];
    const wanted = want ?? [];
    const live = new Map((have?.budgets ?? []).map((b) => [b.name, b]));
    for (const w of wanted) {
      const address = budgetAddress(account.name, w.name);
      const h = live.get(w.name);
      if (!h) {
        changes.push({ address, kind: BUDGET_KIND, action: 'create', account: account.name, before: null, after: w, payload: { op: 'create', budget: w } });
        continue;
      }
      if (h.budgetType !== 'COST') {
        changes.push({
          address,
          kind: BUDGET_KIND,
          action: 'manual',
          step: 'a budget lz does not manage has a name the file uses',
          account: account.name,
          before: h,
          after: w,
          instructions: `Budget "${w.name}" in account ${account.name} is a ${h.budgetType} budget; lz manages cost budgets and does not delete budgets (their history would go). Delete it in the Billing console (Budgets) if it is not needed, or give the file's budget another name.`,
        });
        continue;
      }
      const steps = budgetSteps(w, h);
      if (steps.length > 0) {
        changes.push({ address, kind: BUDGET_KIND, action: 'update', account: account.name, before: h, after: w, fields: stepFields(steps, w.currency), payload: { op: 'update', budget: w, steps } });
      }
    }
    for (const h of have?.budgets ?? []) {
      if (wanted.some((w) => w.name === h.name)) continue;
      const limit = h.amount === null ? 'no fixed limit' : `${h.amount} ${h.currency ?? ''}`.trimEnd();
      unmanaged.push({
        address: budgetAddress(account.name, h.name),
        kind: BUDGET_KIND,
        description: `budget "${h.name}" in account ${account.name} (${h.budgetType.toLowerCase()}, ${limit}, ${h.period.toLowerCase()})`,
      });
    }
    return { changes, unmanaged };
  },

  // For `lz import`: cost budgets with a fixed limit and a period the file knows (others stay unmanaged),
  // with their alerts (read once the file names the budget).
  toManifest(have) {
    const periods = ['MONTHLY', 'QUARTERLY', 'ANNUALLY'] as const;
    const budgets = have.budgets.flatMap((b) => {
      const period = periods.find((p) => p === b.period);
      if (b.budgetType !== 'COST' || b.amount === null || !period) return [];
      const alerts = (b.alerts ?? []).map((a) => ({ at: a.at, type: a.type, thresholdType: a.thresholdType, comparison: a.comparison, notify: [...a.notify] }));
      return [{ name: b.name, amount: b.amount, currency: b.currency ?? 'USD', period, alerts }];
    });
    return budgets.length > 0 ? { [budgetsSection.key]: budgets } : undefined;
  },

  async apply(ctx, change) {
    const { payload: p } = change;
    const client = ctx.clients.budgets;
    if (p.op === 'create') {
      const created = await ignoreCodes(createBudget(client, ctx.accountId, p.budget).then(() => true), [DUPLICATE_CODE]);
      if (created) return;
      // Made by an earlier, interrupted run (or by someone since the plan): adopt it.
      ctx.progress(change.account ?? '', `budget ${p.budget.name} already exists; adopting it`);
      return reconcile(client, ctx.accountId, p.budget, change.account);
    }
    try {
      await runSteps(client, ctx.accountId, p.budget, p.steps);
      return;
    } catch (err) {
      if (!(err instanceof BudgetConflict)) throw err;
    }
    return reconcile(client, ctx.accountId, p.budget, change.account);
  },

  posture: [
    {
      id: 'budget',
      title: 'Every budget accounts.yaml declares exists',
      evaluate: ({ have, account }) => {
        const declared = budgetsOf(account).map((b) => b.name);
        if (declared.length === 0) return undefined;
        const live = new Set((have?.budgets ?? []).map((b) => b.name));
        const missing = declared.filter((n) => !live.has(n));
        return { failing: missing, detail: missing.length > 0 ? `budgets missing: ${missing.join(', ')}` : `budgets present: ${declared.join(', ')}` };
      },
    },
  ],
});

/** Reads the budget as it is now and makes it what the file says (after a create or a step ran into a conflict). */
async function reconcile(client: BudgetsClient, accountId: string, want: ResolvedBudget, account: string | undefined): Promise<void> {
  const live = await readBudget(client, accountId, want.name);
  if (!live) return createBudget(client, accountId, want);
  if (live.budgetType !== 'COST') {
    throw new LzError('budget-type', `Budget "${want.name}" in account ${account ?? accountId} is a ${live.budgetType} budget; lz manages cost budgets.`, {
      hint: 'Delete it in the Billing console, or give the file\'s budget another name.',
    });
  }
  try {
    await runSteps(client, accountId, want, budgetSteps(want, live));
  } catch (err) {
    throw err instanceof BudgetConflict ? err.cause : err;
  }
}
