import type { AccountRecord } from './state.js';
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
