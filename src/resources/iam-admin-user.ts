import {
  AddUserToGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSSHPublicKeyCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DeleteVirtualMFADeviceCommand,
  DetachUserPolicyCommand,
  ListServiceSpecificCredentialsCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
  UpdateLoginProfileCommand,
  paginateListAccessKeys,
  paginateListAttachedUserPolicies,
  paginateListGroupsForUser,
  paginateListMFADevices,
  paginateListSSHPublicKeys,
  paginateListSigningCertificates,
  paginateListUserPolicies,
  type IAMClient,
} from '@aws-sdk/client-iam';
import * as z from 'zod';
import { NOT_FOUND, ignoreCodes, isError } from '../aws/aws-errors.js';
import { defineAccountKind, type AccountApplyContext } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import type { Change, FieldChange, Unmanaged } from '../core/plan.js';
import { MANAGED_BY_TAG, tagDiff } from '../core/reconcile.js';
import { accountSection } from '../manifest/sections.js';
import { MANAGED_POLICY_ARN, iamName, rule } from '../manifest/schema.js';
import { MIN_GENERATED_LENGTH, generatePassword, passwordLength } from '../secrets.js';
import {
  ALREADY_EXISTS,
  GROUP_TAG,
  MANAGED_TAG_VALUE,
  authorizationDetails,
  consoleState,
  credentialReport,
  findGroup,
  findUser,
  iamAddress,
  managedPolicies,
  managedUsers,
  sameName,
  type AuthorizationDetails,
  type IamUserView,
  AUTHORIZATION_DETAILS_READ,
  CREDENTIAL_REPORT_READ,
  CONSOLE_STATE_READ,
} from './iam-reads.js';
import { PASSWORD_SECRET_GRANTS, PASSWORD_STORES, deletePasswordSecret, passwordLocation, readPasswordSecret, stageInSecretsManager, stageLocal, type PasswordSecretState, type PasswordStore } from './initial-password.js';
import { passwordPolicySection } from './password-policy.js';
import { isVirtualMfaSerial } from './virtual-mfa.js';

export const iamAdminSchema = z
  .strictObject({
    user: iamName(64, 'IAM user names are 1-64 characters').default('IAMADMIN').describe('IAM user created in the account.'),
    group: iamName(128, 'IAM group names are 1-128 characters').default('Administrators').describe('IAM group the user joins; the policies attach to it.'),
    policies: z
      .array(z.string().regex(MANAGED_POLICY_ARN, rule('must be a managed policy ARN', 'e.g. arn:aws:iam::aws:policy/AdministratorAccess')))
      .max(20, rule('must have at most 20 entries (IAM managed policies per group)', 'combine policies or use fewer'))
      .default(['arn:aws:iam::aws:policy/AdministratorAccess'])
      .describe('Managed policy ARNs attached to the group.'),
    consoleAccess: z.boolean().default(true).describe('Give the user a console password (login profile).'),
    requireMfa: z.boolean().default(true).describe('Attach a policy that denies everything but MFA setup until the user signs in with MFA.'),
    mfaPolicyName: iamName(128, 'IAM policy names are 1-128 characters').default('lz-require-mfa').describe('Name of the customer-managed MFA policy.'),
    passwordStore: z
      .enum(PASSWORD_STORES)
      .default('local')
      .describe(
        "Where the initial console password goes: `local` (a 0600 file under .lz/secrets/ where lz runs) or `secrets-manager` (a secret lz/initial-password/<user> in the account itself, in the run's Region, deleted once the user has set their own password).",
      ),
  })
  .describe('An administrator IAM user in a group with managed policies, optionally forced to use MFA.');

export type IamAdmin = z.output<typeof iamAdminSchema>;

/**
 * `iamAdmin` under `defaults` or an account, merged key by key. Declared here and read by the other IAM
 * modules (the group, the MFA policy, console MFA), which each make one part of it true.
 */
export const iamAdminSection = accountSection({
  key: 'iamAdmin',
  schema: iamAdminSchema,
  inherit: 'merge',
  factorable: true,
  summary: (a) => ['iamAdmin', ...(a.requireMfa ? ['mfa'] : [])],
});

/**
 * The admin user: exists, is in the admin group, has no policies of its own (CIS 1.15: permissions come
 * from groups), and, with consoleAccess, a console password that must be changed at first sign-in. The
 * initial password is generated at apply and stored only where `passwordStore` says (initial-password.ts).
 * Access keys are never created.
 */
