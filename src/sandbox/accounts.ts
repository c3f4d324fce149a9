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

/** Writes into the records the closures that have completed by `now`; true when one did (persist then). */
export function settleClosures(state: SandboxState, now: Date): boolean {
  let changed = false;
  for (const account of Object.values(state.accounts)) {
    const status = accountStatus(account, now);
    if (status !== account.status) {
      account.status = status;
      changed = true;
    }
  }
  return changed;
}
