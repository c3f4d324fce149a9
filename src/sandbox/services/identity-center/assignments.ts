import type { OperationContext, OperationHandler } from '../../types.js';
import { ACCOUNT_ID_RE, instanceOf, member, permissionSetOf, required, ssoPage, type Input } from './access.js';
import { ssoErrors } from './errors.js';
import { provisionedTo } from './provisioning.js';
import { mintUuid } from './state.js';
import type { AsyncRequestRecord, IdentityCenterState, PrincipalType, RequestKind } from './state.js';

/**
 * ProvisionPermissionSet and account assignments: each write answers at once with a request IN_PROGRESS,
 * which the sandbox clock settles `delays.identityCenter` later (provisioning.ts does the work then); the
 * Describe*Status operations read it, as clients poll AWS.
 */

const REQUEST_ID_RE = /^\b[0-9a-f]{8}\b-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-\b[0-9a-f]{12}\b$/;
const PRINCIPAL_ID_RE = /^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/;
const PROVISIONING_STATUSES = ['LATEST_PERMISSION_SET_PROVISIONED', 'LATEST_PERMISSION_SET_NOT_PROVISIONED'] as const;
const STATUSES = ['IN_PROGRESS', 'FAILED', 'SUCCEEDED'] as const;

/** AWS's quotas (IAM Identity Center quotas page): requests in flight, groups per set and account, sets per account. */
export const MAX_OUTSTANDING_ASSIGNMENT_CREATIONS = 15;
export const MAX_CONCURRENT_PROVISIONINGS = 3;
export const MAX_GROUPS_PER_SET_AND_ACCOUNT = 100;
export const MAX_SETS_PROVISIONED_PER_ACCOUNT = 250;

function inProgress(ic: IdentityCenterState, kind: RequestKind): AsyncRequestRecord[] {
  return ic.inFlight.map((id) => ic.requests[id]!).filter((r) => r.kind === kind && r.status === 'IN_PROGRESS');
}

/** A set not yet in the account would be one more of the account's 250 provisioned permission sets. */
function checkProvisionedRoom(ic: IdentityCenterState, accountId: string, permissionSetArn: string): void {
  if (provisionedTo(ic, accountId, permissionSetArn)) return;
  const count = Object.values(ic.provisioned).filter((p) => p.accountId === accountId).length;
  if (count >= MAX_SETS_PROVISIONED_PER_ACCOUNT) {
    throw ssoErrors.quota(`Account ${accountId} already has ${MAX_SETS_PROVISIONED_PER_ACCOUNT} provisioned permission sets, the quota of provisioned permission sets per AWS account.`);
  }
}

function newRequest(ctx: OperationContext, ic: IdentityCenterState, fields: Omit<AsyncRequestRecord, 'requestId' | 'status' | 'createdDate' | 'settlesAt'>): AsyncRequestRecord {
  const now = ctx.runtime.now();
  const req: AsyncRequestRecord = {
    requestId: mintUuid(ic),
    status: 'IN_PROGRESS',
    createdDate: now.toISOString(),
    settlesAt: new Date(now.getTime() + ctx.runtime.delays.identityCenter).toISOString(),
    ...fields,
  };
  ic.requests[req.requestId] = req;
  ic.inFlight.push(req.requestId);
  return req;
}

function requestOf(ic: IdentityCenterState, input: Input, member: string, kind: RequestKind): AsyncRequestRecord {
  const id = required(input, member, { min: 36, max: 36, pattern: REQUEST_ID_RE });
  const req = ic.requests[id];
  if (!req || req.kind !== kind) throw ssoErrors.notFound(`Could not find request with ${member} ${id}.`);
  return req;
}

function provisioningStatusShape(r: AsyncRequestRecord) {
  return { Status: r.status, RequestId: r.requestId, AccountId: r.accountId, PermissionSetArn: r.permissionSetArn, FailureReason: r.failureReason, CreatedDate: new Date(r.createdDate) };
}

