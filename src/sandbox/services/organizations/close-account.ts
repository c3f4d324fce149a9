/**
 * CloseAccount, as AWS runs it: the management account closes a member; the account is PENDING_CLOSURE for
 * `delays.closeAccount`, then SUSPENDED (accountStatus in accounts.ts reads it by the clock, so a state file
 * read later settles too). From PENDING_CLOSURE on nobody can assume a role in it; once SUSPENDED its
 * principals' keys stop working. Each accepted call is recorded in the management account's CloudTrail
 * event history in us-east-1, where Organizations, a global service, logs.
 *
 * AWS limits closures per organization over a rolling 30 days: the higher of 250 or 20% of the member
 * accounts, at most 1,000 (the CloseAccount API reference, as the current SDK model carries it).
 */
import type { OperationContext } from '../../types.js';
import { AwsError } from '../../types.js';
import type { SandboxState } from '../../state.js';
import { accountStatus, closureScheduled } from '../../accounts.js';
import { recordManagementEvent } from '../cloudtrail/events.js';
import type { OrganizationRecord } from './state.js';
import { ERRORS, PATTERNS, checkPattern, managementOrg, requireSettled, requireString } from './model.js';

export const CLOSE_QUOTA_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/** How many closures the organization may make in a rolling 30 days, for its number of member accounts. */
export function closeAccountQuota(memberAccounts: number): number {
  return Math.min(1000, Math.max(250, Math.floor(memberAccounts * 0.2)));
}

/** The member accounts (the management account aside), the closed ones included: they stay members until AWS removes them. */
function memberAccountCount(org: OrganizationRecord): number {
  return Object.keys(org.members).filter((id) => id !== org.managementAccountId).length;
}

/** Closures the organization's accounts were asked for in the 30 days before `now`. */
function recentClosures(state: SandboxState, org: OrganizationRecord, now: number): number {
  return Object.keys(org.members).filter((id) => {
    const closure = state.accounts[id]?.closure;
    return closure !== undefined && now - Date.parse(closure.requestedAt) < CLOSE_QUOTA_WINDOW_MS;
  }).length;
}

export function closeAccount(ctx: OperationContext, input: Record<string, unknown>): Record<string, never> {
  const org = managementOrg(ctx);
  const accountId = requireString(input, 'AccountId');
  checkPattern(PATTERNS.accountId.test(accountId));
  const account = ctx.state.accounts[accountId];
  if (!account || !org.members[accountId]) throw ERRORS.accountNotFound();
  if (accountId === org.managementAccountId) {
    throw ERRORS.constraint(
      'CANNOT_CLOSE_MANAGEMENT_ACCOUNT',
      'You attempted to close the management account. To close the management account for the organization, you must first either remove or close all member accounts in the organization. Follow standard account closure process using root credentials.',
    );
  }
  if (org.featureSet !== 'ALL') {
    throw ERRORS.constraint(
      'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE',
      'You attempted to perform an operation that requires the organization to be configured to support all features.',
    );
  }
  const now = ctx.runtime.now();
  const status = accountStatus(account, now);
  if (status === 'SUSPENDED') throw new AwsError('AccountAlreadyClosedException', 'You attempted to close an account that is already closed.', 409);
  if (status === 'PENDING_CLOSURE') {
    throw new AwsError('ConflictException', `The account ${accountId} is already being closed (PENDING_CLOSURE).`, 409);
  }
  if (recentClosures(ctx.state, org, now.getTime()) >= closeAccountQuota(memberAccountCount(org))) {
    throw ERRORS.constraint('CLOSE_ACCOUNT_QUOTA_EXCEEDED', 'You have exceeded close account quota for the past 30 days.');
  }
  requireSettled(ctx, org, accountId);
  account.status = 'PENDING_CLOSURE';
  account.closure = { requestedAt: now.toISOString(), suspendsAt: new Date(now.getTime() + ctx.runtime.delays.closeAccount).toISOString() };
  closureScheduled(ctx.state, account.closure.suspendsAt);
  const management = ctx.state.accounts[org.managementAccountId];
  if (management) {
    recordManagementEvent(ctx, management, 'us-east-1', {
      eventName: 'CloseAccount',
      eventSource: 'organizations.amazonaws.com',
      requestParameters: { accountId },
      resources: [{ ResourceType: 'AWS::Organizations::Account', ResourceName: accountId }],
    });
  }
  return {};
}
