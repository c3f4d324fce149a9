/**
 * Organizations' policies: create, describe, update and delete them, attach them to the root, OUs and
 * accounts, and enable or disable their types on the root. Management account only, as on AWS (delegated
 * administrators for policy management are not modelled). The records are read by SCP evaluation through
 * policy-path.ts.
 */
import type { OperationContext, OperationHandler } from '../../types.js';
import { POLICY_TYPES, type OrganizationRecord, type PolicyRecord, type PolicyType } from './state.js';
import {
  ERRORS,
  PATTERNS,
  accountArn,
  checkLength,
  checkPattern,
  managementOrg,
  page,
  policySummaryShape,
  requireSettled,
  requireString,
  rootShape,
  validateTags,
} from './model.js';
import { CONTENT_LIMITS, contentLength, documentValid } from './policy-document.js';
import { NON_DETACHABLE_POLICY_IDS, disablePolicyType, enablePolicyType } from './policy-types.js';
import { policiesAttachedTo, policyTypeEnabled } from './policy-path.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON, validated member by member
type Input = Record<string, any>;

/** Policies of a type one target may hold at once, AWS managed ones counted (SCPs: 5 until 15 May 2026, 10 since). */
const ATTACHMENT_LIMITS: Record<PolicyType, number> = {
  SERVICE_CONTROL_POLICY: 10,
  RESOURCE_CONTROL_POLICY: 5,
  TAG_POLICY: 10,
  BACKUP_POLICY: 10,
  AISERVICES_OPT_OUT_POLICY: 5,
  CHATBOT_POLICY: 10,
  DECLARATIVE_POLICY_EC2: 10,
};

/** Customer managed policies of a type an organization may hold. */
const POLICY_NUMBER_LIMITS: Record<PolicyType, number> = {
  SERVICE_CONTROL_POLICY: 10_000,
  RESOURCE_CONTROL_POLICY: 1000,
  TAG_POLICY: 1000,
  BACKUP_POLICY: 1000,
  AISERVICES_OPT_OUT_POLICY: 1000,
  CHATBOT_POLICY: 1000,
  DECLARATIVE_POLICY_EC2: 1000,
};

/** Policy names: 1–128 characters of the ASCII range (its printable part and whitespace). */
const POLICY_NAME = /^[\t\n\r\u0020-\u007F]+$/;

function policyType(input: Input, name: string): PolicyType {
  const value = requireString(input, name);
  if (!(POLICY_TYPES as readonly string[]).includes(value)) {
    throw ERRORS.invalid('INVALID_ENUM', `You specified an invalid value for ${name}: ${value}.`);
  }
  return value as PolicyType;
}

/** Policies of every type need all features; a consolidated-billing organization can't use them. */
function requireAllFeatures(org: OrganizationRecord): void {
  if (org.featureSet !== 'ALL') throw ERRORS.policyTypeNotAvailable();
}

function requirePolicy(org: OrganizationRecord, input: Input): PolicyRecord {
  const id = requireString(input, 'PolicyId');
  checkPattern(PATTERNS.policyId.test(id));
  const policy = org.policies?.[id];
  if (!policy) throw ERRORS.policyNotFound();
  return policy;
}

/** A root, OU or account of the organization (TargetNotFoundException otherwise). */
function requireTarget(org: OrganizationRecord, input: Input): string {
  const id = requireString(input, 'TargetId');
  const valid = PATTERNS.rootId.test(id) || PATTERNS.ouId.test(id) || PATTERNS.accountId.test(id);
  if (!valid) throw ERRORS.invalid('INVALID_PATTERN_TARGET_ID', "You specified a policy target ID that doesn't match the required pattern.");
  if (id !== org.rootId && !org.units[id] && !org.members[id]) throw ERRORS.targetNotFound();
  return id;
}

function requireRoot(org: OrganizationRecord, input: Input): void {
  const id = requireString(input, 'RootId');
  checkPattern(PATTERNS.rootId.test(id));
  if (id !== org.rootId) throw ERRORS.rootNotFound();
}

