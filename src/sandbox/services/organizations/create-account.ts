/**
 * CreateAccount as AWS runs it: asynchronous. A request is IN_PROGRESS for `delays.createAccount` ms, then
 * SUCCEEDED (the account exists, has joined the root with its tags and the managed policies of the enabled
 * policy types, and holds the access role) or FAILED with AWS's FailureReason. The outcome is decided when the request is made, so the account id is stable;
 * the effects are applied lazily by `settleCreateAccountRequests`, which every Organizations call runs first.
 */
import type { OperationContext, SandboxRuntime } from '../../types.js';
import type { SandboxState } from '../../state.js';
import type { CreateAccountRequestRecord, OrganizationRecord } from './state.js';
import { newAccountRecord } from '../../accounts.js';
import { createRole } from '../iam/index.js';
import { ROOT_CREDENTIALS_MANAGEMENT, organizationFeatureEnabled } from '../iam/organizations-features.js';
import { attachManagedPolicies } from './policy-types.js';
import { ERRORS, PATTERNS, checkLength, checkPattern, managementOrg, requireFinalized, requireString, validateTags } from './model.js';

export const DEFAULT_ACCESS_ROLE = 'OrganizationAccountAccessRole';

export type CreateAccountState = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';

export function requestState(req: CreateAccountRequestRecord, now: Date): CreateAccountState {
  return now.getTime() >= Date.parse(req.completesAt) ? req.outcome : 'IN_PROGRESS';
}

export function createAccountStatusShape(req: CreateAccountRequestRecord, now: Date): Record<string, unknown> {
  const state = requestState(req, now);
  return {
    Id: req.id,
    AccountName: req.accountName,
    State: state,
    RequestedTimestamp: new Date(req.requestedTimestamp),
    ...(state === 'IN_PROGRESS' ? {} : { CompletedTimestamp: new Date(req.completesAt) }),
    ...(state === 'SUCCEEDED' ? { AccountId: req.accountId } : {}),
    ...(state === 'FAILED' ? { FailureReason: req.failureReason } : {}),
  };
}

/** On AWS the role's permissions are an inline policy named AdministratorAccess allowing everything. */
export const ACCESS_ROLE_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

/**
 * Applies every request whose time has come: a SUCCEEDED request's account is created, joins the root with
 * the request's tags, and gets the access role (assumable `delays.rolePropagation` ms after completion).
 * Idempotent; returns whether anything changed.
 */
export function settleCreateAccountRequests(state: SandboxState, runtime: SandboxRuntime): boolean {
  const org = state.organization;
  if (!org) return false;
  const now = runtime.now();
  let changed = false;
  for (const req of Object.values(org.createAccountRequests)) {
    if (req.outcome !== 'SUCCEEDED' || !req.accountId || state.accounts[req.accountId]) continue;
    if (requestState(req, now) !== 'SUCCEEDED') continue;
    completeAccount(state, org, req, runtime);
    changed = true;
  }
  return changed;
}

function completeAccount(state: SandboxState, org: OrganizationRecord, req: CreateAccountRequestRecord, runtime: SandboxRuntime): void {
  const id = req.accountId!;
  const account = newAccountRecord(id, req.accountName, req.email, req.completesAt);
  account.iamUserAccessToBilling = req.iamUserAccessToBilling;
  // With root credentials management on, a new member account's root user gets no credentials at all.
  if (organizationFeatureEnabled(org, ROOT_CREDENTIALS_MANAGEMENT)) account.root.passwordPresent = false;
  state.accounts[id] = account;
  org.members[id] = { parentId: org.rootId, joinedMethod: 'CREATED', joinedTimestamp: req.completesAt };
  if (req.tags.length > 0) org.tags[id] = req.tags.map((t) => ({ ...t }));
  attachManagedPolicies(org, id);
  const assumableAfter = new Date(Date.parse(req.completesAt) + runtime.delays.rolePropagation).toISOString();
  createRole(account, runtime, {
    roleName: req.roleName,
    // Trusts arn:aws:iam::MGMT:root: any principal of the management account its policies allow.
    trustAccountId: org.managementAccountId,
    inlinePolicies: { AdministratorAccess: ACCESS_ROLE_POLICY },
    assumableAfter,
    createDate: req.completesAt,
  });
}

