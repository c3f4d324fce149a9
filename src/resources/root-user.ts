import type { GetAccountSummaryCommandOutput } from '@aws-sdk/client-iam';
import * as z from 'zod';
import { ignoreCodes } from '../aws/aws-errors.js';
import { defineAccountKind, type AccountReadContext, type ChecklistStep } from '../core/module.js';
import type { Change } from '../core/plan.js';
import type { ResolvedAccount } from '../manifest/types.js';
import { rootAccessFeatures } from './root-access.js';
import { ROOT_AUDIT_PERMISSIONS, accountSummary, auditRootCredentials, hasRootCredentials, rootCredentialsSection } from './root-credentials.js';

export { accountSummary };

export const rootMfaAddress = (account: string) => `${account}.root-user.mfa`;
export const rootKeysAddress = (account: string) => `${account}.root-user.access-keys`;

export interface RootUserState {
  /** GetAccountSummary's AccountMFAEnabled = 1. */
  mfaEnabled: boolean;
  /** GetAccountSummary's AccountAccessKeysPresent = 1. */
  accessKeysPresent: boolean;
  /**
   * The member account's root user has no credentials at all (no password, access key, signing certificate
   * or MFA device, read through AssumeRoot with IAMAuditRootUserCredentials) and root credentials management
   * is on, so nobody can recover a password for it: there is no sign-in for MFA to protect.
   */
  noCredentials?: boolean;
}

function fromSummary(summary: GetAccountSummaryCommandOutput): RootUserState {
  const map = summary.SummaryMap ?? {};
  return { mfaEnabled: map.AccountMFAEnabled === 1, accessKeysPresent: (map.AccountAccessKeysPresent ?? 0) > 0 };
}

/**
 * Whether a member account's root user has no credentials at all. Asked only where the summary shows none
 * of the credentials it counts (no MFA, keys or certificates) and both centralized root access features are
 * on: without RootSessions AssumeRoot is refused, and without RootCredentialsManagement a member account's
 * root user may still recover a password by email.
 */
async function rootHasNoCredentials(ctx: AccountReadContext, summary: GetAccountSummaryCommandOutput): Promise<boolean> {
  const map = summary.SummaryMap ?? {};
  if (ctx.account.management || !ctx.aws || map.AccountMFAEnabled === 1 || (map.AccountAccessKeysPresent ?? 0) > 0 || (map.AccountSigningCertificatesPresent ?? 0) > 0) return false;
  const features = await ignoreCodes(rootAccessFeatures(ctx.aws), ['AccessDenied', 'AccessDeniedException']);
  if (!features?.RootCredentialsManagement || !features.RootSessions) return false;
  const audit = await auditRootCredentials(ctx);
  return audit !== undefined && !hasRootCredentials(audit);
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
export const rootUser = defineAccountKind<{ management: boolean }, RootUserState, never>({
  kind: 'root-user',
  permissions: ROOT_AUDIT_PERMISSIONS,
  // Its changes are manual steps, which carry no payload and are never applied.
  payload: z.never(),

  desired: (account) => ({ management: account.management }),

  async read(ctx) {
    const summary = await accountSummary(ctx);
    return { ...fromSummary(summary), noCredentials: await rootHasNoCredentials(ctx, summary) };
  },

  diff(_want, have, { account, exists }) {
    if (!exists || !have) return { changes: [], unmanaged: [] };
    const changes: Change<never>[] = [];
    const base = { kind: 'root-user', action: 'manual' as const, account: account.name };
    // An account marked rootCredentials: delete has no root password to protect: lz removes it (centralized
    // root access), so asking a person to add MFA there would be a step against the file. One whose root
    // user has no credentials at all has nothing to add MFA to (signing in would need a password first).
    if (!have.mfaEnabled && !have.noCredentials && rootCredentialsSection.of(account) !== 'delete') {
      changes.push({ ...base, address: rootMfaAddress(account.name), step: 'root user has no MFA', before: { AccountMFAEnabled: 0 }, after: { AccountMFAEnabled: 1 }, instructions: rootMfaInstructions(account) });
    }
    if (have.accessKeysPresent) {
      changes.push({ ...base, address: rootKeysAddress(account.name), step: 'root user has access keys', before: { AccountAccessKeysPresent: 1 }, after: { AccountAccessKeysPresent: 0 }, instructions: rootKeysInstructions(account) });
    }
    return { changes, unmanaged: [] };
  },

  apply: () => Promise.resolve(),

  posture: [
    {
      id: 'root-access-keys',
      cis: '1.4',
      control: 'IAM.4',
      title: 'No root user access keys exist',
      evaluate: async ({ have, ctx }) =>
        (have ?? fromSummary(await accountSummary(ctx))).accessKeysPresent
          ? { failing: ['root'], detail: 'the root user has access keys' }
          : { failing: [], detail: 'the root user has no access keys' },
    },
    {
      id: 'root-mfa',
      cis: '1.5',
      control: 'IAM.9',
      title: 'MFA is enabled for the root user',
      evaluate: async ({ have, ctx }) => {
        const root = have ?? fromSummary(await accountSummary(ctx));
        if (root.mfaEnabled) return { failing: [], detail: 'the root user has MFA' };
        return root.noCredentials
          ? { failing: [], detail: 'the root user has no credentials at all (centralized root access): no sign-in for MFA to protect' }
          : { failing: ['root'], detail: 'the root user has no MFA device' };
      },
    },
  ],

  checklist({ account, exists, manual }) {
    const step = (address: string) => manual.find((c) => c.address === address);
    const steps: ChecklistStep[] = [];

    const mfa = step(rootMfaAddress(account.name));
    steps.push(
      mfa
        ? { done: false, title: 'Root user MFA (CIS 1.5, Security Hub IAM.9)', detail: mfa.instructions, covers: [mfa.address] }
        : exists
          ? { done: true, title: 'Root user MFA (verified: GetAccountSummary AccountMFAEnabled = 1, or no root credentials to protect)' }
          : { done: false, title: 'Root user MFA', detail: 'lz checks it once the account exists; a new account\'s root user has no MFA until someone assigns it (run lz plan --manual after lz apply).' },
    );

    const keys = step(rootKeysAddress(account.name));
    steps.push(
      keys
        ? { done: false, title: 'Root user access keys deleted (CIS 1.4, Security Hub IAM.4)', detail: keys.instructions, covers: [keys.address] }
        : exists
          ? { done: true, title: 'Root user access keys deleted (verified: GetAccountSummary AccountAccessKeysPresent = 0)' }
          : { done: false, title: 'Root user access keys deleted', detail: 'lz checks it once the account exists.' },
    );

    steps.push({
      done: false,
      title: 'Root password stored safely (lz cannot verify)',
      detail: `Whoever may need the root user of ${account.name} can reach ${account.email}${account.management ? '' : ' (a member account made by Organizations has no usable root password until someone uses "Forgot password" on the root sign-in page)'}; the password is long, unique and kept with the MFA device in the team's vault, not in one person's head. (A member account whose root user has no credentials under centralized root access has no password to store.)`,
    });
    return steps;
  },
});
