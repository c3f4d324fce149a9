import {
  DeleteAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
  type PasswordPolicy as AwsPasswordPolicy,
} from '@aws-sdk/client-iam';
import * as z from 'zod';
import { NOT_FOUND, ignoreCodes } from '../aws/aws-errors.js';
import { defineAccountKind } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import { everyFieldDiff, singletonDiff } from '../core/reconcile.js';
import { accountSection } from '../manifest/sections.js';
import { between } from '../manifest/schema.js';

export const passwordPolicyAddress = (account: string) => `${account}.password-policy`;

export const passwordPolicySchema = z
  .strictObject({
    minimumLength: z.int().min(6, between(6, 128, "IAM's MinimumPasswordLength range")).max(128, between(6, 128, "IAM's MinimumPasswordLength range")).default(14).describe('Minimum password length, 6-128 (CIS: 14).'),
    requireSymbols: z.boolean().default(true).describe('Require at least one symbol.'),
    requireNumbers: z.boolean().default(true).describe('Require at least one digit.'),
    requireUppercase: z.boolean().default(true).describe('Require at least one uppercase letter.'),
    requireLowercase: z.boolean().default(true).describe('Require at least one lowercase letter.'),
    allowUsersToChangePassword: z.boolean().default(true).describe('Let IAM users change their own password.'),
    maxPasswordAge: z
      .int()
      .min(1, between(1, 1095, "IAM's MaxPasswordAge range in days", 'use 1 to 1095 days, or remove the key so passwords never expire'))
      .max(1095, between(1, 1095, "IAM's MaxPasswordAge range in days", 'use 1 to 1095 days, or remove the key so passwords never expire'))
      .optional()
      .describe('Days before a password expires, 1-1095; absent = never expires.'),
    reusePrevention: z.int().min(1, between(1, 24, "IAM's PasswordReusePrevention range")).max(24, between(1, 24, "IAM's PasswordReusePrevention range")).default(24).describe('How many previous passwords cannot be reused, 1-24 (CIS: 24).'),
    hardExpiry: z.boolean().default(false).describe('Expired passwords need an administrator reset.'),
  })
  .describe("The account's IAM password policy (UpdateAccountPasswordPolicy).");

/** The policy in the manifest's words. `maxPasswordAge` undefined = passwords never expire. */
export type PasswordPolicyState = z.output<typeof passwordPolicySchema>;

/** `passwordPolicy` under `defaults` or an account, merged key by key. */
export const passwordPolicySection = accountSection({
  key: 'passwordPolicy',
  schema: passwordPolicySchema,
  inherit: 'merge',
  factorable: true,
  summary: () => ['password-policy'],
});

/** Every field, in the order the plan shows them. */
const FIELDS: (keyof PasswordPolicyState & string)[] = [
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
export const policyFields = (want: PasswordPolicyState, have: PasswordPolicyState) => everyFieldDiff(FIELDS, want, have);

/** Apply's instruction: the whole policy to put, or none to delete it. */
const payload = z.strictObject({ put: passwordPolicySchema.nullable() });
type Payload = z.output<typeof payload>;

/**
 * The account's IAM password policy. UpdateAccountPasswordPolicy replaces the whole policy (members left
 * out fall back to AWS's weak defaults), so apply always sends every field. The defaults in the schema meet
 * CIS 1.8 (length >= 14) and 1.9 (reuse prevention 24), which `lz drift` checks whatever the file says.
 */
export const passwordPolicy = defineAccountKind<PasswordPolicyState, PasswordPolicyState, Payload>({
  kind: 'password-policy',
  permissions: { account: [reads('iam:GetAccountPasswordPolicy'), writes('iam:UpdateAccountPasswordPolicy', 'iam:DeleteAccountPasswordPolicy')] },
  sections: [passwordPolicySection],
  payload,

  desired: (account) => passwordPolicySection.of(account),

  read: async (ctx) => {
    const out = await ignoreCodes(ctx.clients.iam.send(new GetAccountPasswordPolicyCommand({})), NOT_FOUND);
    return out?.PasswordPolicy ? fromAws(out.PasswordPolicy) : undefined;
  },

  diff: (want, have, { account, prune }) =>
    singletonDiff({
      address: passwordPolicyAddress(account.name),
      kind: 'password-policy',
      account: account.name,
      want,
      have,
      prune,
      fields: policyFields,
      payload: { put: (w): Payload => ({ put: w }), delete: (): Payload => ({ put: null }) },
      unmanaged: (h) => `password policy on account ${account.name} (minimum length ${h.minimumLength}); accounts.yaml declares none`,
    }),

  // For `lz import`: every field as the file writes it. No reuse prevention (AWS's 0) has no spelling in the
  // file (1-24), so it is left out; import reports the difference.
  toManifest(have) {
    const { reusePrevention, maxPasswordAge, ...rest } = have;
    return { [passwordPolicySection.key]: { ...rest, ...(reusePrevention > 0 ? { reusePrevention } : {}), ...(maxPasswordAge ? { maxPasswordAge } : {}) } };
  },

  async apply(ctx, { payload: { put: p } }) {
    const iam = ctx.clients.iam;
    if (!p) {
      await ignoreCodes(iam.send(new DeleteAccountPasswordPolicyCommand({})), NOT_FOUND);
      return;
    }
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

  posture: [
    {
      id: 'password-length',
      cis: '1.8',
      control: 'IAM.15',
      title: 'Password policy requires a minimum length of 14 or more',
      evaluate: ({ have }) =>
        !have || have.minimumLength < 14
          ? { failing: ['password policy'], detail: have ? `minimum length is ${have.minimumLength} (needs 14 or more)` : 'no password policy (AWS default: 8 characters)' }
          : { failing: [], detail: `minimum length ${have.minimumLength}` },
    },
    {
      id: 'password-reuse',
      cis: '1.9',
      control: 'IAM.16',
      title: 'Password policy prevents password reuse (24)',
      evaluate: ({ have }) =>
        !have || have.reusePrevention < 24
          ? { failing: ['password policy'], detail: have ? `reuse prevention is ${have.reusePrevention || 'off'} (needs 24)` : 'no password policy (reuse allowed)' }
          : { failing: [], detail: `reuse prevention ${have.reusePrevention}` },
    },
  ],
});
