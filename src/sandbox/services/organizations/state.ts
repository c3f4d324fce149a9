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
  /** Policies keyed by id, AWS managed ones (p-FullAWSAccess, p-RCPFullAWSAccess) included once their type is enabled. */
  policies?: Record<string, PolicyRecord>;
  /** The policy types enabled on the root and their status (a type absent here is DISABLED). */
  policyTypes?: Partial<Record<PolicyType, 'ENABLED' | 'PENDING_ENABLE' | 'PENDING_DISABLE'>>;
}

export const POLICY_TYPES = [
  'SERVICE_CONTROL_POLICY',
  'RESOURCE_CONTROL_POLICY',
  'TAG_POLICY',
  'BACKUP_POLICY',
  'AISERVICES_OPT_OUT_POLICY',
  'CHATBOT_POLICY',
  'DECLARATIVE_POLICY_EC2',
] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

export interface PolicyRecord {
  /** p-xxxxxxxx; AWS's managed policies keep their fixed ids (p-FullAWSAccess, p-RCPFullAWSAccess). */
  id: string;
  arn: string;
  name: string;
  description: string;
  type: PolicyType;
  awsManaged: boolean;
  /** The document exactly as sent (AWS returns it as sent, whitespace included). */
  content: string;
  /** The root, OU and account ids it is attached to, in the order they were attached. */
  targets: string[];
  tags?: { Key: string; Value: string }[];
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