function assignmentStatusShape(r: AsyncRequestRecord) {
  return {
    Status: r.status,
    RequestId: r.requestId,
    FailureReason: r.failureReason,
    TargetId: r.accountId,
    TargetType: 'AWS_ACCOUNT',
    PermissionSetArn: r.permissionSetArn,
    PrincipalType: r.principalType,
    PrincipalId: r.principalId,
    CreatedDate: new Date(r.createdDate),
  };
}

/** The List*Status operations: newest first, optionally one status. */
function listStatuses(ic: IdentityCenterState, input: Input, kind: RequestKind) {
  const filter = member((input.Filter as Input | undefined) ?? {}, 'Status', { values: STATUSES });
  const items = Object.values(ic.requests)
    .filter((r) => r.kind === kind && (!filter || r.status === filter))
    .sort((a, b) => Date.parse(b.createdDate) - Date.parse(a.createdDate))
    .map((r) => ({ Status: r.status, RequestId: r.requestId, CreatedDate: new Date(r.createdDate) }));
  return ssoPage(items, input);
}

function provisionPermissionSet(ctx: OperationContext, input: Input) {
  const ic = instanceOf(ctx, input);
  const ps = permissionSetOf(ic, input);
  const targetType = required(input, 'TargetType', { values: ['AWS_ACCOUNT', 'ALL_PROVISIONED_ACCOUNTS'] });
  const targetId = member(input, 'TargetId', { min: 12, max: 12, pattern: ACCOUNT_ID_RE });
  if (targetType === 'AWS_ACCOUNT' && !targetId) throw ssoErrors.validation('TargetId is required when TargetType is AWS_ACCOUNT.');
  if (targetType === 'ALL_PROVISIONED_ACCOUNTS' && targetId) throw ssoErrors.validation('TargetId must not be given when TargetType is ALL_PROVISIONED_ACCOUNTS.');
  if (targetId) checkProvisionedRoom(ic, targetId, ps.arn);
  if (inProgress(ic, 'provision').length >= MAX_CONCURRENT_PROVISIONINGS) {
    throw ssoErrors.throttling(`You can make up to ${MAX_CONCURRENT_PROVISIONINGS} concurrent ProvisionPermissionSet calls; wait for one in progress to complete.`);
  }
  const req = newRequest(ctx, ic, { kind: 'provision', permissionSetArn: ps.arn, accountId: targetId });
  return { PermissionSetProvisioningStatus: provisioningStatusShape(req) };
}

interface AssignmentInput {
  permissionSetArn: string;
  accountId: string;
  principalType: PrincipalType;
  principalId: string;
}

function assignmentInput(ic: IdentityCenterState, input: Input): AssignmentInput {
  const ps = permissionSetOf(ic, input);
  const accountId = required(input, 'TargetId', { min: 12, max: 12, pattern: ACCOUNT_ID_RE });
  required(input, 'TargetType', { values: ['AWS_ACCOUNT'] });
  const principalType = required(input, 'PrincipalType', { values: ['USER', 'GROUP'] }) as PrincipalType;
  const principalId = required(input, 'PrincipalId', { min: 1, max: 47, pattern: PRINCIPAL_ID_RE });
  return { permissionSetArn: ps.arn, accountId, principalType, principalId };
}

function principalExists(ic: IdentityCenterState, type: PrincipalType, id: string): boolean {
  return type === 'USER' ? Boolean(ic.directory.users[id]) : Boolean(ic.directory.groups[id]);
}

