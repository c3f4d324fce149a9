/**
 * What every Account API operation checks first: the account it acts on. Without AccountId that is the
 * caller's own account. With AccountId, as on AWS, only the organization's management account may call it,
 * only for another member of its organization, and only once trusted access for account.amazonaws.com is
 * enabled; anything else is AccessDeniedException.
 */
import type { OperationContext } from '../../types.js';
import { AwsError } from '../../types.js';
import type { AccountRecord } from '../../state.js';
import { settleCreateAccountRequests } from '../organizations/index.js';

export const ACCOUNT_SERVICE_PRINCIPAL = 'account.amazonaws.com';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON, validated member by member
export type Input = Record<string, any>;

/** A ValidationException as the Account API sends it: a reason and the failing fields. */
export class ValidationError extends AwsError {
  readonly fields: Record<string, unknown>;
  constructor(field: string, message: string) {
    super('ValidationException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${message}`, 400);
    this.fields = { reason: 'fieldValidationFailed', fieldList: [{ name: field, message }] };
  }
}

export function denied(ctx: OperationContext, operation: string, why?: string): AwsError {
  return new AwsError(
    'AccessDeniedException',
    `User: ${ctx.caller.arn} is not authorized to perform: account:${operation}${why ? ` (${why})` : ''}`,
    403,
  );
}

/** The account an operation acts on, after AWS's checks on AccountId. */
export function targetAccount(ctx: OperationContext, input: Input, operation: string): AccountRecord {
  const accountId: unknown = input.AccountId;
  if (accountId === undefined || accountId === null || accountId === '') {
    const own = ctx.state.accounts[ctx.caller.accountId];
    if (!own) throw new AwsError('ResourceNotFoundException', `The account ${ctx.caller.accountId} doesn't exist.`, 404);
    return own;
  }
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) {
    throw new ValidationError('accountId', 'Member must satisfy regular expression pattern: ^\\d{12}$');
  }
  if (settleCreateAccountRequests(ctx.state, ctx.runtime)) ctx.runtime.persist();
  const org = ctx.state.organization;
  if (!org || org.managementAccountId !== ctx.caller.accountId) {
    throw denied(ctx, operation, 'only the management account of an organization may specify AccountId');
  }
  if (accountId === org.managementAccountId) {
    throw denied(
      ctx,
      operation,
      "the management account can't specify its own AccountId; call the operation without AccountId",
    );
  }
  if (!org.serviceAccess[ACCOUNT_SERVICE_PRINCIPAL]) {
    throw denied(
      ctx,
      operation,
      `trusted access for ${ACCOUNT_SERVICE_PRINCIPAL} is not enabled in the organization; enable it with organizations:EnableAWSServiceAccess`,
    );
  }
  const account = ctx.state.accounts[accountId];
  if (!account || !org.members[accountId]) throw denied(ctx, operation, `account ${accountId} is not a member of the organization`);
  return account;
}

