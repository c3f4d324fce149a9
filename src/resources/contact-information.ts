import {
  GetContactInformationCommand,
  PutContactInformationCommand,
  type ContactInformation as AwsContactInformation,
} from '@aws-sdk/client-account';
import { isNotFound } from '../aws/aws-errors.js';
import { sameValue } from '../engine/fields.js';
import type { FieldChange } from '../engine/plan.js';
import type { ContactInformation } from '../manifest/types.js';
import type { AccountResource } from './types.js';

export const contactInformationAddress = (account: string) => `${account}.contact-information`;

/** The manifest's field names against AWS's, in the order the plan shows them. */
const FIELDS: [keyof ContactInformation, keyof AwsContactInformation][] = [
  ['fullName', 'FullName'],
  ['companyName', 'CompanyName'],
  ['addressLine1', 'AddressLine1'],
  ['addressLine2', 'AddressLine2'],
  ['addressLine3', 'AddressLine3'],
  ['city', 'City'],
  ['stateOrRegion', 'StateOrRegion'],
  ['districtOrCounty', 'DistrictOrCounty'],
  ['postalCode', 'PostalCode'],
  ['countryCode', 'CountryCode'],
  ['phoneNumber', 'PhoneNumber'],
  ['websiteUrl', 'WebsiteUrl'],
];

export function fromAws(info: AwsContactInformation): ContactInformation {
  const out: Record<string, string> = {};
  for (const [ours, theirs] of FIELDS) {
    const v = info[theirs];
    if (v !== undefined && v !== null && v !== '') out[ours] = v;
  }
  return out as unknown as ContactInformation;
}

export function toAws(info: ContactInformation): AwsContactInformation {
  const out: Record<string, string> = {};
  for (const [ours, theirs] of FIELDS) {
    const v = info[ours];
    if (v !== undefined) out[theirs] = v;
  }
  return out as unknown as AwsContactInformation;
}

/**
 * PutContactInformation replaces the whole record, so every field is compared, also those the file leaves
 * out: an optional field AWS has and the file does not name shows as `- field`, since apply removes it.
 */
export function contactFields(want: ContactInformation, have: ContactInformation): FieldChange[] {
  const out: FieldChange[] = [];
  for (const [field] of FIELDS) {
    const before = have[field] ?? null;
    const after = want[field] ?? null;
    if (!sameValue(before, after)) out.push({ field, before, after });
  }
  return out;
}

/**
 * The account's primary contact information (name, address, phone), where accounts.yaml declares
 * `contactInformation`. AWS has no call that deletes it (every account has one from sign-up), so an
 * account without `contactInformation` in the file is not read at all: nothing to report, one call saved.
 */
export const contactInformation: AccountResource<ContactInformation, ContactInformation> = {
  kind: 'contact-information',
  scope: 'account',

  desired: (account) => account.contactInformation,

  async read(ctx, want) {
    if (!want) return undefined;
    try {
      const out = await ctx.clients.account.send(new GetContactInformationCommand({}));
      return out.ContactInformation ? fromAws(out.ContactInformation) : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  },

  diff(want, have, { account }) {
    if (!want) return { changes: [], unmanaged: [] };
    const base = { address: contactInformationAddress(account.name), kind: 'contact-information', account: account.name };
    if (!have) return { changes: [{ ...base, action: 'create', before: null, after: want }], unmanaged: [] };
    const fields = contactFields(want, have);
    if (fields.length === 0) return { changes: [], unmanaged: [] };
    return { changes: [{ ...base, action: 'update', before: have, after: want, fields }], unmanaged: [] };
  },

  async apply(ctx, change) {
    if (change.action !== 'create' && change.action !== 'update') return;
    await ctx.clients.account.send(new PutContactInformationCommand({ ContactInformation: toAws(change.after as ContactInformation) }));
  },
};
