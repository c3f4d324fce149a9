import type { AccountRecord, SandboxState } from './state.js';
import { emptyIamState } from './services/iam/state.js';

/** A new account: its identity and an empty IAM, the one slice every account has from birth. */
export function newAccountRecord(id: string, name: string, email: string, createdAt: string): AccountRecord {
  return {
    id,
    name,
    email,
    createdAt,
    status: 'ACTIVE',
    iam: emptyIamState(),
    root: { mfaEnabled: false, accessKeysPresent: false, passwordPresent: true },
  };
}

/** The account's status at `now`: a closure whose time has come is SUSPENDED even before a call settles it. */
export function accountStatus(account: AccountRecord, now: Date): AccountRecord['status'] {
  const closure = account.closure;
  if (account.status === 'PENDING_CLOSURE' && closure && Date.parse(closure.suspendsAt) <= now.getTime()) return 'SUSPENDED';
  return account.status;
}

/** For each state, the earliest time a pending closure completes (Infinity: none pending). */
const nextClosure = new WeakMap<SandboxState, number>();

/** Tells `settleClosures` that an account's closure completes at `suspendsAt`. */
export function closureScheduled(state: SandboxState, suspendsAt: string): void {
  nextClosure.set(state, Math.min(nextClosure.get(state) ?? Infinity, Date.parse(suspendsAt)));
}

/**
 * Writes into the records the closures that have completed by `now`; true when one did (persist then).
 * Every Organizations call settles first, so the accounts are scanned only when a closure is due: a scan per
 * call made a plan of N accounts (one ListTagsForResource each) cost the sandbox N².
 */
export function settleClosures(state: SandboxState, now: Date): boolean {
  if (now.getTime() < (nextClosure.get(state) ?? -Infinity)) return false;
  let changed = false;
  let next = Infinity;
  for (const account of Object.values(state.accounts)) {
    const status = accountStatus(account, now);
    if (status !== account.status) {
      account.status = status;
      changed = true;
    }
    if (account.status === 'PENDING_CLOSURE' && account.closure) next = Math.min(next, Date.parse(account.closure.suspendsAt));
  }
  nextClosure.set(state, next);
  return changed;
}
