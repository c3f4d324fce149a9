/**
 * Organizations: ids, ARNs, output shapes, input validation and the caller checks shared by the handlers.
 * Everything here is pure over the state; the handlers in ../organizations.ts compose it.
 */
import type { OperationContext } from '../../types.js';
import { AwsError } from '../../types.js';
import type { AccountRecord, SandboxState } from '../../state.js';
import { POLICY_TYPES, type OrganizationRecord, type PolicyRecord } from './state.js';
import { paginate } from '../../paginate.js';
import { settlingWindow } from '../../settling.js';

export type Tag = { Key: string; Value: string };
export type OrgUnit = OrganizationRecord['units'][string];

/**
 * An Organizations error with its modelled `Reason` member (ConstraintViolationException, InvalidInputException).
 * `fields` are extra top-level members of the awsJson error body.
 */
export class OrgError extends AwsError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly fields: Record<string, string> = {},
  ) {
    super(code, message, status);
  }
}

export const ERRORS = {
  notInUse: () =>
    new AwsError(
      'AWSOrganizationsNotInUseException',
      "Your account is not a member of an organization. To make this request, you must use the credentials of an account that belongs to an organization.",
      404,
    ),
  accessDenied: () => new AwsError('AccessDeniedException', "You don't have permissions to access this resource.", 403),
  invalid: (reason: string, message: string) => new OrgError('InvalidInputException', message, 400, { Reason: reason }),
  constraint: (reason: string, message: string) => new OrgError('ConstraintViolationException', message, 409, { Reason: reason }),
  accountNotFound: () => new AwsError('AccountNotFoundException', "You specified an account that doesn't exist.", 404),
  parentNotFound: () => new AwsError('ParentNotFoundException', "We can't find a root or OU with the ParentId that you specified.", 404),
  childNotFound: () => new AwsError('ChildNotFoundException', "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.", 404),
  ouNotFound: () => new AwsError('OrganizationalUnitNotFoundException', "We can't find an OU with the OrganizationalUnitId that you specified.", 404),
  createAccountStatusNotFound: () =>
    new AwsError('CreateAccountStatusNotFoundException', "We can't find a create account request with the CreateAccountRequestId that you specified.", 404),
  finalizing: () =>
    new AwsError(
      'FinalizingOrganizationException',
      "AWS Organizations couldn't perform the operation because your organization hasn't finished initializing. This can take up to an hour. Try again later. If after one hour you continue to receive this error, contact AWS Support.",
      400,
    ),
  concurrentModification: () =>
    new AwsError(
      'ConcurrentModificationException',
      "AWS Organizations can't complete your request because it conflicts with another attempt to modify the same entity. Try again later.",
      400,
    ),
  targetNotFound: () => new AwsError('TargetNotFoundException', "We can't find a root, OU, account, or policy with the TargetId that you specified.", 404),
  rootNotFound: () => new AwsError('RootNotFoundException', "We can't find a root with the RootId that you specified.", 404),
  policyNotFound: () => new AwsError('PolicyNotFoundException', "We can't find a policy with the PolicyId that you specified.", 404),
  // As AWS words it (seen through CloudFormation): names are unique per policy type.
  duplicatePolicy: () => new AwsError('DuplicatePolicyException', 'A policy with the specified name and type already exists.', 409),
  duplicatePolicyAttachment: () =>
    new AwsError('DuplicatePolicyAttachmentException', 'The selected policy is already attached to the specified target.', 409),
  policyNotAttached: () =>
    new AwsError('PolicyNotAttachedException', "The policy isn't attached to the specified target in the specified root.", 409),
  policyInUse: () =>
    new AwsError(
      'PolicyInUseException',
      'The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.',
      409,
    ),
  policyTypeNotEnabled: () => new AwsError('PolicyTypeNotEnabledException', 'This operation can be performed only for enabled policy types.', 409),
  policyTypeAlreadyEnabled: () => new AwsError('PolicyTypeAlreadyEnabledException', 'The specified policy type is already enabled.', 409),
  policyTypeNotAvailable: () =>
    new AwsError(
      'PolicyTypeNotAvailableForOrganizationException',
      "You can't use the specified policy type with the feature set currently enabled for this organization. For example, you can enable SCPs only after you enable all features in the organization.",
      409,
    ),
  malformedPolicy: () =>
    new AwsError('MalformedPolicyDocumentException', "The provided policy document doesn't meet the requirements of the specified policy type.", 400),
  immutablePolicy: () =>
    new OrgError('InvalidInputException', "You specified a policy that is managed by AWS and can't be modified.", 400, { Reason: 'IMMUTABLE_POLICY' }),
};

// ---- ids and ARNs ------------------------------------------------------------------------------------------

export const PATTERNS = {
  accountId: /^\d{12}$/,
  rootId: /^r-[0-9a-z]{4,32}$/,
  ouId: /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/,
  createAccountRequestId: /^car-[a-z0-9]{8,32}$/,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  printable: /^[\u0020-\u007E]+$/,
  roleName: /^[\w+=,.@-]{1,64}$/,
  servicePrincipal: /^[\w+=,.@-]{1,128}$/,
  policyId: /^p-[0-9a-zA-Z_]{8,128}$/,
};

