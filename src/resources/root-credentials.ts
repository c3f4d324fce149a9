import {
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  GetAccountSummaryCommand,
  GetLoginProfileCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListSigningCertificatesCommand,
  type GetAccountSummaryCommandOutput,
  type IAMClient,
} from '@aws-sdk/client-iam';
import * as z from 'zod';
import { NOT_FOUND, ignoreCodes } from '../aws/aws-errors.js';
import { defineAccountKind, type AccountReadContext } from '../core/module.js';
import { reads, type Access, type Grant, type Permissions } from '../core/permissions.js';
import type { FieldChange } from '../core/plan.js';
import { LzError } from '../errors.js';
import { accountSection, type SectionCheckInput } from '../manifest/sections.js';
import type { DocPath } from '../manifest/yaml-source.js';
import { rootAccessSection } from './organization-services.js';
import { ROOT_ACCESS_ADDRESS } from './root-access.js';

export const rootCredentialsAddress = (account: string) => `${account}.root-credentials`;
export const AUDIT_ROOT_TASK = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';
export const DELETE_ROOT_TASK = 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials';

/**
 * sts:AssumeRoot for one task policy. The root session's own calls (ListAccessKeys, DeleteLoginProfile, ...)
 * are bound by AWS's task policy, not by lz's roles: only the AssumeRoot needs granting.
 */
const assumeRoot = (access: Access, task: string): Grant => ({ access, actions: ['sts:AssumeRoot'], condition: { StringEquals: { 'sts:TaskPolicyArn': task } } });

/** What reading the root user's credentials calls: the account summary, then (centralized root access on) an audit root session. */
export const ROOT_AUDIT_PERMISSIONS = {
  account: [reads('iam:GetAccountSummary')],
  management: [reads('iam:ListOrganizationsFeatures'), assumeRoot('read', AUDIT_ROOT_TASK)],
} satisfies Permissions;

/**
 * IAM's account summary, read once per account per run: the root-user checks and this module's fallback
 * read both use it. (Here rather than in root-user.ts, which reads this module's section.)
 */
export function accountSummary(ctx: AccountReadContext): Promise<GetAccountSummaryCommandOutput> {
  return ctx.memo('iam:GetAccountSummary', () => ctx.clients.iam.send(new GetAccountSummaryCommand({})));
}

// ---------------------------------------------------------------------------------------------- the file

const rootCredentialsSchema = z.enum(['keep', 'delete']).describe('Keep or delete the root user credentials (centralized root access).');

/** `rootCredentials`; keep when neither the account nor `defaults` says. */
export const rootCredentialsSection = accountSection({
  key: 'rootCredentials',
  schema: rootCredentialsSchema.default('keep').describe('keep | delete the root user credentials; keep when absent.'),
  inherit: 'replace',
  override: rootCredentialsSchema.optional(),
  summary: (value) => (value === 'delete' ? ['delete-root-credentials'] : []),
  check: rootCredentialChecks,
});

