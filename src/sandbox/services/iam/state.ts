/**
 * IAM's part of the state: every account's users, groups, roles, policies and settings. Every account has
 * one from birth (see newAccountRecord), so the slice is not optional.
 */

declare module '../../state.js' {
  interface AccountRecord {
    iam: IamAccountState;
  }
}

export interface IamAccountState {
  users: Record<string, IamUser>;
  groups: Record<string, IamGroup>;
  roles: Record<string, IamRole>;
  /** Customer-managed policies, keyed by ARN. AWS-managed ones are constants in managed-policies.ts. */
  policies: Record<string, IamManagedPolicy>;
  aliases: string[];
  passwordPolicy?: Record<string, unknown>;
  /** Virtual MFA devices keyed by serial number. */
  virtualMfaDevices: Record<string, { serialNumber: string; userName?: string; enableDate?: string; createDate: string }>;
  credentialReport?: CredentialReportRecord;
}

export interface CredentialReportRecord {
  /** STARTED until the next GenerateCredentialReport call (AWS takes a few seconds), then COMPLETE. */
  state: 'STARTED' | 'COMPLETE';
  generatedTime: string;
  /** The CSV, a snapshot taken when generation started. */
  content: string;
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
  /** X.509 signing certificates (UploadSigningCertificate); at most two. */
  signingCertificates?: IamSigningCertificate[];
  /** SSH public keys for CodeCommit (UploadSSHPublicKey); at most five. */
  sshPublicKeys?: { sshPublicKeyId: string; body: string; fingerprint: string; status: 'Active' | 'Inactive'; uploadDate: string }[];
  /** Service-specific credentials (CreateServiceSpecificCredential); at most two per service. */
  serviceSpecificCredentials?: { id: string; serviceName: string; serviceUserName: string; status: 'Active' | 'Inactive'; createDate: string }[];
}

export interface IamSigningCertificate {
  certificateId: string;
  body: string;
  status: 'Active' | 'Inactive';
  uploadDate: string;
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
  /** The managed policy ARN set as the role's permissions boundary (IAM Identity Center's reserved roles). */
  permissionsBoundary?: string;
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

export function emptyIamState(): IamAccountState {
  return { users: {}, groups: {}, roles: {}, policies: {}, aliases: [], virtualMfaDevices: {} };
}
