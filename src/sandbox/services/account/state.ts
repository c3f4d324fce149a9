import type { AccountRecord } from '../../state.js';

/** The Account API's part of the state: each account's alternate contacts, contact information and opt-in Regions. */

declare module '../../state.js' {
  interface AccountRecord {
    /** Alternate contacts by type BILLING | OPERATIONS | SECURITY. */
    alternateContacts?: Record<string, AlternateContactRecord>;
    contactInformation?: Record<string, string>;
    /** Opt-in Regions by name, once EnableRegion or DisableRegion was called for them (absent: DISABLED). */
    regionOptIn?: Record<string, RegionOptRecord>;
  }
}

/**
 * The last EnableRegion or DisableRegion for a Region: ENABLING or DISABLING until `settlesAt` (ISO), then
 * ENABLED or DISABLED. Kept as asked, so a state file read later settles by the clock alone.
 */
export interface RegionOptRecord {
  status: 'ENABLING' | 'DISABLING';
  settlesAt: string;
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

/** The account's opt-in Region records, created empty on first use. */
export function regionOptInState(account: AccountRecord): Record<string, RegionOptRecord> {
  account.regionOptIn ??= {};
  return account.regionOptIn;
}

declare module '../../state.js' {
  interface AccountRecord {
    /** The primary email update StartPrimaryEmailUpdate began and AcceptPrimaryEmailUpdate has not completed. */
    primaryEmailUpdate?: PrimaryEmailUpdateRecord;
    /** When StartPrimaryEmailUpdate last succeeded for the account (ISO, the last 30 seconds' worth). */
    primaryEmailStarts?: string[];
  }
}

/**
 * A pending primary email update: the new address and the one-time code AWS would email to it. The code is
 * kept in the state because nothing is mailed: tests and people read it through the sandbox handle or
 * `lz sandbox otp`, never through an AWS API.
 */
export interface PrimaryEmailUpdateRecord {
  email: string;
  otp: string;
  startedAt: string;
  /** ISO; AcceptPrimaryEmailUpdate refuses the code after it. */
  expiresAt: string;
}

/** The code of the account's pending primary email update, while it is still valid at `now`. */
export function pendingPrimaryEmailOtp(account: AccountRecord | undefined, now: Date): string | undefined {
  const update = account?.primaryEmailUpdate;
  if (!update || now.getTime() > Date.parse(update.expiresAt)) return undefined;
  return update.otp;
}
