/**
 * AWS Organizations (awsJson1_1, `AWSOrganizationsV20161128.*`): one organization per sandbox, its root,
 * OUs, member accounts, asynchronous CreateAccount and CloseAccount (close-account.ts), tags, trusted service
 * access and policies (policies.ts).
 * Management-only operations refuse member accounts with AccessDeniedException, as AWS does; an account in
 * no organization gets AWSOrganizationsNotInUseException.
 */
import type { OperationContext, OperationHandler, SandboxService } from '../../types.js';
import { AwsError } from '../../types.js';
import type { OrganizationRecord } from './state.js';
import {
  createAccount,
  createAccountStatusShape,
  describeCreateAccountStatus,
  requestState,
  settleCreateAccountRequests,
} from './create-account.js';
import {
  ERRORS,
  PATTERNS,
  accountShape,
  accountsUnder,
  callerOrg,
  checkLength,
  checkPattern,
  isParentId,
  managementOrg,
  mergeTags,
  organizationShape,
  ouArn,
  ouShape,
  page,
  parentExists,
  requireMember,
  requireParent,
  requireSettled,
  requireString,
  rootShape,
  rootSuffix,
  unitsUnder,
  validateTags,
  type Tag,
} from './model.js';
import { policyForTagging, policyHandlers } from './policies.js';
import { attachManagedPolicies, enablePolicyType } from './policy-types.js';
import { leaveOrganization } from './leave.js';
import { closeAccount } from './close-account.js';
import { settleClosures } from '../../accounts.js';
import { organizationsResourceOf } from './resources.js';
import { identityCenter } from '../identity-center/state.js';

export { settleCreateAccountRequests } from './create-account.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON, validated member by member
type Input = Record<string, any>;

function createOrganization(ctx: OperationContext, input: Input) {
  const existing = ctx.state.organization;
  if (existing?.members[ctx.caller.accountId]) {
    throw new AwsError('AlreadyInOrganizationException', 'The AWS account is already a member of an organization.', 409);
  }
  if (existing) {
    // The sandbox models one organization; a second one can't be created beside it.
    throw ERRORS.constraint('ACCOUNT_NUMBER_LIMIT_EXCEEDED', 'The sandbox holds a single organization, and one already exists.');
  }
  const featureSet = input.FeatureSet ?? 'ALL';
  if (featureSet !== 'ALL' && featureSet !== 'CONSOLIDATED_BILLING') {
    throw ERRORS.invalid('INVALID_ENUM', 'FeatureSet must be ALL or CONSOLIDATED_BILLING.');
  }
  const mgmt = ctx.caller.accountId;
  const now = ctx.runtime.now().toISOString();
  const id = `o-${ctx.runtime.randomId(10)}`;
  const rootId = `r-${ctx.runtime.randomId(4)}`;
  const org: OrganizationRecord = {
    id,
    arn: `arn:aws:organizations::${mgmt}:organization/${id}`,
    featureSet,
    managementAccountId: mgmt,
    createdAt: now,
    rootId,
    rootArn: `arn:aws:organizations::${mgmt}:root/${id}/${rootId}`,
    units: {},
    // On AWS the management account shows JoinedMethod INVITED, joined when the organization was created.
    members: { [mgmt]: { parentId: rootId, joinedMethod: 'INVITED', joinedTimestamp: now } },
    tags: {},
    createAccountRequests: {},
    serviceAccess: {},
  };
  // AWS: "the new organization is created with all features enabled and service control policies
  // automatically enabled in the root" (FullAWSAccess attached to the root and the management account).
  if (featureSet === 'ALL') enablePolicyType(org, 'SERVICE_CONTROL_POLICY');
  ctx.state.organization = org;
  // The organization's IAM Identity Center instance, with its seeded directory (see identity-center/state.ts).
  identityCenter(ctx.state, ctx.runtime.now());
  return { Organization: organizationShape(ctx.state, org) };
}

function describeOrganization(ctx: OperationContext) {
  const org = callerOrg(ctx);
  return { Organization: organizationShape(ctx.state, org) };
}

