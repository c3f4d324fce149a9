/**
 * AWS Account Management (restJson1, signing name `account`): alternate contacts and the primary contact
 * information. Without AccountId an operation acts on the caller's own account. With AccountId, as on AWS,
 * only the organization's management account may call it, only for another member of its organization,
 * and only once trusted access for account.amazonaws.com is enabled; anything else is AccessDeniedException.
 */
import type { OperationContext, OperationHandler, SandboxService } from '../../types.js';
import { AwsError } from '../../types.js';
import type { AccountRecord } from '../../state.js';
import { alternateContactsState } from './state.js';
import type { AlternateContactRecord } from './state.js';
import { settleCreateAccountRequests } from '../organizations/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON, validated member by member
type Input = Record<string, any>;

export const ACCOUNT_SERVICE_PRINCIPAL = 'account.amazonaws.com';
const CONTACT_TYPES = ['BILLING', 'OPERATIONS', 'SECURITY'];

const OPERATIONS: Record<string, string> = {
  '/putAlternateContact': 'PutAlternateContact',
  '/getAlternateContact': 'GetAlternateContact',
  '/deleteAlternateContact': 'DeleteAlternateContact',
  '/putContactInformation': 'PutContactInformation',
  '/getContactInformation': 'GetContactInformation',
};

/** A ValidationException as the Account API sends it: a reason and the failing fields. */
class ValidationError extends AwsError {
  readonly fields: Record<string, unknown>;
  constructor(field: string, message: string) {
    super('ValidationException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${message}`, 400);
    this.fields = { reason: 'fieldValidationFailed', fieldList: [{ name: field, message }] };
  }
}

function denied(ctx: OperationContext, operation: string, why?: string): AwsError {
  return new AwsError(
    'AccessDeniedException',
    `User: ${ctx.caller.arn} is not authorized to perform: account:${operation}${why ? ` (${why})` : ''}`,
    403,
  );
}

/** The account an operation acts on, after AWS's checks on AccountId. */
function targetAccount(ctx: OperationContext, input: Input, operation: string): AccountRecord {
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

// ---- validation --------------------------------------------------------------------------------------------

function str(input: Input, member: string, field: string, min: number, max: number, pattern?: RegExp, required = true): string | undefined {
  const v: unknown = input[member];
  if (v === undefined || v === null) {
    if (required) throw new ValidationError(field, 'Member must not be null');
    return undefined;
  }
  if (typeof v !== 'string') throw new ValidationError(field, 'Member must be a string');
  if (v.length < min || v.length > max) {
    throw new ValidationError(field, `Member must have length between ${min} and ${max}`);
  }
  if (pattern && !pattern.test(v)) throw new ValidationError(field, `Member must satisfy regular expression pattern: ${pattern.source}`);
  return v;
}

function contactType(input: Input): string {
  const t = input.AlternateContactType;
  if (typeof t !== 'string' || !CONTACT_TYPES.includes(t)) {
    throw new ValidationError('alternateContactType', `Member must satisfy enum value set: [${CONTACT_TYPES.join(', ')}]`);
  }
  return t;
}

const EMAIL = /^[\s]*[\w+=.#|!&-]+@[\w.-]+\.[\w]+[\s]*$/;
const PHONE = /^[\s0-9()+-]+$/;
const CONTACT_INFO_PHONE = /^[+][\s0-9()-]+$/;

/** ContactInformation members: name, field in messages, length bounds, pattern, required. */
const CONTACT_INFO_FIELDS: [string, string, number, number, RegExp | undefined, boolean][] = [
  ['FullName', 'fullName', 1, 50, undefined, true],
  ['AddressLine1', 'addressLine1', 1, 60, undefined, true],
  ['AddressLine2', 'addressLine2', 1, 60, undefined, false],
  ['AddressLine3', 'addressLine3', 1, 60, undefined, false],
  ['City', 'city', 1, 50, undefined, true],
  ['StateOrRegion', 'stateOrRegion', 1, 50, undefined, false],
  ['DistrictOrCounty', 'districtOrCounty', 1, 50, undefined, false],
  ['PostalCode', 'postalCode', 1, 20, undefined, true],
  ['CountryCode', 'countryCode', 2, 2, /^[A-Z]{2}$/, true],
  ['PhoneNumber', 'phoneNumber', 1, 20, CONTACT_INFO_PHONE, true],
  ['CompanyName', 'companyName', 1, 50, undefined, false],
  ['WebsiteUrl', 'websiteUrl', 1, 256, undefined, false],
];

// ---- operations --------------------------------------------------------------------------------------------

const handlers: Record<string, OperationHandler> = {
  PutAlternateContact(ctx, input: Input) {
    const type = contactType(input);
    const contact: AlternateContactRecord = {
      AlternateContactType: type,
      Name: str(input, 'Name', 'name', 1, 64)!,
      Title: str(input, 'Title', 'title', 1, 50)!,
      EmailAddress: str(input, 'EmailAddress', 'emailAddress', 1, 254, EMAIL)!,
      PhoneNumber: str(input, 'PhoneNumber', 'phoneNumber', 1, 25, PHONE)!,
    };
    const account = targetAccount(ctx, input, 'PutAlternateContact');
    alternateContactsState(account)[type] = contact;
    return {};
  },

  GetAlternateContact(ctx, input: Input) {
    const type = contactType(input);
    const account = targetAccount(ctx, input, 'GetAlternateContact');
    const contact = alternateContactsState(account)[type];
    if (!contact) throw new AwsError('ResourceNotFoundException', 'No contact of the inputted alternate contact type found.', 404);
    return { AlternateContact: { ...contact } };
  },

  DeleteAlternateContact(ctx, input: Input) {
    const type = contactType(input);
    const account = targetAccount(ctx, input, 'DeleteAlternateContact');
    if (!alternateContactsState(account)[type]) {
      throw new AwsError('ResourceNotFoundException', 'No contact of the inputted alternate contact type found.', 404);
    }
    delete alternateContactsState(account)[type];
    return {};
  },

  PutContactInformation(ctx, input: Input) {
    const info: unknown = input.ContactInformation;
    if (!info || typeof info !== 'object') throw new ValidationError('contactInformation', 'Member must not be null');
    const out: Record<string, string> = {};
    for (const [member, field, min, max, pattern, required] of CONTACT_INFO_FIELDS) {
      const v = str(info as Input, member, `contactInformation.${field}`, min, max, pattern, required);
      if (v !== undefined) out[member] = v;
    }
    const account = targetAccount(ctx, input, 'PutContactInformation');
    account.contactInformation = out;
    return {};
  },

  GetContactInformation(ctx, input: Input) {
    const account = targetAccount(ctx, input, 'GetContactInformation');
    if (!account.contactInformation) {
      throw new AwsError('ResourceNotFoundException', 'No contact information found for this account.', 404);
    }
    return { ContactInformation: { ...account.contactInformation } };
  },
};

export const account: SandboxService = {
  signingName: 'account',
  protocol: 'restJson1',
  route(method, path) {
    const operation = OPERATIONS[path.replace(/\/+$/, '')];
    return method === 'POST' && operation ? { operation, params: {} } : undefined;
  },
  operations: handlers,
  isReadOnly: (operation) => operation.startsWith('Get'),
};
