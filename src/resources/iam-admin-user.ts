import { isVirtualMfaSerial } from './virtual-mfa.js';
import {
  AddUserToGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DeleteVirtualMFADeviceCommand,
  DetachUserPolicyCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
  UpdateLoginProfileCommand,
  paginateListAccessKeys,
  paginateListAttachedUserPolicies,
  paginateListGroupsForUser,
  paginateListMFADevices,
  paginateListUserPolicies,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { isError, isNotFound } from '../aws/aws-errors.js';
import type { Change, FieldChange, Unmanaged } from '../engine/plan.js';
import { displaySecretFile, generatePassword, passwordLength, secretFile, stageSecret } from '../secrets.js';
import {
  GROUP_TAG,
  MANAGED_TAG,
  MANAGED_TAG_VALUE,
  authorizationDetails,
  consoleState,
  credentialReport,
  findUser,
  iamAddress,
  managedUsers,
  sameName,
  type IamUserView,
} from './iam-reads.js';
import type { AccountApplyContext, AccountResource, PlanOutput } from './types.js';

/**
 * The admin user: exists, is in the admin group, has no policies of its own (CIS 1.15: permissions come
 * from groups), and, with consoleAccess, a console password that must be changed at first sign-in. The
 * initial password is generated at apply and written only to `.lz/secrets/<account>/<user>.txt`.
 * Access keys are never created.
 */
export interface AdminUserWant {
  name: string;
  group: string;
  /** Present with consoleAccess: what the plan shows in place of a password. */
  'console password'?: string;
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
  /** Users lz manages that the file no longer names. */
  retired: UserState[];
}

const KIND = 'iam-admin-user';

export const passwordNote = (account: string, user: string) => `generated at apply, written to ${displaySecretFile(account, user)}`;

export const iamAdminUser: AccountResource<AdminUserWant, AdminUserHave> = {
  kind: KIND,
  scope: 'account',

  desired(account) {
    const a = account.iamAdmin;
    if (!a) return undefined;
    return {
      name: a.user,
      group: a.group,
      ...(a.consoleAccess ? { 'console password': `(${passwordNote(account.name, a.user)})`, 'password length': passwordLength(account.passwordPolicy) } : {}),
      tags: { [MANAGED_TAG]: MANAGED_TAG_VALUE, [GROUP_TAG]: a.group },
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
    const retired = managed.map((u) => toState(u, fromReport(u.name)));
    return { ...(have ? { user: have } : {}), retired };
  },

  diff(want, have, input): PlanOutput {
    const account = input.account.name;
    const changes: Change[] = [];
    const unmanaged: Unmanaged[] = [];
    const groupDependency = want ? [iamAddress.group(account)] : [];
    if (want && !have?.user) {
      changes.push({ address: iamAddress.user(account), kind: KIND, action: 'create', account, before: null, after: want, dependsOn: groupDependency });
    } else if (want && have?.user) {
      const u = have.user;
      const fields: FieldChange[] = [];
      if (!u.groups.some((g) => sameName(g, want.group))) fields.push({ field: 'group', before: null, after: want.group });
      for (const [key, value] of Object.entries(want.tags)) {
        if (u.tags[key] !== value) fields.push({ field: `tags.${key}`, before: u.tags[key] ?? null, after: value });
      }
      if (want['console password'] && !u.passwordEnabled) {
        fields.push({ field: 'console password', before: null, after: true, note: passwordNote(account, want.name) });
      }
      if (!want['console password'] && u.passwordEnabled) {
        if (input.prune) fields.push({ field: 'console password', before: 'enabled', after: null });
        else unmanaged.push({ address: `${iamAddress.user(account)}.console-password`, kind: KIND, description: `console password of ${u.name} in ${account} (consoleAccess is false; --prune deletes the login profile)` });
      }
      if (u.policies.length > 0) {
        if (input.prune) fields.push({ field: 'policies', before: u.policies, after: [] });
        else {
          for (const arn of u.policies) {
            unmanaged.push({ address: `${iamAddress.user(account)}.policy:${arn}`, kind: KIND, description: `policy ${arn} attached directly to user ${u.name} in ${account} (CIS 1.15: grant through the group; --prune detaches it)` });
          }
        }
      }
      if (u.inlinePolicies.length > 0) {
        if (input.prune) fields.push({ field: 'inline policies', before: u.inlinePolicies, after: [] });
        else {
          for (const name of u.inlinePolicies) {
            unmanaged.push({ address: `${iamAddress.user(account)}.inline:${name}`, kind: KIND, description: `inline policy ${name} on user ${u.name} in ${account} (CIS 1.15: grant through the group; --prune deletes it)` });
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
          after: want,
          fields,
          ...(fields.some((f) => f.field === 'group') ? { dependsOn: groupDependency } : {}),
        });
      }
    }
    for (const u of have?.retired ?? []) {
      if (input.prune) {
        changes.push({
          address: iamAddress.retiredUser(account, u.name),
          kind: KIND,
          action: 'delete',
          account,
          before: { name: u.name, groups: u.groups, policies: u.policies, 'console password': u.passwordEnabled ? 'enabled' : 'none' },
          after: null,
        });
      } else {
        unmanaged.push({ address: iamAddress.retiredUser(account, u.name), kind: KIND, description: `user ${u.name} in ${account} (lz manages it; accounts.yaml no longer names it; --prune deletes it)` });
      }
    }
    return { changes, unmanaged };
  },

  async apply(ctx, change) {
    const account = change.account ?? '';
    const iam = ctx.clients.iam;
    if (change.action === 'delete') return deleteUser(ctx, account, (change.before as { name: string }).name);
    const want = change.after as AdminUserWant;
    if (change.action === 'create') {
      ctx.progress(account, `creating user ${want.name}`);
      const Tags = Object.entries(want.tags).map(([Key, Value]) => ({ Key, Value }));
      try {
        await iam.send(new CreateUserCommand({ UserName: want.name, Tags }));
      } catch (err) {
        // Made by an earlier run (or by hand) since the plan: adopt it.
        if (!isError(err, 'EntityAlreadyExistsException', 'EntityAlreadyExists')) throw err;
        await iam.send(new TagUserCommand({ UserName: want.name, Tags }));
      }
      await iam.send(new AddUserToGroupCommand({ GroupName: want.group, UserName: want.name }));
      if (want['console password']) await createLoginProfile(ctx, account, want);
      return;
    }
    for (const f of change.fields ?? []) {
      if (f.field === 'group') await iam.send(new AddUserToGroupCommand({ GroupName: want.group, UserName: want.name }));
    }
    const tags = (change.fields ?? []).filter((f) => f.field.startsWith('tags.') && f.after !== null);
    if (tags.length > 0) await iam.send(new TagUserCommand({ UserName: want.name, Tags: tags.map((f) => ({ Key: f.field.slice(5), Value: String(f.after) })) }));
    for (const f of change.fields ?? []) {
      if (f.field === 'console password' && f.after !== null) await createLoginProfile(ctx, account, want);
      if (f.field === 'console password' && f.after === null) await ignoreNotFound(() => iam.send(new DeleteLoginProfileCommand({ UserName: want.name })));
      if (f.field === 'policies') {
        for (const arn of f.before as string[]) await ignoreNotFound(() => iam.send(new DetachUserPolicyCommand({ UserName: want.name, PolicyArn: arn })));
      }
      if (f.field === 'inline policies') {
        for (const name of f.before as string[]) await ignoreNotFound(() => iam.send(new DeleteUserPolicyCommand({ UserName: want.name, PolicyName: name })));
      }
    }
  },
};

async function ignoreNotFound(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

function secretText(account: string, accountId: string, user: string, password: string): string {
  return [
    `AWS account:      ${account} (${accountId})`,
    `Sign-in URL:      https://${accountId}.signin.aws.amazon.com/console`,
    `IAM user:         ${user}`,
    `Initial password: ${password}`,
    '',
    'AWS asks for a new password at the first sign-in. Then assign an MFA device',
    '(Security credentials > Assign MFA device) and delete this file.',
    '',
  ].join('\n');
}

/**
 * Gives the user a console password, once: the password is generated from the CSPRNG, staged in a 0600
 * file, sent with PasswordResetRequired, and the file is kept only if IAM took it. A user that already has
 * a login profile keeps it (EntityAlreadyExists): lz never replaces a password.
 */
async function createLoginProfile(ctx: AccountApplyContext, account: string, want: AdminUserWant): Promise<void> {
  const password = generatePassword(want['password length'] ?? 20);
  const staged = stageSecret(ctx.workdir, secretFile(ctx.workdir, account, want.name), secretText(account, ctx.accountId, want.name, password));
  try {
    await ctx.clients.iam.send(new CreateLoginProfileCommand({ UserName: want.name, Password: password, PasswordResetRequired: true }));
  } catch (err) {
    const exists = isError(err, 'EntityAlreadyExistsException', 'EntityAlreadyExists');
    // The SDK retried the call (a connection reset, a 5xx): an earlier attempt of this very call may be what
    // made the profile, its answer lost on the way. Then IAM holds this password and nobody else knows it,
    // so make that certain with the same password rather than lose it.
    if (exists && ((err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) > 1) {
      try {
        await ctx.clients.iam.send(new UpdateLoginProfileCommand({ UserName: want.name, Password: password, PasswordResetRequired: true }));
      } catch (updateErr) {
        staged.discard();
        throw updateErr;
      }
      staged.commit();
      ctx.progress(account, `initial console password for ${want.name} written to ${displaySecretFile(account, want.name)} (readable by you only; shown nowhere else)`);
      return;
    }
    staged.discard();
    if (exists) {
      ctx.progress(account, `${want.name} already has a console password; lz does not replace it`);
      return;
    }
    throw err;
  }
  staged.commit();
  ctx.progress(account, `initial console password for ${want.name} written to ${displaySecretFile(account, want.name)} (readable by you only; shown nowhere else)`);
}

/** Takes away everything that keeps IAM from deleting the user, then deletes it. Gone already is done. */
async function deleteUser(ctx: AccountApplyContext, account: string, name: string): Promise<void> {
  const iam: IAMClient = ctx.clients.iam;
  ctx.progress(account, `deleting user ${name}`);
  // NoSuchEntity from a listing means the user is gone already; from a removal, that the other side is.
  try {
    await ignoreNotFound(() => iam.send(new DeleteLoginProfileCommand({ UserName: name })));
    for await (const page of paginateListAccessKeys({ client: iam }, { UserName: name })) {
      for (const k of page.AccessKeyMetadata ?? []) await iam.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: k.AccessKeyId }));
    }
    const devices: string[] = [];
    for await (const page of paginateListMFADevices({ client: iam }, { UserName: name })) devices.push(...(page.MFADevices ?? []).map((d) => d.SerialNumber!));
    for (const serial of devices) {
      await iam.send(new DeactivateMFADeviceCommand({ UserName: name, SerialNumber: serial }));
      if (isVirtualMfaSerial(serial)) await ignoreNotFound(() => iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })));
    }
    const groups: string[] = [];
    for await (const page of paginateListGroupsForUser({ client: iam }, { UserName: name })) groups.push(...(page.Groups ?? []).map((g) => g.GroupName!));
    for (const g of groups) await ignoreNotFound(() => iam.send(new RemoveUserFromGroupCommand({ GroupName: g, UserName: name })));
    const attached: string[] = [];
    for await (const page of paginateListAttachedUserPolicies({ client: iam }, { UserName: name })) attached.push(...(page.AttachedPolicies ?? []).map((p) => p.PolicyArn!));
    for (const arn of attached) await ignoreNotFound(() => iam.send(new DetachUserPolicyCommand({ UserName: name, PolicyArn: arn })));
    const inline: string[] = [];
    for await (const page of paginateListUserPolicies({ client: iam }, { UserName: name })) inline.push(...(page.PolicyNames ?? []));
    for (const p of inline) await ignoreNotFound(() => iam.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: p })));
    await iam.send(new DeleteUserCommand({ UserName: name }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