function listRoots(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const p = page([rootShape(org)], input);
  return { Roots: p.items, NextToken: p.NextToken };
}

function createOrganizationalUnit(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const parentId = requireParent(org, requireString(input, 'ParentId'));
  const name = requireString(input, 'Name');
  checkLength('Name', name, 1, 128);
  const tags = validateTags(input.Tags);
  if (unitsUnder(org, parentId).some((u) => u.name === name)) {
    throw new AwsError('DuplicateOrganizationalUnitException', 'An OU with the same name already exists.', 409);
  }
  let depth = 1;
  for (let p: string | undefined = parentId; p && p !== org.rootId; p = org.units[p]?.parentId) depth++;
  if (depth > 5) throw ERRORS.constraint('OU_DEPTH_LIMIT_EXCEEDED', 'You attempted to create an OU tree that is too many levels deep.');
  if (Object.keys(org.units).length >= 2000) {
    throw ERRORS.constraint('OU_NUMBER_LIMIT_EXCEEDED', 'You attempted to exceed the number of OUs that you can have in an organization.');
  }
  requireSettled(ctx, org, parentId);
  let ouId: string;
  do ouId = `ou-${rootSuffix(org)}-${ctx.runtime.randomId(8)}`;
  while (org.units[ouId]);
  const ou = { id: ouId, arn: ouArn(org, ouId), name, parentId, createdAt: ctx.runtime.now().toISOString() };
  org.units[ouId] = ou;
  if (tags.length > 0) org.tags[ouId] = tags;
  attachManagedPolicies(org, ouId);
  return { OrganizationalUnit: ouShape(org, ou) };
}

function requireUnit(org: OrganizationRecord, id: string) {
  checkPattern(PATTERNS.ouId.test(id));
  const ou = org.units[id];
  if (!ou) throw ERRORS.ouNotFound();
  return ou;
}

function describeOrganizationalUnit(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const ou = requireUnit(org, requireString(input, 'OrganizationalUnitId'));
  return { OrganizationalUnit: ouShape(org, ou) };
}

function listOrganizationalUnitsForParent(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const parentId = requireParent(org, requireString(input, 'ParentId'));
  const units = unitsUnder(org, parentId).map((u) => ouShape(org, u));
  const p = page(units, input);
  return { OrganizationalUnits: p.items, NextToken: p.NextToken };
}

function listChildren(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const parentId = requireParent(org, requireString(input, 'ParentId'));
  const type = requireString(input, 'ChildType');
  let children: { Id: string; Type: string }[];
  if (type === 'ACCOUNT') children = accountsUnder(ctx.state, org, parentId).map((a) => ({ Id: a.id, Type: 'ACCOUNT' }));
  else if (type === 'ORGANIZATIONAL_UNIT') children = unitsUnder(org, parentId).map((u) => ({ Id: u.id, Type: 'ORGANIZATIONAL_UNIT' }));
  else throw ERRORS.invalid('INVALID_ENUM', 'ChildType must be ACCOUNT or ORGANIZATIONAL_UNIT.');
  const p = page(children, input);
  return { Children: p.items, NextToken: p.NextToken };
}

function listParents(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const childId = requireString(input, 'ChildId');
  checkPattern(PATTERNS.accountId.test(childId) || PATTERNS.ouId.test(childId));
  const parentId = PATTERNS.accountId.test(childId) ? org.members[childId]?.parentId : org.units[childId]?.parentId;
  if (!parentId) throw ERRORS.childNotFound();
  const type = parentId === org.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT';
  const p = page([{ Id: parentId, Type: type }], input);
  return { Parents: p.items, NextToken: p.NextToken };
}

function listAccounts(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const accounts = Object.keys(org.members)
    .map((id) => ctx.state.accounts[id])
    .filter((a) => a !== undefined)
    .map((a) => accountShape(org, a));
  const p = page(accounts, input);
  return { Accounts: p.items, NextToken: p.NextToken };
}