export function isParentId(id: string): boolean {
  return PATTERNS.rootId.test(id) || PATTERNS.ouId.test(id);
}

export function accountArn(org: OrganizationRecord, accountId: string): string {
  return `arn:aws:organizations::${org.managementAccountId}:account/${org.id}/${accountId}`;
}

export function ouArn(org: OrganizationRecord, ouId: string): string {
  return `arn:aws:organizations::${org.managementAccountId}:ou/${org.id}/${ouId}`;
}

/** The root id without its `r-` prefix: OU ids embed it (`ou-<root>-<8 chars>`). */
export function rootSuffix(org: OrganizationRecord): string {
  return org.rootId.slice(2);
}

// ---- caller checks -----------------------------------------------------------------------------------------

/** The caller's organization, or AWSOrganizationsNotInUseException when the caller's account is in none. */
export function callerOrg(ctx: OperationContext): OrganizationRecord {
  const org = ctx.state.organization;
  if (!org || !org.members[ctx.caller.accountId]) throw ERRORS.notInUse();
  return org;
}

/** As callerOrg, and the caller must be the management account (AccessDeniedException otherwise). */
export function managementOrg(ctx: OperationContext): OrganizationRecord {
  const org = callerOrg(ctx);
  if (ctx.caller.accountId !== org.managementAccountId) throw ERRORS.accessDenied();
  return org;
}

// ---- lookups -----------------------------------------------------------------------------------------------

export function requireString(input: Record<string, unknown>, name: string): string {
  const v = input[name];
  if (typeof v !== 'string' || v.length === 0) {
    throw ERRORS.invalid('INPUT_REQUIRED', `You must specify a value for ${name}.`);
  }
  return v;
}

/**
 * Refuses a parameter that fails its pattern (`ok` false): InvalidInputException INVALID_PATTERN with AWS's
 * message, which names neither the parameter nor the value.
 */
export function checkPattern(ok: boolean): void {
  if (!ok) throw ERRORS.invalid('INVALID_PATTERN', 'You provided a value that does not match the required pattern.');
}

export function checkLength(name: string, value: string, min: number, max: number): void {
  if (value.length < min) throw ERRORS.invalid('MIN_LENGTH_EXCEEDED', `${name} must be at least ${min} characters long.`);
  if (value.length > max) throw ERRORS.invalid('MAX_LENGTH_EXCEEDED', `${name} must be at most ${max} characters long.`);
}

/** Whether `id` is the root or an OU of the organization. */
export function parentExists(org: OrganizationRecord, id: string): boolean {
  return id === org.rootId || Boolean(org.units[id]);
}

/** The parent id of an OU, checked to exist; ParentNotFoundException when it doesn't. */
export function requireParent(org: OrganizationRecord, parentId: string): string {
  checkPattern(isParentId(parentId));
  if (!parentExists(org, parentId)) throw ERRORS.parentNotFound();
  return parentId;
}

export function requireMember(state: SandboxState, org: OrganizationRecord, accountId: string): AccountRecord {
  checkPattern(PATTERNS.accountId.test(accountId));
  const account = state.accounts[accountId];
  if (!account || !org.members[accountId]) throw ERRORS.accountNotFound();
  return account;
}

// ---- shapes ------------------------------------------------------------------------------------------------

/** `o-xxx/r-xxxx/ou-a/ou-b/` for an OU or the root. */
export function pathOf(org: OrganizationRecord, parentId: string): string {
  const chain: string[] = [];
  let id: string | undefined = parentId;
  while (id && id !== org.rootId) {
    chain.unshift(id);
    id = org.units[id]?.parentId;
  }
  return [org.id, org.rootId, ...chain].join('/') + '/';
}

export function accountShape(org: OrganizationRecord, account: AccountRecord): Record<string, unknown> {
  const member = org.members[account.id]!;
  return {
    Id: account.id,
    Arn: accountArn(org, account.id),
    Email: account.email,
    Name: account.name,
    Status: account.status,
    State: account.status,
    JoinedMethod: member.joinedMethod,
    JoinedTimestamp: new Date(member.joinedTimestamp),
    Paths: [`${pathOf(org, member.parentId)}${account.id}/`],
  };
}

export function ouShape(org: OrganizationRecord, ou: OrgUnit): Record<string, unknown> {
  return { Id: ou.id, Arn: ou.arn, Name: ou.name, Path: `${pathOf(org, ou.parentId)}${ou.id}/` };
}

/** The root with the policy types enabled on it (and any still changing status), in AWS's enum order. */
export function rootShape(org: OrganizationRecord): Record<string, unknown> {
  const types = POLICY_TYPES.flatMap((type) => {
    const status = org.policyTypes?.[type];
    return status ? [{ Type: type, Status: status }] : [];
  });
  return { Id: org.rootId, Arn: org.rootArn, Name: 'Root', PolicyTypes: types };
}

export function policySummaryShape(policy: PolicyRecord): Record<string, unknown> {
  return { Id: policy.id, Arn: policy.arn, Name: policy.name, Description: policy.description, Type: policy.type, AwsManaged: policy.awsManaged };
}

