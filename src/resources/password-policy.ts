import {
  DeleteAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
  type PasswordPolicy as AwsPasswordPolicy,
} from '@aws-sdk/client-iam';
import { isNotFound } from '../aws/aws-errors.js';
import { sameValue } from '../engine/fields.js';
import type { Change, FieldChange } from '../engine/plan.js';
import type { ResolvedPasswordPolicy } from '../manifest/types.js';
import type { AccountResource } from './types.js';

export const passwordPolicyAddress = (account: string) => `${account}.password-policy`;

/** The policy in the manifest's words. `maxPasswordAge` undefined = passwords never expire. */
export type PasswordPolicyState = ResolvedPasswordPolicy;

/** Every field, in the order the plan shows them. */
const FIELDS: (keyof PasswordPolicyState)[] = [
  'minimumLength',
  'requireSymbols',
  'requireNumbers',
  'requireUppercase',
  'requireLowercase',
  'allowUsersToChangePassword',
  'maxPasswordAge',
  'reusePrevention',
  'hardExpiry',
];

/** What GetAccountPasswordPolicy returns, in the manifest's words. */
export function fromAws(p: AwsPasswordPolicy): PasswordPolicyState {
  const out: PasswordPolicyState = {
    minimumLength: p.MinimumPasswordLength ?? 6,
    requireSymbols: p.RequireSymbols ?? false,
    requireNumbers: p.RequireNumbers ?? false,
    requireUppercase: p.RequireUppercaseCharacters ?? false,
    requireLowercase: p.RequireLowercaseCharacters ?? false,
    allowUsersToChangePassword: p.AllowUsersToChangePassword ?? false,
    // AWS reports no reuse prevention by leaving the member out; the manifest allows 1-24, so 0 means "none".
    reusePrevention: p.PasswordReusePrevention ?? 0,
    hardExpiry: p.HardExpiry ?? false,
  };
  if (p.ExpirePasswords && p.MaxPasswordAge) out.maxPasswordAge = p.MaxPasswordAge;
  return out;
}

/** Every field differs or not; an absent maxPasswordAge (never expires) compares as null. */
export function policyFields(want: PasswordPolicyState, have: PasswordPolicyState): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of FIELDS) {
    const before = have[field] ?? null;
    const after = want[field] ?? null;
    if (!sameValue(before, after)) out.push({ field, before, after });
  }
  return out;
}

/**
 * The account's IAM password policy. UpdateAccountPasswordPolicy replaces the whole policy (members left
 * out fall back to AWS's weak defaults), so apply always sends every field. The defaults in the manifest
 * schema meet CIS 1.8 (length >= 14) and 1.9 (reuse prevention 24).
 */
export const passwordPolicy: AccountResource<PasswordPolicyState, PasswordPolicyState> = {
  kind: 'password-policy',
  scope: 'account',

  desired: (account) => account.passwordPolicy,

  async read(ctx) {
    try {
      const out = await ctx.clients.iam.send(new GetAccountPasswordPolicyCommand({}));
      return out.PasswordPolicy ? fromAws(out.PasswordPolicy) : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  },

  diff(want, have, { account, prune }) {
    const address = passwordPolicyAddress(account.name);
    const base = { address, kind: 'password-policy', account: account.name };
    if (!want) {
      if (!have) return { changes: [], unmanaged: [] };
      if (prune) return { changes: [{ ...base, action: 'delete', before: have, after: null }], unmanaged: [] };
      return {
        changes: [],
        unmanaged: [{ address, kind: 'password-policy', description: `password policy on account ${account.name} (minimum length ${have.minimumLength}); accounts.yaml declares none` }],
      };
    }
    if (!have) return { changes: [{ ...base, action: 'create', before: null, after: want }], unmanaged: [] };
    const fields = policyFields(want, have);
    if (fields.length === 0) return { changes: [], unmanaged: [] };
    const change: Change = { ...base, action: 'update', before: have, after: want, fields };
    return { changes: [change], unmanaged: [] };
  },

  // For `lz import`: every field as the file writes it. No reuse prevention (AWS's 0) has no spelling in the
  // file (1-24), so it is left out; import reports the difference.
  toManifest(have) {
    const { reusePrevention, maxPasswordAge, ...rest } = have;
    return { passwordPolicy: { ...rest, ...(reusePrevention > 0 ? { reusePrevention } : {}), ...(maxPasswordAge ? { maxPasswordAge } : {}) } };
  },

  async apply(ctx, change) {
    const iam = ctx.clients.iam;
    if (change.action === 'delete') {
      try {
        await iam.send(new DeleteAccountPasswordPolicyCommand({}));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    const p = change.after as PasswordPolicyState;
    // The whole policy every time: a member left out would be reset to AWS's default.
    await iam.send(
      new UpdateAccountPasswordPolicyCommand({
        MinimumPasswordLength: p.minimumLength,
        RequireSymbols: p.requireSymbols,
        RequireNumbers: p.requireNumbers,
        RequireUppercaseCharacters: p.requireUppercase,
        RequireLowercaseCharacters: p.requireLowercase,
        AllowUsersToChangePassword: p.allowUsersToChangePassword,
        ...(p.maxPasswordAge ? { MaxPasswordAge: p.maxPasswordAge } : {}),
        PasswordReusePrevention: p.reusePrevention,
        HardExpiry: p.hardExpiry,
      }),
    );
  },
};
