import { list, optInt, optString, reqString } from '../../input.js';
import { iamPage } from '../../paginate.js';
import type { AccountRecord } from '../../state.js';
import type { OperationHandler, SandboxRuntime } from '../../types.js';
import { accountOf, byName, checkName, checkPath, checkPolicyDocument, findKey, getRoleRecord, iamErrors, mintId } from './common.js';
import { roleShape } from './shapes.js';
import type { IamRole } from './state.js';

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


export const roleOperations: Record<string, OperationHandler> = {
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
};
