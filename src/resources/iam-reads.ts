import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  ListMFADevicesCommand,
  paginateGetAccountAuthorizationDetails,
  type EntityType,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { NOT_FOUND, ignoreCodes } from '../aws/aws-errors.js';
import type { AccountReadContext } from '../core/module.js';
import { reads } from '../core/permissions.js';
import { MANAGED_BY_TAG } from '../core/reconcile.js';

/**
 * The IAM reads the account baseline shares. At scale the number of calls per account is the cost, so the
 * IAM modules read an account's users, groups and customer-managed policies with one paginated
 * GetAccountAuthorizationDetails, and console/MFA/access-key facts from the credential report, each once per
 * account per plan (`ctx.memo`).
 */

/** The MANAGED_BY_TAG value on the IAM user lz manages, so that a user the file no longer names can still be found. */
export const MANAGED_TAG_VALUE = 'iam-admin-user';
/** IAM groups cannot be tagged: the user lz manages names its group. */
export const GROUP_TAG = 'lz:group';
/** Customer-managed policies lz creates start their description with this (GAAD returns descriptions, not tags). */
export const POLICY_MARKER = 'Managed by lz:';
/** IAM's answer to creating what exists already (made by an earlier run, or by hand, since the plan). */
export const ALREADY_EXISTS = ['EntityAlreadyExistsException', 'EntityAlreadyExists'] as const;

export interface AttachedPolicyRef {
  name: string;
  arn: string;
}

export interface IamUserView {
  name: string;
  arn: string;
  createDate?: Date;
  groups: string[];
  attachedPolicies: AttachedPolicyRef[];
  inlinePolicies: string[];
  tags: Record<string, string>;
}

export interface IamGroupView {
  name: string;
  arn: string;
  attachedPolicies: AttachedPolicyRef[];
  inlinePolicies: string[];
  /** Users whose GroupList names this group. */
  members: string[];
}

export interface PolicyVersionView {
  id: string;
  isDefault: boolean;
  createDate?: Date;
  /** The document, URL-decoded (IAM returns documents URL-encoded) and parsed. */
  document: unknown;
}

export interface IamPolicyView {
  name: string;
  arn: string;
  description?: string;
  defaultVersionId?: string;
  versions: PolicyVersionView[];
}

export interface AuthorizationDetails {
  users: IamUserView[];
  groups: IamGroupView[];
  policies: IamPolicyView[];
}

/** IAM names are unique case-insensitively. */
export const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function findUser(details: AuthorizationDetails, name: string): IamUserView | undefined {
  return details.users.find((u) => sameName(u.name, name));
}
export function findGroup(details: AuthorizationDetails, name: string): IamGroupView | undefined {
  return details.groups.find((g) => sameName(g.name, name));
}
export function findPolicyByName(details: AuthorizationDetails, name: string): IamPolicyView | undefined {
  return details.policies.find((p) => sameName(p.name, name));
}

