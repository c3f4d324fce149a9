import { createHash } from 'node:crypto';
import { accountStatus } from '../../accounts.js';
import type { SandboxState } from '../../state.js';
import type { SandboxRuntime } from '../../types.js';
import { createRole } from '../iam/index.js';
import { sessionSeconds } from './permission-sets.js';
import type { AsyncRequestRecord, CustomerManagedPolicyReference, IdentityCenterState, PermissionSetRecord } from './state.js';

/**
 * What provisioning a permission set does in the target account, as AWS does it: the IAM role
 * `AWSReservedSSO_<set name>_<16 hex>` at `/aws-reserved/sso.amazonaws.com/`, trusted by the account's
 * Identity Center SAML provider, carrying the set's managed policies, customer managed policies (which
 * must exist in that account), inline policy (as `AwsSSOInlinePolicy`), permissions boundary and session
 * duration. Re-provisioning rewrites the role; deleting the last assignment of the set in the account deletes
 * it. Requests settle by the sandbox clock, on the next call that looks (SSO Admin, IAM).
 */

export const RESERVED_ROLE_PATH = '/aws-reserved/sso.amazonaws.com/';
export const INLINE_POLICY_NAME = 'AwsSSOInlinePolicy';
/** IAM's default quota of managed policies per role, which provisioning runs into before the permission set's 20. */
const IAM_MANAGED_POLICIES_PER_ROLE = 10;

function hex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

/** The SAML provider Identity Center keeps in each account it provisions to (the role's trusted principal). */
export function samlProviderArn(ic: IdentityCenterState, accountId: string): string {
  return `arn:aws:iam::${accountId}:saml-provider/AWSSSO_${hex(`${ic.instanceArn}|${accountId}`, 16)}_DO_NOT_DELETE`;
}

export function reservedRoleName(ps: PermissionSetRecord, accountId: string): string {
  return `AWSReservedSSO_${ps.name}_${hex(`${ps.arn}|${accountId}`, 16)}`;
}

function trustPolicy(ic: IdentityCenterState, accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: samlProviderArn(ic, accountId) },
        Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'],
        Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
      },
    ],
  });
}

function customerPolicyArn(accountId: string, ref: CustomerManagedPolicyReference): string {
  return `arn:aws:iam::${accountId}:policy${ref.Path}${ref.Name}`;
}

function provisionedKey(accountId: string, permissionSetArn: string): string {
  return `${accountId}|${permissionSetArn}`;
}

export function provisionedTo(ic: IdentityCenterState, accountId: string, permissionSetArn: string) {
  return ic.provisioned[provisionedKey(accountId, permissionSetArn)];
}

/** Why the account cannot take a permission set, or undefined when it can (an active member of the organization). */
export function targetProblem(state: SandboxState, accountId: string, now: Date): string | undefined {
  const account = state.accounts[accountId];
  if (!account || !state.organization?.members[accountId]) return `Received a 404 status error: Account ${accountId} is not a member of the organization.`;
  // What AWS answers for a suspended or closing account (seen by tools provisioning to one).
  if (accountStatus(account, now) !== 'ACTIVE') {
    return `AWS SSO is unable to complete your request at this time. Obtaining permissions to manage your AWS account '${accountId}' takes longer than usual. Please try again in a few minutes. If this problem continues, contact AWS Support.`;
  }
  return undefined;
}

/** Creates or rewrites the reserved role; returns the failure reason instead when AWS would fail. */
export function provision(state: SandboxState, runtime: SandboxRuntime, ic: IdentityCenterState, ps: PermissionSetRecord, accountId: string): string | undefined {
  const problem = targetProblem(state, accountId, runtime.now());
  if (problem) return problem;
  const account = state.accounts[accountId]!;
  const policies = [...ps.managedPolicies];
  for (const ref of ps.customerManagedPolicies) {
    const arn = customerPolicyArn(accountId, ref);
    if (!account.iam.policies[arn]) return `Received a 404 status error: Policy ${arn} does not exist in account ${accountId}. Create the customer managed policy in the account before provisioning.`;
    policies.push(arn);
  }
  if (policies.length > IAM_MANAGED_POLICIES_PER_ROLE) {
    return `Received a 409 status error: Cannot exceed quota for PoliciesPerRole: ${IAM_MANAGED_POLICIES_PER_ROLE} in account ${accountId}.`;
  }
  let boundary: string | undefined;
  const b = ps.permissionsBoundary;
  if (b?.ManagedPolicyArn) boundary = b.ManagedPolicyArn;
  else if (b?.CustomerManagedPolicyReference) {
    boundary = customerPolicyArn(accountId, b.CustomerManagedPolicyReference);
    if (!account.iam.policies[boundary]) return `Received a 404 status error: Permissions boundary policy ${boundary} does not exist in account ${accountId}.`;
  }
  const key = provisionedKey(accountId, ps.arn);
  const roleName = ic.provisioned[key]?.roleName ?? reservedRoleName(ps, accountId);
  const role =
    account.iam.roles[roleName] ??
    createRole(account, runtime, { roleName, path: RESERVED_ROLE_PATH, assumeRolePolicyDocument: trustPolicy(ic, accountId) });
  role.attachedPolicies = policies;
  role.inlinePolicies = ps.inlinePolicy ? { [INLINE_POLICY_NAME]: ps.inlinePolicy } : {};
  role.maxSessionDuration = sessionSeconds(ps.sessionDuration);
  if (boundary) role.permissionsBoundary = boundary;
  else delete role.permissionsBoundary;
  ic.provisioned[key] = { accountId, permissionSetArn: ps.arn, roleName, version: ps.version };
  return undefined;
}

