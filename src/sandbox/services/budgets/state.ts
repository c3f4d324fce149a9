import type { AccountRecord } from '../../state.js';

/** Budgets' part of the state: each account's budgets. */

declare module '../../state.js' {
  interface AccountRecord {
    /** Budgets keyed by budget name. */
    budgets?: Record<string, BudgetRecord>;
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- AWS's Budget structure, stored as received */
export interface BudgetRecord {
  /** The Budget structure as AWS returns it (BudgetName, BudgetLimit, TimeUnit, BudgetType, ...). */
  budget: Record<string, any>;
  notifications: { notification: Record<string, any>; subscribers: { SubscriptionType: string; Address: string }[] }[];
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The account's budgets, created empty on first use. */
export function budgetsState(account: AccountRecord): Record<string, BudgetRecord> {
  account.budgets ??= {};
  return account.budgets;
}
