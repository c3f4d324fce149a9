import type { OperationContext, OperationHandler } from '../../types.js';
import { instanceOf, member, permissionSetOf, required, ssoPage, type Input } from './access.js';
import { constraintMessage, ssoErrors } from './errors.js';
import { instanceId, mintHex } from './state.js';
import type { CustomerManagedPolicyReference, IdentityCenterState, PermissionSetRecord, PermissionsBoundary } from './state.js';

/**
 * Permission sets and what they carry (AWS managed policies, customer managed policy references, one inline
 * policy, a permissions boundary, tags). A change bumps the set's version: accounts it is provisioned to keep
 * the old copy until ProvisionPermissionSet, as on AWS.
 */

/** AWS's quotas (IAM Identity Center quotas page): permission sets per instance, policies per permission set. */
export const PERMISSION_SETS_PER_INSTANCE = 2000;
export const POLICIES_PER_PERMISSION_SET = 20;
export const INLINE_POLICY_MAX = 32768;
/** "Maximum size of non-whitespace characters in the inline policy per permission set is 10,240 bytes." */
export const INLINE_POLICY_NON_WHITESPACE_MAX = 10240;
const TAGS_PER_RESOURCE = 50;

const NAME_RE = /^[\w+=,.@-]+$/;
// eslint-disable-next-line no-control-regex -- AWS's pattern admits tab, line feed and carriage return
const DESCRIPTION_RE = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;
const DURATION_RE = /^(-?)P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)([DW]))?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const RELAY_STATE_RE = /^[a-zA-Z0-9&$@#\\/%?=~\-_'"|!:,.;*+[\] (){}]+$/;
const MANAGED_POLICY_ARN_RE = /^arn:(aws|aws-us-gov|aws-cn|aws-iso|aws-iso-b):iam::aws:policy\/[\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}]+$/u;
const CMP_NAME_RE = /^[\w+=,.@-]+$/;
const CMP_PATH_RE = /^((\/[A-Za-z0-9.,+@=_-]+)*)\/$/;

/** Session duration in seconds from an ISO-8601 duration; AWS accepts 1 to 12 hours. */
export function sessionSeconds(duration: string): number {
  const m = DURATION_RE.exec(duration);
  if (!m || m[1] || m[2] || m[3] || m[4]) return NaN;
  return Number(m[6] ?? 0) * 3600 + Number(m[7] ?? 0) * 60 + Number(m[8] ?? 0);
}

function checkSessionDuration(input: Input): string | undefined {
  const duration = member(input, 'SessionDuration', { min: 1, max: 100, pattern: DURATION_RE });
  if (duration === undefined) return undefined;
  const seconds = sessionSeconds(duration);
  if (!(seconds >= 3600 && seconds <= 43200)) {
    throw ssoErrors.validation(`Invalid SessionDuration ${duration}: the session duration must be between 1 hour (PT1H) and 12 hours (PT12H).`);
  }
  return duration;
}

function checkTags(tags: unknown): { Key: string; Value: string }[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw ssoErrors.validation(`Value at 'tags' must be a list`);
  if (tags.length > TAGS_PER_RESOURCE) throw ssoErrors.validation(constraintMessage('[...]', 'tags', `Member must have length less than or equal to ${TAGS_PER_RESOURCE}`));
  return tags.map((t: Input, i: number) => {
    const key = member(t ?? {}, 'Key', { required: true, min: 1, max: 128 })!;
    const value = member(t ?? {}, 'Value', { required: true, min: 0, max: 256 })!;
    if (key.toLowerCase().startsWith('aws:')) throw ssoErrors.validation(`Tag key at 'tags.${i + 1}.member.key' cannot start with the reserved prefix aws:`);
    return { Key: key, Value: value };
  });
}

export function permissionSetShape(ps: PermissionSetRecord) {
  return {
    Name: ps.name,
    PermissionSetArn: ps.arn,
    Description: ps.description,
    CreatedDate: new Date(ps.createdDate),
    SessionDuration: ps.sessionDuration,
    RelayState: ps.relayState,
  };
}

function policyCount(ps: PermissionSetRecord): number {
  return ps.managedPolicies.length + ps.customerManagedPolicies.length;
}

function checkPolicyRoom(ps: PermissionSetRecord): void {
  if (policyCount(ps) >= POLICIES_PER_PERMISSION_SET) {
    throw ssoErrors.quota(`The permission set ${ps.name} already has ${POLICIES_PER_PERMISSION_SET} managed and customer managed policies, the most a permission set can have.`);
  }
}

