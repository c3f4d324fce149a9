/** Organizations' part of the state: the one organization, and what CreateAccount recorded on an account. */

declare module '../../state.js' {
  interface SandboxState {
    organization?: OrganizationRecord;
  }
  interface AccountRecord {
    /** CreateAccount's IamUserAccessToBilling, for accounts Organizations created. */
    iamUserAccessToBilling?: 'ALLOW' | 'DENY';
  }
}

export interface OrganizationRecord {
  id: string;
  arn: string;
  featureSet: 'ALL' | 'CONSOLIDATED_BILLING';
  managementAccountId: string;
  createdAt: string;
  rootId: string;
  rootArn: string;
  /** Organizational units keyed by id. */
  units: Record<string, { id: string; arn: string; name: string; parentId: string; createdAt?: string }>;
  /** Member accounts (the management account included) keyed by account id. */
  members: Record<string, { parentId: string; joinedMethod: 'CREATED' | 'INVITED'; joinedTimestamp: string }>;
  /** Tags by resource id (account id, OU id, root id). */
  tags: Record<string, { Key: string; Value: string }[]>;
  createAccountRequests: Record<string, CreateAccountRequestRecord>;
  /** Service principals with trusted access, and when it was enabled. */
  serviceAccess: Record<string, string>;
  /** IAM's centralized root access features (RootCredentialsManagement, RootSessions) that are enabled. */
  iamFeatures?: string[];
}

export interface CreateAccountRequestRecord {
  id: string;
  accountName: string;
  email: string;
  requestedTimestamp: string;
  /** The request completes (SUCCEEDED or FAILED) at this time. */
  completesAt: string;
  outcome: 'SUCCEEDED' | 'FAILED';
  failureReason?: string;
  /** Set at request time for a success, so the id is stable while IN_PROGRESS; the account record appears on completion. */
  accountId?: string;
  roleName: string;
  iamUserAccessToBilling: 'ALLOW' | 'DENY';
  tags: { Key: string; Value: string }[];
}
