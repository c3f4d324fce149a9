import { optString, reqString } from '../../input.js';
import type { AccountRecord } from '../../state.js';
import type { OrganizationRecord } from '../organizations/state.js';
import { AwsError } from '../../types.js';
import type { OperationContext, OperationHandler, SandboxService } from '../../types.js';

/**
 * IAM's centralized root access (awsQuery on IAM): ListOrganizationsFeatures and Enable/Disable of
 * RootCredentialsManagement and RootSessions, the root-task policies that scope an STS AssumeRoot session,
 * and the root user's branch of the IAM credential operations (a root session calling DeleteLoginProfile,
 * DeleteAccessKey, DeleteSigningCertificate, DeactivateMFADevice, ... without UserName acts on the account's
 * root user).
 *
 * This file imports nothing from iam.ts (iam.ts spreads `iamOrganizationsFeatures` into its operations and
 * wraps them with `withRootUserBranch`), so there is no import cycle.
 */

export const IAM_PRINCIPAL = 'iam.amazonaws.com';
export const ROOT_CREDENTIALS_MANAGEMENT = 'RootCredentialsManagement';
export const ROOT_SESSIONS = 'RootSessions';

// ---- organization features ---------------------------------------------------------------------------------

/** The checks AWS makes before any organization-features call; returns the organization. */
function featuresOrg(ctx: OperationContext, change: boolean): OrganizationRecord {
  const org = ctx.state.organization;
  if (!org || !org.members[ctx.caller.accountId]) {
    throw new AwsError('OrganizationNotFoundException', 'The request failed because AWS Organizations is not in use: the account is not a member of an organization.', 400);
  }
  if (org.managementAccountId !== ctx.caller.accountId) {
    throw change
      ? new AwsError('CallerIsNotManagementAccountException', 'The request was rejected because the account making the request is not the management account for the organization.', 400)
      : new AwsError('AccountNotManagementOrDelegatedAdministratorException', 'The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.', 400);
  }
  if (org.featureSet !== 'ALL') {
    throw new AwsError('OrganizationNotInAllFeaturesModeException', 'The request failed because your organization does not have all features enabled.', 400);
  }
  if (!org.serviceAccess[IAM_PRINCIPAL]) {
    throw new AwsError('ServiceAccessNotEnabledException', 'The request failed because trusted access is not enabled for IAM in AWS Organizations.', 400);
  }
  return org;
}

function featuresAnswer(org: OrganizationRecord) {
  const enabled = [ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS].filter((f) => org.iamFeatures?.includes(f));
  return { OrganizationId: org.id, EnabledFeatures: enabled };
}

function setFeature(feature: string, on: boolean): OperationHandler {
  return (ctx) => {
    const org = featuresOrg(ctx, true);
    const set = new Set(org.iamFeatures ?? []);
    if (on) set.add(feature);
    else set.delete(feature);
    org.iamFeatures = [...set];
    return featuresAnswer(org);
  };
}

/** Is `feature` enabled for the organization (false when there is none)? */
export function organizationFeatureEnabled(org: OrganizationRecord | undefined, feature: string): boolean {
  return Boolean(org?.iamFeatures?.includes(feature));
}

/** The IAM operations of centralized root access; iam.ts spreads these into its `operations`. */
export const iamOrganizationsFeatures: Record<string, OperationHandler> = {
  ListOrganizationsFeatures: (ctx) => featuresAnswer(featuresOrg(ctx, false)),
  EnableOrganizationsRootCredentialsManagement: setFeature(ROOT_CREDENTIALS_MANAGEMENT, true),
  DisableOrganizationsRootCredentialsManagement: setFeature(ROOT_CREDENTIALS_MANAGEMENT, false),
  EnableOrganizationsRootSessions: setFeature(ROOT_SESSIONS, true),
  DisableOrganizationsRootSessions: setFeature(ROOT_SESSIONS, false),
};

// ---- root-task policies ------------------------------------------------------------------------------------

/**
 * The AWS-managed root-task policies AssumeRoot accepts, as AWS writes them: two Deny statements. The first
 * denies every action but `actions` (NotAction, on any resource); the second denies `rootOnly` on every
 * resource but the root user (NotResource `arn:aws:iam::*:root`), so the session acts on the root user's
 * own credentials and nothing else (an IAM user's keys, or a virtual MFA device, which is a resource of its
 * own: DeleteVirtualMFADevice is refused even for the root user's device).
 */