function createAccountAssignment(ctx: OperationContext, input: Input) {
  const ic = instanceOf(ctx, input);
  const a = assignmentInput(ic, input);
  if (inProgress(ic, 'assignmentCreation').length >= MAX_OUTSTANDING_ASSIGNMENT_CREATIONS) {
    throw ssoErrors.throttling(`CreateAccountAssignment has a limit of ${MAX_OUTSTANDING_ASSIGNMENT_CREATIONS} outstanding asynchronous calls; wait for one in progress to complete.`);
  }
  checkProvisionedRoom(ic, a.accountId, a.permissionSetArn);
  if (a.principalType === 'GROUP') {
    const sameGroup = (x: { accountId?: string; permissionSetArn: string; principalType?: string; principalId?: string }) =>
      x.accountId === a.accountId && x.permissionSetArn === a.permissionSetArn && x.principalType === 'GROUP';
    const groups = new Set([...ic.assignments.filter(sameGroup), ...inProgress(ic, 'assignmentCreation').filter(sameGroup)].map((x) => x.principalId));
    if (!groups.has(a.principalId) && groups.size >= MAX_GROUPS_PER_SET_AND_ACCOUNT) {
      throw ssoErrors.quota(`PermissionSet ${a.permissionSetArn} is already assigned to ${MAX_GROUPS_PER_SET_AND_ACCOUNT} groups in account ${a.accountId}, the most a permission set can have per account.`);
    }
  }
  const req = newRequest(ctx, ic, { kind: 'assignmentCreation', ...a });
  // The principal is looked up when the request runs: a missing one fails it, the call itself succeeds.
  if (!principalExists(ic, a.principalType, a.principalId)) {
    req.status = 'FAILED';
    req.failureReason = `Received a 404 status error: ${a.principalType === 'USER' ? 'User' : 'Group'} ${a.principalId} does not exist in identity store ${ic.identityStoreId}.`;
  }
  return { AccountAssignmentCreationStatus: assignmentStatusShape(req) };
}

function deleteAccountAssignment(ctx: OperationContext, input: Input) {
  const ic = instanceOf(ctx, input);
  const a = assignmentInput(ic, input);
  const exists = ic.assignments.some((x) => x.accountId === a.accountId && x.permissionSetArn === a.permissionSetArn && x.principalType === a.principalType && x.principalId === a.principalId);
  if (!exists) throw ssoErrors.notFound(`Could not find account assignment of ${a.principalType} ${a.principalId} with PermissionSet ${a.permissionSetArn} in account ${a.accountId}.`);
  const req = newRequest(ctx, ic, { kind: 'assignmentDeletion', ...a });
  return { AccountAssignmentDeletionStatus: assignmentStatusShape(req) };
}

function listAccountAssignments(ctx: OperationContext, input: Input) {
  const ic = instanceOf(ctx, input);
  const accountId = required(input, 'AccountId', { min: 12, max: 12, pattern: ACCOUNT_ID_RE });
  const ps = permissionSetOf(ic, input);
  const items = ic.assignments
    .filter((a) => a.accountId === accountId && a.permissionSetArn === ps.arn)
    .map((a) => ({ AccountId: a.accountId, PermissionSetArn: a.permissionSetArn, PrincipalType: a.principalType, PrincipalId: a.principalId }));
  const page = ssoPage(items, input);
  return { AccountAssignments: page.items, NextToken: page.NextToken };
}

function listAssignmentsForPrincipal(ctx: OperationContext, input: Input) {
  const ic = instanceOf(ctx, input);
  const principalType = required(input, 'PrincipalType', { values: ['USER', 'GROUP'] });
  const principalId = required(input, 'PrincipalId', { min: 1, max: 47, pattern: PRINCIPAL_ID_RE });
  const accountId = member((input.Filter as Input | undefined) ?? {}, 'AccountId', { min: 12, max: 12, pattern: ACCOUNT_ID_RE });
  const items = ic.assignments
    .filter((a) => a.principalType === principalType && a.principalId === principalId && (!accountId || a.accountId === accountId))
    .map((a) => ({ AccountId: a.accountId, PermissionSetArn: a.permissionSetArn, PrincipalType: a.principalType, PrincipalId: a.principalId }));
  const page = ssoPage(items, input);
  return { AccountAssignments: page.items, NextToken: page.NextToken };
}

