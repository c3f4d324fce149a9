import { list, validationError } from '../../input.js';
import { iamPage } from '../../paginate.js';
import type { AccountRecord } from '../../state.js';
import type { OperationContext, OperationHandler } from '../../types.js';
import { accountOf, attachmentCount, byName, encodePolicyDocument, findPolicy } from './common.js';
import { AWS_MANAGED_POLICIES } from './managed-policies.js';
import { groupShape, policyShape, roleShape, userShape, versionShape } from './shapes.js';
import type { IamAccountState, IamManagedPolicy } from './state.js';

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

export const authorizationDetailsOperations: Record<string, OperationHandler> = {
  GetAccountAuthorizationDetails: (ctx, input) => authorizationDetails(ctx, input),
};