export const ROOT_TASK_POLICIES: Record<string, { actions: string[]; rootOnly: string[] }> = {
  'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials': rootScoped(
    ['iam:GetAccessKeyLastUsed', 'iam:GetLoginProfile', 'iam:GetUser', 'iam:ListAccessKeys', 'iam:ListMFADevices', 'iam:ListSigningCertificates'],
    ['iam:GetAccountSummary'],
  ),
  'arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword': rootScoped(['iam:CreateLoginProfile', 'iam:GetLoginProfile', 'iam:GetUser']),
  'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials': rootScoped([
    'iam:DeactivateMFADevice',
    'iam:DeleteAccessKey',
    'iam:DeleteLoginProfile',
    'iam:DeleteSigningCertificate',
    'iam:DeleteVirtualMFADevice',
    'iam:GetAccessKeyLastUsed',
    'iam:GetLoginProfile',
    'iam:GetUser',
    'iam:ListAccessKeys',
    'iam:ListMFADevices',
    'iam:ListSigningCertificates',
  ]),
  'arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy': { actions: ['s3:DeleteBucketPolicy', 's3:GetBucketPolicy', 's3:ListAllMyBuckets', 's3:PutBucketPolicy'], rootOnly: [] },
  'arn:aws:iam::aws:policy/root-task/SQSUnlockQueuePolicy': { actions: ['sqs:GetQueueAttributes', 'sqs:ListQueues', 'sqs:SetQueueAttributes'], rootOnly: [] },
};

/** A policy whose `rootOnly` actions may touch only the root user; `anyResource` ones have no such scope. */
function rootScoped(rootOnly: string[], anyResource: string[] = []): { actions: string[]; rootOnly: string[] } {
  return { actions: [...rootOnly, ...anyResource], rootOnly };
}

/** The resource an IAM request of a root session acts on: a named user, a virtual MFA device, or the root. */
function iamResource(ctx: OperationContext, operation: string, input: Record<string, unknown>): string {
  const account = ctx.caller.accountId;
  if (operation === 'DeleteVirtualMFADevice') return optString(input, 'SerialNumber') ?? `arn:aws:iam::${account}:mfa/`;
  const user = optString(input, 'UserName');
  return user ? `arn:aws:iam::${account}:user/${user}` : `arn:aws:iam::${account}:root`;
}

/**
 * Wraps a service so that AssumeRoot sessions may call only what their root-task policy allows
 * (`actionOf` maps an operation to its IAM action; default `signingName:Operation`). Everything else is
 * AccessDenied in the service's protocol, an explicit deny as the policies' Deny statements make it.
 * sts:GetCallerIdentity is always allowed, as on AWS.
 */
export function withRootSessionPolicy(service: SandboxService): SandboxService {
  const actionOf = service.actionOf ?? ((op: string) => `${service.signingName}:${op}`);
  const denied = (arn: string, action: string, resource?: string) =>
    new AwsError(
      service.protocol === 'awsJson1_1' || service.protocol === 'restJson1' ? 'AccessDeniedException' : 'AccessDenied',
      `User: ${arn} is not authorized to perform: ${action}${resource ? ` on resource: ${resource}` : ''} with an explicit deny in a session policy`,
      403,
    );
  const operations: Record<string, OperationHandler> = {};
  for (const [name, handler] of Object.entries(service.operations)) {
    operations[name] = (ctx, input) => {
      const key = ctx.state.accessKeys[ctx.caller.accessKeyId];
      if (key?.taskPolicyArn !== undefined) {
        const action = actionOf(name);
        const policy = ROOT_TASK_POLICIES[key.taskPolicyArn];
        if (action !== 'sts:GetCallerIdentity' && !policy?.actions.includes(action)) throw denied(ctx.caller.arn, action);
        if (policy?.rootOnly.includes(action)) {
          const resource = iamResource(ctx, name, input);
          if (resource !== `arn:aws:iam::${ctx.caller.accountId}:root`) throw denied(ctx.caller.arn, action, resource);
        }
      }
      return handler(ctx, input);
    };
  }
  return { ...service, operations };
}

// ---- the root user's branch of IAM -------------------------------------------------------------------------

const noSuchEntity = (message: string) => new AwsError('NoSuchEntity', message, 404);

/** The root user's access key id as the sandbox shows it (root keys are modelled as present or not). */
export function rootAccessKeyId(accountId: string): string {
  return `AKIAROOT${accountId}`;
}

/** The root user's signing certificate as the sandbox shows it (modelled as present or not, as keys are). */
export function rootSigningCertificateId(accountId: string): string {
  return `ROOTCERT${accountId}`;
}

const ROOT_CERTIFICATE_BODY = '-----BEGIN CERTIFICATE-----\nMIIBroot\n-----END CERTIFICATE-----';

/** The serial number of the root user's MFA device. */
export function rootMfaSerial(accountId: string): string {
  return `arn:aws:iam::${accountId}:mfa/root-account-mfa-device`;
}

function rootAccount(ctx: OperationContext): AccountRecord {
  const account = ctx.state.accounts[ctx.caller.accountId];
  if (!account) throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  return account;
}

