import { createHash } from 'node:crypto';
import { list, optBool, optInt, optString, reqString, validationError } from '../input.js';
import { iamPage } from '../paginate.js';
import type { AccessKeyRecord, AccountRecord, IamAccountState, IamGroup, IamManagedPolicy, IamRole, IamUser, SandboxState } from '../state.js';
import { AwsError } from '../types.js';
import type { OperationContext, OperationHandler, SandboxRuntime, SandboxService } from '../types.js';
import { iamOrganizationsFeatures, withRootUserBranch } from './iam-organizations-features.js';

/**
 * IAM, per account (the caller's). Semantics follow AWS: case-insensitive unique names, DeleteConflict
 * while an entity still has dependants, five policy versions, two access keys per user, one account alias
 * (globally unique), a password policy that UpdateAccountPasswordPolicy replaces as a whole, and policy
 * documents returned URL-encoded as AWS returns them.
 */

export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

// ---- errors ------------------------------------------------------------------------------------------------

export const iamErrors = {
  noSuchEntity: (message: string) => new AwsError('NoSuchEntity', message, 404),
  alreadyExists: (message: string) => new AwsError('EntityAlreadyExists', message, 409),
  limitExceeded: (message: string) => new AwsError('LimitExceeded', message, 409),
  deleteConflict: (message: string) => new AwsError('DeleteConflict', message, 409),
  invalidInput: (message: string) => new AwsError('InvalidInput', message, 400),
  malformedPolicy: (message: string) => new AwsError('MalformedPolicyDocument', message, 400),
  passwordPolicy: (message: string) => new AwsError('PasswordPolicyViolation', message, 400),
};

// ---- AWS-managed policies ----------------------------------------------------------------------------------

const AWS_POLICY_DATE = '2015-02-06T18:39:46.000Z';

function awsManaged(name: string, path: string, id: string, document: object): IamManagedPolicy {
  return {
    policyName: name,
    policyId: id,
    arn: `arn:aws:iam::aws:policy${path}${name}`,
    path,
    createDate: AWS_POLICY_DATE,
    updateDate: AWS_POLICY_DATE,
    defaultVersionId: 'v1',
    versions: [{ versionId: 'v1', document: JSON.stringify(document, null, 4), createDate: AWS_POLICY_DATE }],
    nextVersion: 2,
  };
}

/** The AWS-managed policies every account can attach, keyed by ARN. */
export const AWS_MANAGED_POLICIES: Record<string, IamManagedPolicy> = Object.fromEntries(
  [
    awsManaged('AdministratorAccess', '/', 'ANPAIWMBCKSKIEE64ZLYK', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    awsManaged('ReadOnlyAccess', '/', 'ANPAILL3HVNFSB6DCOWYQ', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*', 'organizations:Describe*', 'organizations:List*', 'budgets:View*', 'account:Get*', 's3:Get*', 's3:List*'], Resource: '*' }],
    }),
    awsManaged('Billing', '/job-function/', 'ANPAIFTHXT6FFMIRT7ZEA', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['aws-portal:*', 'budgets:*', 'ce:*', 'cur:*', 'pricing:*'], Resource: '*' }],
    }),
    awsManaged('IAMUserChangePassword', '/', 'ANPAJ4L4MM2A7QIEB56MS', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['iam:ChangePassword'], Resource: ['arn:aws:iam::*:user/${aws:username}'] },
        { Effect: 'Allow', Action: ['iam:GetAccountPasswordPolicy'], Resource: '*' },
      ],
    }),
  ].map((p) => [p.arn, p]),
);

export const ADMINISTRATOR_ACCESS_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

// ---- helpers -----------------------------------------------------------------------------------------------

/** AWS returns policy documents URL-encoded (RFC 3986) in IAM responses; the SDK does not decode them. */
export function encodePolicyDocument(doc: string): string {
  return encodeURIComponent(doc);
}

function iso(s: string | undefined): Date | undefined {
  return s ? new Date(s) : undefined;
}

