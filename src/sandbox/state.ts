/**
 * The sandbox's whole world as plain JSON-serialisable data, so it can be persisted to a state file and
 * shared between separate `lz` runs. Each service owns its part (IAM the `iam` slice of every account, and
 * so on); cross-service effects (CreateAccount making the access role) go through the owning service's
 * exported helpers.
 */
export interface SandboxState {
  version: 1;
  /** Every account that exists, keyed by 12-digit id. The management account is created with the state. */
  accounts: Record<string, AccountRecord>;
  managementAccountId: string;
  /** Every access key the sandbox knows, long-term and session, keyed by access key id. */
  accessKeys: Record<string, AccessKeyRecord>;
  organization?: OrganizationRecord;
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

export interface AccountRecord {
  id: string;
  name: string;
  email: string;
  createdAt: string;
  status: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';
  iam: IamAccountState;
  /** Budgets, keyed by budget name (owned by services/budgets.ts). */
  budgets: Record<string, BudgetRecord>;
  /** Alternate contacts by type BILLING | OPERATIONS | SECURITY (owned by services/account.ts). */
  alternateContacts: Record<string, AlternateContactRecord>;
  contactInformation?: Record<string, string>;
  /** CreateAccount's IamUserAccessToBilling for accounts Organizations created (owned by services/organizations.ts). */
  iamUserAccessToBilling?: 'ALLOW' | 'DENY';
  /** What GetAccountSummary reports about the root user; tests set these to simulate a root with keys. */
  root: { mfaEnabled: boolean; accessKeysPresent: boolean; passwordPresent: boolean };
  /** S3 buckets this account owns, keyed by name (owned by services/s3.ts; names are unique across all accounts). */
  s3?: Record<string, S3BucketRecord>;
  /** CloudTrail trails keyed by name (owned by services/cloudtrail.ts). */
  cloudtrail?: Record<string, TrailRecord>;
  /** BCM Data Exports keyed by ExportArn (owned by services/bcm-data-exports.ts). */
  dataExports?: Record<string, DataExportRecord>;
}

export interface S3BucketRecord {
  name: string;
  region: string;
  createdAt: string;
  /** The bucket policy JSON, stored verbatim. */
  policy?: string;
  /** Absent after DeletePublicAccessBlock; new buckets get all four true, as on AWS since April 2023. */
  publicAccessBlock?: { BlockPublicAcls: boolean; IgnorePublicAcls: boolean; BlockPublicPolicy: boolean; RestrictPublicBuckets: boolean };
  /** Default-encryption rules as sent (SSE-S3 AES256 unless changed, as on AWS since January 2023). */
  encryption: { SSEAlgorithm: string; KMSMasterKeyID?: string; BucketKeyEnabled?: boolean }[];
  versioning?: 'Enabled' | 'Suspended';
  tags?: { Key: string; Value: string }[];
  objects: Record<string, S3ObjectRecord>;
}

export interface S3ObjectRecord {
  /** The object's bytes, base64 (the state stays JSON). */
  body: string;
  etag: string;
  size: number;
  lastModified: string;
  contentType: string;
  metadata: Record<string, string>;
  versionId?: string;
}

export interface TrailRecord {
  name: string;
  arn: string;
  homeRegion: string;
  s3BucketName: string;
  s3KeyPrefix?: string;
  snsTopicName?: string;
  includeGlobalServiceEvents: boolean;
  isMultiRegionTrail: boolean;
  isOrganizationTrail: boolean;
  logFileValidationEnabled: boolean;
  kmsKeyId?: string;
  cloudWatchLogsLogGroupArn?: string;
  cloudWatchLogsRoleArn?: string;
  isLogging: boolean;
  startLoggingTime?: string;
  stopLoggingTime?: string;
  tags: { Key: string; Value: string }[];
}

/* eslint-disable @typescript-eslint/no-explicit-any -- AWS's Export structure, stored as received */
export interface DataExportRecord {
  /** The Export structure as AWS returns it (ExportArn, Name, DataQuery, DestinationConfigurations, RefreshCadence, ...). */
  export: Record<string, any>;
  createdAt: string;
  updatedAt: string;
  tags: { Key: string; Value: string }[];
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface IamAccountState {
  users: Record<string, IamUser>;
  groups: Record<string, IamGroup>;
  roles: Record<string, IamRole>;
  /** Customer-managed policies, keyed by ARN. AWS-managed ones are constants in services/iam.ts. */
  policies: Record<string, IamManagedPolicy>;
  aliases: string[];
  passwordPolicy?: Record<string, unknown>;
  /** Virtual MFA devices keyed by serial number. */
  virtualMfaDevices: Record<string, { serialNumber: string; userName?: string; enableDate?: string; createDate: string }>;
}

export interface IamUser {
  userName: string;
  userId: string;
  arn: string;
  path: string;
  createDate: string;
  groups: string[];
  attachedPolicies: string[];
  inlinePolicies: Record<string, string>;
  loginProfile?: { createDate: string; passwordResetRequired: boolean; passwordSha256: string };
  mfaDevices: { serialNumber: string; enableDate: string }[];
  tags: { Key: string; Value: string }[];
}

export interface IamGroup {
  groupName: string;
  groupId: string;
  arn: string;
  path: string;
  createDate: string;
  attachedPolicies: string[];
  inlinePolicies: Record<string, string>;
}

export interface IamRole {
  roleName: string;
  roleId: string;
  arn: string;
  path: string;
  createDate: string;
  assumeRolePolicyDocument: string;
  attachedPolicies: string[];
  inlinePolicies: Record<string, string>;
  maxSessionDuration: number;
  /** ISO time before which AssumeRole is refused with AccessDenied (IAM propagation after CreateAccount). */
  assumableAfter?: string;
}

export interface IamManagedPolicy {
  policyName: string;
  policyId: string;
  arn: string;
  path: string;
  description?: string;
  createDate: string;
  updateDate: string;
  defaultVersionId: string;
  versions: { versionId: string; document: string; createDate: string }[];
  /** The number the next version gets (v1, v2, ...): AWS never reuses a version id. */
  nextVersion: number;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- AWS's Budget structure, stored as received */
export interface BudgetRecord {
  /** The Budget structure as AWS returns it (BudgetName, BudgetLimit, TimeUnit, BudgetType, ...). */
  budget: Record<string, any>;
  notifications: { notification: Record<string, any>; subscribers: { SubscriptionType: string; Address: string }[] }[];
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface AlternateContactRecord {
  AlternateContactType: string;
  Name: string;
  Title: string;
  EmailAddress: string;
  PhoneNumber: string;
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
  units: Record<string, { id: string; arn: string; name: string; parentId: string }>;
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

export function emptyIamState(): IamAccountState {
  return { users: {}, groups: {}, roles: {}, policies: {}, aliases: [], virtualMfaDevices: {} };
}

export function newAccountRecord(id: string, name: string, email: string, createdAt: string): AccountRecord {
  return {
    id,
    name,
    email,
    createdAt,
    status: 'ACTIVE',
    iam: emptyIamState(),
    budgets: {},
    alternateContacts: {},
    root: { mfaEnabled: false, accessKeysPresent: false, passwordPresent: true },
  };
}
