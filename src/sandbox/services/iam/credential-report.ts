import type { AccessKeyRecord, AccountRecord, SandboxState } from '../../state.js';
import { AwsError } from '../../types.js';
import type { OperationContext, OperationHandler } from '../../types.js';
import { accountOf, byName, userAccessKeys } from './common.js';

/** The credential report's columns, in AWS's order. */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

/** AWS serves the last report for four hours; GenerateCredentialReport makes a new one only after that. */
export const CREDENTIAL_REPORT_MAX_AGE_MS = 4 * 60 * 60 * 1000;

/** AWS's date format in the report: ISO-8601 to the second with +00:00. */
function reportDate(iso: string): string {
  return `${iso.slice(0, 19)}+00:00`;
}

function keyColumns(key: AccessKeyRecord | undefined): string[] {
  if (!key) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  return [
    String(key.status === 'Active'),
    reportDate(key.createDate),
    key.lastUsed ? reportDate(key.lastUsed.date) : 'N/A',
    key.lastUsed?.region ?? 'N/A',
    key.lastUsed?.serviceName ?? 'N/A',
  ];
}

function certColumns(cert: { status: string; uploadDate: string } | undefined): string[] {
  return cert ? [String(cert.status === 'Active'), reportDate(cert.uploadDate)] : ['false', 'N/A'];
}

function credentialReportCsv(state: SandboxState, account: AccountRecord): string {
  const policy = account.iam.passwordPolicy as { MaxPasswordAge?: number } | undefined;
  const root = account.root;
  const rows: string[][] = [
    [
      '<root_account>',
      `arn:aws:iam::${account.id}:root`,
      reportDate(account.createdAt),
      'not_supported',
      root.passwordPresent ? 'no_information' : 'N/A',
      'not_supported',
      'not_supported',
      String(root.mfaEnabled),
      String(root.accessKeysPresent),
      root.accessKeysPresent ? reportDate(account.createdAt) : 'N/A',
      'N/A',
      'N/A',
      'N/A',
      'false',
      'N/A',
      'N/A',
      'N/A',
      'N/A',
      ...certColumns(root.signingCertificatesPresent ? { status: 'Active', uploadDate: account.createdAt } : undefined),
      'false',
      'N/A',
    ],
  ];
  for (const u of byName(Object.values(account.iam.users), (x) => x.userName)) {
    const keys = userAccessKeys(state, account.id, u.userName).sort((a, b) => (a.createDate < b.createDate ? -1 : 1));
    const lp = u.loginProfile;
    const nextRotation = lp && policy?.MaxPasswordAge ? reportDate(new Date(Date.parse(lp.createDate) + policy.MaxPasswordAge * 86_400_000).toISOString()) : 'N/A';
    rows.push([
      u.userName,
      u.arn,
      reportDate(u.createDate),
      String(Boolean(lp)),
      lp ? 'no_information' : 'N/A',
      lp ? reportDate(lp.createDate) : 'N/A',
      nextRotation,
      String(u.mfaDevices.length > 0),
      ...keyColumns(keys[0]),
      ...keyColumns(keys[1]),
      ...certColumns(u.signingCertificates?.[0]),
      ...certColumns(u.signingCertificates?.[1]),
    ]);
  }
  return [CREDENTIAL_REPORT_COLUMNS.join(','), ...rows.map((r) => r.join(','))].join('\n');
}

function generateCredentialReport(ctx: OperationContext): Record<string, unknown> {
  const account = accountOf(ctx);
  const holder = account.iam;
  const now = ctx.runtime.now();
  const current = holder.credentialReport;
  if (current?.state === 'STARTED') {
    current.state = 'COMPLETE';
    ctx.runtime.persist();
    return { State: 'COMPLETE' };
  }
  if (current && now.getTime() - Date.parse(current.generatedTime) < CREDENTIAL_REPORT_MAX_AGE_MS) return { State: 'COMPLETE' };
  holder.credentialReport = { state: 'STARTED', generatedTime: now.toISOString(), content: credentialReportCsv(ctx.state, account) };
  ctx.runtime.persist();
  return { State: 'STARTED', Description: 'No report exists. Starting a new report generation task' };
}

function getCredentialReport(ctx: OperationContext): Record<string, unknown> {
  const account = accountOf(ctx);
  const report = account.iam.credentialReport;
  if (!report) throw new AwsError('ReportNotPresent', 'Credential report not present. Generate a credential report with GenerateCredentialReport.', 410);
  if (report.state !== 'COMPLETE') throw new AwsError('ReportInProgress', 'Credential report is being generated.', 404);
  if (ctx.runtime.now().getTime() - Date.parse(report.generatedTime) >= CREDENTIAL_REPORT_MAX_AGE_MS) {
    throw new AwsError('ReportExpired', 'Credential report has expired. Generate a new credential report with GenerateCredentialReport.', 410);
  }
  return { Content: Buffer.from(report.content, 'utf8').toString('base64'), ReportFormat: 'text/csv', GeneratedTime: new Date(report.generatedTime) };
}

export const credentialReportOperations: Record<string, OperationHandler> = {
  GenerateCredentialReport: (ctx) => generateCredentialReport(ctx),
  GetCredentialReport: (ctx) => getCredentialReport(ctx),
};
