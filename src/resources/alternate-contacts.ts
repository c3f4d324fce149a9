import {
  DeleteAlternateContactCommand,
  GetAlternateContactCommand,
  PutAlternateContactCommand,
  type AccountClient,
  type AlternateContactType,
} from '@aws-sdk/client-account';
import * as z from 'zod';
import { NOT_FOUND, ignoreCodes } from '../aws/aws-errors.js';
import { defineAccountKind } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import type { Change, Unmanaged } from '../core/plan.js';
import { fieldDiff } from '../core/reconcile.js';
import { PHONE, emailAddress, rule, text } from '../manifest/schema.js';
import { accountSection, overrideOf } from '../manifest/sections.js';

export const CONTACT_TYPES = ['billing', 'operations', 'security'] as const;
export type ContactType = (typeof CONTACT_TYPES)[number];

export const contactAddress = (account: string, type: ContactType) => `${account}.contacts.${type}`;

const AWS_TYPE: Record<ContactType, AlternateContactType> = { billing: 'BILLING', operations: 'OPERATIONS', security: 'SECURITY' };

// ---------------------------------------------------------------------------------------------- the file

export const contactSchema = z
  .strictObject({
    name: text(1, 64, 'alternate contact names are 1-64 characters').describe('Contact name, 1-64 characters.'),
    title: text(1, 50, 'alternate contact titles are 1-50 characters').describe('Job title, 1-50 characters.'),
    email: emailAddress(254).describe('Email address, at most 254 characters.'),
    phone: text(1, 25, 'alternate contact phone numbers are 1-25 characters')
      .regex(PHONE, rule('must contain only digits, spaces and ( ) + - (AWS alternate contact phone pattern)', 'e.g. "+1 555 0100"'))
      .describe('Phone number: digits, spaces, ( ) + -; at most 25 characters.'),
  })
  .describe('An alternate contact (PutAlternateContact).');

export const contactsSchema = z
  .strictObject({
    billing: contactSchema.optional(),
    operations: contactSchema.optional(),
    security: contactSchema.optional(),
  })
  .describe('Alternate contacts by type.');

export type Contact = z.output<typeof contactSchema>;
export type Contacts = z.output<typeof contactsSchema>;

/** `contacts`, merged over `defaults.contacts` type by type, and within a type key by key. */
export const contactsSection = accountSection({
  key: 'contacts',
  schema: contactsSchema,
  inherit: 'merge',
  override: z
    .strictObject({
      billing: overrideOf(contactSchema).nullable().optional(),
      operations: overrideOf(contactSchema).nullable().optional(),
      security: overrideOf(contactSchema).nullable().optional(),
    })
    .nullable()
    .optional()
    .describe('Alternate contacts, merged over defaults.contacts.'),
  factorable: true,
  summary: (contacts) => (CONTACT_TYPES.some((t) => contacts[t]) ? ['contacts'] : []),
});

// ---------------------------------------------------------------------------------------------- the kind

/** Apply's instruction: put this contact of `type`, or (put null) delete it. */
const payload = z.strictObject({ type: z.enum(CONTACT_TYPES), put: contactSchema.nullable() });
type Payload = z.output<typeof payload>;

/**
 * The billing, operations and security alternate contacts. They are read and written inside each account
 * with that account's own credentials (no AccountId), so the Account API's request quota is the account's
 * own, not the management account's shared one, and no trusted access for account.amazonaws.com is needed.
 */