export function organizationShape(state: SandboxState, org: OrganizationRecord): Record<string, unknown> {
  const mgmt = state.accounts[org.managementAccountId];
  return {
    Id: org.id,
    Arn: org.arn,
    FeatureSet: org.featureSet,
    MasterAccountArn: accountArn(org, org.managementAccountId),
    MasterAccountId: org.managementAccountId,
    MasterAccountEmail: mgmt?.email,
    // Deprecated: "It doesn't include any policy type supported by Organizations other than SCPs", and shows
    // SCPs as available whether or not the root has them enabled (ListRoots tells that).
    AvailablePolicyTypes: org.featureSet === 'ALL' ? [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] : [],
  };
}

/** The member accounts under a parent, in the order they joined. */
export function accountsUnder(state: SandboxState, org: OrganizationRecord, parentId: string): AccountRecord[] {
  return Object.entries(org.members)
    .filter(([, m]) => m.parentId === parentId)
    .map(([id]) => state.accounts[id])
    .filter((a): a is AccountRecord => Boolean(a));
}

export function unitsUnder(org: OrganizationRecord, parentId: string): OrgUnit[] {
  return Object.values(org.units).filter((u) => u.parentId === parentId);
}

// ---- tags --------------------------------------------------------------------------------------------------

/** Validates a Tags list as Organizations does (≤ 50, key 1–128, value 0–256, no duplicate keys). */
export function validateTags(tags: unknown): Tag[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) throw ERRORS.invalid('INVALID_LIST_MEMBER', 'Tags must be a list.');
  if (tags.length > 50) throw ERRORS.constraint('MAX_TAG_LIMIT_EXCEEDED', 'You have exceeded the number of tags allowed on this resource.');
  const seen = new Set<string>();
  const out: Tag[] = [];
  for (const t of tags as Record<string, unknown>[]) {
    const key = t?.Key;
    const value = t?.Value ?? '';
    if (typeof key !== 'string' || typeof value !== 'string') throw ERRORS.invalid('INVALID_LIST_MEMBER', 'Each tag needs a Key and a Value.');
    checkLength('Tag Key', key, 1, 128);
    checkLength('Tag Value', value, 0, 256);
    if (seen.has(key)) throw ERRORS.invalid('DUPLICATE_TAG_KEY', `Duplicate tag key: ${key}.`);
    seen.add(key);
    out.push({ Key: key, Value: value });
  }
  return out;
}

/** Tags merged over existing ones: a new value replaces the old one for the same key. */
export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const out = existing.filter((t) => !added.some((a) => a.Key === t.Key));
  return [...out, ...added];
}

// ---- pagination --------------------------------------------------------------------------------------------

/** AWS's maximum for Organizations' MaxResults; the default page is the sandbox's small one. */
export const MAX_PAGE_SIZE = 20;

/** One page of `items` for NextToken/MaxResults; a bad token or MaxResults is InvalidInputException. */
export function page<T>(items: readonly T[], input: Record<string, unknown>): { items: T[]; NextToken?: string } {
  const p = paginate(items, {
    token: input.NextToken,
    limit: input.MaxResults,
    maxPage: MAX_PAGE_SIZE,
    limitName: 'maxResults',
    invalid: (message) =>
      ERRORS.invalid(message.startsWith('Invalid pagination token') ? 'INVALID_NEXT_TOKEN' : 'MAX_VALUE_EXCEEDED', message),
  });
  return { items: p.items, NextToken: p.nextToken };
}

// ---- eventual consistency -----------------------------------------------------------------------------------

/** When an entity (the organization, its root, an OU, an account Organizations created) came into being. */
function bornAt(org: OrganizationRecord, id: string): number | undefined {
  if (id === org.id || id === org.rootId) return Date.parse(org.createdAt);
  const unit = org.units[id];
  if (unit) return unit.createdAt ? Date.parse(unit.createdAt) : undefined;
  const member = org.members[id];
  return member?.joinedMethod === 'CREATED' ? Date.parse(member.joinedTimestamp) : undefined;
}

/**
 * A write to an entity that came into being in the last hour is refused with ConcurrentModificationException
 * for `delays.concurrentModification` from its first write, as AWS refuses writes that race the setup of what
 * they change (an account moved or tagged as its creation completes, trusted access enabled as the
 * organization is created). Called after the input is validated and before anything changes.
 */
export function requireSettled(ctx: OperationContext, org: OrganizationRecord, ...ids: string[]): void {
  for (const id of ids) {
    if (settlingWindow(ctx.state, ctx.runtime, `write:${id}`, bornAt(org, id), ctx.runtime.delays.concurrentModification)) throw ERRORS.concurrentModification();
  }
}

/** CreateAccount while the organization initializes: FinalizingOrganizationException for `delays.organizationFinalizing`. */
export function requireFinalized(ctx: OperationContext, org: OrganizationRecord): void {
  if (settlingWindow(ctx.state, ctx.runtime, `finalizing:${org.id}`, Date.parse(org.createdAt), ctx.runtime.delays.organizationFinalizing)) throw ERRORS.finalizing();
}
