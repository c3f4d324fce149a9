import type { Change, Plan } from '../core/plan.js';

/** The manual steps the text plan shows: the ones lz can check, not those it never can. */
export function visibleManual(plan: Pick<Plan, 'manual'>): Change[] {
  return plan.manual.filter((c) => !c.unverifiable);
}

/** Accounts that have manual steps lz cannot verify (billing access on accounts that exist). */
export function accountsWithUnverifiableSteps(plan: Pick<Plan, 'manual'>): string[] {
  return [...new Set(plan.manual.filter((c) => c.unverifiable).map((c) => c.account ?? c.address))];
}

/** The one line the regular plan ends with instead of repeating those steps every run. */
export function unverifiableNotice(plan: Pick<Plan, 'manual'>): string | undefined {
  const n = accountsWithUnverifiableSteps(plan).length;
  if (n === 0) return undefined;
  return `${n} account${n === 1 ? ' has' : 's have'} root-user steps lz cannot verify: run lz plan --manual for the checklist.`;
}