/** IAM returns policy documents URL-encoded (RFC 3986); anything that does not parse is kept as text. */
export function decodePolicyDocument(encoded: string | undefined): unknown {
  if (encoded === undefined) return undefined;
  let text = encoded;
  try {
    text = decodeURIComponent(encoded);
  } catch {
    // Already decoded.
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One paginated GetAccountAuthorizationDetails (users, groups, customer-managed policies), not memoized. */
export async function fetchAuthorizationDetails(iam: IAMClient, filter: EntityType[] = ['User', 'Group', 'LocalManagedPolicy']): Promise<AuthorizationDetails> {
  const users: IamUserView[] = [];
  const groups: IamGroupView[] = [];
  const policies: IamPolicyView[] = [];
  for await (const page of paginateGetAccountAuthorizationDetails({ client: iam, pageSize: 1000 }, { Filter: filter })) {
    for (const u of page.UserDetailList ?? []) {
      users.push({
        name: u.UserName ?? '',
        arn: u.Arn ?? '',
        createDate: u.CreateDate,
        groups: u.GroupList ?? [],
        attachedPolicies: (u.AttachedManagedPolicies ?? []).map((p) => ({ name: p.PolicyName ?? '', arn: p.PolicyArn ?? '' })),
        inlinePolicies: (u.UserPolicyList ?? []).map((p) => p.PolicyName ?? ''),
        tags: Object.fromEntries((u.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      });
    }
    for (const g of page.GroupDetailList ?? []) {
      groups.push({
        name: g.GroupName ?? '',
        arn: g.Arn ?? '',
        attachedPolicies: (g.AttachedManagedPolicies ?? []).map((p) => ({ name: p.PolicyName ?? '', arn: p.PolicyArn ?? '' })),
        inlinePolicies: (g.GroupPolicyList ?? []).map((p) => p.PolicyName ?? ''),
        members: [],
      });
    }
    for (const p of page.Policies ?? []) {
      policies.push({
        name: p.PolicyName ?? '',
        arn: p.Arn ?? '',
        ...(p.Description !== undefined ? { description: p.Description } : {}),
        ...(p.DefaultVersionId !== undefined ? { defaultVersionId: p.DefaultVersionId } : {}),
        versions: (p.PolicyVersionList ?? []).map((v) => ({
          id: v.VersionId ?? '',
          isDefault: Boolean(v.IsDefaultVersion),
          createDate: v.CreateDate,
          document: decodePolicyDocument(v.Document),
        })),
      });
    }
  }
  for (const g of groups) g.members = users.filter((u) => u.groups.some((n) => sameName(n, g.name))).map((u) => u.name);
  return { users, groups, policies };
}

/** What `authorizationDetails` calls; every kind that reads through it declares it. */
export const AUTHORIZATION_DETAILS_READ = reads('iam:GetAccountAuthorizationDetails');

/** The account's users, groups and customer-managed policies: one read per account per plan. */
export function authorizationDetails(ctx: AccountReadContext): Promise<AuthorizationDetails> {
  return ctx.memo('iam:authorization-details', () => fetchAuthorizationDetails(ctx.clients.iam));
}

// ---- the credential report ---------------------------------------------------------------------------------

export interface CredentialReportRow {
  user: string;
  arn: string;
  /** 'not_supported' for the root user. */
  passwordEnabled: boolean | 'not_supported';
  mfaActive: boolean;
  accessKey1Active: boolean;
  accessKey1LastRotated?: string;
  accessKey2Active: boolean;
  accessKey2LastRotated?: string;
  /** Every column as AWS wrote it, for modules that need one not parsed here. */
  raw: Record<string, string>;
}

export interface CredentialReport {
  generatedTime?: Date;
  users: CredentialReportRow[];
  /** The `<root_account>` row. */
  root?: CredentialReportRow;
}

/** Parses the report's CSV (AWS quotes nothing in it: no column can hold a comma). */
export function parseCredentialReport(csv: string, generatedTime?: Date): CredentialReport {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split(',');
  const report: CredentialReport = { ...(generatedTime ? { generatedTime } : {}), users: [] };
  const date = (v: string | undefined) => (v && /^\d{4}-/.test(v) ? v : undefined);
  for (const line of lines) {
    const values = line.split(',');
    const raw = Object.fromEntries(header.map((h, i) => [h, values[i] ?? '']));
    const row: CredentialReportRow = {
      user: raw.user ?? '',
      arn: raw.arn ?? '',
      passwordEnabled: raw.password_enabled === 'not_supported' ? 'not_supported' : raw.password_enabled === 'true',
      mfaActive: raw.mfa_active === 'true',
      accessKey1Active: raw.access_key_1_active === 'true',
      accessKey2Active: raw.access_key_2_active === 'true',
      raw,
    };
    const k1 = date(raw.access_key_1_last_rotated);
    const k2 = date(raw.access_key_2_last_rotated);
    if (k1) row.accessKey1LastRotated = k1;
    if (k2) row.accessKey2LastRotated = k2;
    if (row.user === '<root_account>') report.root = row;
    else report.users.push(row);
  }
  return report;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ReportWait {
  /** First pause between polls; doubles up to maxInterval. */
  interval: number;
  maxInterval: number;
  /** Give up after this long. */
  timeout: number;
}

const DEFAULT_WAIT: ReportWait = { interval: 100, maxInterval: 2000, timeout: 120_000 };

/**
 * The account's credential report. AWS keeps a report for four hours, and a plan run again within that
 * time finds it with one GetCredentialReport; otherwise GenerateCredentialReport until COMPLETE, then read
 * it. Rows can be older than the rest of the plan: modules that need a fresh fact about one user (see
 * `consoleState`) ask IAM directly.
 */
export async function fetchCredentialReport(iam: IAMClient, wait: ReportWait = DEFAULT_WAIT): Promise<CredentialReport> {
  const deadline = Date.now() + wait.timeout;
  let pause = wait.interval;
  const nap = async () => {
    if (Date.now() + pause > deadline) throw new Error('IAM did not finish generating the credential report in time; run the plan again.');
    await sleep(pause);
    pause = Math.min(pause * 2, wait.maxInterval);
  };
  const read = async (): Promise<CredentialReport | undefined> => {
    const report = await ignoreCodes(iam.send(new GetCredentialReportCommand({})), REPORT_NOT_READY);
    return report && parseCredentialReport(Buffer.from(report.Content ?? new Uint8Array()).toString('utf8'), report.GeneratedTime);
  };
  const existing = await read();
  if (existing) return existing;
  for (;;) {
    const generated = await iam.send(new GenerateCredentialReportCommand({}));
    if (generated.State === 'COMPLETE') {
      const report = await read();
      if (report) return report;
    }
    await nap();
  }
}

/** GetCredentialReport's ways of saying "no usable report yet" (the SDK's class names and the raw codes). */
const REPORT_NOT_READY = [
  'CredentialReportNotReadyException',
  'CredentialReportExpiredException',
  'CredentialReportNotPresentException',
  'ReportInProgress',
  'ReportExpired',
  'ReportNotPresent',
];

/** What `credentialReport` calls. */
export const CREDENTIAL_REPORT_READ = reads('iam:GenerateCredentialReport', 'iam:GetCredentialReport');

/** The account's credential report: one generation/read per account per plan. */
export function credentialReport(ctx: AccountReadContext): Promise<CredentialReport> {
  return ctx.memo('iam:credential-report', () => fetchCredentialReport(ctx.clients.iam));
}

/** What `consoleState` calls, on top of the two reads above. */
export const CONSOLE_STATE_READ = reads('iam:GetLoginProfile', 'iam:ListMFADevices');

export interface ConsoleState {
  passwordEnabled: boolean;
  /** Only meaningful when passwordEnabled. */
  mfaActive: boolean;
}

/**
 * Whether one user has a console password and an MFA device, now. The credential report answers for free
 * when it says yes; a "no" may be up to four hours old (a login profile lz just created, a device the person
 * just enabled), so it is checked with GetLoginProfile / ListMFADevices: at most two calls, for the one user
 * lz manages, and only while something is still to be done.
 */
export function consoleState(ctx: AccountReadContext, userName: string): Promise<ConsoleState> {
  return ctx.memo(`iam:console-state:${userName.toLowerCase()}`, async () => {
    const details = await authorizationDetails(ctx);
    if (!findUser(details, userName)) return { passwordEnabled: false, mfaActive: false };
    const row = (await credentialReport(ctx)).users.find((r) => sameName(r.user, userName));
    const passwordEnabled = row?.passwordEnabled === true || (await ignoreCodes(ctx.clients.iam.send(new GetLoginProfileCommand({ UserName: userName })), NOT_FOUND)) !== undefined;
    if (!passwordEnabled) return { passwordEnabled, mfaActive: false };
    if (row?.mfaActive) return { passwordEnabled, mfaActive: true };
    const devices = await ctx.clients.iam.send(new ListMFADevicesCommand({ UserName: userName }));
    return { passwordEnabled, mfaActive: (devices.MFADevices ?? []).length > 0 };
  });
}

// ---- what lz manages, and where it shows in the plan ---------------------------------------------------------

export const iamAddress = {
  group: (account: string) => `${account}.iam-admin-group`,
  retiredGroup: (account: string, name: string) => `${account}.iam-admin-group.${name}`,
  user: (account: string) => `${account}.iam-admin-user`,
  retiredUser: (account: string, name: string) => `${account}.iam-admin-user.${name}`,
  mfaPolicy: (account: string) => `${account}.mfa-policy`,
  retiredMfaPolicy: (account: string, name: string) => `${account}.mfa-policy.${name}`,
  consoleMfa: (account: string, user: string) => `${account}.console-mfa.${user}`,
};

/** Users lz made or adopted as an account's admin user (tagged), whatever the file says now. */
export function managedUsers(details: AuthorizationDetails): IamUserView[] {
  return details.users.filter((u) => u.tags[MANAGED_BY_TAG] === MANAGED_TAG_VALUE);
}

/** Groups named by a managed user's `lz:group` tag (IAM groups cannot carry tags of their own). */
export function managedGroups(details: AuthorizationDetails): IamGroupView[] {
  const names = managedUsers(details).flatMap((u) => (u.tags[GROUP_TAG] ? [u.tags[GROUP_TAG]] : []));
  return details.groups.filter((g) => names.some((n) => sameName(n, g.name)));
}

/** Customer-managed policies lz created (their description starts with POLICY_MARKER). */
export function managedPolicies(details: AuthorizationDetails): IamPolicyView[] {
  return details.policies.filter((p) => (p.description ?? '').startsWith(POLICY_MARKER));
}
