import type { AccountRecord } from '../../state.js';

/** The Account API's part of the state: each account's alternate contacts and contact information. */

declare module '../../state.js' {
  interface AccountRecord {
    /** Alternate contacts by type BILLING | OPERATIONS | SECURITY. */
    alternateContacts?: Record<string, AlternateContactRecord>;
    contactInformation?: Record<string, string>;
  }
}

export interface AlternateContactRecord {
  AlternateContactType: string;
  Name: string;
  Title: string;
  EmailAddress: string;
  PhoneNumber: string;
}

/** The account's alternate contacts, created empty on first use. */
export function alternateContactsState(account: AccountRecord): Record<string, AlternateContactRecord> {
  account.alternateContacts ??= {};
  return account.alternateContacts;
}
