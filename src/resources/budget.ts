import type { BudgetsClient } from '@aws-sdk/client-budgets';
import { isError } from '../aws/aws-errors.js';
import type { Change, Unmanaged } from '../engine/plan.js';
import { LzError } from '../errors.js';
import type { ResolvedBudget } from '../manifest/index.js';
import { BudgetConflict, createBudget, readBudget, readBudgets, runSteps } from './budget-aws.js';
import { budgetSteps, normaliseBudget, stepFields, type BudgetsRead, type LiveBudget } from './budget-model.js';
import type { AccountResource } from './types.js';

export const BUDGET_KIND = 'budget';

/** `Production.budget.lz-monthly` */
export const budgetAddress = (account: string, name: string): string => `${account}.${BUDGET_KIND}.${name}`;

/**
 * The account's cost budgets (`account.budgets`: the `budget` item, then `budgets[]`), each with its alerts
 * (notifications) and their subscribers. A budget is changed in place, never deleted and recreated, so its
 * history stays. Budgets the file does not name are reported, never touched, even with --prune: lz cannot
 * tell a budget it made from one a person made once the name is gone from the file. A budget the file names
 * is managed as a whole: alerts and subscribers on it that the file does not name are removed.
 */
export const budget: AccountResource<ResolvedBudget[], BudgetsRead> = {
  kind: BUDGET_KIND,
  scope: 'account',

  desired: (account) => account.budgets.map(normaliseBudget),

  // Always read, even with no budget wanted: the listing is how budgets left in AWS are reported.
  read: async (ctx, want) => ({
    budgets: await readBudgets(ctx.clients.budgets, ctx.accountId, new Set((want ?? []).map((b) => b.name))),
  }),

  diff(want, have, { account }) {
    const changes: Change[] = [];
    const unmanaged: Unmanaged[] = [];
    const wanted = want ?? [];
    const live = new Map((have?.budgets ?? []).map((b) => [b.name, b]));
    for (const w of wanted) {
      const address = budgetAddress(account.name, w.name);
      const h = live.get(w.name);
      if (!h) {
        changes.push({ address, kind: BUDGET_KIND, action: 'create', account: account.name, before: null, after: w });
        continue;
      }
      if (h.budgetType !== 'COST') {
        changes.push({
          address,
          kind: BUDGET_KIND,
          action: 'manual',
          account: account.name,
          before: h,
          after: w,
          instructions: `Budget "${w.name}" in account ${account.name} is a ${h.budgetType} budget; lz manages cost budgets and does not delete budgets (their history would go). Delete it in the Billing console (Budgets) if it is not needed, or give the file's budget another name.`,
        });
        continue;
      }
      const steps = budgetSteps(w, h);
      if (steps.length > 0) {
        changes.push({ address, kind: BUDGET_KIND, action: 'update', account: account.name, before: h, after: w, fields: stepFields(steps, w.currency) });
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
    return budgets.length > 0 ? { budgets } : undefined;
  },

  async apply(ctx, change) {
    const want = change.after as ResolvedBudget;
    const client = ctx.clients.budgets;
    if (change.action === 'create') {
      try {
        await createBudget(client, ctx.accountId, want);
        return;
      } catch (err) {
        // Made by an earlier, interrupted run (or by someone since the plan): adopt it.
        if (!isError(err, 'DuplicateRecordException')) throw err;
      }
      ctx.progress(change.account ?? '', `budget ${want.name} already exists; adopting it`);
      return reconcile(client, ctx.accountId, want, change.account);
    }
    if (change.action === 'update') {
      try {
        await runSteps(client, ctx.accountId, want, budgetSteps(want, change.before as LiveBudget));
        return;
      } catch (err) {
        if (!(err instanceof BudgetConflict)) throw err;
      }
      return reconcile(client, ctx.accountId, want, change.account);
    }
  },
};

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