export interface AdminUserWant {
  name: string;
  group: string;
  /** Present with consoleAccess: where the initial password goes (the plan shows the place, never a password). */
  'console password'?: PasswordStore;
  /** Length of the generated password: max(the file's password policy minimum, 20). */
  'password length'?: number;
  /** How lz finds the user again once the file stops naming it. */
  tags: Record<string, string>;
}

interface UserState {
  name: string;
  groups: string[];
  /** Directly attached managed policy ARNs. */
  policies: string[];
  inlinePolicies: string[];
  tags: Record<string, string>;
  passwordEnabled: boolean;
}

export interface AdminUserHave {
  user?: UserState;
  /** Users lz manages that the file no longer names, with the initial-password secret lz made for one (its ARN). */
  retired: (UserState & { initialPasswordSecret?: string })[];
  /**
   * For `lz import`: the admin set-up lz made, as `iamAdmin` would say it, from the same read (no call of
   * its own). The user lz manages (the one the file names, else the first tagged one), the group its tag
   * names with that group's managed policies, and lz's MFA policy on the group. Written by this kind alone,
   * since the section declared here only means something whole: a group without its user has no words.
   */
  setup?: z.input<typeof iamAdminSchema>;
  /** With passwordStore: secrets-manager, the user's initial-password secret lz made, while it is there. */
  initialPassword?: PasswordSecretState;
}

const KIND = 'iam-admin-user';

/**
 * A login profile to create, with the length of the password generated at apply (never in the plan), and
 * the Region of the Secrets Manager secret that keeps it (absent: the local folder).
 */
const newLoginProfile = z.strictObject({ passwordLength: z.int().min(MIN_GENERATED_LENGTH).max(128), secretsManager: z.strictObject({ region: z.string() }).optional() });

/** Apply's instruction: exactly what to do to the user, nothing left to read from the displayed fields. */
const payload = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('create'),
    user: z.string(),
    group: z.string(),
    tags: z.record(z.string(), z.string()),
    loginProfile: newLoginProfile.optional(),
  }),
  z.strictObject({
    op: z.literal('update'),
    user: z.string(),
    /** The group to join, when it is not in it. */
    addToGroup: z.string().optional(),
    tags: z.record(z.string(), z.string()),
    /** Create a login profile, or delete the one consoleAccess: false no longer wants (--prune). */
    loginProfile: z.union([newLoginProfile, z.literal('delete')]).optional(),
    detachPolicies: z.array(z.string()),
    deleteInlinePolicies: z.array(z.string()),
  }),
  /** With the user, the initial-password secret lz made for it, by ARN (see below). */
  z.strictObject({ op: z.literal('delete'), user: z.string(), secret: z.strictObject({ region: z.string(), arn: z.string() }).optional() }),
  /** The initial password's secret, once it is of no use: by ARN, so a secret made since under the name is not touched. */
  z.strictObject({ op: z.literal('delete-initial-password'), user: z.string(), region: z.string(), secret: z.string() }),
]);
type Payload = z.output<typeof payload>;

export const passwordNote = (store: PasswordStore, account: string, user: string, region: string) => `generated at apply, written to ${passwordLocation(store, account, user, region)}`;