function changed(ps: PermissionSetRecord): Record<string, never> {
  ps.version += 1;
  return {};
}

function customerManagedReference(input: Input | undefined, path: string): CustomerManagedPolicyReference {
  if (input === undefined || input === null || typeof input !== 'object') throw ssoErrors.validation(constraintMessage(undefined, path, ''));
  const name = member(input, 'Name', { required: true, min: 1, max: 128, pattern: CMP_NAME_RE })!;
  const p = member(input, 'Path', { min: 1, max: 512, pattern: CMP_PATH_RE }) ?? '/';
  return { Name: name, Path: p };
}

function isValidJsonObject(text: string): boolean {
  try {
    const doc: unknown = JSON.parse(text);
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc);
  } catch {
    return false;
  }
}

function createPermissionSet(ctx: OperationContext, input: Input) {
  const ic = instanceOf(ctx, input);
  const name = required(input, 'Name', { min: 1, max: 32, pattern: NAME_RE });
  const description = member(input, 'Description', { min: 1, max: 700, pattern: DESCRIPTION_RE });
  const sessionDuration = checkSessionDuration(input) ?? 'PT1H';
  const relayState = member(input, 'RelayState', { min: 1, max: 240, pattern: RELAY_STATE_RE });
  const tags = checkTags(input.Tags);
  const sets = Object.values(ic.permissionSets);
  if (sets.some((p) => p.name === name)) throw ssoErrors.conflict(`PermissionSet with name ${name} already exists.`);
  if (sets.length >= PERMISSION_SETS_PER_INSTANCE) {
    throw ssoErrors.quota(`You have exceeded the quota of ${PERMISSION_SETS_PER_INSTANCE} permission sets for this instance.`);
  }
  const arn = `arn:aws:sso:::permissionSet/${instanceId(ic)}/ps-${mintHex(ic, 16)}`;
  const ps: PermissionSetRecord = {
    arn,
    name,
    description,
    createdDate: ctx.runtime.now().toISOString(),
    sessionDuration,
    relayState,
    managedPolicies: [],
    customerManagedPolicies: [],
    tags,
    version: 1,
  };
  ic.permissionSets[arn] = ps;
  return { PermissionSet: permissionSetShape(ps) };
}

function updatePermissionSet(ctx: OperationContext, input: Input) {
  const ps = permissionSetOf(instanceOf(ctx, input), input);
  const description = member(input, 'Description', { min: 1, max: 700, pattern: DESCRIPTION_RE });
  const sessionDuration = checkSessionDuration(input);
  const relayState = member(input, 'RelayState', { min: 1, max: 240, pattern: RELAY_STATE_RE });
  if (description !== undefined) ps.description = description;
  if (sessionDuration !== undefined) ps.sessionDuration = sessionDuration;
  if (relayState !== undefined) ps.relayState = relayState;
  return changed(ps);
}

function deletePermissionSet(ctx: OperationContext, input: Input) {
  const ic = instanceOf(ctx, input);
  const ps = permissionSetOf(ic, input);
  // AWS refuses while the set is assigned or provisioned anywhere (remove the assignments first).
  const busy = ic.assignments.some((a) => a.permissionSetArn === ps.arn) || Object.values(ic.provisioned).some((p) => p.permissionSetArn === ps.arn);
  const pending = ic.inFlight.some((id) => ic.requests[id]!.permissionSetArn === ps.arn && ic.requests[id]!.status === 'IN_PROGRESS');
  if (busy || pending) throw ssoErrors.conflict(`Could not delete because PermissionSet has ApplicationProfile or is provisioned to accounts. Remove the account assignments of ${ps.name} first.`);
  delete ic.permissionSets[ps.arn];
  return {};
}

function attachManagedPolicy(ctx: OperationContext, input: Input) {
  const ps = permissionSetOf(instanceOf(ctx, input), input);
  const arn = required(input, 'ManagedPolicyArn', { min: 20, max: 2048 });
  if (!MANAGED_POLICY_ARN_RE.test(arn)) {
    throw ssoErrors.validation(`The ManagedPolicyArn ${arn} is not an AWS managed policy. Attach a customer managed policy with AttachCustomerManagedPolicyReferenceToPermissionSet.`);
  }
  if (ps.managedPolicies.includes(arn)) throw ssoErrors.conflict(`Managed policy ${arn} is already attached to PermissionSet ${ps.arn}.`);
  checkPolicyRoom(ps);
  ps.managedPolicies.push(arn);
  return changed(ps);
}