function checkName(name: string): void {
  checkLength('Name', name, 1, 128);
  checkPattern(POLICY_NAME.test(name));
}

function checkDescription(input: Input): string {
  const description: unknown = input.Description;
  if (typeof description !== 'string') throw ERRORS.invalid('INPUT_REQUIRED', 'You must specify a value for Description.');
  checkLength('Description', description, 0, 512);
  return description;
}

function checkContent(type: PolicyType, content: string): void {
  if (contentLength(content) > CONTENT_LIMITS[type]) {
    throw ERRORS.constraint('POLICY_CONTENT_LIMIT_EXCEEDED', 'You have exceeded the maximum policy size.');
  }
  if (!documentValid(type, content)) throw ERRORS.malformedPolicy();
}

function nameTaken(org: OrganizationRecord, type: PolicyType, name: string, except?: string): boolean {
  return Object.values(org.policies ?? {}).some((p) => p.type === type && p.name === name && p.id !== except);
}

function policyShape(policy: PolicyRecord): Record<string, unknown> {
  return { PolicySummary: policySummaryShape(policy), Content: policy.content };
}

function targetShape(ctx: OperationContext, org: OrganizationRecord, id: string): Record<string, unknown> {
  if (id === org.rootId) return { TargetId: id, Arn: org.rootArn, Name: 'Root', Type: 'ROOT' };
  const unit = org.units[id];
  if (unit) return { TargetId: id, Arn: unit.arn, Name: unit.name, Type: 'ORGANIZATIONAL_UNIT' };
  return { TargetId: id, Arn: accountArn(org, id), Name: ctx.state.accounts[id]?.name, Type: 'ACCOUNT' };
}

function createPolicy(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const name = requireString(input, 'Name');
  checkName(name);
  const description = checkDescription(input);
  const type = policyType(input, 'Type');
  const content = requireString(input, 'Content');
  const tags = validateTags(input.Tags);
  requireAllFeatures(org);
  checkContent(type, content);
  if (nameTaken(org, type, name)) throw ERRORS.duplicatePolicy();
  const policies = (org.policies ??= {});
  const owned = Object.values(policies).filter((p) => p.type === type && !p.awsManaged).length;
  if (owned >= POLICY_NUMBER_LIMITS[type]) {
    throw ERRORS.constraint('POLICY_NUMBER_LIMIT_EXCEEDED', 'You attempted to exceed the number of policies that you can have in an organization.');
  }
  let id: string;
  do id = `p-${ctx.runtime.randomId(8)}`;
  while (policies[id]);
  const policy: PolicyRecord = {
    id,
    arn: `arn:aws:organizations::${org.managementAccountId}:policy/${org.id}/${type.toLowerCase()}/${id}`,
    name,
    description,
    type,
    awsManaged: false,
    content,
    targets: [],
    ...(tags.length > 0 ? { tags } : {}),
  };
  policies[id] = policy;
  return { Policy: policyShape(policy) };
}

function describePolicy(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  return { Policy: policyShape(requirePolicy(org, input)) };
}

function updatePolicy(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const policy = requirePolicy(org, input);
  const name: unknown = input.Name;
  if (name !== undefined) checkName(String(name));
  const description = input.Description === undefined ? undefined : checkDescription(input);
  const content: unknown = input.Content;
  if (content !== undefined) checkLength('Content', String(content), 1, Number.MAX_SAFE_INTEGER);
  if (policy.awsManaged) throw ERRORS.immutablePolicy();
  if (content !== undefined) checkContent(policy.type, String(content));
  if (name !== undefined && nameTaken(org, policy.type, String(name), policy.id)) throw ERRORS.duplicatePolicy();
  if (name !== undefined) policy.name = String(name);
  if (description !== undefined) policy.description = description;
  if (content !== undefined) policy.content = String(content);
  return { Policy: policyShape(policy) };
}

function deletePolicy(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const policy = requirePolicy(org, input);
  if (policy.awsManaged) throw ERRORS.immutablePolicy();
  if (policy.targets.length > 0) throw ERRORS.policyInUse();
  delete org.policies![policy.id];
  return {};
}