/** Whether the account's copy of the set is the latest, for the ProvisioningStatus filters. */
function matchesProvisioningStatus(ic: IdentityCenterState, accountId: string, permissionSetArn: string, wanted: string | undefined): boolean {
  if (!wanted) return true;
  const latest = provisionedTo(ic, accountId, permissionSetArn)?.version === ic.permissionSets[permissionSetArn]?.version;
  return wanted === 'LATEST_PERMISSION_SET_PROVISIONED' ? latest : !latest;
}

function listAccountsForProvisionedSet(ctx: OperationContext, input: Input) {
  const ic = instanceOf(ctx, input);
  const ps = permissionSetOf(ic, input);
  const wanted = member(input, 'ProvisioningStatus', { values: PROVISIONING_STATUSES });
  const items = Object.values(ic.provisioned)
    .filter((p) => p.permissionSetArn === ps.arn && matchesProvisioningStatus(ic, p.accountId, ps.arn, wanted))
    .map((p) => p.accountId);
  const page = ssoPage(items, input);
  return { AccountIds: page.items, NextToken: page.NextToken };
}

function listSetsProvisionedToAccount(ctx: OperationContext, input: Input) {
  const ic = instanceOf(ctx, input);
  const accountId = required(input, 'AccountId', { min: 12, max: 12, pattern: ACCOUNT_ID_RE });
  const wanted = member(input, 'ProvisioningStatus', { values: PROVISIONING_STATUSES });
  const items = Object.values(ic.provisioned)
    .filter((p) => p.accountId === accountId && matchesProvisioningStatus(ic, accountId, p.permissionSetArn, wanted))
    .map((p) => p.permissionSetArn);
  const page = ssoPage(items, input);
  return { PermissionSets: page.items, NextToken: page.NextToken };
}

export const assignmentOperations: Record<string, OperationHandler> = {
  ProvisionPermissionSet: provisionPermissionSet,
  DescribePermissionSetProvisioningStatus: (ctx, input) => {
    const ic = instanceOf(ctx, input);
    return { PermissionSetProvisioningStatus: provisioningStatusShape(requestOf(ic, input, 'ProvisionPermissionSetRequestId', 'provision')) };
  },
  ListPermissionSetProvisioningStatus: (ctx, input) => {
    const page = listStatuses(instanceOf(ctx, input), input, 'provision');
    return { PermissionSetsProvisioningStatus: page.items, NextToken: page.NextToken };
  },
  CreateAccountAssignment: createAccountAssignment,
  DeleteAccountAssignment: deleteAccountAssignment,
  DescribeAccountAssignmentCreationStatus: (ctx, input) => {
    const ic = instanceOf(ctx, input);
    return { AccountAssignmentCreationStatus: assignmentStatusShape(requestOf(ic, input, 'AccountAssignmentCreationRequestId', 'assignmentCreation')) };
  },
  DescribeAccountAssignmentDeletionStatus: (ctx, input) => {
    const ic = instanceOf(ctx, input);
    return { AccountAssignmentDeletionStatus: assignmentStatusShape(requestOf(ic, input, 'AccountAssignmentDeletionRequestId', 'assignmentDeletion')) };
  },
  ListAccountAssignmentCreationStatus: (ctx, input) => {
    const page = listStatuses(instanceOf(ctx, input), input, 'assignmentCreation');
    return { AccountAssignmentsCreationStatus: page.items, NextToken: page.NextToken };
  },
  ListAccountAssignmentDeletionStatus: (ctx, input) => {
    const page = listStatuses(instanceOf(ctx, input), input, 'assignmentDeletion');
    return { AccountAssignmentsDeletionStatus: page.items, NextToken: page.NextToken };
  },
  ListAccountAssignments: listAccountAssignments,
  ListAccountAssignmentsForPrincipal: listAssignmentsForPrincipal,
  ListAccountsForProvisionedPermissionSet: listAccountsForProvisionedSet,
  ListPermissionSetsProvisionedToAccount: listSetsProvisionedToAccount,
};
