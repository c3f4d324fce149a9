import { optBool, optInt, reqString, validationError } from '../../input.js';
import { iamPage } from '../../paginate.js';
import type { AccountRecord } from '../../state.js';
import type { OperationHandler } from '../../types.js';
import { accountOf, iamErrors } from './common.js';

/** The account's own IAM settings: its alias, its password policy and GetAccountSummary. */


/** What UpdateAccountPasswordPolicy stores for members left out: AWS's defaults. */
const PASSWORD_POLICY_DEFAULTS = {
  MinimumPasswordLength: 6,
  RequireSymbols: false,
  RequireNumbers: false,
  RequireUppercaseCharacters: false,
  RequireLowercaseCharacters: false,
  AllowUsersToChangePassword: false,
};

const SYMBOLS = /[!@#$%^&*()_+\-=[\]{}|']/;

/** Checks a password against the account's policy (or AWS's default policy when there is none). */
export function checkPassword(account: AccountRecord, password: string): void {
  const policy = account.iam.passwordPolicy as Record<string, unknown> | undefined;
  if (!policy) {
    const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, SYMBOLS].filter((re) => re.test(password)).length;
    if (password.length < 8) throw iamErrors.passwordPolicy('Password should have a minimum length of 8');
    if (classes < 3) throw iamErrors.passwordPolicy('Password should include at least three of: uppercase letters, lowercase letters, numbers, symbols');
    if (password === account.name || password === account.email) throw iamErrors.passwordPolicy('Password must not be the account name or email address');
    return;
  }
  const min = Number(policy.MinimumPasswordLength ?? 6);
  if (password.length < min) throw iamErrors.passwordPolicy(`Password should have a minimum length of ${min}`);
  if (policy.RequireSymbols && !SYMBOLS.test(password)) throw iamErrors.passwordPolicy('Password should have at least one symbol');
  if (policy.RequireNumbers && !/[0-9]/.test(password)) throw iamErrors.passwordPolicy('Password should have at least one number');
  if (policy.RequireUppercaseCharacters && !/[A-Z]/.test(password)) throw iamErrors.passwordPolicy('Password should have at least one uppercase letter');
  if (policy.RequireLowercaseCharacters && !/[a-z]/.test(password)) throw iamErrors.passwordPolicy('Password should have at least one lowercase letter');
}

const ALIAS_RE = /^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$/;