function listPolicies(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const type = policyType(input, 'Filter');
  const summaries = Object.values(org.policies ?? {})
    .filter((p) => p.type === type)
    .map(policySummaryShape);
  const p = page(summaries, input);
  return { Policies: p.items, NextToken: p.NextToken };
}

function listPoliciesForTarget(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const target = requireTarget(org, input);
  const type = policyType(input, 'Filter');
  const p = page(policiesAttachedTo(org, target, type).map(policySummaryShape), input);
  return { Policies: p.items, NextToken: p.NextToken };
}

function listTargetsForPolicy(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const policy = requirePolicy(org, input);
  const p = page(policy.targets.map((id) => targetShape(ctx, org, id)), input);
  return { Targets: p.items, NextToken: p.NextToken };
}

function attachPolicy(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const policy = requirePolicy(org, input);
  const target = requireTarget(org, input);
  if (!policyTypeEnabled(org, policy.type)) throw ERRORS.policyTypeNotEnabled();
  if (policy.targets.includes(target)) throw ERRORS.duplicatePolicyAttachment();
  if (policiesAttachedTo(org, target, policy.type).length >= ATTACHMENT_LIMITS[policy.type]) {
    throw ERRORS.constraint('MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED', 'You have attached the maximum number of policies to the specified target.');
  }
  requireSettled(ctx, org, target);
  policy.targets.push(target);
  return {};
}

function detachPolicy(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  const policy = requirePolicy(org, input);
  const target = requireTarget(org, input);
  if (!policy.targets.includes(target)) throw ERRORS.policyNotAttached();
  if (NON_DETACHABLE_POLICY_IDS.includes(policy.id)) {
    throw ERRORS.invalid('NON_DETACHABLE_POLICY', "You can't detach this AWS Managed Policy.");
  }
  // Every root, OU and account keeps at least one SCP while SCPs are enabled.
  if (policy.type === 'SERVICE_CONTROL_POLICY' && policiesAttachedTo(org, target, policy.type).length === 1) {
    throw ERRORS.constraint(
      'MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
      'You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.',
    );
  }
  requireSettled(ctx, org, target);
  policy.targets = policy.targets.filter((id) => id !== target);
  return {};
}

function enablePolicyTypeHandler(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  requireRoot(org, input);
  const type = policyType(input, 'PolicyType');
  requireAllFeatures(org);
  if (org.policyTypes?.[type]) throw ERRORS.policyTypeAlreadyEnabled();
  requireSettled(ctx, org, org.rootId);
  enablePolicyType(org, type);
  return { Root: rootShape(org) };
}

function disablePolicyTypeHandler(ctx: OperationContext, input: Input) {
  const org = managementOrg(ctx);
  requireRoot(org, input);
  const type = policyType(input, 'PolicyType');
  if (!policyTypeEnabled(org, type)) throw ERRORS.policyTypeNotEnabled();
  requireSettled(ctx, org, org.rootId);
  disablePolicyType(org, type);
  return { Root: rootShape(org) };
}

/**
 * The policy TagResource and its siblings name, whose tags live on its record; undefined for another kind of
 * id. AWS's managed policies can't be tagged: their ids fail the tagging pattern on AWS.
 */
export function policyForTagging(org: OrganizationRecord, resourceId: string): PolicyRecord | undefined {
  if (!PATTERNS.policyId.test(resourceId)) return undefined;
  const policy = org.policies?.[resourceId];
  if (!policy) throw ERRORS.targetNotFound();
  checkPattern(!policy.awsManaged);
  return policy;
}

export const policyHandlers: Record<string, OperationHandler> = {
  CreatePolicy: createPolicy,
  DescribePolicy: describePolicy,
  UpdatePolicy: updatePolicy,
  DeletePolicy: deletePolicy,
  ListPolicies: listPolicies,
  ListPoliciesForTarget: listPoliciesForTarget,
  ListTargetsForPolicy: listTargetsForPolicy,
  AttachPolicy: attachPolicy,
  DetachPolicy: detachPolicy,
  EnablePolicyType: enablePolicyTypeHandler,
  DisablePolicyType: disablePolicyTypeHandler,
};