/** Operation → the root user's version, used when a root principal calls it without UserName. */
const ROOT_BRANCH: Record<string, OperationHandler> = {
  GetUser: (ctx) => {
    const account = rootAccount(ctx);
    return { User: { Path: '/', UserName: undefined, UserId: account.id, Arn: `arn:aws:iam::${account.id}:root`, CreateDate: new Date(account.createdAt) } };
  },
  GetLoginProfile: (ctx) => {
    const account = rootAccount(ctx);
    if (!account.root.passwordPresent) throw noSuchEntity(`Login Profile for User ${account.id} cannot be found.`);
    return { LoginProfile: { UserName: account.id, CreateDate: new Date(account.createdAt), PasswordResetRequired: false } };
  },
  CreateLoginProfile: (ctx) => {
    const account = rootAccount(ctx);
    if (account.root.passwordPresent) throw new AwsError('EntityAlreadyExists', `Login Profile for User ${account.id} already exists.`, 409);
    account.root.passwordPresent = true;
    return { LoginProfile: { UserName: account.id, CreateDate: ctx.runtime.now(), PasswordResetRequired: true } };
  },
  DeleteLoginProfile: (ctx) => {
    const account = rootAccount(ctx);
    if (!account.root.passwordPresent) throw noSuchEntity(`Login Profile for User ${account.id} cannot be found.`);
    account.root.passwordPresent = false;
    return {};
  },
  ListAccessKeys: (ctx) => {
    const account = rootAccount(ctx);
    const keys = account.root.accessKeysPresent ? [{ UserName: account.id, AccessKeyId: rootAccessKeyId(account.id), Status: 'Active', CreateDate: new Date(account.createdAt) }] : [];
    return { AccessKeyMetadata: keys, IsTruncated: false };
  },
  DeleteAccessKey: (ctx, input) => {
    const account = rootAccount(ctx);
    const id = reqString(input, 'AccessKeyId');
    if (!account.root.accessKeysPresent || id !== rootAccessKeyId(account.id)) throw noSuchEntity(`The Access Key with id ${id} cannot be found.`);
    account.root.accessKeysPresent = false;
    return {};
  },
  ListSigningCertificates: (ctx) => {
    const account = rootAccount(ctx);
    const certificates = account.root.signingCertificatesPresent
      ? [{ UserName: account.id, CertificateId: rootSigningCertificateId(account.id), CertificateBody: ROOT_CERTIFICATE_BODY, Status: 'Active', UploadDate: new Date(account.createdAt) }]
      : [];
    return { Certificates: certificates, IsTruncated: false };
  },
  DeleteSigningCertificate: (ctx, input) => {
    const account = rootAccount(ctx);
    const id = reqString(input, 'CertificateId');
    if (!account.root.signingCertificatesPresent || id !== rootSigningCertificateId(account.id)) throw noSuchEntity(`The Certificate with id ${id} cannot be found.`);
    account.root.signingCertificatesPresent = false;
    return {};
  },
  ListMFADevices: (ctx) => {
    const account = rootAccount(ctx);
    const devices = account.root.mfaEnabled ? [{ UserName: account.id, SerialNumber: rootMfaSerial(account.id), EnableDate: new Date(account.createdAt) }] : [];
    return { MFADevices: devices, IsTruncated: false };
  },
  DeactivateMFADevice: (ctx, input) => {
    const account = rootAccount(ctx);
    const serial = reqString(input, 'SerialNumber');
    if (!account.root.mfaEnabled || serial !== rootMfaSerial(account.id)) throw noSuchEntity(`MFA Device with serial number ${serial} does not exist.`);
    account.root.mfaEnabled = false;
    return {};
  },
};

/**
 * Wraps IAM's operations with the root user's branch: a root principal (an AssumeRoot session) calling one
 * of ROOT_BRANCH's operations without UserName acts on the root user's credentials in `account.root`.
 * DeleteVirtualMFADevice of the root's device serial succeeds once the device is deactivated.
 */
export function withRootUserBranch(operations: Record<string, OperationHandler>): Record<string, OperationHandler> {
  const out: Record<string, OperationHandler> = { ...operations };
  for (const [name, rootHandler] of Object.entries(ROOT_BRANCH)) {
    const original = operations[name];
    if (!original) continue;
    out[name] = (ctx, input) => (ctx.caller.kind === 'root' && optString(input, 'UserName') === undefined ? rootHandler(ctx, input) : original(ctx, input));
  }
  const deleteVirtual = operations.DeleteVirtualMFADevice;
  if (deleteVirtual) {
    out.DeleteVirtualMFADevice = (ctx, input) => {
      const serial = optString(input, 'SerialNumber');
      if (ctx.caller.kind === 'root' && serial === rootMfaSerial(ctx.caller.accountId)) {
        if (rootAccount(ctx).root.mfaEnabled) throw new AwsError('DeleteConflict', 'MFA VirtualDevice in use. Must deactivate first.', 409);
        return {};
      }
      return deleteVirtual(ctx, input);
    };
  }
  return out;
}