export const alternateContacts = defineAccountKind<Contacts, Contacts, Payload>({
  kind: 'alternate-contacts',
  permissions: { account: [reads('account:GetAlternateContact'), writes('account:PutAlternateContact', 'account:DeleteAlternateContact')] },
  sections: [contactsSection],
  payload,

  desired: (account) => contactsSection.of(account),

  async read(ctx) {
    const api = ctx.clients.account;
    const found = await Promise.all(CONTACT_TYPES.map(async (type) => [type, await getContact(api, type)] as const));
    const out: Contacts = {};
    for (const [type, contact] of found) if (contact) out[type] = contact;
    return out;
  },

  diff(want = {}, have = {}, { account, prune }) {
    const changes: Change<Payload>[] = [];
    const unmanaged: Unmanaged[] = [];
    for (const type of CONTACT_TYPES) {
      const w = want[type];
      const h = have[type];
      const address = contactAddress(account.name, type);
      const base = { address, kind: 'alternate-contacts', account: account.name };
      if (!w) {
        if (!h) continue;
        if (prune) changes.push({ ...base, action: 'delete', before: { type, ...h }, after: null, payload: { type, put: null } });
        else unmanaged.push({ address, kind: 'alternate-contact', description: `${type} contact ${h.name} <${h.email}> on account ${account.name}; accounts.yaml declares none`, prunable: true });
        continue;
      }
      const put = pick(w);
      const after = { type, ...put };
      if (!h) {
        changes.push({ ...base, action: 'create', before: null, after, payload: { type, put } });
        continue;
      }
      const fields = fieldDiff(put, pick(h));
      if (fields.length > 0) changes.push({ ...base, action: 'update', before: { type, ...pick(h) }, after, fields, payload: { type, put } });
    }
    return { changes, unmanaged };
  },

  // For `lz import`: the contacts AWS has, by type.
  toManifest: (have) => (Object.keys(have).length > 0 ? { [contactsSection.key]: { ...have } } : undefined),

  async apply(ctx, { payload: { type, put } }) {
    const api = ctx.clients.account;
    if (!put) {
      await ignoreCodes(api.send(new DeleteAlternateContactCommand({ AlternateContactType: AWS_TYPE[type] })), NOT_FOUND);
      return;
    }
    await api.send(new PutAlternateContactCommand({ AlternateContactType: AWS_TYPE[type], Name: put.name, Title: put.title, EmailAddress: put.email, PhoneNumber: put.phone }));
  },

  posture: [
    {
      id: 'security-contact',
      cis: '1.2',
      control: 'Account.1',
      title: 'Security contact information is registered',
      evaluate: ({ have }) =>
        have?.security
          ? { failing: [], detail: `security contact ${have.security.email}`.trim() }
          : { failing: ['security contact'], detail: 'no security alternate contact is registered' },
    },
  ],

  checklist({ account, pending }) {
    const contacts = contactsSection.of(account) ?? {};
    const declared = CONTACT_TYPES.filter((t) => contacts[t]);
    const missing = CONTACT_TYPES.filter((t) => !contacts[t]);
    if (missing.length > 0) {
      return [
        {
          done: false,
          title: `Alternate contacts: accounts.yaml declares no ${missing.join(', ')} contact`,
          detail: `Add contacts.${missing[0]} (and the others) to accounts.yaml under defaults or the account, so AWS reaches the right people (CIS 1.2 asks for a security contact); lz then keeps them.${declared.length > 0 ? ` lz keeps ${declared.join(', ')} already.` : ''}`,
        },
      ];
    }
    if (pending.length > 0) return [{ done: false, title: 'Alternate contacts and contact information: lz apply will set them (see lz plan)' }];
    return [{ done: true, title: 'Alternate contacts (billing, operations, security): kept by lz from accounts.yaml (verified by this plan)' }];
  },
});

function pick(c: Contact): Contact {
  return { name: c.name, title: c.title, email: c.email, phone: c.phone };
}

async function getContact(api: AccountClient, type: ContactType): Promise<Contact | undefined> {
  const out = await ignoreCodes(api.send(new GetAlternateContactCommand({ AlternateContactType: AWS_TYPE[type] })), NOT_FOUND);
  const c = out?.AlternateContact;
  if (!c) return undefined;
  return { name: c.Name ?? '', title: c.Title ?? '', email: c.EmailAddress ?? '', phone: c.PhoneNumber ?? '' };
}
