import { GetAccountSummaryCommand, type GetAccountSummaryCommandOutput } from '@aws-sdk/client-iam';
import type { Change } from '../engine/plan.js';
import type { ResolvedAccount } from '../manifest/types.js';
import type { AccountReadContext, AccountResource } from './types.js';

export const rootMfaAddress = (account: string) => `${account}.root-user.mfa`;
export const rootKeysAddress = (account: string) => `${account}.root-user.access-keys`;

export interface RootUserState {
  /** GetAccountSummary's AccountMFAEnabled = 1. */
  mfaEnabled: boolean;
  /** GetAccountSummary's AccountAccessKeysPresent = 1. */
  accessKeysPresent: boolean;
}

/** IAM's account summary, read once per account per run (other modules may want it too). */
export function accountSummary(ctx: AccountReadContext): Promise<GetAccountSummaryCommandOutput> {
  return ctx.memo('iam:GetAccountSummary', () => ctx.clients.iam.send(new GetAccountSummaryCommand({})));
}

/** Where a person finds the root user's security credentials. */
const SIGN_IN = (a: ResolvedAccount) =>
  `Sign in as the root user (${a.email}) at https://console.aws.amazon.com/ with "Root user", open the account menu (top right) > Security credentials`;

export function rootMfaInstructions(a: ResolvedAccount): string {
  return `Account ${a.name}: the root user has no MFA (CIS 1.5, Security Hub IAM.9). ${SIGN_IN(a)} > Multi-factor authentication (MFA) > Assign MFA device${a.management ? ' (for the management account, a hardware security key)' : ''}. Keep the device with the root password, where more than one person can reach them.`;
}

export function rootKeysInstructions(a: ResolvedAccount): string {
  return `Account ${a.name}: the root user has access keys (CIS 1.4, Security Hub IAM.4). ${SIGN_IN(a)} > Access keys: make sure nothing uses them (Last used), then Actions > Deactivate and Delete each one. Use IAM roles instead.`;
}

/**
 * Root-user checks: lz reads them (GetAccountSummary, one call per account) but cannot fix them, since
 * only the root user can change its own MFA and keys. What fails is a manual step naming the account and
 * what to click. A new account cannot be read yet: no steps until it exists.
 */
export const rootUser: AccountResource<{ management: boolean }, RootUserState> = {
  kind: 'root-user',
  scope: 'account',

  desired: (account) => ({ management: account.management }),

  async read(ctx) {
    const summary = (await accountSummary(ctx)).SummaryMap ?? {};
    return { mfaEnabled: summary.AccountMFAEnabled === 1, accessKeysPresent: (summary.AccountAccessKeysPresent ?? 0) > 0 };
  },

  diff(_want, have, { account, exists }) {
    if (!exists || !have) return { changes: [], unmanaged: [] };
    const changes: Change[] = [];
    const base = { kind: 'root-user', action: 'manual' as const, account: account.name };
    // An account marked rootCredentials: delete has no root password to protect: lz removes it (centralized
    // root access), so asking a person to add MFA there would be a step against the file.
    if (!have.mfaEnabled && account.rootCredentials !== 'delete') {
      changes.push({ ...base, address: rootMfaAddress(account.name), before: { AccountMFAEnabled: 0 }, after: { AccountMFAEnabled: 1 }, instructions: rootMfaInstructions(account) });
    }
    if (have.accessKeysPresent) {
      changes.push({ ...base, address: rootKeysAddress(account.name), before: { AccountAccessKeysPresent: 1 }, after: { AccountAccessKeysPresent: 0 }, instructions: rootKeysInstructions(account) });
    }
    return { changes, unmanaged: [] };
  },

  // Manual steps are never applied; nothing of this kind reaches apply.
  async apply() {},
};
