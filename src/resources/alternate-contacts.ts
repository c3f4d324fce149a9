import {
  DeleteAlternateContactCommand,
  GetAlternateContactCommand,
  PutAlternateContactCommand,
  type AccountClient,
  type AlternateContactType,
} from '@aws-sdk/client-account';
import { isNotFound } from '../aws/aws-errors.js';
import { fieldDiff } from '../engine/fields.js';
import type { Change, Unmanaged } from '../engine/plan.js';
import type { Contact } from '../manifest/types.js';
import type { AccountResource } from './types.js';

export const CONTACT_TYPES = ['billing', 'operations', 'security'] as const;
export type ContactType = (typeof CONTACT_TYPES)[number];

export const contactAddress = (account: string, type: ContactType) => `${account}.contacts.${type}`;

const AWS_TYPE: Record<ContactType, AlternateContactType> = { billing: 'BILLING', operations: 'OPERATIONS', security: 'SECURITY' };

export type Contacts = Partial<Record<ContactType, Contact>>;

/** What a contact change carries: its type and the contact (after) or what was there (before). */
export interface ContactChangeValue extends Contact {
  type: ContactType;
}

/**
 * The billing, operations and security alternate contacts. They are read and written inside each account
 * with that account's own credentials (no AccountId), so the Account API's request quota is the account's
 * own, not the management account's shared one, and no trusted access for account.amazonaws.com is needed.
 */
export const alternateContacts: AccountResource<Contacts, Contacts> = {
  kind: 'alternate-contacts',
  scope: 'account',

  desired: (account) => account.contacts,

  async read(ctx) {
    const api = ctx.clients.account;
    const found = await Promise.all(CONTACT_TYPES.map(async (type) => [type, await getContact(api, type)] as const));
    const out: Contacts = {};
    for (const [type, contact] of found) if (contact) out[type] = contact;
    return out;
  },

  diff(want = {}, have = {}, { account, prune }) {
    const changes: Change[] = [];
    const unmanaged: Unmanaged[] = [];
    for (const type of CONTACT_TYPES) {
      const w = want[type];
      const h = have[type];
      const address = contactAddress(account.name, type);
      const base = { address, kind: 'alternate-contacts', account: account.name };
      if (!w) {
        if (!h) continue;
        if (prune) changes.push({ ...base, action: 'delete', before: { type, ...h }, after: null });
        else unmanaged.push({ address, kind: 'alternate-contact', description: `${type} contact ${h.name} <${h.email}> on account ${account.name}; accounts.yaml declares none` });
        continue;
      }
      const after: ContactChangeValue = { type, ...pick(w) };
      if (!h) {
        changes.push({ ...base, action: 'create', before: null, after });
        continue;
      }
      const fields = fieldDiff(pick(w) as unknown as Record<string, unknown>, pick(h) as unknown as Record<string, unknown>);
      if (fields.length > 0) changes.push({ ...base, action: 'update', before: { type, ...pick(h) }, after, fields });
    }
    return { changes, unmanaged };
  },

  // For `lz import`: the contacts AWS has, by type.
  toManifest: (have) => (Object.keys(have).length > 0 ? { contacts: { ...have } } : undefined),

  async apply(ctx, change) {
    const api = ctx.clients.account;
    if (change.action === 'delete') {
      const { type } = change.before as ContactChangeValue;
      try {
        await api.send(new DeleteAlternateContactCommand({ AlternateContactType: AWS_TYPE[type] }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    const c = change.after as ContactChangeValue;
    await api.send(
      new PutAlternateContactCommand({ AlternateContactType: AWS_TYPE[c.type], Name: c.name, Title: c.title, EmailAddress: c.email, PhoneNumber: c.phone }),
    );
  },
};

function pick(c: Contact): Contact {
  return { name: c.name, title: c.title, email: c.email, phone: c.phone };
}

async function getContact(api: AccountClient, type: ContactType): Promise<Contact | undefined> {
  try {
    const out = await api.send(new GetAlternateContactCommand({ AlternateContactType: AWS_TYPE[type] }));
    const c = out.AlternateContact;
    if (!c) return undefined;
    return { name: c.Name ?? '', title: c.Title ?? '', email: c.EmailAddress ?? '', phone: c.PhoneNumber ?? '' };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
