import type { ResolvedAccount } from '../manifest/types.js';

/**
 * The organization as AWS holds it, read once per run by the engine and shared by the organization-level
 * modules, and the addresses the engine itself relies on: every change waits for the organization while it
 * is created, and every change inside an account waits for that account while it is created.
 */
export const ORGANIZATION_ADDRESS = 'organization';
export const accountAddress = (name: string) => `account:${name}`;

export interface LiveOrganization {
  id: string;
  arn: string;
  featureSet: string;
  managementAccountId: string;
  rootId: string;
}

export interface LiveUnit {
  id: string;
  name: string;
  path: string;
  parentId: string;
}

export interface LiveAccount {
  id: string;
  name: string;
  email: string;
  status: string;
  /** OU path, undefined for the root. */
  unit: string | undefined;
  /** Read only for accounts the file names. */
  tags?: Record<string, string>;
}

/**
 * lz keeps its own bookkeeping on accounts in tags starting `lz:` (a pending root email change): the file
 * cannot declare them, the accounts' tag diff neither reports nor prunes them, and import does not write them.
 */
export const RESERVED_TAG_PREFIX = 'lz:';
export const isReservedTag = (key: string) => key.startsWith(RESERVED_TAG_PREFIX);

/**
 * Account states (Organizations' `State`) of an account that was closed: AWS keeps it PENDING_CLOSURE for a
 * while, then SUSPENDED for 90 days (when AWS Support can still reopen it), then CLOSED.
 */
export const CLOSED_STATES: readonly string[] = ['PENDING_CLOSURE', 'SUSPENDED', 'CLOSED'];
export const isClosedState = (state: string | undefined): boolean => state !== undefined && CLOSED_STATES.includes(state);

export interface OrganizationSnapshot {
  callerAccountId: string;
  organization?: LiveOrganization;
  units: LiveUnit[];
  accounts: LiveAccount[];
}

/** A declared account and the live one it was paired with. */
export interface AccountMatch {
  declared: ResolvedAccount;
  live?: LiveAccount;
  /** How the pair was found: the file's `id`, the email, being the management account, or the name. */
  by?: 'id' | 'email' | 'management' | 'name';
}

/**
 * Ids that apply learns as it goes: a unit created in this run is the parent of the next one, and a new
 * account's id is known only once its creation succeeds.
 */
export interface OrganizationIndex {
  organizationId?: string;
  rootId?: string;
  managementAccountId: string;
  unitIds: Map<string, string>;
  /** Account ids by the manifest's account name. */
  accountIds: Map<string, string>;
}

/** A CreateAccount that was sent: kept until the account is known, so a crash never creates it twice. */
export interface PendingCreation {
  requestId: string;
  accountName: string;
  email: string;
  requestedAt: string;
}

/** What apply remembers across a crash (the engine keeps it in `.lz/journal.json`). */
export interface CreationJournal {
  pendingCreation(organizationId: string, email: string): PendingCreation | undefined;
  recordCreation(organizationId: string, creation: PendingCreation): void;
  forgetCreation(organizationId: string, email: string): void;
  /** A created account whose access role lz has not yet assumed: a run killed now leaves the next one to wait for it. */
  awaitRole(organizationId: string, accountId: string): void;
  /** Its role was assumed: an AccessDenied from now on is a real failure. */
  roleAssumed(organizationId: string, accountId: string): void;
}
