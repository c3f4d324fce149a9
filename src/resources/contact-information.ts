import {
  GetContactInformationCommand,
  PutContactInformationCommand,
  type ContactInformation as AwsContactInformation,
} from '@aws-sdk/client-account';
import * as z from 'zod';
import { NOT_FOUND, ignoreCodes } from '../aws/aws-errors.js';
import { defineAccountKind } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import type { FieldChange } from '../core/plan.js';
import { everyFieldDiff, singletonDiff } from '../core/reconcile.js';
import { rule, text } from '../manifest/schema.js';
import { accountSection } from '../manifest/sections.js';

export const contactInformationAddress = (account: string) => `${account}.contact-information`;

export const contactInformationSchema = z
  .strictObject({
    fullName: text(1, 50, 'AWS allows 1-50 characters').describe('Full name of the primary contact.'),
    addressLine1: text(1, 60, 'AWS allows 1-60 characters').describe('First address line.'),
    addressLine2: text(1, 60, 'AWS allows 1-60 characters').optional().describe('Second address line.'),
    addressLine3: text(1, 60, 'AWS allows 1-60 characters').optional().describe('Third address line.'),
    city: text(1, 50, 'AWS allows 1-50 characters').describe('City.'),
    stateOrRegion: text(1, 50, 'AWS allows 1-50 characters').optional().describe('State or region.'),
    districtOrCounty: text(1, 50, 'AWS allows 1-50 characters').optional().describe('District or county.'),
    postalCode: text(1, 20, 'AWS allows 1-20 characters').describe('Postal code (quote it: 02134 unquoted is the number 2134).'),
    countryCode: z.string().regex(/^[A-Z]{2}$/, rule('must be a 2-letter uppercase ISO 3166 country code', 'e.g. US, DE, NO')).describe('ISO 3166-1 alpha-2 country code.'),
    phoneNumber: text(1, 20, 'AWS allows 1-20 characters')
      .regex(/^[+][\s0-9()-]+$/, rule('must start with + and contain only digits, spaces and ( ) - (AWS contact phone pattern)', 'e.g. "+1 555 0100"'))
      .describe('Phone number in international form, starting with +.'),
    companyName: text(1, 50, 'AWS allows 1-50 characters').optional().describe('Company name.'),
    websiteUrl: text(1, 256, 'AWS allows 1-256 characters').optional().describe('Website URL.'),
  })
  .describe("The account's primary contact (PutContactInformation).");

export type ContactInformation = z.output<typeof contactInformationSchema>;

/** `contactInformation`, merged key by key over `defaults.contactInformation`. */
export const contactInformationSection = accountSection({
  key: 'contactInformation',
  schema: contactInformationSchema,
  inherit: 'merge',
  summary: () => ['contact-information'],
});

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
export const contactFields = (want: ContactInformation, have: ContactInformation): FieldChange[] =>
  everyFieldDiff(
    FIELDS.map(([ours]) => ours),
    want,
    have,
  );

/** Apply's instruction: the whole record to put. */
const payload = z.strictObject({ put: contactInformationSchema });
type Payload = z.output<typeof payload>;

/**
 * The account's primary contact information (name, address, phone), where accounts.yaml declares
 * `contactInformation`. AWS has no call that deletes it (every account has one from sign-up), so an
 * account without `contactInformation` in the file is not read at all: nothing to report, one call saved.
 */
export const contactInformation = defineAccountKind<ContactInformation, ContactInformation, Payload>({
  kind: 'contact-information',
  permissions: { account: [reads('account:GetContactInformation'), writes('account:PutContactInformation')] },
  sections: [contactInformationSection],
  payload,

  desired: (account) => contactInformationSection.of(account),

  async read(ctx, want) {
    if (!want) return undefined;
    const out = await ignoreCodes(ctx.clients.account.send(new GetContactInformationCommand({})), NOT_FOUND);
    return out?.ContactInformation ? fromAws(out.ContactInformation) : undefined;
  },

  // No prune and no delete: AWS cannot remove the record, and it is not read when the file names none.
  diff: (want, have, { account }) =>
    singletonDiff({
      address: contactInformationAddress(account.name),
      kind: 'contact-information',
      account: account.name,
      want,
      have,
      prune: false,
      fields: contactFields,
      payload: { put: (w): Payload => ({ put: w }) },
      unmanaged: () => `contact information on account ${account.name}; accounts.yaml declares none`,
    }),

  async apply(ctx, { payload: { put } }) {
    await ctx.clients.account.send(new PutContactInformationCommand({ ContactInformation: toAws(put) }));
  },
});