function listAccountsForParent(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const parentId = requireParent(org, requireString(input, 'ParentId'));
  const accounts = accountsUnder(ctx.state, org, parentId).map((a) => accountShape(org, a));
  const p = page(accounts, input);
  return { Accounts: p.items, NextToken: p.NextToken };
}

function describeAccount(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const account = requireMember(ctx.state, org, requireString(input, 'AccountId'));
  return { Account: accountShape(org, account) };
}

function listCreateAccountStatus(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const now = ctx.runtime.now();
  const states: unknown = input.States;
  if (states !== undefined && (!Array.isArray(states) || states.some((s) => !['IN_PROGRESS', 'SUCCEEDED', 'FAILED'].includes(String(s))))) {
    throw ERRORS.invalid('INVALID_ENUM', 'States must be a list of IN_PROGRESS, SUCCEEDED, FAILED.');
  }
  const wanted = Array.isArray(states) && states.length > 0 ? new Set(states.map(String)) : undefined;
  const statuses = Object.values(org.createAccountRequests)
    .filter((r) => !wanted || wanted.has(requestState(r, now)))
    .map((r) => createAccountStatusShape(r, now));
  const p = page(statuses, input);
  return { CreateAccountStatuses: p.items, NextToken: p.NextToken };
}

function moveAccount(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const accountId = requireString(input, 'AccountId');
  const source = requireString(input, 'SourceParentId');
  const destination = requireString(input, 'DestinationParentId');
  checkPattern(PATTERNS.accountId.test(accountId));
  checkPattern(isParentId(source));
  checkPattern(isParentId(destination));
  if (!parentExists(org, source)) {
    throw new AwsError('SourceParentNotFoundException', "We can't find a source root or OU with the ParentId that you specified.", 404);
  }
  if (!parentExists(org, destination)) {
    throw new AwsError(
      'DestinationParentNotFoundException',
      "We can't find the destination container (a root or OU) with the ParentId that you specified.",
      404,
    );
  }
  const member = org.members[accountId];
  if (!member) throw ERRORS.accountNotFound();
  if (member.parentId === destination) {
    throw new AwsError('DuplicateAccountException', 'That account is already present in the specified destination.', 409);
  }
  if (member.parentId !== source) {
    throw new AwsError('SourceParentNotFoundException', "The account isn't in the source root or OU that you specified.", 404);
  }
  requireSettled(ctx, org, accountId, destination);
  member.parentId = destination;
  return {};
}

/**
 * A tag target's tags: the root's, an OU's or a member account's (kept in `org.tags`), or a policy's (kept
 * on the policy record).
 */
function tagTarget(org: OrganizationRecord, resourceId: string): { id: string; tags: Tag[]; save(tags: Tag[]): void } {
  const valid = [PATTERNS.rootId, PATTERNS.ouId, PATTERNS.accountId, PATTERNS.policyId].some((p) => p.test(resourceId));
  checkPattern(valid);
  const policy = policyForTagging(org, resourceId);
  if (policy) return { id: resourceId, tags: policy.tags ?? [], save: (tags) => (policy.tags = tags) };
  if (resourceId !== org.rootId && !org.units[resourceId] && !org.members[resourceId]) throw ERRORS.targetNotFound();
  return { id: resourceId, tags: org.tags[resourceId] ?? [], save: (tags) => (org.tags[resourceId] = tags) };
}

function tagResource(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const target = tagTarget(org, requireString(input, 'ResourceId'));
  const tags = validateTags(input.Tags ?? []);
  const merged = mergeTags(target.tags, tags);
  if (merged.length > 50) throw ERRORS.constraint('MAX_TAG_LIMIT_EXCEEDED', 'You have exceeded the number of tags allowed on this resource.');
  requireSettled(ctx, org, target.id);
  target.save(merged);
  return {};
}