/** Deletes the reserved role and forgets the provisioning (the last assignment of the set in the account is gone). */
export function deprovision(state: SandboxState, ic: IdentityCenterState, accountId: string, permissionSetArn: string): void {
  const key = provisionedKey(accountId, permissionSetArn);
  const record = ic.provisioned[key];
  if (!record) return;
  const account = state.accounts[accountId];
  if (account) delete account.iam.roles[record.roleName];
  delete ic.provisioned[key];
}

function settleRequest(state: SandboxState, runtime: SandboxRuntime, ic: IdentityCenterState, req: AsyncRequestRecord): string | undefined {
  const ps = ic.permissionSets[req.permissionSetArn];
  if (req.kind === 'assignmentDeletion') {
    ic.assignments = ic.assignments.filter(
      (a) => !(a.accountId === req.accountId && a.permissionSetArn === req.permissionSetArn && a.principalType === req.principalType && a.principalId === req.principalId),
    );
    if (!ic.assignments.some((a) => a.accountId === req.accountId && a.permissionSetArn === req.permissionSetArn)) deprovision(state, ic, req.accountId!, req.permissionSetArn);
    return undefined;
  }
  if (!ps) return `Received a 404 status error: PermissionSet ${req.permissionSetArn} does not exist.`;
  if (req.kind === 'provision') {
    const targets = req.accountId ? [req.accountId] : Object.values(ic.provisioned).filter((p) => p.permissionSetArn === ps.arn).map((p) => p.accountId);
    for (const accountId of targets) {
      const reason = provision(state, runtime, ic, ps, accountId);
      if (reason) return reason;
    }
    return undefined;
  }
  // CreateAccountAssignment provisions the set to the account when it is not there yet (an existing copy is left as it is).
  if (!provisionedTo(ic, req.accountId!, ps.arn)) {
    const reason = provision(state, runtime, ic, ps, req.accountId!);
    if (reason) return reason;
  } else {
    const problem = targetProblem(state, req.accountId!, runtime.now());
    if (problem) return problem;
  }
  const exists = ic.assignments.some((a) => a.accountId === req.accountId && a.permissionSetArn === ps.arn && a.principalType === req.principalType && a.principalId === req.principalId);
  if (!exists) ic.assignments.push({ accountId: req.accountId!, permissionSetArn: ps.arn, principalType: req.principalType!, principalId: req.principalId! });
  return undefined;
}

/** Completes, in the order they were made, the requests whose time has come; true when one did (persist then). */
export function settleIdentityCenter(state: SandboxState, runtime: SandboxRuntime): boolean {
  const ic = state.identityCenter;
  if (!ic) return false;
  if (ic.inFlight.length === 0) return false;
  const now = runtime.now().getTime();
  const due = ic.inFlight
    .map((id) => ic.requests[id]!)
    .filter((r) => Date.parse(r.settlesAt) <= now)
    .sort((a, b) => Date.parse(a.settlesAt) - Date.parse(b.settlesAt));
  ic.inFlight = ic.inFlight.filter((id) => Date.parse(ic.requests[id]!.settlesAt) > now);
  for (const req of due) {
    if (req.status !== 'IN_PROGRESS') continue;
    const reason = settleRequest(state, runtime, ic, req);
    req.status = reason ? 'FAILED' : 'SUCCEEDED';
    if (reason) req.failureReason = reason;
  }
  return due.length > 0;
}