function byName<T>(items: T[], name: (t: T) => string): T[] {
  return [...items].sort((a, b) => {
    const x = name(a).toLowerCase();
    const y = name(b).toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** IAM names are unique case-insensitively; lookups find the entity whatever the case. */
function findKey<T>(map: Record<string, T>, name: string): string | undefined {
  if (Object.hasOwn(map, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(map).find((k) => k.toLowerCase() === lower);
}

function accountOf(ctx: OperationContext): AccountRecord {
  const account = ctx.state.accounts[ctx.caller.accountId];
  if (!account) throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  return account;
}

function checkName(kind: string, name: string, max: number, pattern = /^[\w+=,.@-]+$/): void {
  if (name.length < 1 || name.length > max) {
    throw validationError(`1 validation error detected: Value '${name}' at '${kind}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
  }
  if (!pattern.test(name)) {
    throw validationError(`1 validation error detected: Value '${name}' at '${kind}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`);
  }
}

function checkPath(path: string): string {
  if (!/^\/$|^\/[\u0021-\u007E]+\/$/.test(path) || path.length > 512) {
    throw validationError(`1 validation error detected: Value '${path}' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)`);
  }
  return path;
}

function checkPolicyDocument(doc: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc);
  } catch {
    throw iamErrors.malformedPolicy('Syntax errors in policy.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw iamErrors.malformedPolicy('Syntax errors in policy.');
  const statement = (parsed as { Statement?: unknown }).Statement;
  if (statement === undefined) throw iamErrors.malformedPolicy('Missing required field Statement');
  const statements = Array.isArray(statement) ? statement : [statement];
  for (const s of statements) {
    const st = s as { Effect?: unknown; Action?: unknown; NotAction?: unknown };
    if (!st || typeof st !== 'object') throw iamErrors.malformedPolicy('Syntax errors in policy.');
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw iamErrors.malformedPolicy('Missing required field Effect');
    if (st.Action === undefined && st.NotAction === undefined) throw iamErrors.malformedPolicy('Policy statement must contain actions.');
  }
  if (doc.length > 6144) throw iamErrors.limitExceeded('Cannot exceed quota for PolicySize: 6144');
  return doc;
}

function mintId(runtime: SandboxRuntime, prefix: string): string {
  return prefix + runtime.randomId(17, UPPER_DIGITS);
}

export function mintAccessKeyId(runtime: SandboxRuntime, prefix: 'AKIA' | 'ASIA'): string {
  return prefix + runtime.randomId(16, UPPER_DIGITS);
}

export function mintSecret(runtime: SandboxRuntime): string {
  return runtime.randomId(40, SECRET_ALPHABET);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// ---- lookups -----------------------------------------------------------------------------------------------

function getUserRecord(iam: IamAccountState, name: string): IamUser {
  const key = findKey(iam.users, name);
  if (!key) throw iamErrors.noSuchEntity(`The user with name ${name} cannot be found.`);
  return iam.users[key]!;
}

function getGroupRecord(iam: IamAccountState, name: string): IamGroup {
  const key = findKey(iam.groups, name);
  if (!key) throw iamErrors.noSuchEntity(`The group with name ${name} cannot be found.`);
  return iam.groups[key]!;
}

function getRoleRecord(iam: IamAccountState, name: string): IamRole {
  const key = findKey(iam.roles, name);
  if (!key) throw iamErrors.noSuchEntity(`The role with name ${name} cannot be found.`);
  return iam.roles[key]!;
}

/** A managed policy by ARN: the account's own or an AWS-managed one. */
export function findPolicy(iam: IamAccountState, arn: string): IamManagedPolicy | undefined {
  return AWS_MANAGED_POLICIES[arn] ?? iam.policies[arn];
}

function getPolicyRecord(iam: IamAccountState, arn: string): IamManagedPolicy {
  if (!/^arn:aws:iam::(aws|\d{12}):policy\//.test(arn)) throw iamErrors.invalidInput(`ARN ${arn} is not valid.`);
  const p = findPolicy(iam, arn);
  if (!p) throw iamErrors.noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  return p;
}

/** The user a user-scoped call is about: the named one, else the calling user. */
function targetUserName(ctx: OperationContext, input: Record<string, unknown>): string {
  const name = optString(input, 'UserName');
  if (name) return name;
  if (ctx.caller.kind === 'user') return ctx.caller.principalName;
  throw validationError('Must specify userName when calling with non-User credentials');
}

function userAccessKeys(state: SandboxState, accountId: string, userName: string): AccessKeyRecord[] {
  return Object.values(state.accessKeys).filter((k) => k.accountId === accountId && k.kind === 'user' && k.principalName === userName);
}

function attachmentCount(account: AccountRecord, arn: string): number {
  const iam = account.iam;
  let n = 0;
  for (const u of Object.values(iam.users)) if (u.attachedPolicies.includes(arn)) n++;
  for (const g of Object.values(iam.groups)) if (g.attachedPolicies.includes(arn)) n++;
  for (const r of Object.values(iam.roles)) if (r.attachedPolicies.includes(arn)) n++;
  return n;
}

// ---- shapes ------------------------------------------------------------------------------------------------

function userShape(u: IamUser, withTags = false): Record<string, unknown> {
  return {
    Path: u.path,
    UserName: u.userName,
    UserId: u.userId,
    Arn: u.arn,
    CreateDate: new Date(u.createDate),
    Tags: withTags && u.tags.length > 0 ? u.tags : undefined,
  };
}

function groupShape(g: IamGroup): Record<string, unknown> {
  return { Path: g.path, GroupName: g.groupName, GroupId: g.groupId, Arn: g.arn, CreateDate: new Date(g.createDate) };
}

function roleShape(r: IamRole & { description?: string; tags?: { Key: string; Value: string }[] }, withTags = false): Record<string, unknown> {
  return {
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: new Date(r.createDate),
    AssumeRolePolicyDocument: encodePolicyDocument(r.assumeRolePolicyDocument),
    Description: r.description,
    MaxSessionDuration: r.maxSessionDuration,
    Tags: withTags && r.tags && r.tags.length > 0 ? r.tags : undefined,
  };
}

function policyShape(account: AccountRecord, p: IamManagedPolicy, withDescription: boolean): Record<string, unknown> {
  return {
    PolicyName: p.policyName,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: attachmentCount(account, p.arn),
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: withDescription ? p.description : undefined,
    CreateDate: new Date(p.createDate),
    UpdateDate: new Date(p.updateDate),
  };
}

function versionShape(p: IamManagedPolicy, v: IamManagedPolicy['versions'][number], withDocument: boolean): Record<string, unknown> {
  return {
    Document: withDocument ? encodePolicyDocument(v.document) : undefined,
    VersionId: v.versionId,
    IsDefaultVersion: v.versionId === p.defaultVersionId,
    CreateDate: new Date(v.createDate),
  };
}

// ---- helpers other services use ----------------------------------------------------------------------------

/** A trust policy letting every principal of `accountId` (subject to its own IAM) assume the role. */
export function trustPolicyFor(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }],
  });
}

export interface CreateRoleOptions {
  roleName: string;
  /** The account trusted to assume the role (`arn:aws:iam::ID:root`); ignored when assumeRolePolicyDocument is given. */
  trustAccountId?: string;
  /** A full trust policy document (JSON). */
  assumeRolePolicyDocument?: string;
  /** Inline policies by name (JSON documents). */
  inlinePolicies?: Record<string, string>;
  /** ISO creation time (default now). */
  createDate?: string;
  /** Managed policy ARNs to attach, e.g. ADMINISTRATOR_ACCESS_ARN. */
  attachedPolicies?: string[];
  /** ISO time before which AssumeRole is refused (IAM propagation after CreateAccount). */
  assumableAfter?: string;
  path?: string;
  maxSessionDuration?: number;
  description?: string;
}

/** Creates a role in `account` (used by Organizations for the access role of a new account). */
export function createRole(account: AccountRecord, runtime: SandboxRuntime, opts: CreateRoleOptions): IamRole {
  const iam = account.iam;
  if (findKey(iam.roles, opts.roleName)) throw iamErrors.alreadyExists(`Role with name ${opts.roleName} already exists.`);
  const path = opts.path ?? '/';
  const trust = opts.assumeRolePolicyDocument ?? trustPolicyFor(opts.trustAccountId ?? account.id);
  const role: IamRole & { description?: string } = {
    roleName: opts.roleName,
    roleId: mintId(runtime, 'AROA'),
    arn: `arn:aws:iam::${account.id}:role${path}${opts.roleName}`,
    path,
    createDate: opts.createDate ?? runtime.now().toISOString(),
    assumeRolePolicyDocument: trust,
    attachedPolicies: [...(opts.attachedPolicies ?? [])],
    inlinePolicies: { ...(opts.inlinePolicies ?? {}) },
    maxSessionDuration: opts.maxSessionDuration ?? 3600,
  };
  if (opts.assumableAfter) role.assumableAfter = opts.assumableAfter;
  if (opts.description) role.description = opts.description;
  iam.roles[opts.roleName] = role;
  return role;
}

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

/** Creates an access key for a user and registers it, so it authenticates as that user. */
export function createAccessKey(state: SandboxState, account: AccountRecord, runtime: SandboxRuntime, userName: string): AccessKeyRecord {
  const user = getUserRecord(account.iam, userName);
  if (userAccessKeys(state, account.id, user.userName).length >= 2) throw iamErrors.limitExceeded('Cannot exceed quota for AccessKeysPerUser: 2');
  let id = mintAccessKeyId(runtime, 'AKIA');
  while (state.accessKeys[id]) id = mintAccessKeyId(runtime, 'AKIA');
  const key: AccessKeyRecord = {
    accessKeyId: id,
    secretAccessKey: mintSecret(runtime),
    accountId: account.id,
    arn: user.arn,
    kind: 'user',
    principalName: user.userName,
    status: 'Active',
    createDate: runtime.now().toISOString(),
  };
  state.accessKeys[id] = key;
  return key;
}

// ---- password policy ---------------------------------------------------------------------------------------

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

// ---- entities with policies (users, groups, roles) -----------------------------------------------------------

type Holder = { attachedPolicies: string[]; inlinePolicies: Record<string, string> };
type HolderKind = 'User' | 'Group' | 'Role';

function holder(iam: IamAccountState, kind: HolderKind, name: string): Holder {
  return kind === 'User' ? getUserRecord(iam, name) : kind === 'Group' ? getGroupRecord(iam, name) : getRoleRecord(iam, name);
}

function holderName(h: Holder, kind: HolderKind): string {
  return kind === 'User' ? (h as IamUser).userName : kind === 'Group' ? (h as IamGroup).groupName : (h as IamRole).roleName;
}

function policyOps(kind: HolderKind): Record<string, OperationHandler> {
  const nameKey = `${kind}Name`;
  return {
    [`Attach${kind}Policy`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const arn = reqString(input, 'PolicyArn');
      getPolicyRecord(account.iam, arn);
      if (!h.attachedPolicies.includes(arn)) {
        if (h.attachedPolicies.length >= 10) throw iamErrors.limitExceeded(`Cannot exceed quota for PoliciesPer${kind}: 10`);
        h.attachedPolicies.push(arn);
      }
      return {};
    },
    [`Detach${kind}Policy`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const arn = reqString(input, 'PolicyArn');
      const i = h.attachedPolicies.indexOf(arn);
      if (i < 0) throw iamErrors.noSuchEntity(`Policy ${arn} was not found.`);
      h.attachedPolicies.splice(i, 1);
      return {};
    },
    [`ListAttached${kind}Policies`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const prefix = optString(input, 'PathPrefix') ?? '/';
      const attached = h.attachedPolicies
        .map((arn) => findPolicy(account.iam, arn))
        .filter((p): p is IamManagedPolicy => p !== undefined && p.path.startsWith(prefix))
        .map((p) => ({ PolicyName: p.policyName, PolicyArn: p.arn }));
      const page = iamPage(byName(attached, (p) => p.PolicyName), input);
      return { AttachedPolicies: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    [`Put${kind}Policy`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const policyName = reqString(input, 'PolicyName');
      checkName('policyName', policyName, 128);
      h.inlinePolicies[policyName] = checkPolicyDocument(reqString(input, 'PolicyDocument'));
      return {};
    },
    [`Get${kind}Policy`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const policyName = reqString(input, 'PolicyName');
      const doc = h.inlinePolicies[policyName];
      if (doc === undefined) throw iamErrors.noSuchEntity(`The ${kind.toLowerCase()} policy with name ${policyName} cannot be found.`);
      return { [nameKey]: holderName(h, kind), PolicyName: policyName, PolicyDocument: encodePolicyDocument(doc) };
    },
    [`Delete${kind}Policy`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const policyName = reqString(input, 'PolicyName');
      if (h.inlinePolicies[policyName] === undefined) throw iamErrors.noSuchEntity(`The ${kind.toLowerCase()} policy with name ${policyName} cannot be found.`);
      delete h.inlinePolicies[policyName];
      return {};
    },
    [`List${kind}Policies`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const page = iamPage(Object.keys(h.inlinePolicies).sort(), input);
      return { PolicyNames: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
  };
}

// ---- account-wide reads: GetAccountAuthorizationDetails and the credential report --------------------------

const ENTITY_FILTERS = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;
type EntityFilter = (typeof ENTITY_FILTERS)[number];

function inlineList(policies: Record<string, string>): { PolicyName: string; PolicyDocument: string }[] {
  return Object.keys(policies)
    .sort()
    .map((name) => ({ PolicyName: name, PolicyDocument: encodePolicyDocument(policies[name]!) }));
}

function attachedList(iam: IamAccountState, arns: string[]): { PolicyName: string; PolicyArn: string }[] {
  return arns.map((arn) => ({ PolicyName: findPolicy(iam, arn)?.policyName ?? arn.slice(arn.lastIndexOf('/') + 1), PolicyArn: arn }));
}

function managedPolicyDetail(account: AccountRecord, p: IamManagedPolicy): Record<string, unknown> {
  return {
    ...policyShape(account, p, true),
    PolicyVersionList: [...p.versions].reverse().map((v) => versionShape(p, v, true)),
  };
}

/**
 * GetAccountAuthorizationDetails: every user, group, role and policy in one paginated answer. As on AWS,
 * MaxItems counts entities across the four lists, and the Marker continues where the last page stopped.
 */
function authorizationDetails(ctx: OperationContext, input: Record<string, unknown>): Record<string, unknown> {
  const account = accountOf(ctx);
  const iam = account.iam;
  const filter = list<string>(input, 'Filter');
  for (const f of filter) {
    if (!(ENTITY_FILTERS as readonly string[]).includes(f)) {
      throw validationError(`1 validation error detected: Value '[${filter.join(', ')}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${ENTITY_FILTERS.join(', ')}]]`);
    }
  }
  const wanted = (f: EntityFilter) => filter.length === 0 || filter.includes(f);
  type Entry = { list: 'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'; value: Record<string, unknown> };
  const entries: Entry[] = [];
  if (wanted('User')) {
    for (const u of byName(Object.values(iam.users), (x) => x.userName)) {
      entries.push({
        list: 'UserDetailList',
        value: {
          ...userShape(u, true),
          UserPolicyList: inlineList(u.inlinePolicies),
          GroupList: [...u.groups],
          AttachedManagedPolicies: attachedList(iam, u.attachedPolicies),
        },
      });
    }
  }
  if (wanted('Group')) {
    for (const g of byName(Object.values(iam.groups), (x) => x.groupName)) {
      entries.push({ list: 'GroupDetailList', value: { ...groupShape(g), GroupPolicyList: inlineList(g.inlinePolicies), AttachedManagedPolicies: attachedList(iam, g.attachedPolicies) } });
    }
  }
  if (wanted('Role')) {
    for (const r of byName(Object.values(iam.roles), (x) => x.roleName)) {
      entries.push({
        list: 'RoleDetailList',
        value: { ...roleShape(r, true), InstanceProfileList: [], RolePolicyList: inlineList(r.inlinePolicies), AttachedManagedPolicies: attachedList(iam, r.attachedPolicies), RoleLastUsed: {} },
      });
    }
  }
  if (wanted('LocalManagedPolicy')) {
    for (const p of byName(Object.values(iam.policies), (x) => x.policyName)) entries.push({ list: 'Policies', value: managedPolicyDetail(account, p) });
  }
  if (wanted('AWSManagedPolicy')) {
    // AWS lists the AWS-managed policies the account uses, not the thousand-odd that exist.
    for (const p of byName(Object.values(AWS_MANAGED_POLICIES), (x) => x.policyName)) {
      if (attachmentCount(account, p.arn) > 0) entries.push({ list: 'Policies', value: managedPolicyDetail(account, p) });
    }
  }
  const page = iamPage(entries, input);
  const pick = (name: Entry['list']) => page.items.filter((e) => e.list === name).map((e) => e.value);
  return {
    UserDetailList: pick('UserDetailList'),
    GroupDetailList: pick('GroupDetailList'),
    RoleDetailList: pick('RoleDetailList'),
    Policies: pick('Policies'),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  };
}

/** The credential report's columns, in AWS's order. */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

/** AWS serves the last report for four hours; GenerateCredentialReport makes a new one only after that. */
export const CREDENTIAL_REPORT_MAX_AGE_MS = 4 * 60 * 60 * 1000;

interface CredentialReportRecord {
  /** STARTED until the next GenerateCredentialReport call (AWS takes a few seconds), then COMPLETE. */
  state: 'STARTED' | 'COMPLETE';
  generatedTime: string;
  /** The CSV, a snapshot taken when generation started. */
  content: string;
}

/** The report lives beside the account's IAM state (and so in the state file). */
function reportOf(account: AccountRecord): { credentialReport?: CredentialReportRecord } {
  return account.iam as IamAccountState & { credentialReport?: CredentialReportRecord };
}

/** AWS's date format in the report: ISO-8601 to the second with +00:00. */
function reportDate(iso: string): string {
  return `${iso.slice(0, 19)}+00:00`;
}

function keyColumns(key: AccessKeyRecord | undefined): string[] {
  if (!key) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  return [
    String(key.status === 'Active'),
    reportDate(key.createDate),
    key.lastUsed ? reportDate(key.lastUsed.date) : 'N/A',
    key.lastUsed?.region ?? 'N/A',
    key.lastUsed?.serviceName ?? 'N/A',
  ];
}

function credentialReportCsv(state: SandboxState, account: AccountRecord): string {
  const policy = account.iam.passwordPolicy as { MaxPasswordAge?: number } | undefined;
  const root = account.root;
  const rows: string[][] = [
    [
      '<root_account>',
      `arn:aws:iam::${account.id}:root`,
      reportDate(account.createdAt),
      'not_supported',
      root.passwordPresent ? 'no_information' : 'N/A',
      'not_supported',
      'not_supported',
      String(root.mfaEnabled),
      String(root.accessKeysPresent),
      root.accessKeysPresent ? reportDate(account.createdAt) : 'N/A',
      'N/A',
      'N/A',
      'N/A',
      'false',
      'N/A',
      'N/A',
      'N/A',
      'N/A',
      'false',
      'N/A',
      'false',
      'N/A',
    ],
  ];
  for (const u of byName(Object.values(account.iam.users), (x) => x.userName)) {
    const keys = userAccessKeys(state, account.id, u.userName).sort((a, b) => (a.createDate < b.createDate ? -1 : 1));
    const lp = u.loginProfile;
    const nextRotation = lp && policy?.MaxPasswordAge ? reportDate(new Date(Date.parse(lp.createDate) + policy.MaxPasswordAge * 86_400_000).toISOString()) : 'N/A';
    rows.push([
      u.userName,
      u.arn,
      reportDate(u.createDate),
      String(Boolean(lp)),
      lp ? 'no_information' : 'N/A',
      lp ? reportDate(lp.createDate) : 'N/A',
      nextRotation,
      String(u.mfaDevices.length > 0),
      ...keyColumns(keys[0]),
      ...keyColumns(keys[1]),
      'false',
      'N/A',
      'false',
      'N/A',
    ]);
  }
  return [CREDENTIAL_REPORT_COLUMNS.join(','), ...rows.map((r) => r.join(','))].join('\n');
}

function generateCredentialReport(ctx: OperationContext): Record<string, unknown> {
  const account = accountOf(ctx);
  const holder = reportOf(account);
  const now = ctx.runtime.now();
  const current = holder.credentialReport;
  if (current?.state === 'STARTED') {
    current.state = 'COMPLETE';
    ctx.runtime.persist();
    return { State: 'COMPLETE' };
  }
  if (current && now.getTime() - Date.parse(current.generatedTime) < CREDENTIAL_REPORT_MAX_AGE_MS) return { State: 'COMPLETE' };
  holder.credentialReport = { state: 'STARTED', generatedTime: now.toISOString(), content: credentialReportCsv(ctx.state, account) };
  ctx.runtime.persist();
  return { State: 'STARTED', Description: 'No report exists. Starting a new report generation task' };
}

function getCredentialReport(ctx: OperationContext): Record<string, unknown> {
  const account = accountOf(ctx);
  const report = reportOf(account).credentialReport;
  if (!report) throw new AwsError('ReportNotPresent', 'Credential report not present. Generate a credential report with GenerateCredentialReport.', 410);
  if (report.state !== 'COMPLETE') throw new AwsError('ReportInProgress', 'Credential report is being generated.', 404);
  if (ctx.runtime.now().getTime() - Date.parse(report.generatedTime) >= CREDENTIAL_REPORT_MAX_AGE_MS) {
    throw new AwsError('ReportExpired', 'Credential report has expired. Generate a new credential report with GenerateCredentialReport.', 410);
  }
  return { Content: Buffer.from(report.content, 'utf8').toString('base64'), ReportFormat: 'text/csv', GeneratedTime: new Date(report.generatedTime) };
}

// ---- operations --------------------------------------------------------------------------------------------

const ALIAS_RE = /^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$/;

const operations: Record<string, OperationHandler> = {
  // users
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

  // groups
  CreateGroup: (ctx, input) => {
    const account = accountOf(ctx);
    const groupName = reqString(input, 'GroupName');
    checkName('groupName', groupName, 128);
    const path = checkPath(optString(input, 'Path') ?? '/');
    if (findKey(account.iam.groups, groupName)) throw iamErrors.alreadyExists(`Group with name ${groupName} already exists.`);
    if (Object.keys(account.iam.groups).length >= 300) throw iamErrors.limitExceeded('Cannot exceed quota for GroupsPerAccount: 300');
    const group: IamGroup = {
      groupName,
      groupId: mintId(ctx.runtime, 'AGPA'),
      arn: `arn:aws:iam::${account.id}:group${path}${groupName}`,
      path,
      createDate: ctx.runtime.now().toISOString(),
      attachedPolicies: [],
      inlinePolicies: {},
    };
    account.iam.groups[groupName] = group;
    return { Group: groupShape(group) };
  },
  GetGroup: (ctx, input) => {
    const account = accountOf(ctx);
    const group = getGroupRecord(account.iam, reqString(input, 'GroupName'));
    const members = byName(Object.values(account.iam.users).filter((u) => u.groups.includes(group.groupName)), (u) => u.userName);
    const page = iamPage(members, input);
    return { Group: groupShape(group), Users: page.items.map((u) => userShape(u)), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
  ListGroups: (ctx, input) => {
    const account = accountOf(ctx);
    const prefix = optString(input, 'PathPrefix') ?? '/';
    const page = iamPage(byName(Object.values(account.iam.groups).filter((g) => g.path.startsWith(prefix)), (g) => g.groupName), input);
    return { Groups: page.items.map(groupShape), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
  DeleteGroup: (ctx, input) => {
    const account = accountOf(ctx);
    const group = getGroupRecord(account.iam, reqString(input, 'GroupName'));
    if (Object.values(account.iam.users).some((u) => u.groups.includes(group.groupName))) throw iamErrors.deleteConflict('Cannot delete entity, must remove users from group first.');
    if (group.attachedPolicies.length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must detach all policies first.');
    if (Object.keys(group.inlinePolicies).length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must delete policies first.');
    delete account.iam.groups[group.groupName];
    return {};
  },
  AddUserToGroup: (ctx, input) => {
    const account = accountOf(ctx);
    const group = getGroupRecord(account.iam, reqString(input, 'GroupName'));
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    if (!user.groups.includes(group.groupName)) {
      if (user.groups.length >= 10) throw iamErrors.limitExceeded('Cannot exceed quota for GroupsPerUser: 10');
      user.groups.push(group.groupName);
    }
    return {};
  },
  RemoveUserFromGroup: (ctx, input) => {
    const account = accountOf(ctx);
    const group = getGroupRecord(account.iam, reqString(input, 'GroupName'));
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    user.groups = user.groups.filter((g) => g !== group.groupName);
    return {};
  },
  ListGroupsForUser: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    const groups = byName(user.groups.map((g) => account.iam.groups[g]).filter((g): g is IamGroup => g !== undefined), (g) => g.groupName);
    const page = iamPage(groups, input);
    return { Groups: page.items.map(groupShape), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },

  // managed policies
  CreatePolicy: (ctx, input) => {
    const account = accountOf(ctx);
    const policyName = reqString(input, 'PolicyName');
    checkName('policyName', policyName, 128);
    const path = checkPath(optString(input, 'Path') ?? '/');
    const document = checkPolicyDocument(reqString(input, 'PolicyDocument'));
    const arn = `arn:aws:iam::${account.id}:policy${path}${policyName}`;
    if (Object.values(account.iam.policies).some((p) => p.policyName.toLowerCase() === policyName.toLowerCase())) {
      throw iamErrors.alreadyExists(`A policy called ${policyName} already exists. Duplicate names are not allowed.`);
    }
    if (Object.keys(account.iam.policies).length >= 1500) throw iamErrors.limitExceeded('Cannot exceed quota for PoliciesPerAccount: 1500');
    const now = ctx.runtime.now().toISOString();
    const policy: IamManagedPolicy = {
      policyName,
      policyId: mintId(ctx.runtime, 'ANPA'),
      arn,
      path,
      description: optString(input, 'Description'),
      createDate: now,
      updateDate: now,
      defaultVersionId: 'v1',
      versions: [{ versionId: 'v1', document, createDate: now }],
      nextVersion: 2,
    };
    account.iam.policies[arn] = policy;
    // AWS leaves Description out of CreatePolicy's answer.
    return { Policy: policyShape(account, policy, false) };
  },
  GetPolicy: (ctx, input) => {
    const account = accountOf(ctx);
    return { Policy: policyShape(account, getPolicyRecord(account.iam, reqString(input, 'PolicyArn')), true) };
  },
  DeletePolicy: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    if (AWS_MANAGED_POLICIES[policy.arn]) throw new AwsError('AccessDenied', `Cannot delete the AWS managed policy ${policy.arn}.`, 403);
    if (attachmentCount(account, policy.arn) > 0) throw iamErrors.deleteConflict('Cannot delete a policy attached to entities.');
    if (policy.versions.length > 1) {
      throw iamErrors.deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
    }
    delete account.iam.policies[policy.arn];
    return {};
  },
  ListPolicies: (ctx, input) => {
    const account = accountOf(ctx);
    const scope = optString(input, 'Scope') ?? 'All';
    if (!['All', 'AWS', 'Local'].includes(scope)) throw validationError(`1 validation error detected: Value '${scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]`);
    const onlyAttached = optBool(input, 'OnlyAttached') ?? false;
    const prefix = optString(input, 'PathPrefix') ?? '/';
    const all = [...(scope === 'Local' ? [] : Object.values(AWS_MANAGED_POLICIES)), ...(scope === 'AWS' ? [] : Object.values(account.iam.policies))];
    const policies = byName(
      all.filter((p) => p.path.startsWith(prefix) && (!onlyAttached || attachmentCount(account, p.arn) > 0)),
      (p) => p.policyName,
    );
    const page = iamPage(policies, input);
    return { Policies: page.items.map((p) => policyShape(account, p, false)), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
  GetPolicyVersion: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    const versionId = reqString(input, 'VersionId');
    const v = policy.versions.find((x) => x.versionId === versionId);
    if (!v) throw iamErrors.noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
    return { PolicyVersion: versionShape(policy, v, true) };
  },
  CreatePolicyVersion: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    if (AWS_MANAGED_POLICIES[policy.arn]) throw new AwsError('AccessDenied', `Cannot modify the AWS managed policy ${policy.arn}.`, 403);
    const document = checkPolicyDocument(reqString(input, 'PolicyDocument'));
    if (policy.versions.length >= 5) {
      throw iamErrors.limitExceeded('A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.');
    }
    const now = ctx.runtime.now().toISOString();
    const v = { versionId: `v${policy.nextVersion}`, document, createDate: now };
    policy.nextVersion += 1;
    policy.versions.push(v);
    if (optBool(input, 'SetAsDefault')) {
      policy.defaultVersionId = v.versionId;
      policy.updateDate = now;
    }
    return { PolicyVersion: versionShape(policy, v, false) };
  },
  DeletePolicyVersion: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    const versionId = reqString(input, 'VersionId');
    const i = policy.versions.findIndex((x) => x.versionId === versionId);
    if (i < 0) throw iamErrors.noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
    if (versionId === policy.defaultVersionId) throw iamErrors.deleteConflict('Cannot delete the default version of a policy.');
    policy.versions.splice(i, 1);
    return {};
  },
  SetDefaultPolicyVersion: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    const versionId = reqString(input, 'VersionId');
    if (!policy.versions.some((x) => x.versionId === versionId)) throw iamErrors.noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
    policy.defaultVersionId = versionId;
    policy.updateDate = ctx.runtime.now().toISOString();
    return {};
  },
  ListPolicyVersions: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    const versions = [...policy.versions].reverse();
    const page = iamPage(versions, input);
    return { Versions: page.items.map((v) => versionShape(policy, v, false)), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },

  ...policyOps('User'),
  ...policyOps('Group'),
  ...policyOps('Role'),

  // roles
  CreateRole: (ctx, input) => {
    const account = accountOf(ctx);
    const roleName = reqString(input, 'RoleName');
    checkName('roleName', roleName, 64);
    const path = checkPath(optString(input, 'Path') ?? '/');
    const trust = checkPolicyDocument(reqString(input, 'AssumeRolePolicyDocument'));
    const maxSessionDuration = optInt(input, 'MaxSessionDuration', 3600, 43200) ?? 3600;
    if (Object.keys(account.iam.roles).length >= 1000) throw iamErrors.limitExceeded('Cannot exceed quota for RolesPerAccount: 1000');
    const role = createRole(account, ctx.runtime, { roleName, path, assumeRolePolicyDocument: trust, maxSessionDuration, description: optString(input, 'Description') });
    const tags = list<{ Key: string; Value: string }>(input, 'Tags');
    if (tags.length > 0) (role as IamRole & { tags?: unknown }).tags = tags;
    return { Role: roleShape(role, true) };
  },
  GetRole: (ctx, input) => ({ Role: roleShape(getRoleRecord(accountOf(ctx).iam, reqString(input, 'RoleName')), true) }),
  ListRoles: (ctx, input) => {
    const account = accountOf(ctx);
    const prefix = optString(input, 'PathPrefix') ?? '/';
    const page = iamPage(byName(Object.values(account.iam.roles).filter((r) => r.path.startsWith(prefix)), (r) => r.roleName), input);
    return { Roles: page.items.map((r) => roleShape(r)), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
  DeleteRole: (ctx, input) => {
    const account = accountOf(ctx);
    const role = getRoleRecord(account.iam, reqString(input, 'RoleName'));
    if (role.attachedPolicies.length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must detach all policies first.');
    if (Object.keys(role.inlinePolicies).length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must delete policies first.');
    delete account.iam.roles[role.roleName];
    return {};
  },
  UpdateAssumeRolePolicy: (ctx, input) => {
    const role = getRoleRecord(accountOf(ctx).iam, reqString(input, 'RoleName'));
    role.assumeRolePolicyDocument = checkPolicyDocument(reqString(input, 'PolicyDocument'));
    return {};
  },
  UpdateRole: (ctx, input) => {
    const role = getRoleRecord(accountOf(ctx).iam, reqString(input, 'RoleName')) as IamRole & { description?: string };
    const max = optInt(input, 'MaxSessionDuration', 3600, 43200);
    if (max !== undefined) role.maxSessionDuration = max;
    const description = optString(input, 'Description');
    if (description !== undefined) role.description = description;
    return {};
  },

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
      ['AccountSigningCertificatesPresent', 0],
      ['GlobalEndpointTokenVersion', 1],
    ]);
    return { SummaryMap: summary };
  },

  ListEntitiesForPolicy: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    const filter = optString(input, 'EntityFilter');
    const entities: { list: 'PolicyUsers' | 'PolicyGroups' | 'PolicyRoles'; value: Record<string, string> }[] = [];
    if (!filter || filter === 'User') {
      for (const u of byName(Object.values(account.iam.users), (x) => x.userName)) if (u.attachedPolicies.includes(policy.arn)) entities.push({ list: 'PolicyUsers', value: { UserName: u.userName, UserId: u.userId } });
    }
    if (!filter || filter === 'Group') {
      for (const g of byName(Object.values(account.iam.groups), (x) => x.groupName)) if (g.attachedPolicies.includes(policy.arn)) entities.push({ list: 'PolicyGroups', value: { GroupName: g.groupName, GroupId: g.groupId } });
    }
    if (!filter || filter === 'Role') {
      for (const r of byName(Object.values(account.iam.roles), (x) => x.roleName)) if (r.attachedPolicies.includes(policy.arn)) entities.push({ list: 'PolicyRoles', value: { RoleName: r.roleName, RoleId: r.roleId } });
    }
    const page = iamPage(entities, input);
    const pick = (name: (typeof entities)[number]['list']) => page.items.filter((e) => e.list === name).map((e) => e.value);
    return { PolicyGroups: pick('PolicyGroups'), PolicyUsers: pick('PolicyUsers'), PolicyRoles: pick('PolicyRoles'), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },

  // account-wide reads
  GetAccountAuthorizationDetails: (ctx, input) => authorizationDetails(ctx, input),
  GenerateCredentialReport: (ctx) => generateCredentialReport(ctx),
  GetCredentialReport: (ctx) => getCredentialReport(ctx),

  // MFA
  CreateVirtualMFADevice: (ctx, input) => {
    const account = accountOf(ctx);
    const name = reqString(input, 'VirtualMFADeviceName');
    checkName('virtualMFADeviceName', name, 226);
    const path = checkPath(optString(input, 'Path') ?? '/');
    const serial = `arn:aws:iam::${account.id}:mfa${path}${name}`;
    if (account.iam.virtualMfaDevices[serial]) throw iamErrors.alreadyExists('MFADevice entity at the same path and name already exists.');
    account.iam.virtualMfaDevices[serial] = { serialNumber: serial, createDate: ctx.runtime.now().toISOString() };
    const seed = ctx.runtime.randomId(64, UPPER_DIGITS);
    return {
      VirtualMFADevice: {
        SerialNumber: serial,
        Base32StringSeed: Buffer.from(seed).toString('base64'),
        QRCodePNG: Buffer.from(`otpauth://totp/${name}?secret=${seed}`).toString('base64'),
      },
    };
  },
  EnableMFADevice: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    const serial = reqString(input, 'SerialNumber');
    const c1 = reqString(input, 'AuthenticationCode1');
    const c2 = reqString(input, 'AuthenticationCode2');
    if (!/^\d{6}$/.test(c1) || !/^\d{6}$/.test(c2) || c1 === c2) {
      throw new AwsError('InvalidAuthenticationCode', 'Authentication code for device is not valid.', 403);
    }
    const device = account.iam.virtualMfaDevices[serial];
    if (!device) throw iamErrors.noSuchEntity(`VirtualMFADevice with serial number ${serial} doesn't exist.`);
    if (device.userName) throw iamErrors.alreadyExists('MFA Device is already in use.');
    if (user.mfaDevices.length >= 8) throw iamErrors.limitExceeded('Cannot exceed quota for MFADevicesPerUser: 8');
    const now = ctx.runtime.now().toISOString();
    device.userName = user.userName;
    device.enableDate = now;
    user.mfaDevices.push({ serialNumber: serial, enableDate: now });
    return {};
  },
  DeactivateMFADevice: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    const serial = reqString(input, 'SerialNumber');
    if (!user.mfaDevices.some((d) => d.serialNumber === serial)) throw iamErrors.noSuchEntity(`MFA Device with serial number ${serial} does not exist.`);
    user.mfaDevices = user.mfaDevices.filter((d) => d.serialNumber !== serial);
    const device = account.iam.virtualMfaDevices[serial];
    if (device) {
      delete device.userName;
      delete device.enableDate;
    }
    return {};
  },
  ListMFADevices: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, targetUserName(ctx, input));
    const page = iamPage(user.mfaDevices, input);
    return {
      MFADevices: page.items.map((d) => ({ UserName: user.userName, SerialNumber: d.serialNumber, EnableDate: new Date(d.enableDate) })),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
  ListVirtualMFADevices: (ctx, input) => {
    const account = accountOf(ctx);
    const status = optString(input, 'AssignmentStatus') ?? 'Any';
    const devices = Object.values(account.iam.virtualMfaDevices)
      .filter((d) => status === 'Any' || (status === 'Assigned') === Boolean(d.userName))
      .sort((a, b) => (a.serialNumber < b.serialNumber ? -1 : 1));
    const page = iamPage(devices, input);
    return {
      VirtualMFADevices: page.items.map((d) => {
        const user = d.userName ? account.iam.users[d.userName] : undefined;
        return { SerialNumber: d.serialNumber, User: user ? userShape(user) : undefined, EnableDate: iso(d.enableDate) };
      }),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
  DeleteVirtualMFADevice: (ctx, input) => {
    const account = accountOf(ctx);
    const serial = reqString(input, 'SerialNumber');
    const device = account.iam.virtualMfaDevices[serial];
    if (!device) throw iamErrors.noSuchEntity(`VirtualMFADevice with serial number ${serial} doesn't exist.`);
    if (device.userName) throw iamErrors.deleteConflict('MFA VirtualDevice in use. Must deactivate first.');
    delete account.iam.virtualMfaDevices[serial];
    return {};
  },

  // access keys
  CreateAccessKey: (ctx, input) => {
    const account = accountOf(ctx);
    const key = createAccessKey(ctx.state, account, ctx.runtime, targetUserName(ctx, input));
    return { AccessKey: { UserName: key.principalName, AccessKeyId: key.accessKeyId, Status: key.status, SecretAccessKey: key.secretAccessKey, CreateDate: new Date(key.createDate) } };
  },
  ListAccessKeys: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, targetUserName(ctx, input));
    const keys = userAccessKeys(ctx.state, account.id, user.userName).sort((a, b) => (a.createDate < b.createDate ? -1 : 1));
    const page = iamPage(keys, input);
    return {
      AccessKeyMetadata: page.items.map((k) => ({ UserName: user.userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: new Date(k.createDate) })),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
  UpdateAccessKey: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, targetUserName(ctx, input));
    const id = reqString(input, 'AccessKeyId');
    const status = reqString(input, 'Status');
    if (status !== 'Active' && status !== 'Inactive') throw validationError(`1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`);
    const key = ctx.state.accessKeys[id];
    if (!key || key.accountId !== account.id || key.kind !== 'user' || key.principalName !== user.userName) throw iamErrors.noSuchEntity(`The Access Key with id ${id} cannot be found.`);
    key.status = status;
    return {};
  },
  DeleteAccessKey: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, targetUserName(ctx, input));
    const id = reqString(input, 'AccessKeyId');
    const key = ctx.state.accessKeys[id];
    if (!key || key.accountId !== account.id || key.kind !== 'user' || key.principalName !== user.userName) throw iamErrors.noSuchEntity(`The Access Key with id ${id} cannot be found.`);
    delete ctx.state.accessKeys[id];
    return {};
  },
  GetAccessKeyLastUsed: (ctx, input) => {
    const id = reqString(input, 'AccessKeyId');
    const key = ctx.state.accessKeys[id];
    if (!key || key.accountId !== ctx.caller.accountId || key.kind !== 'user') throw new AwsError('AccessDenied', `User: ${ctx.caller.arn} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${id}`, 403);
    return {
      UserName: key.principalName,
      AccessKeyLastUsed: key.lastUsed
        ? { LastUsedDate: new Date(key.lastUsed.date), ServiceName: key.lastUsed.serviceName, Region: key.lastUsed.region }
        : { ServiceName: 'N/A', Region: 'N/A' },
    };
  },
};

export const iamService: SandboxService = {
  signingName: 'iam',
  protocol: 'awsQuery',
  xmlNamespace: IAM_NAMESPACE,
  operations: withRootUserBranch({ ...operations, ...iamOrganizationsFeatures }),
  // GenerateCredentialReport changes no configuration (a plan calls it; tests assert a plan makes no write).
  isReadOnly: (operation) => /^(Get|List|Describe|Head)/.test(operation) || operation === 'GenerateCredentialReport',
};