function detachManagedPolicy(ctx: OperationContext, input: Input) {
  const ps = permissionSetOf(instanceOf(ctx, input), input);
  const arn = required(input, 'ManagedPolicyArn', { min: 20, max: 2048 });
  if (!ps.managedPolicies.includes(arn)) throw ssoErrors.notFound(`Managed policy ${arn} is not attached to PermissionSet ${ps.arn}.`);
  ps.managedPolicies = ps.managedPolicies.filter((p) => p !== arn);
  return changed(ps);
}

function listManagedPolicies(ctx: OperationContext, input: Input) {
  const ps = permissionSetOf(instanceOf(ctx, input), input);
  const page = ssoPage(ps.managedPolicies, input);
  return { AttachedManagedPolicies: page.items.map((arn) => ({ Arn: arn, Name: arn.slice(arn.lastIndexOf('/') + 1) })), NextToken: page.NextToken };
}

function attachCustomerManaged(ctx: OperationContext, input: Input) {
  const ps = permissionSetOf(instanceOf(ctx, input), input);
  const ref = customerManagedReference(input.CustomerManagedPolicyReference, 'customerManagedPolicyReference');
  if (ps.customerManagedPolicies.some((r) => r.Name === ref.Name && r.Path === ref.Path)) {
    throw ssoErrors.conflict(`Customer managed policy ${ref.Path}${ref.Name} is already attached to PermissionSet ${ps.arn}.`);
  }
  checkPolicyRoom(ps);
  ps.customerManagedPolicies.push(ref);
  return changed(ps);
}

function detachCustomerManaged(ctx: OperationContext, input: Input) {
  const ps = permissionSetOf(instanceOf(ctx, input), input);
  const ref = customerManagedReference(input.CustomerManagedPolicyReference, 'customerManagedPolicyReference');
  const i = ps.customerManagedPolicies.findIndex((r) => r.Name === ref.Name && r.Path === ref.Path);
  if (i < 0) throw ssoErrors.notFound(`Customer managed policy ${ref.Path}${ref.Name} is not attached to PermissionSet ${ps.arn}.`);
  ps.customerManagedPolicies.splice(i, 1);
  return changed(ps);
}

function listCustomerManaged(ctx: OperationContext, input: Input) {
  const ps = permissionSetOf(instanceOf(ctx, input), input);
  const page = ssoPage(ps.customerManagedPolicies, input);
  return { CustomerManagedPolicyReferences: page.items, NextToken: page.NextToken };
}

function putInlinePolicy(ctx: OperationContext, input: Input) {
  const ps = permissionSetOf(instanceOf(ctx, input), input);
  const policy = required(input, 'InlinePolicy', { min: 1, max: INLINE_POLICY_MAX });
  if (policy.replace(/\s/g, '').length > INLINE_POLICY_NON_WHITESPACE_MAX) {
    throw ssoErrors.validation(`The inline policy has more than ${INLINE_POLICY_NON_WHITESPACE_MAX} non-whitespace characters, the most a permission set's inline policy can have.`);
  }
  if (!isValidJsonObject(policy)) throw ssoErrors.validation('The inline policy document is malformed: it is not a JSON policy document.');
  ps.inlinePolicy = policy;
  return changed(ps);
}

function deleteInlinePolicy(ctx: OperationContext, input: Input) {
  const ps = permissionSetOf(instanceOf(ctx, input), input);
  delete ps.inlinePolicy;
  return changed(ps);
}

function putBoundary(ctx: OperationContext, input: Input) {
  const ps = permissionSetOf(instanceOf(ctx, input), input);
  const raw: unknown = input.PermissionsBoundary;
  if (raw === undefined || raw === null || typeof raw !== 'object') throw ssoErrors.validation(constraintMessage(undefined, 'permissionsBoundary', ''));
  const b = raw as Input;
  const arn = member(b, 'ManagedPolicyArn', { min: 20, max: 2048, pattern: MANAGED_POLICY_ARN_RE });
  const hasRef = b.CustomerManagedPolicyReference !== undefined && b.CustomerManagedPolicyReference !== null;
  if ((arn === undefined) === !hasRef) {
    throw ssoErrors.validation('A permissions boundary is either a ManagedPolicyArn or a CustomerManagedPolicyReference, exactly one of them.');
  }
  const boundary: PermissionsBoundary = arn ? { ManagedPolicyArn: arn } : { CustomerManagedPolicyReference: customerManagedReference(b.CustomerManagedPolicyReference, 'permissionsBoundary.customerManagedPolicyReference') };
  ps.permissionsBoundary = boundary;
  return changed(ps);
}