export const accountSettingsOperations: Record<string, OperationHandler> = {
  // account alias
  CreateAccountAlias: (ctx, input) => {
    const account = accountOf(ctx);
    const alias = reqString(input, 'AccountAlias');
    if (!ALIAS_RE.test(alias)) {
      throw validationError(`1 validation error detected: Value '${alias}' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`);
    }
    if (account.iam.aliases.includes(alias)) return {};
    for (const other of Object.values(ctx.state.accounts)) {
      if (other.iam.aliases.includes(alias)) throw iamErrors.alreadyExists(`The account alias ${alias} already exists.`);
    }
    // One alias per account: a new one replaces the old, as on AWS.
    account.iam.aliases = [alias];
    return {};
  },
  DeleteAccountAlias: (ctx, input) => {
    const account = accountOf(ctx);
    const alias = reqString(input, 'AccountAlias');
    if (!account.iam.aliases.includes(alias)) throw iamErrors.noSuchEntity(`The account alias ${alias} cannot be found.`);
    account.iam.aliases = account.iam.aliases.filter((a) => a !== alias);
    return {};
  },
  ListAccountAliases: (ctx, input) => {
    const page = iamPage(accountOf(ctx).iam.aliases, input);
    return { AccountAliases: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
  },

  // password policy
  UpdateAccountPasswordPolicy: (ctx, input) => {
    const account = accountOf(ctx);
    const policy: Record<string, unknown> = { ...PASSWORD_POLICY_DEFAULTS };
    const min = optInt(input, 'MinimumPasswordLength', 6, 128);
    if (min !== undefined) policy.MinimumPasswordLength = min;
    for (const k of ['RequireSymbols', 'RequireNumbers', 'RequireUppercaseCharacters', 'RequireLowercaseCharacters', 'AllowUsersToChangePassword', 'HardExpiry'] as const) {
      const v = optBool(input, k);
      if (v !== undefined) policy[k] = v;
    }
    const maxAge = optInt(input, 'MaxPasswordAge', 1, 1095);
    if (maxAge !== undefined) policy.MaxPasswordAge = maxAge;
    const reuse = optInt(input, 'PasswordReusePrevention', 1, 24);
    if (reuse !== undefined) policy.PasswordReusePrevention = reuse;
    account.iam.passwordPolicy = policy;
    return {};
  },
  GetAccountPasswordPolicy: (ctx) => {
    const account = accountOf(ctx);
    const p = account.iam.passwordPolicy;
    if (!p) throw iamErrors.noSuchEntity(`The Password Policy with domain name ${account.id} cannot be found.`);
    return {
      PasswordPolicy: {
        MinimumPasswordLength: p.MinimumPasswordLength,
        RequireSymbols: p.RequireSymbols,
        RequireNumbers: p.RequireNumbers,
        RequireUppercaseCharacters: p.RequireUppercaseCharacters,
        RequireLowercaseCharacters: p.RequireLowercaseCharacters,
        AllowUsersToChangePassword: p.AllowUsersToChangePassword,
        ExpirePasswords: typeof p.MaxPasswordAge === 'number' && p.MaxPasswordAge > 0,
        MaxPasswordAge: p.MaxPasswordAge,
        PasswordReusePrevention: p.PasswordReusePrevention,
        HardExpiry: p.HardExpiry,
      },
    };
  },
  DeleteAccountPasswordPolicy: (ctx) => {
    const account = accountOf(ctx);
    if (!account.iam.passwordPolicy) throw iamErrors.noSuchEntity(`The Password Policy with domain name ${account.id} cannot be found.`);
    delete account.iam.passwordPolicy;
    return {};
  },

  GetAccountSummary: (ctx) => {
    const account = accountOf(ctx);
    const iam = account.iam;
    const users = Object.values(iam.users);
    const devices = Object.values(iam.virtualMfaDevices);
    const summary = new Map<string, number>([
      ['Users', users.length],
      ['UsersQuota', 5000],
      ['Groups', Object.keys(iam.groups).length],
      ['GroupsQuota', 300],
      ['Roles', Object.keys(iam.roles).length],
      ['RolesQuota', 1000],
      ['Policies', Object.keys(iam.policies).length],
      ['PoliciesQuota', 1500],
      ['PolicySizeQuota', 6144],
      ['PolicyVersionsInUse', Object.values(iam.policies).reduce((n, p) => n + p.versions.length, 0)],
      ['PolicyVersionsInUseQuota', 10000],
      ['VersionsPerPolicyQuota', 5],
      ['GroupsPerUserQuota', 10],
      ['AttachedPoliciesPerUserQuota', 10],
      ['AttachedPoliciesPerGroupQuota', 10],
      ['AttachedPoliciesPerRoleQuota', 10],
      ['AccessKeysPerUserQuota', 2],
      ['ServerCertificates', 0],
      ['ServerCertificatesQuota', 20],
      ['SigningCertificatesPerUserQuota', 2],
      ['InstanceProfiles', 0],
      ['InstanceProfilesQuota', 1000],
      ['Providers', 0],
      ['MFADevices', devices.length],
      ['MFADevicesInUse', users.reduce((n, u) => n + u.mfaDevices.length, 0)],
      ['AccountMFAEnabled', account.root.mfaEnabled ? 1 : 0],
      ['AccountAccessKeysPresent', account.root.accessKeysPresent ? 1 : 0],
      ['AccountSigningCertificatesPresent', account.root.signingCertificatesPresent ? 1 : 0],
      ['GlobalEndpointTokenVersion', 1],
    ]);
    return { SummaryMap: summary };
  },
};
