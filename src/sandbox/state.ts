/**
 * The sandbox's whole world as plain JSON-serialisable data, so it can be persisted to a state file and
 * shared between separate `lz` runs.
 *
 * This module holds only what every service shares: the accounts' identity, the access keys the core
 * authenticates with, and the id counters. Each service owns the rest, in its `services/<name>/state.ts`:
 * the type of its slice, added to `AccountRecord` (or `SandboxState`) by declaration merging, and the
 * accessor that creates the slice on first use (`s3State(account)`, `budgetsState(account)`, ...). Another
 * service reaches a slice only through its owner's exported helpers. The persisted layout is the one of
 * version 1 (each slice under its own key of the account), so older state files load unchanged.
 */
export interface SandboxState {
  version: 1;
  /** Every account that exists, keyed by 12-digit id. The management account is created with the state. */
  accounts: Record<string, AccountRecord>;
  managementAccountId: string;
  /** Every access key the sandbox knows, long-term and session, keyed by access key id. */
  accessKeys: Record<string, AccessKeyRecord>;
  /** Counters used to mint ids deterministically. */
  counters: Record<string, number>;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for STS session credentials. */
  sessionToken?: string;
  accountId: string;
  /** The principal this key authenticates as. */
  arn: string;
  kind: 'user' | 'assumed-role' | 'root';
  /** User name, or role name for assumed roles. */
  principalName: string;
  status: 'Active' | 'Inactive';
  createDate: string;
  /** ISO time after which session credentials are refused (ExpiredToken). */
  expiration?: string;
  lastUsed?: { date: string; serviceName: string; region: string };
  /** AssumeRoot sessions: the root-task policy that scopes what the session may call. */
  taskPolicyArn?: string;
}

/** An account's identity; the services add their slices (see the module comment). */
export interface AccountRecord {
  id: string;
  name: string;
  email: string;
  createdAt: string;
  status: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';
  /**
   * Organizations' CloseAccount: when it was asked for and when the account becomes SUSPENDED (ISO). The
   * status is PENDING_CLOSURE until then; `accountStatus` reads it by the clock.
   */
  closure?: { requestedAt: string; suspendsAt: string };
  /** The root user's credentials, which IAM and STS both read; tests set these to simulate a root with keys. */
  root: { mfaEnabled: boolean; accessKeysPresent: boolean; passwordPresent: boolean; signingCertificatesPresent?: boolean };
}

// The service slices, re-exported for code outside the sandbox that reads the live state (tests, benchmarks).
export type { IamRole } from './services/iam/state.js';