function getBoundary(ctx: OperationContext, input: Input) {
  const ps = permissionSetOf(instanceOf(ctx, input), input);
  if (!ps.permissionsBoundary) throw ssoErrors.notFound(`PermissionSet ${ps.arn} has no permissions boundary.`);
  return { PermissionsBoundary: ps.permissionsBoundary };
}

function deleteBoundary(ctx: OperationContext, input: Input) {
  const ps = permissionSetOf(instanceOf(ctx, input), input);
  if (!ps.permissionsBoundary) throw ssoErrors.notFound(`PermissionSet ${ps.arn} has no permissions boundary.`);
  delete ps.permissionsBoundary;
  return changed(ps);
}

/** Tags belong to permission sets (the instance's own tags are not modelled). */
function taggedSet(ic: IdentityCenterState, input: Input): PermissionSetRecord {
  return permissionSetOf(ic, { PermissionSetArn: required(input, 'ResourceArn', { min: 10, max: 2048 }) });
}

function tagResource(ctx: OperationContext, input: Input) {
  const ps = taggedSet(instanceOf(ctx, input), input);
  const tags = checkTags(input.Tags);
  if (tags.length === 0) throw ssoErrors.validation(constraintMessage(undefined, 'tags', ''));
  const merged = new Map(ps.tags.map((t) => [t.Key, t.Value]));
  for (const t of tags) merged.set(t.Key, t.Value);
  if (merged.size > TAGS_PER_RESOURCE) throw ssoErrors.quota(`A resource can have at most ${TAGS_PER_RESOURCE} tags.`);
  ps.tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
  return {};
}

function untagResource(ctx: OperationContext, input: Input) {
  const ps = taggedSet(instanceOf(ctx, input), input);
  const keys: unknown = input.TagKeys;
  if (!Array.isArray(keys) || keys.length === 0) throw ssoErrors.validation(constraintMessage(undefined, 'tagKeys', ''));
  ps.tags = ps.tags.filter((t) => !keys.includes(t.Key));
  return {};
}

function listTags(ctx: OperationContext, input: Input) {
  const ps = taggedSet(instanceOf(ctx, input), input);
  const page = ssoPage(ps.tags, input);
  return { Tags: page.items, NextToken: page.NextToken };
}

export const permissionSetOperations: Record<string, OperationHandler> = {
  CreatePermissionSet: createPermissionSet,
  DescribePermissionSet: (ctx, input) => ({ PermissionSet: permissionSetShape(permissionSetOf(instanceOf(ctx, input), input)) }),
  UpdatePermissionSet: updatePermissionSet,
  DeletePermissionSet: deletePermissionSet,
  ListPermissionSets: (ctx, input) => {
    const ic = instanceOf(ctx, input);
    const page = ssoPage(Object.keys(ic.permissionSets), input);
    return { PermissionSets: page.items, NextToken: page.NextToken };
  },
  AttachManagedPolicyToPermissionSet: attachManagedPolicy,
  DetachManagedPolicyFromPermissionSet: detachManagedPolicy,
  ListManagedPoliciesInPermissionSet: listManagedPolicies,
  AttachCustomerManagedPolicyReferenceToPermissionSet: attachCustomerManaged,
  DetachCustomerManagedPolicyReferenceFromPermissionSet: detachCustomerManaged,
  ListCustomerManagedPolicyReferencesInPermissionSet: listCustomerManaged,
  PutInlinePolicyToPermissionSet: putInlinePolicy,
  GetInlinePolicyForPermissionSet: (ctx, input) => ({ InlinePolicy: permissionSetOf(instanceOf(ctx, input), input).inlinePolicy ?? '' }),
  DeleteInlinePolicyFromPermissionSet: deleteInlinePolicy,
  PutPermissionsBoundaryToPermissionSet: putBoundary,
  GetPermissionsBoundaryForPermissionSet: getBoundary,
  DeletePermissionsBoundaryFromPermissionSet: deleteBoundary,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTags,
};
