/**
 * The account's own identity through the Account API: its name (PutAccountName, GetAccountInformation) and
 * its primary (root user) email. The email changes in two steps, as on AWS: StartPrimaryEmailUpdate makes
 * a one-time code that AWS emails to the new address, AcceptPrimaryEmailUpdate with that code commits the
 * change. The three primary email operations require AccountId: only the management account may call them,
 * for a member. Organizations reads the same record, so ListAccounts / DescribeAccount show the new name
 * and email at once.
 */
import type { OperationContext, OperationHandler } from '../../types.js';
import { AwsError } from '../../types.js';
import type { AccountRecord } from '../../state.js';
import { ValidationError, targetAccount, type Input } from './target.js';

export const IDENTITY_OPERATIONS: Record<string, string> = {
  '/putAccountName': 'PutAccountName',
  '/getAccountInformation': 'GetAccountInformation',
  '/getPrimaryEmail': 'GetPrimaryEmail',
  '/startPrimaryEmailUpdate': 'StartPrimaryEmailUpdate',
  '/acceptPrimaryEmailUpdate': 'AcceptPrimaryEmailUpdate',
};

/**
 * How long the emailed code stays valid. AWS documents no period; the console asks for the code in the
 * same session, and a day covers any script that starts and accepts in one run.
 */
export const PRIMARY_EMAIL_OTP_VALIDITY_MS = 24 * 60 * 60 * 1000;

/** AWS's "Maximum number of StartPrimaryEmailUpdate requests per target account": 3 per 30 seconds. */
const STARTS_PER_WINDOW = 3;
const START_WINDOW_MS = 30_000;

/** AccountName: 1–50 printable ASCII characters except `<` and `>` (AWS's pattern `[ -;=?-~]+`). */
const ACCOUNT_NAME = /^[ -;=?-~]+$/;
const OTP = /^[a-zA-Z0-9]{6}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function text(input: Input, member: string, field: string): string {
  const v: unknown = input[member];
  if (v === undefined || v === null) throw new ValidationError(field, 'Member must not be null');
  if (typeof v !== 'string') throw new ValidationError(field, 'Member must be a string');
  return v;
}

function primaryEmail(input: Input): string {
  const v = text(input, 'PrimaryEmail', 'primaryEmail');
  if (v.length < 5 || v.length > 64) throw new ValidationError('primaryEmail', 'Member must have length between 5 and 64');
  if (!EMAIL.test(v)) throw new ValidationError('primaryEmail', 'Member must be a valid email address');
  return v;
}

/** AccountId is required by the primary email operations (the SDK refuses none: the model marks it required). */
function memberTarget(ctx: OperationContext, input: Input, operation: string): AccountRecord {
  if (input.AccountId === undefined || input.AccountId === null || input.AccountId === '') {
    throw new ValidationError('accountId', 'Member must not be null');
  }
  return targetAccount(ctx, input, operation);
}

/** Another account already signs in with this email (AWS: a root user email is unique across AWS). */
function emailInUse(ctx: OperationContext, email: string): boolean {
  const wanted = email.toLowerCase();
  return Object.values(ctx.state.accounts).some((a) => a.email.toLowerCase() === wanted);
}

const conflict = () =>
  new AwsError('ConflictException', 'The email address is already in use by another AWS account. Choose a different email address.', 409);

/** The Account API's AccountState: Organizations' PENDING_CLOSURE is not closed yet for the account itself. */
function accountState(account: AccountRecord): string {
  return account.status === 'SUSPENDED' ? 'SUSPENDED' : 'ACTIVE';
}

export const identityHandlers: Record<string, OperationHandler> = {
  PutAccountName(ctx, input: Input) {
    const name = text(input, 'AccountName', 'accountName');
    if (name.length < 1 || name.length > 50) throw new ValidationError('accountName', 'Member must have length between 1 and 50');
    if (!ACCOUNT_NAME.test(name)) throw new ValidationError('accountName', `Member must satisfy regular expression pattern: ${ACCOUNT_NAME.source.slice(1, -1)}`);
    targetAccount(ctx, input, 'PutAccountName').name = name;
    return {};
  },

  GetAccountInformation(ctx, input: Input) {
    const account = targetAccount(ctx, input, 'GetAccountInformation');
    // AccountCreatedDate is modelled as an RFC 3339 date-time string, not restJson's default epoch seconds.
    return { AccountId: account.id, AccountName: account.name, AccountCreatedDate: account.createdAt, AccountState: accountState(account) };
  },

  GetPrimaryEmail(ctx, input: Input) {
    return { PrimaryEmail: memberTarget(ctx, input, 'GetPrimaryEmail').email };
  },

  StartPrimaryEmailUpdate(ctx, input: Input) {
    const email = primaryEmail(input);
    const account = memberTarget(ctx, input, 'StartPrimaryEmailUpdate');
    if (emailInUse(ctx, email)) throw conflict();
    const now = ctx.runtime.now();
    const recent = (account.primaryEmailStarts ?? []).filter((t) => now.getTime() - Date.parse(t) < START_WINDOW_MS);
    if (recent.length >= STARTS_PER_WINDOW) {
      throw new AwsError('TooManyRequestsException', 'The operation failed because it was called too frequently and exceeded a throttle limit.', 429);
    }
    account.primaryEmailStarts = [...recent, now.toISOString()];
    // A second Start replaces the first: a new code goes to the (possibly new) address, the old one stops working.
    account.primaryEmailUpdate = {
      email,
      otp: ctx.runtime.randomId(6, '0123456789'),
      startedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + PRIMARY_EMAIL_OTP_VALIDITY_MS).toISOString(),
    };
    return { Status: 'PENDING' };
  },

  AcceptPrimaryEmailUpdate(ctx, input: Input) {
    const email = primaryEmail(input);
    const otp = text(input, 'Otp', 'otp');
    if (!OTP.test(otp)) throw new ValidationError('otp', 'Member must satisfy regular expression pattern: [a-zA-Z0-9]{6}');
    const account = memberTarget(ctx, input, 'AcceptPrimaryEmailUpdate');
    const update = account.primaryEmailUpdate;
    if (!update) throw new AwsError('ResourceNotFoundException', `No primary email update is pending for account ${account.id}.`, 404);
    if (update.email.toLowerCase() !== email.toLowerCase()) {
      throw new ValidationError('primaryEmail', 'Member must match the PrimaryEmail of the pending StartPrimaryEmailUpdate request');
    }
    if (ctx.runtime.now().getTime() > Date.parse(update.expiresAt)) {
      throw new ValidationError('otp', 'The OTP code has expired. Call StartPrimaryEmailUpdate to send a new code.');
    }
    if (update.otp !== otp) throw new ValidationError('otp', 'The OTP code is invalid.');
    if (emailInUse(ctx, email)) throw conflict();
    account.email = update.email;
    delete account.primaryEmailUpdate;
    return { Status: 'ACCEPTED' };
  },
};