/** Deleting root credentials is for member accounts, and needs centralized root access. */
function rootCredentialChecks({ accounts, manifest, report }: SectionCheckInput): void {
  const key = rootCredentialsSection.key;
  for (const account of accounts) {
    if (rootCredentialsSection.of(account) !== 'delete') continue;
    const path: DocPath = [key];
    // manifest.accounts holds each account's own overrides as written: did it say delete, or inherit it?
    const own = manifest.accounts[account.index]?.[key] !== undefined;
    if (account.management) {
      report(account, path, {
        code: 'manifest.root-credentials-management',
        message: `${account.name} is the management account: lz never deletes its root user credentials`,
        hint: `set rootCredentials: keep on ${account.name}${own ? '' : ' (it inherits delete from defaults)'}`,
      });
    } else if (!rootAccessSection.of({ manifest })?.centralized) {
      report(account, path, {
        code: 'manifest.root-credentials-needs-root-access',
        message: `rootCredentials: delete (account ${account.name}) needs centralized root access`,
        hint: 'add organization.rootAccess: { centralized: true }',
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------- the kind

export interface RootCredentials {
  /** How it was read: a root session with the audit task policy (exact), or GetAccountSummary through the access role. */
  source: 'root-session' | 'account-summary';
  /** null: not knowable without a root session (GetAccountSummary says nothing of the password). */
  password: boolean | null;
  accessKeys: string[];
  /** X.509 signing certificates: root credentials too (GetAccountSummary's AccountSigningCertificatesPresent). */
  signingCertificates: string[];
  mfaDevices: string[];
}

export function hasRootCredentials(c: RootCredentials): boolean {
  return c.password !== false || c.accessKeys.length > 0 || c.signingCertificates.length > 0 || c.mfaDevices.length > 0;
}

async function readWithRootSession(iam: IAMClient): Promise<RootCredentials> {
  // The root user has at most two access keys and two certificates: one page each.
  const [profile, keys, certificates, mfa] = await Promise.all([
    ignoreCodes(iam.send(new GetLoginProfileCommand({})), NOT_FOUND),
    iam.send(new ListAccessKeysCommand({})),
    iam.send(new ListSigningCertificatesCommand({})),
    iam.send(new ListMFADevicesCommand({})),
  ]);
  return {
    source: 'root-session',
    password: profile !== undefined,
    accessKeys: (keys.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId ?? '').filter(Boolean),
    signingCertificates: (certificates.Certificates ?? []).map((c) => c.CertificateId ?? '').filter(Boolean),
    mfaDevices: (mfa.MFADevices ?? []).map((d) => d.SerialNumber ?? '').filter(Boolean),
  };
}

/**
 * A member account's root credentials as the root user sees them (sts:AssumeRoot with the audit task
 * policy), read once per account per run; undefined while AssumeRoot is refused (RootSessions not enabled
 * yet, or the management account). The clients are not destroyed: they share the run's connection pool,
 * which destroy() would close.
 */
export function auditRootCredentials(ctx: AccountReadContext): Promise<RootCredentials | undefined> {
  const aws = ctx.aws;
  if (!aws) return Promise.resolve(undefined);
  return ctx.memo('root:IAMAuditRootUserCredentials', () =>
    ignoreCodes(readWithRootSession(aws.forRootTask(ctx.accountId, AUDIT_ROOT_TASK).iam), ['AccessDenied', 'AccessDeniedException']),
  );
}

/**
 * Apply's instruction: delete every root credential the account has when apply runs (what the plan listed
 * may be stale, or unknown before centralized root access was enabled).
 */
const payload = z.strictObject({ delete: z.literal('all') });
type Payload = z.output<typeof payload>;

/**
 * Deletes a member account's root user credentials (`rootCredentials: delete`) with centralized root
 * access: sts:AssumeRoot with the IAMDeleteRootUserCredentials task policy, then DeleteLoginProfile,
 * DeleteAccessKey for each key, DeleteSigningCertificate for each certificate and DeactivateMFADevice for
 * each device. Plans read the credentials through AssumeRoot with IAMAuditRootUserCredentials; before
 * RootSessions is enabled they fall back to GetAccountSummary (keys, certificates and MFA; the password is
 * then unknown). Never the management
 * account: AssumeRoot cannot reach it, and its root user is the organization's last resort (the manifest's
 * check refuses `delete` there, and so does apply).
 */
export const rootCredentials = defineAccountKind<{ delete: true }, RootCredentials, Payload>({
  kind: 'root-credentials',
  permissions: { ...ROOT_AUDIT_PERMISSIONS, management: [...ROOT_AUDIT_PERMISSIONS.management, assumeRoot('write', DELETE_ROOT_TASK)] },
  sections: [rootCredentialsSection],
  payload,

  desired: (account) => (rootCredentialsSection.of(account) === 'delete' ? { delete: true } : undefined),

  async read(ctx, want) {
    if (!want) return undefined;
    // RootSessions not enabled yet (the first plan): AssumeRoot is refused, and the summary says what it can.
    const read = await auditRootCredentials(ctx);
    if (read) return read;
    const summary = (await accountSummary(ctx)).SummaryMap ?? {};
    return {
      source: 'account-summary',
      password: null,
      accessKeys: (summary.AccountAccessKeysPresent ?? 0) > 0 ? ['(root access keys)'] : [],
      signingCertificates: (summary.AccountSigningCertificatesPresent ?? 0) > 0 ? ['(root signing certificates)'] : [],
      mfaDevices: summary.AccountMFAEnabled === 1 ? ['(root MFA device)'] : [],
    };
  },

  diff(want, have, { account, exists }) {
    if (!want || account.management) return { changes: [], unmanaged: [] };
    const fields: FieldChange[] = [];
    if (!exists || !have) {
      fields.push({ field: 'root credentials', before: '(read at apply: the account does not exist yet)', after: null });
    } else {
      if (have.password === true) fields.push({ field: 'root password', before: 'present', after: null });
      if (have.password === null) fields.push({ field: 'root password', before: '(unknown until centralized root access is enabled; deleted if present)', after: null });
      for (const k of have.accessKeys) fields.push({ field: 'root access key', before: k, after: null });
      for (const c of have.signingCertificates) fields.push({ field: 'root signing certificate', before: c, after: null });
      for (const d of have.mfaDevices) fields.push({ field: 'root MFA device', before: d, after: null });
    }
    if (fields.length === 0) return { changes: [], unmanaged: [] };
    return {
      changes: [
        {
          address: rootCredentialsAddress(account.name),
          kind: 'root-credentials',
          action: 'update',
          account: account.name,
          before: have ?? null,
          after: { password: false, accessKeys: [], signingCertificates: [], mfaDevices: [] },
          fields,
          payload: { delete: 'all' },
          dependsOn: [ROOT_ACCESS_ADDRESS],
        },
      ],
      unmanaged: [],
    };
  },

  async apply(ctx, change) {
    if (change.account && ctx.accountId === ctx.index.managementAccountId) {
      throw new LzError('root-credentials-management', `Account ${change.account} is the management account: lz never deletes its root user credentials.`);
    }
    const iam = ctx.aws.forRootTask(ctx.accountId, DELETE_ROOT_TASK).iam;
    // Each step is safe to repeat: what is already gone answers NoSuchEntity. (The clients share the run's
    // connection pool, so they are not destroyed.)
    await ignoreCodes(iam.send(new DeleteLoginProfileCommand({})), NOT_FOUND);
    for (const key of (await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata ?? []) {
      if (key.AccessKeyId) await ignoreCodes(iam.send(new DeleteAccessKeyCommand({ AccessKeyId: key.AccessKeyId })), NOT_FOUND);
    }
    for (const certificate of (await iam.send(new ListSigningCertificatesCommand({}))).Certificates ?? []) {
      if (certificate.CertificateId) await ignoreCodes(iam.send(new DeleteSigningCertificateCommand({ CertificateId: certificate.CertificateId })), NOT_FOUND);
    }
    // Deactivating the device is what takes it from the root user. DeleteVirtualMFADevice is not asked for:
    // the task policy scopes every action to the root user's ARN and a virtual device is a resource of its own
    // (arn:aws:iam::ACCOUNT:mfa/...), so AWS refuses it; the unassigned device left behind signs no one in.
    for (const device of (await iam.send(new ListMFADevicesCommand({}))).MFADevices ?? []) {
      if (device.SerialNumber) await ignoreCodes(iam.send(new DeactivateMFADeviceCommand({ SerialNumber: device.SerialNumber })), NOT_FOUND);
    }
  },

  posture: [
    {
      id: 'root-credentials',
      title: 'The member account root user has no credentials (centralized root access)',
      evaluate: ({ have, account }) => {
        if (!have || account.management) return undefined;
        const left = [
          ...(have.password !== false ? ['password'] : []),
          ...(have.accessKeys.length > 0 ? ['access keys'] : []),
          ...(have.signingCertificates.length > 0 ? ['signing certificates'] : []),
          ...(have.mfaDevices.length > 0 ? ['MFA devices'] : []),
        ];
        return hasRootCredentials(have)
          ? { failing: left, detail: `the root user still has: ${left.join(', ')}${have.password === null ? ' (password unknown until centralized root access is enabled)' : ''}` }
          : { failing: [], detail: 'the root user has no credentials' };
      },
    },
  ],
});