function untagResource(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const target = tagTarget(org, requireString(input, 'ResourceId'));
  if (!Array.isArray(input.TagKeys)) throw ERRORS.invalid('INPUT_REQUIRED', 'You must specify a value for TagKeys.');
  const keys = new Set((input.TagKeys as unknown[]).map(String));
  requireSettled(ctx, org, target.id);
  target.save(target.tags.filter((t) => !keys.has(t.Key)));
  return {};
}

function listTagsForResource(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const target = tagTarget(org, requireString(input, 'ResourceId'));
  const p = page(target.tags, { NextToken: input.NextToken, MaxResults: 20 });
  return { Tags: p.items, NextToken: p.NextToken };
}

function servicePrincipal(input: Input): string {
  const principal = requireString(input, 'ServicePrincipal');
  checkPattern(PATTERNS.servicePrincipal.test(principal));
  if (!principal.endsWith('.amazonaws.com')) {
    throw ERRORS.invalid('UNRECOGNIZED_SERVICE_PRINCIPAL', `You specified an unrecognized service principal: ${principal}.`);
  }
  return principal;
}

function enableAwsServiceAccess(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  if (org.featureSet !== 'ALL') {
    throw ERRORS.constraint('ORGANIZATION_NOT_IN_ALL_FEATURES_MODE', 'You can enable trusted access only in an organization with all features enabled.');
  }
  const principal = servicePrincipal(input);
  requireSettled(ctx, org, org.id);
  org.serviceAccess[principal] ??= ctx.runtime.now().toISOString();
  return {};
}

function disableAwsServiceAccess(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const principal = servicePrincipal(input);
  requireSettled(ctx, org, org.id);
  delete org.serviceAccess[principal];
  return {};
}

function listAwsServiceAccessForOrganization(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const enabled = Object.entries(org.serviceAccess).map(([p, d]) => ({ ServicePrincipal: p, DateEnabled: new Date(d) }));
  const p = page(enabled, input);
  return { EnabledServicePrincipals: p.items, NextToken: p.NextToken };
}

const handlers: Record<string, OperationHandler> = {
  CreateOrganization: createOrganization,
  DescribeOrganization: describeOrganization,
  ListRoots: listRoots,
  CreateOrganizationalUnit: createOrganizationalUnit,
  DescribeOrganizationalUnit: describeOrganizationalUnit,
  ListOrganizationalUnitsForParent: listOrganizationalUnitsForParent,
  ListChildren: listChildren,
  ListParents: listParents,
  ListAccounts: listAccounts,
  ListAccountsForParent: listAccountsForParent,
  DescribeAccount: describeAccount,
  CreateAccount: createAccount,
  DescribeCreateAccountStatus: describeCreateAccountStatus,
  ListCreateAccountStatus: listCreateAccountStatus,
  MoveAccount: moveAccount,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
  EnableAWSServiceAccess: enableAwsServiceAccess,
  DisableAWSServiceAccess: disableAwsServiceAccess,
  ListAWSServiceAccessForOrganization: listAwsServiceAccessForOrganization,
  ...policyHandlers,
  LeaveOrganization: leaveOrganization,
  CloseAccount: closeAccount,
};

/**
 * Every operation first settles the CreateAccount requests that are due, so an account appears (in
 * ListAccounts, DescribeAccount, ListChildren, ...) as soon as its request has completed. A settle during a
 * read-only call is persisted here, since the core persists only after mutating calls. Closures whose time
 * has come are written the same way, so ListAccounts and DescribeAccount show SUSPENDED.
 */
function settled(handler: OperationHandler): OperationHandler {
  return (ctx, input) => {
    const created = settleCreateAccountRequests(ctx.state, ctx.runtime);
    if (settleClosures(ctx.state, ctx.runtime.now()) || created) ctx.runtime.persist();
    return handler(ctx, input);
  };
}

export const organizations: SandboxService = {
  signingName: 'organizations',
  protocol: 'awsJson1_1',
  targetPrefix: 'AWSOrganizationsV20161128',
  resourceOf: organizationsResourceOf,
  operations: Object.fromEntries(Object.entries(handlers).map(([name, h]) => [name, settled(h)])),
};
