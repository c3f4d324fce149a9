/**
 * AWS Account Management (restJson1, signing name `account`): alternate contacts, the primary contact
 * information, Region opt-in (regions.ts) and the account's name and primary email (identity.ts). Who may act on which account: target.ts.
 */
import type { OperationHandler, SandboxService } from '../../types.js';
import { AwsError } from '../../types.js';
import { alternateContactsState } from './state.js';
import type { AlternateContactRecord } from './state.js';
import { ValidationError, targetAccount, type Input } from './target.js';
import { REGION_OPERATIONS, regionHandlers } from './regions.js';
import { IDENTITY_OPERATIONS, identityHandlers } from './identity.js';
const CONTACT_TYPES = ['BILLING', 'OPERATIONS', 'SECURITY'];

const OPERATIONS: Record<string, string> = {
  '/putAlternateContact': 'PutAlternateContact',
  '/getAlternateContact': 'GetAlternateContact',
  '/deleteAlternateContact': 'DeleteAlternateContact',
  '/putContactInformation': 'PutContactInformation',
  '/getContactInformation': 'GetContactInformation',
  ...REGION_OPERATIONS,
  ...IDENTITY_OPERATIONS,
};

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

  ...regionHandlers,
  ...identityHandlers,
};

export const account: SandboxService = {
  signingName: 'account',
  protocol: 'restJson1',
  route(method, path) {
    const operation = OPERATIONS[path.replace(/\/+$/, '')];
    return method === 'POST' && operation ? { operation, params: {} } : undefined;
  },
  operations: handlers,
  isReadOnly: (operation) => operation.startsWith('Get') || operation.startsWith('List'),
};