export const iamAdminUser = defineAccountKind<AdminUserWant, AdminUserHave, Payload>({
  kind: KIND,
  permissions: {
    account: [
      AUTHORIZATION_DETAILS_READ,
      CREDENTIAL_REPORT_READ,
      CONSOLE_STATE_READ,
      ...PASSWORD_SECRET_GRANTS,
      reads(
        'iam:ListAccessKeys',
        'iam:ListAttachedUserPolicies',
        'iam:ListGroupsForUser',
        'iam:ListMFADevices',
        'iam:ListSSHPublicKeys',
        'iam:ListServiceSpecificCredentials',
        'iam:ListSigningCertificates',
        'iam:ListUserPolicies',
      ),
      writes('iam:CreateUser', 'iam:TagUser', 'iam:AddUserToGroup', 'iam:RemoveUserFromGroup', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile'),
      // Deleting a user IAM refuses while it still has credentials, policies or groups: lz removes those first.
      writes(
        'iam:DeleteUser',
        'iam:DeleteLoginProfile',
        'iam:DeleteAccessKey',
        'iam:DeleteSSHPublicKey',
        'iam:DeleteServiceSpecificCredential',
        'iam:DeleteSigningCertificate',
        'iam:DeactivateMFADevice',
        'iam:DeleteVirtualMFADevice',
        'iam:DeleteUserPolicy',
        'iam:DetachUserPolicy',
      ),
    ],
  },
  sections: [iamAdminSection],
  payload,

  desired(account) {
    const a = iamAdminSection.of(account);
    if (!a) return undefined;
    return {
      name: a.user,
      group: a.group,
      ...(a.consoleAccess ? { 'console password': a.passwordStore, 'password length': passwordLength(passwordPolicySection.of(account)) } : {}),
      tags: { [MANAGED_BY_TAG]: MANAGED_TAG_VALUE, [GROUP_TAG]: a.group },
    };
  },

  async read(ctx, want) {
    const details = await authorizationDetails(ctx);
    const user = want ? findUser(details, want.name) : undefined;
    const managed = managedUsers(details).filter((u) => !want || !sameName(u.name, want.name));
    // The report is needed only for a password lz does not manage; skipped when there is nothing to ask.
    const report = managed.length > 0 || (user && !want?.['console password']) ? await credentialReport(ctx) : undefined;
    const fromReport = (name: string) => (report?.users ?? []).some((r) => sameName(r.user, name) && r.passwordEnabled === true);
    const toState = (u: IamUserView, passwordEnabled: boolean): UserState => ({
      name: u.name,
      groups: u.groups,
      policies: u.attachedPolicies.map((p) => p.arn).sort(),
      inlinePolicies: u.inlinePolicies,
      tags: u.tags,
      passwordEnabled,
    });
    let have: UserState | undefined;
    if (user) {
      // A login profile lz just made may not be in a report up to four hours old: ask when it matters.
      const passwordEnabled = want?.['console password'] ? (await consoleState(ctx, user.name)).passwordEnabled : fromReport(user.name);
      have = toState(user, passwordEnabled);
    }
    // A retired user's secret is looked for where the file keeps passwords in Secrets Manager, one call per
    // retired user, so that --prune deletes the password with its user.
    const retired = await Promise.all(
      managed.map(async (u) => {
        const secret = want?.['console password'] === 'secrets-manager' ? await readPasswordSecret(ctx, u.name, false) : undefined;
        return { ...toState(u, fromReport(u.name)), ...(secret ? { initialPasswordSecret: secret.arn } : {}) };
      }),
    );
    // With no want (the file names no admin here; lz import's first read), the report's "no password" may
    // be hours old: the set-up says what is true now, so that a file written from it never asks --prune to
    // delete a password the user has.
    let anchor = have;
    const first = [...retired].sort((a, b) => a.name.localeCompare(b.name))[0];
    if (!anchor && first) anchor = { ...first, passwordEnabled: first.passwordEnabled || (await consoleState(ctx, first.name)).passwordEnabled };
    // Read only where the file keeps passwords there: every other account costs no Secrets Manager call.
    const initialPassword = want?.['console password'] === 'secrets-manager' ? await readPasswordSecret(ctx, want.name, Boolean(user)) : undefined;
    return { ...(have ? { user: have } : {}), retired, ...(anchor ? { setup: setupOf(details, anchor) } : {}), ...(initialPassword ? { initialPassword } : {}) };
  },

  diff(want, have, input) {
    const account = input.account.name;
    const changes: Change<Payload>[] = [];
    const unmanaged: Unmanaged[] = [];
    const groupDependency = want ? [iamAddress.group(account)] : [];
    const store = want?.['console password'];
    const loginProfile = store
      ? { passwordLength: want['password length'] ?? MIN_GENERATED_LENGTH, ...(store === 'secrets-manager' ? { secretsManager: { region: input.region } } : {}) }
      : undefined;
    const note = store && want ? passwordNote(store, account, want.name, input.region) : undefined;
    // The plan shows where the password goes, in place of the store's name.
    const shown = want && note ? { ...want, 'console password': `(${note})` } : want;
    let createsLoginProfile = false;
    if (want && !have?.user) {
      createsLoginProfile = Boolean(loginProfile);
      changes.push({
        address: iamAddress.user(account),
        kind: KIND,
        action: 'create',
        account,
        before: null,
        after: shown,
        payload: { op: 'create', user: want.name, group: want.group, tags: want.tags, ...(loginProfile ? { loginProfile } : {}) },
        dependsOn: groupDependency,
      });
    } else if (want && have?.user) {
      const u = have.user;
      const fields: FieldChange[] = [];
      const update: Extract<Payload, { op: 'update' }> = { op: 'update', user: want.name, tags: {}, detachPolicies: [], deleteInlinePolicies: [] };
      if (!u.groups.some((g) => sameName(g, want.group))) {
        fields.push({ field: 'group', before: null, after: want.group });
        update.addToGroup = want.group;
      }
      // Only lz's own tags are compared: the user's other tags are not lz's to remove.
      const tags = tagDiff(want.tags, Object.fromEntries(Object.entries(u.tags).filter(([key]) => key in want.tags)), false);
      fields.push(...tags.fields);
      update.tags = tags.set;
      if (loginProfile && !u.passwordEnabled) {
        fields.push({ field: 'console password', before: null, after: true, ...(note ? { note } : {}) });
        update.loginProfile = loginProfile;
        createsLoginProfile = true;
      }
      if (!loginProfile && u.passwordEnabled) {
        if (input.prune) {
          fields.push({ field: 'console password', before: 'enabled', after: null });
          update.loginProfile = 'delete';
        } else unmanaged.push({ address: `${iamAddress.user(account)}.console-password`, kind: KIND, description: `console password of ${u.name} in ${account} (consoleAccess is false; --prune deletes the login profile)`, prunable: true });
      }
      if (u.policies.length > 0) {
        if (input.prune) {
          fields.push({ field: 'policies', before: u.policies, after: [] });
          update.detachPolicies = u.policies;
        } else {
          for (const arn of u.policies) {
            unmanaged.push({ address: `${iamAddress.user(account)}.policy:${arn}`, kind: KIND, description: `policy ${arn} attached directly to user ${u.name} in ${account} (CIS 1.15: grant through the group; --prune detaches it)`, prunable: true });
          }
        }
      }
      if (u.inlinePolicies.length > 0) {
        if (input.prune) {
          fields.push({ field: 'inline policies', before: u.inlinePolicies, after: [] });
          update.deleteInlinePolicies = u.inlinePolicies;
        } else {
          for (const name of u.inlinePolicies) {
            unmanaged.push({ address: `${iamAddress.user(account)}.inline:${name}`, kind: KIND, description: `inline policy ${name} on user ${u.name} in ${account} (CIS 1.15: grant through the group; --prune deletes it)`, prunable: true });
          }
        }
      }
      if (fields.length > 0) {
        changes.push({
          address: iamAddress.user(account),
          kind: KIND,
          action: 'update',
          account,
          before: { name: u.name, groups: u.groups, policies: u.policies, inlinePolicies: u.inlinePolicies, tags: u.tags, consolePassword: u.passwordEnabled },
          after: shown,
          fields,
          payload: update,
          ...(update.addToGroup ? { dependsOn: groupDependency } : {}),
        });
      }
    }
    const secret = have?.initialPassword;
    // A login profile this plan makes puts its password in the secret: only a secret of no further use goes.
    if (want && secret && secret.password !== 'waiting' && !createsLoginProfile) {
      const why = secret.password === 'changed' ? `${want.name} has set their own password` : `${want.name} has no console password`;
      changes.push({
        address: `${iamAddress.user(account)}.initial-password`,
        kind: KIND,
        action: 'delete',
        account,
        before: { secret: secret.arn, reason: why },
        after: null,
        fields: [{ field: 'initial password secret', before: secret.arn, after: null, note: why }],
        payload: { op: 'delete-initial-password', user: want.name, region: input.region, secret: secret.arn },
      });
    }
    for (const u of have?.retired ?? []) {
      if (input.prune) {
        changes.push({
          address: iamAddress.retiredUser(account, u.name),
          kind: KIND,
          action: 'delete',
          account,
          before: { name: u.name, groups: u.groups, policies: u.policies, 'console password': u.passwordEnabled ? 'enabled' : 'none', ...(u.initialPasswordSecret ? { 'initial password secret': u.initialPasswordSecret } : {}) },
          after: null,
          payload: { op: 'delete', user: u.name, ...(u.initialPasswordSecret ? { secret: { region: input.region, arn: u.initialPasswordSecret } } : {}) },
        });
      } else {
        const what = u.initialPasswordSecret ? 'it and its initial-password secret' : 'it';
        unmanaged.push({ address: iamAddress.retiredUser(account, u.name), kind: KIND, description: `user ${u.name} in ${account} (lz manages it; accounts.yaml no longer names it; --prune deletes ${what})`, prunable: true });
      }
    }
    return { changes, unmanaged };
  },

  toManifest: (have) => (have.setup ? { [iamAdminSection.key]: have.setup } : undefined),

  async apply(ctx, { account = '', payload: p }) {
    const iam = ctx.clients.iam;
    if (p.op === 'delete') {
      await deleteUser(ctx, account, p.user);
      if (!p.secret) return;
      ctx.progress(account, `deleting the initial password of ${p.user} (${p.secret.arn}) with the user`);
      return deletePasswordSecret(ctx.clients.secretsManagerIn(p.secret.region), p.secret.arn);
    }
    if (p.op === 'delete-initial-password') {
      ctx.progress(account, `deleting the initial password of ${p.user} (${p.secret}): the user no longer needs it`);
      return deletePasswordSecret(ctx.clients.secretsManagerIn(p.region), p.secret);
    }
    const asTags = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    if (p.op === 'create') {
      ctx.progress(account, `creating user ${p.user}`);
      const created = await ignoreCodes(iam.send(new CreateUserCommand({ UserName: p.user, Tags: asTags(p.tags) })), ALREADY_EXISTS);
      // Made by an earlier run (or by hand) since the plan: adopt it.
      if (!created) await iam.send(new TagUserCommand({ UserName: p.user, Tags: asTags(p.tags) }));
      await iam.send(new AddUserToGroupCommand({ GroupName: p.group, UserName: p.user }));
      if (p.loginProfile) await createLoginProfile(ctx, account, p.user, p.loginProfile);
      return;
    }
    if (p.addToGroup) await iam.send(new AddUserToGroupCommand({ GroupName: p.addToGroup, UserName: p.user }));
    if (Object.keys(p.tags).length > 0) await iam.send(new TagUserCommand({ UserName: p.user, Tags: asTags(p.tags) }));
    if (p.loginProfile === 'delete') await ignoreCodes(iam.send(new DeleteLoginProfileCommand({ UserName: p.user })), NOT_FOUND);
    else if (p.loginProfile) await createLoginProfile(ctx, account, p.user, p.loginProfile);
    for (const arn of p.detachPolicies) await ignoreCodes(iam.send(new DetachUserPolicyCommand({ UserName: p.user, PolicyArn: arn })), NOT_FOUND);
    for (const name of p.deleteInlinePolicies) await ignoreCodes(iam.send(new DeleteUserPolicyCommand({ UserName: p.user, PolicyName: name })), NOT_FOUND);
  },
});

/**
 * `iamAdmin` as the live account has it around `user`: its group (lz's tag on the user names it), the group's
 * managed policies other than lz's own, and lz's MFA policy (the one on the group, else any lz made).
 */
function setupOf(details: AuthorizationDetails, user: UserState): z.input<typeof iamAdminSchema> {
  const groupName = user.tags[GROUP_TAG] ?? user.groups[0];
  const group = groupName ? findGroup(details, groupName) : undefined;
  const lzPolicies = managedPolicies(details);
  const mfa = lzPolicies.find((p) => group?.attachedPolicies.some((a) => a.arn === p.arn)) ?? lzPolicies[0];
  const policies = group?.attachedPolicies.map((a) => a.arn).filter((arn) => !lzPolicies.some((p) => p.arn === arn)).sort();
  return {
    user: user.name,
    ...(groupName ? { group: group?.name ?? groupName } : {}),
    ...(policies ? { policies } : {}),
    consoleAccess: user.passwordEnabled,
    requireMfa: Boolean(mfa),
    ...(mfa ? { mfaPolicyName: mfa.name } : {}),
  };
}

/**
 * Gives the user a console password, once: the password is generated from the CSPRNG, stored where the
 * file says (initial-password.ts), sent with PasswordResetRequired, and kept only if IAM took it. A user
 * that already has a login profile keeps it (EntityAlreadyExists): lz never replaces a password.
 */
async function createLoginProfile(ctx: AccountApplyContext, account: string, user: string, profile: z.output<typeof newLoginProfile>): Promise<void> {
  const password = generatePassword(profile.passwordLength);
  const text = { account, accountId: ctx.accountId, user, password };
  const staged = profile.secretsManager ? await stageInSecretsManager(ctx, text, profile.secretsManager.region) : stageLocal(ctx, text);
  const stored = () => {
    staged.commit();
    ctx.progress(account, `initial console password for ${user} written to ${staged.where} (${profile.secretsManager ? "readable by the account's administrators; deleted once the user has set their own" : 'readable by you only'}; shown nowhere else)`);
  };
  try {
    await ctx.clients.iam.send(new CreateLoginProfileCommand({ UserName: user, Password: password, PasswordResetRequired: true }));
  } catch (err) {
    const exists = isError(err, ...ALREADY_EXISTS);
    // The SDK retried the call (a connection reset, a 5xx): an earlier attempt of this very call may be what
    // made the profile, its answer lost on the way. Then IAM holds this password and nobody else knows it,
    // so make that certain with the same password rather than lose it.
    if (exists && ((err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) > 1) {
      try {
        await ctx.clients.iam.send(new UpdateLoginProfileCommand({ UserName: user, Password: password, PasswordResetRequired: true }));
      } catch (updateErr) {
        await staged.discard();
        throw updateErr;
      }
      stored();
      return;
    }
    await staged.discard();
    if (exists) {
      ctx.progress(account, `${user} already has a console password; lz does not replace it`);
      return;
    }
    throw err;
  }
  stored();
}

/** Takes away everything that keeps IAM from deleting the user, then deletes it. Gone already is done. */
async function deleteUser(ctx: AccountApplyContext, account: string, name: string): Promise<void> {
  ctx.progress(account, `deleting user ${name}`);
  // NoSuchEntity from a listing means the user is gone already; from a removal, that the other side is.
  await ignoreCodes(dismantleUser(ctx.clients.iam, name), NOT_FOUND);
}

async function dismantleUser(iam: IAMClient, name: string): Promise<void> {
  const gone = <T>(call: Promise<T>) => ignoreCodes(call, NOT_FOUND);
  await gone(iam.send(new DeleteLoginProfileCommand({ UserName: name })));
  for await (const page of paginateListAccessKeys({ client: iam }, { UserName: name })) {
    for (const k of page.AccessKeyMetadata ?? []) await iam.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: k.AccessKeyId }));
  }
  // Signing certificates, SSH public keys and service-specific credentials (Git, Keyspaces, Bedrock) keep
  // DeleteUser refusing with DeleteConflict too.
  for await (const page of paginateListSigningCertificates({ client: iam }, { UserName: name })) {
    for (const c of page.Certificates ?? []) await gone(iam.send(new DeleteSigningCertificateCommand({ UserName: name, CertificateId: c.CertificateId })));
  }
  for await (const page of paginateListSSHPublicKeys({ client: iam }, { UserName: name })) {
    for (const k of page.SSHPublicKeys ?? []) await gone(iam.send(new DeleteSSHPublicKeyCommand({ UserName: name, SSHPublicKeyId: k.SSHPublicKeyId })));
  }
  // The SDK has no paginator for it, and a user holds at most two per service: one page holds them all.
  const { ServiceSpecificCredentials: serviceCredentials = [] } = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: name }));
  for (const c of serviceCredentials) {
    await gone(iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: name, ServiceSpecificCredentialId: c.ServiceSpecificCredentialId })));
  }
  const devices: string[] = [];
  for await (const page of paginateListMFADevices({ client: iam }, { UserName: name })) devices.push(...(page.MFADevices ?? []).map((d) => d.SerialNumber!));
  for (const serial of devices) {
    await iam.send(new DeactivateMFADeviceCommand({ UserName: name, SerialNumber: serial }));
    if (isVirtualMfaSerial(serial)) await gone(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })));
  }
  const groups: string[] = [];
  for await (const page of paginateListGroupsForUser({ client: iam }, { UserName: name })) groups.push(...(page.Groups ?? []).map((g) => g.GroupName!));
  for (const g of groups) await gone(iam.send(new RemoveUserFromGroupCommand({ GroupName: g, UserName: name })));
  const attached: string[] = [];
  for await (const page of paginateListAttachedUserPolicies({ client: iam }, { UserName: name })) attached.push(...(page.AttachedPolicies ?? []).map((p) => p.PolicyArn!));
  for (const arn of attached) await gone(iam.send(new DetachUserPolicyCommand({ UserName: name, PolicyArn: arn })));
  const inline: string[] = [];
  for await (const page of paginateListUserPolicies({ client: iam }, { UserName: name })) inline.push(...(page.PolicyNames ?? []));
  for (const p of inline) await gone(iam.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: p })));
  await iam.send(new DeleteUserCommand({ UserName: name }));
}
