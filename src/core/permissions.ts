/**
 * The IAM actions lz calls, declared next to the calls: every kind's `permissions`, and the engine's own reads
 * and lock. The policies in docs/permissions.md, the roles `lz bootstrap` writes and the least-privilege test
 * are generated from these declarations, and test/reliability/permissions.test.ts fails when the source calls
 * an operation that nothing declares.
 */

/** `read` calls are what plan, drift and import make (the plan role); `write` calls only apply makes. */
export type Access = 'read' | 'write';

/** IAM condition operators to condition keys to values, as in a policy statement. */
export type PolicyCondition = Record<string, Record<string, string | string[]>>;

export interface Grant {
  access: Access;
  actions: readonly string[];
  /**
   * The resource the actions are granted on; `*` when omitted. `{accessRole}`, `{readRole}` and `{lockBucket}`
   * stand for the file's `organization.accessRole`, `organization.readRole` and `organization.lock.bucket`.
   */
  resource?: string;
  condition?: PolicyCondition;
  /**
   * Set when lz never makes the call itself: AWS makes it with the caller's permissions while serving one of
   * lz's calls (CloudTrail's iam:GetRole when it creates an organization trail). Says which call and why.
   */
  madeByAws?: string;
}

/**
 * Where the calls run. `account`: inside an account of the file, through its access role (in the management
 * account, with the management principal itself, so those count for both). `management`: with the management
 * account's principal, for the organization (Organizations, organization policies, Identity Center, ...).
 */
export interface Permissions {
  management?: readonly Grant[];
  account?: readonly Grant[];
}

/** Where grants apply: every scope, and the one member accounts' access role holds. */
export const GRANT_SCOPES: readonly (keyof Permissions)[] = ['management', 'account'];
export const IN_ACCOUNTS: keyof Permissions = 'account';

export const reads = (...actions: string[]): Grant => ({ access: 'read', actions });
export const writes = (...actions: string[]): Grant => ({ access: 'write', actions });