function emailInUse(state: SandboxState, org: OrganizationRecord, email: string, now: Date): boolean {
  const wanted = email.toLowerCase();
  if (Object.values(state.accounts).some((a) => a.email.toLowerCase() === wanted)) return true;
  // A request in flight that will succeed holds its email too.
  return Object.values(org.createAccountRequests).some(
    (r) => r.outcome === 'SUCCEEDED' && requestState(r, now) === 'IN_PROGRESS' && r.email.toLowerCase() === wanted,
  );
}

function newAccountId(state: SandboxState, org: OrganizationRecord, runtime: SandboxRuntime): string {
  const reserved = new Set(Object.values(org.createAccountRequests).map((r) => r.accountId));
  for (;;) {
    const id = runtime.newAccountId();
    if (!reserved.has(id) && !state.accounts[id]) return id;
  }
}

export function createAccount(ctx: OperationContext, input: Record<string, unknown>): Record<string, unknown> {
  const org = managementOrg(ctx);
  const email = requireString(input, 'Email');
  const accountName = requireString(input, 'AccountName');
  checkLength('Email', email, 6, 64);
  if (!PATTERNS.email.test(email)) throw ERRORS.invalid('INVALID_PATTERN', 'The email address is not valid.');
  checkLength('AccountName', accountName, 1, 50);
  if (!PATTERNS.printable.test(accountName)) throw ERRORS.invalid('INVALID_PATTERN', 'AccountName must be printable ASCII characters.');
  const roleName = input.RoleName === undefined ? DEFAULT_ACCESS_ROLE : String(input.RoleName);
  if (!PATTERNS.roleName.test(roleName)) throw ERRORS.invalid('INVALID_ROLE_NAME', 'You provided a role name that isn\'t valid.');
  const billing = input.IamUserAccessToBilling ?? 'ALLOW';
  if (billing !== 'ALLOW' && billing !== 'DENY') {
    throw ERRORS.invalid('INVALID_ENUM', 'IamUserAccessToBilling must be ALLOW or DENY.');
  }
  const tags = validateTags(input.Tags);

  requireFinalized(ctx, org);
  const now = ctx.runtime.now();
  const inFlight = Object.values(org.createAccountRequests).filter((r) => requestState(r, now) === 'IN_PROGRESS').length;
  if (inFlight >= ctx.runtime.maxCreateAccountInFlight) {
    throw ERRORS.constraint(
      'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED',
      `You have ${inFlight} CreateAccount requests in progress; at most ${ctx.runtime.maxCreateAccountInFlight} may be in progress at once. Wait for one to complete and try again.`,
    );
  }

  let failureReason: string | undefined;
  if (emailInUse(ctx.state, org, email, now)) {
    failureReason = 'EMAIL_ALREADY_EXISTS';
  } else {
    const pendingSuccesses = Object.values(org.createAccountRequests).filter(
      (r) => r.outcome === 'SUCCEEDED' && requestState(r, now) === 'IN_PROGRESS',
    ).length;
    if (Object.keys(org.members).length + pendingSuccesses >= ctx.runtime.accountLimit) failureReason = 'ACCOUNT_LIMIT_EXCEEDED';
  }

  const req: CreateAccountRequestRecord = {
    id: `car-${ctx.runtime.randomId(32, '0123456789abcdef')}`,
    accountName,
    email,
    requestedTimestamp: now.toISOString(),
    completesAt: new Date(now.getTime() + ctx.runtime.delays.createAccount).toISOString(),
    outcome: failureReason ? 'FAILED' : 'SUCCEEDED',
    ...(failureReason ? { failureReason } : { accountId: newAccountId(ctx.state, org, ctx.runtime) }),
    roleName,
    iamUserAccessToBilling: billing,
    tags,
  };
  org.createAccountRequests[req.id] = req;
  // A zero delay completes at once.
  settleCreateAccountRequests(ctx.state, ctx.runtime);
  return { CreateAccountStatus: createAccountStatusShape(req, now) };
}

export function describeCreateAccountStatus(ctx: OperationContext, input: Record<string, unknown>): Record<string, unknown> {
  const org = managementOrg(ctx);
  const id = requireString(input, 'CreateAccountRequestId');
  checkPattern(PATTERNS.createAccountRequestId.test(id));
  const req = org.createAccountRequests[id];
  if (!req) throw ERRORS.createAccountStatusNotFound();
  return { CreateAccountStatus: createAccountStatusShape(req, ctx.runtime.now()) };
}
