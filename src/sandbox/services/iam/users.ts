import { list, optBool, optString, reqString } from '../../input.js';
import { iamPage } from '../../paginate.js';
import type { AccountRecord } from '../../state.js';
import type { OperationHandler, SandboxRuntime } from '../../types.js';
import { checkPassword } from './account-settings.js';
import { accountOf, byName, checkName, checkPath, findKey, getUserRecord, iamErrors, mintId, sha256, targetUserName, userAccessKeys } from './common.js';
import { userShape } from './shapes.js';
import type { IamUser } from './state.js';

/** Users, their tags and their login profiles. */

/** Creates an IAM user in `account`. */
export function createUser(account: AccountRecord, runtime: SandboxRuntime, opts: { userName: string; path?: string; tags?: { Key: string; Value: string }[] }): IamUser {
  const iam = account.iam;
  if (findKey(iam.users, opts.userName)) throw iamErrors.alreadyExists(`User with name ${opts.userName} already exists.`);
  const path = opts.path ?? '/';
  const user: IamUser = {
    userName: opts.userName,
    userId: mintId(runtime, 'AIDA'),
    arn: `arn:aws:iam::${account.id}:user${path}${opts.userName}`,
    path,
    createDate: runtime.now().toISOString(),
    groups: [],
    attachedPolicies: [],
    inlinePolicies: {},
    mfaDevices: [],
    tags: opts.tags ?? [],
  };
  iam.users[opts.userName] = user;
  return user;
}


export const userOperations: Record<string, OperationHandler> = {
  CreateUser: (ctx, input) => {
    const account = accountOf(ctx);
    const userName = reqString(input, 'UserName');
    checkName('userName', userName, 64);
    const path = checkPath(optString(input, 'Path') ?? '/');
    const tags = list<{ Key: string; Value: string }>(input, 'Tags');
    const user = createUser(account, ctx.runtime, { userName, path, tags });
    return { User: userShape(user, true) };
  },
  GetUser: (ctx, input) => {
    const account = accountOf(ctx);
    const name = optString(input, 'UserName');
    if (!name && ctx.caller.kind === 'root') {
      return { User: { Path: '/', UserId: account.id, Arn: `arn:aws:iam::${account.id}:root`, CreateDate: new Date(account.createdAt) } };
    }
    const user = getUserRecord(account.iam, name ?? targetUserName(ctx, input));
    return { User: userShape(user, true) };
  },
  ListUsers: (ctx, input) => {
    const account = accountOf(ctx);
    const prefix = optString(input, 'PathPrefix') ?? '/';
    const users = byName(Object.values(account.iam.users).filter((u) => u.path.startsWith(prefix)), (u) => u.userName);
    const page = iamPage(users, input);
    return { Users: page.items.map((u) => userShape(u)), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
  DeleteUser: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    if (user.loginProfile) throw iamErrors.deleteConflict('Cannot delete entity, must delete login profile first.');
    if (userAccessKeys(ctx.state, account.id, user.userName).length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must delete access keys first.');
    if (user.groups.length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must remove users from group first.');
    if (user.attachedPolicies.length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must detach all policies first.');
    if (Object.keys(user.inlinePolicies).length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must delete policies first.');
    if (user.mfaDevices.length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must delete MFA device first.');
    if ((user.signingCertificates ?? []).length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must delete certificates first.');
    // SSH public keys and service-specific credentials get AWS's generic answer.
    if ((user.sshPublicKeys ?? []).length > 0 || (user.serviceSpecificCredentials ?? []).length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must remove referenced objects first.');
    delete account.iam.users[user.userName];
    return {};
  },
  TagUser: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, reqString(input, 'UserName'));
    for (const t of list<{ Key: string; Value: string }>(input, 'Tags')) {
      const existing = user.tags.find((x) => x.Key === t.Key);
      if (existing) existing.Value = t.Value ?? '';
      else user.tags.push({ Key: t.Key, Value: t.Value ?? '' });
    }
    if (user.tags.length > 50) throw iamErrors.limitExceeded('Cannot exceed quota for TagsPerUser: 50');
    return {};
  },
  UntagUser: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, reqString(input, 'UserName'));
    const keys = new Set(list<string>(input, 'TagKeys'));
    user.tags = user.tags.filter((t) => !keys.has(t.Key));
    return {};
  },
  ListUserTags: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, reqString(input, 'UserName'));
    const page = iamPage(user.tags, input);
    return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
  },

  // login profiles
  CreateLoginProfile: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    const password = reqString(input, 'Password');
    if (user.loginProfile) throw iamErrors.alreadyExists(`Login Profile for user ${user.userName} already exists.`);
    checkPassword(account, password);
    user.loginProfile = { createDate: ctx.runtime.now().toISOString(), passwordResetRequired: optBool(input, 'PasswordResetRequired') ?? false, passwordSha256: sha256(password) };
    return { LoginProfile: { UserName: user.userName, CreateDate: new Date(user.loginProfile.createDate), PasswordResetRequired: user.loginProfile.passwordResetRequired } };
  },
  GetLoginProfile: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, targetUserName(ctx, input));
    if (!user.loginProfile) throw iamErrors.noSuchEntity(`Login Profile for User ${user.userName} cannot be found.`);
    return { LoginProfile: { UserName: user.userName, CreateDate: new Date(user.loginProfile.createDate), PasswordResetRequired: user.loginProfile.passwordResetRequired } };
  },
  UpdateLoginProfile: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    if (!user.loginProfile) throw iamErrors.noSuchEntity(`Login Profile for User ${user.userName} cannot be found.`);
    const password = optString(input, 'Password');
    if (password !== undefined) {
      checkPassword(account, password);
      user.loginProfile.passwordSha256 = sha256(password);
    }
    const reset = optBool(input, 'PasswordResetRequired');
    if (reset !== undefined) user.loginProfile.passwordResetRequired = reset;
    return {};
  },
  DeleteLoginProfile: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, reqString(input, 'UserName'));
    if (!user.loginProfile) throw iamErrors.noSuchEntity(`Login Profile for User ${user.userName} cannot be found.`);
    delete user.loginProfile;
    return {};
  },
};
