/**
 * What IAM contributes to evaluating a request: the identity-based policies of the calling user or role
 * (inline, attached managed, and a user's groups' policies), the principal's IAM tags, and the ARN of the
 * IAM resource an IAM operation names.
 */
import type { AccountRecord } from '../../state.js';
import type { Caller, OperationContext } from '../../types.js';
import { AWS_MANAGED_POLICIES } from './managed-policies.js';
import type { IamAccountState } from './state.js';

/** One identity-based policy: its document, and its ARN when it is a managed policy (AWS names it when it denies). */
export interface IdentityPolicy {
  content: string;
  arn?: string;
}

function managedDocument(iam: IamAccountState, arn: string): string | undefined {
  const policy = iam.policies[arn] ?? AWS_MANAGED_POLICIES[arn];
  return policy?.versions.find((v) => v.versionId === policy.defaultVersionId)?.document;
}

function collect(iam: IamAccountState, out: IdentityPolicy[], entity: { attachedPolicies: string[]; inlinePolicies: Record<string, string> }): void {
  for (const content of Object.values(entity.inlinePolicies)) out.push({ content });
  for (const arn of entity.attachedPolicies) {
    const content = managedDocument(iam, arn);
    if (content !== undefined) out.push({ content, arn });
  }
}

/** The identity-based policies of a user (with its groups') or of an assumed role's role; undefined for root. */
export function identityPolicies(account: AccountRecord, caller: Caller): IdentityPolicy[] | undefined {
  const iam = account.iam;
  const out: IdentityPolicy[] = [];
  if (caller.kind === 'user') {
    const user = iam.users[caller.principalName];
    if (!user) return out;
    collect(iam, out, user);
    for (const name of user.groups) {
      const group = iam.groups[name];
      if (group) collect(iam, out, group);
    }
    return out;
  }
  if (caller.kind === 'assumed-role') {
    const role = iam.roles[caller.principalName];
    if (role) collect(iam, out, role);
    return out;
  }
  return undefined;
}

type Tagged = { tags?: { Key: string; Value: string }[] };

/** The IAM tags of the calling user or role (aws:PrincipalTag/...). */
export function principalTags(account: AccountRecord, caller: Caller): { Key: string; Value: string }[] {
  if (caller.kind === 'user') return account.iam.users[caller.principalName]?.tags ?? [];
  if (caller.kind === 'assumed-role') return (account.iam.roles[caller.principalName] as Tagged | undefined)?.tags ?? [];
  return [];
}

/** arn:aws:iam::ACCOUNT:role/PATH/NAME of an assumed role's role (its path included), as aws:PrincipalArn names it. */
export function roleArnOf(account: AccountRecord | undefined, caller: Caller): string {
  const role = account?.iam.roles[caller.principalName];
  return role?.arn ?? `arn:aws:iam::${caller.accountId}:role/${caller.principalName}`;
}

/** The path of the role an assumed-role caller acts as ('/' when unknown). */
export function rolePathOf(account: AccountRecord | undefined, caller: Caller): string {
  return account?.iam.roles[caller.principalName]?.path ?? '/';
}

/** The IAM resource an operation names: a role, user, group or managed policy ('*' when none). */
export function iamResourceOf(_operation: string, input: Record<string, unknown>, ctx: OperationContext): string {
  const accountId = ctx.caller.accountId;
  const iam = ctx.state.accounts[accountId]?.iam;
  const str = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : undefined);
  const role = str('RoleName');
  if (role) return iam?.roles[role]?.arn ?? `arn:aws:iam::${accountId}:role/${role}`;
  const user = str('UserName');
  if (user) return iam?.users[user]?.arn ?? `arn:aws:iam::${accountId}:user/${user}`;
  const group = str('GroupName');
  if (group) return iam?.groups[group]?.arn ?? `arn:aws:iam::${accountId}:group/${group}`;
  return str('PolicyArn') ?? str('OpenIDConnectProviderArn') ?? '*';
}

/** The IAM tags of the role or user an IAM operation names (aws:ResourceTag/...). */
export function iamResourceTags(account: AccountRecord | undefined, input: Record<string, unknown>): { Key: string; Value: string }[] {
  if (!account) return [];
  if (typeof input.RoleName === 'string') return (account.iam.roles[input.RoleName] as Tagged | undefined)?.tags ?? [];
  if (typeof input.UserName === 'string') return account.iam.users[input.UserName]?.tags ?? [];
  return [];
}
