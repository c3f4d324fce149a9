import type { PasswordPolicyState } from '../resources/password-policy.js';
import type { Contacts } from '../resources/alternate-contacts.js';
import type { BudgetsRead } from '../resources/budget-model.js';
import type { ConsoleMfaHave } from '../resources/console-mfa.js';
import { authorizationDetails, credentialReport, findUser, type CredentialReportRow } from '../resources/iam-reads.js';
import { accountSummary, type RootUserState } from '../resources/root-user.js';
import { trailPosture } from '../resources/organization-trail.js';
import { hasRootCredentials, type RootCredentials } from '../resources/root-credentials.js';
import type { AccountInspection } from './planner.js';

/**
 * Posture findings for `lz drift`: CIS AWS Foundations Benchmark v3.0 checks (with their AWS Security Hub
 * control ids) that hold or fail in each account, whatever the file says. They are evaluated over what
 * the plan already read in that account (the planner's `inspectAccount` hook hands over the modules' read
 * results and the account's read memo), so the credential report, GetAccountAuthorizationDetails and
 * GetAccountSummary are read at most once per account per run, by whichever asks first.
 */
export interface PostureCheck {
  /** Stable id, used in JSON and JUnit output. */
  id: string;
  /** CIS AWS Foundations Benchmark v3.0 recommendation. */
  cis?: string;
  /** AWS Security Hub control id. */
  control?: string;
  title: string;
}

export const CHECKS = {
  securityContact: { id: 'security-contact', cis: '1.2', control: 'Account.1', title: 'Security contact information is registered' },
  rootAccessKeys: { id: 'root-access-keys', cis: '1.4', control: 'IAM.4', title: 'No root user access keys exist' },
  rootMfa: { id: 'root-mfa', cis: '1.5', control: 'IAM.9', title: 'MFA is enabled for the root user' },
  passwordLength: { id: 'password-length', cis: '1.8', control: 'IAM.15', title: 'Password policy requires a minimum length of 14 or more' },
  passwordReuse: { id: 'password-reuse', cis: '1.9', control: 'IAM.16', title: 'Password policy prevents password reuse (24)' },
  consoleMfa: { id: 'console-mfa', cis: '1.10', control: 'IAM.5', title: 'MFA is enabled for every IAM user with a console password' },
  oneActiveKey: { id: 'one-active-key', cis: '1.13', title: 'At most one active access key per IAM user' },
  keyRotation: { id: 'key-rotation', cis: '1.14', control: 'IAM.3', title: 'Access keys are rotated every 90 days or less' },
  userPolicies: { id: 'user-policies', cis: '1.15', control: 'IAM.2', title: 'IAM users receive permissions only through groups' },
  budget: { id: 'budget', title: 'Every budget accounts.yaml declares exists' },
  // Evaluated only when accounts.yaml asks for an organization trail (organization.trail).
  cloudTrail: { id: 'cloudtrail', cis: '3.1', control: 'CloudTrail.1', title: 'A multi-Region CloudTrail trail is logging (the organization trail covers every account)' },
  logFileValidation: { id: 'cloudtrail-log-file-validation', cis: '3.2', control: 'CloudTrail.4', title: 'CloudTrail log file validation is enabled' },
  // Evaluated only for member accounts marked rootCredentials: delete.
  rootCredentials: { id: 'root-credentials', title: 'The member account root user has no credentials (centralized root access)' },
} as const satisfies Record<string, PostureCheck>;

export type CheckStatus = 'pass' | 'fail';

export interface CheckResult {
  check: string;
  cis?: string;
  control?: string;
  title: string;
  /** Manifest account name. */
  account: string;
  accountId: string;
  status: CheckStatus;
  /** What was found, for a person. */
  detail: string;
  /** What fails (user names, budget names), empty when it passes. */
  resources: string[];
}

/** `CIS 1.4 / IAM.4`, or whichever of the two a check has. */
export function checkLabel(c: Pick<PostureCheck, 'cis' | 'control' | 'id'>): string {
  const parts = [c.cis ? `CIS ${c.cis}` : undefined, c.control].filter((x): x is string => Boolean(x));
  return parts.length > 0 ? parts.join(' / ') : c.id;
}

const MAX_KEY_AGE_DAYS = 90;
const DAY_MS = 86_400_000;

/** Evaluates every check in one account. `now` is injectable for tests of key age. */
export async function evaluatePosture(input: AccountInspection, now: Date = new Date()): Promise<CheckResult[]> {
  const { account, accountId, ctx, haves } = input;
  const results: CheckResult[] = [];
  const add = (check: PostureCheck, failing: string[], passDetail: string, failDetail: string) =>
    results.push({
      check: check.id,
      ...(check.cis ? { cis: check.cis } : {}),
      ...(check.control ? { control: check.control } : {}),
      title: check.title,
      account: account.name,
      accountId,
      status: failing.length > 0 ? 'fail' : 'pass',
      detail: failing.length > 0 ? failDetail : passDetail,
      resources: failing,
    });

  // Root user: the root-user module's GetAccountSummary (memoized, so asking again costs nothing).
  const root = (haves.get('root-user') as RootUserState | undefined) ?? rootFromSummary((await accountSummary(ctx)).SummaryMap ?? {});
  // Users: the credential report and the authorization details the IAM modules read (memoized).
  const [report, details] = await Promise.all([credentialReport(ctx), authorizationDetails(ctx)]);
  // The report may name users deleted since it was generated (AWS serves one up to four hours old).
  const users = report.users.filter((r) => findUser(details, r.user));

  const contacts = haves.get('alternate-contacts') as Contacts | undefined;
  add(CHECKS.securityContact, contacts?.security ? [] : ['security contact'], `security contact ${contacts?.security?.email ?? ''}`.trim(), 'no security alternate contact is registered');

  add(CHECKS.rootAccessKeys, root.accessKeysPresent ? ['root'] : [], 'the root user has no access keys', 'the root user has access keys');
  add(CHECKS.rootMfa, root.mfaEnabled ? [] : ['root'], 'the root user has MFA', 'the root user has no MFA device');

  const policy = haves.get('password-policy') as PasswordPolicyState | undefined;
  add(
    CHECKS.passwordLength,
    !policy || policy.minimumLength < 14 ? ['password policy'] : [],
    `minimum length ${policy?.minimumLength ?? ''}`,
    policy ? `minimum length is ${policy.minimumLength} (needs 14 or more)` : 'no password policy (AWS default: 8 characters)',
  );
  add(
    CHECKS.passwordReuse,
    !policy || policy.reusePrevention < 24 ? ['password policy'] : [],
    `reuse prevention ${policy?.reusePrevention ?? ''}`,
    policy ? `reuse prevention is ${policy.reusePrevention || 'off'} (needs 24)` : 'no password policy (reuse allowed)',
  );

  const consoleHave = haves.get('console-mfa') as ConsoleMfaHave | undefined;
  const withoutMfa = consoleHave ? consoleHave.withoutMfa : users.filter((r) => r.passwordEnabled === true && !r.mfaActive).map((r) => r.user);
  add(CHECKS.consoleMfa, [...withoutMfa].sort(), 'every console user has MFA', `console users without MFA: ${withoutMfa.join(', ')}`);

  const twoKeys = users.filter((r) => r.accessKey1Active && r.accessKey2Active).map((r) => r.user);
  add(CHECKS.oneActiveKey, twoKeys, 'no user has two active access keys', `users with two active access keys: ${twoKeys.join(', ')}`);

  const old = users.filter((r) => oldKeys(r, now).length > 0);
  add(
    CHECKS.keyRotation,
    old.map((r) => r.user),
    `no active access key is older than ${MAX_KEY_AGE_DAYS} days`,
    `active access keys older than ${MAX_KEY_AGE_DAYS} days: ${old.map((r) => `${r.user} (${oldKeys(r, now).join(', ')})`).join(', ')}`,
  );

  const direct = details.users.filter((u) => u.attachedPolicies.length > 0 || u.inlinePolicies.length > 0).map((u) => u.name);
  add(CHECKS.userPolicies, direct, 'no policy is attached to a user', `users with policies of their own: ${direct.join(', ')}`);

  if (account.budgets.length > 0) {
    const live = new Set(((haves.get('budget') as BudgetsRead | undefined)?.budgets ?? []).map((b) => b.name));
    const missing = account.budgets.map((b) => b.name).filter((n) => !live.has(n));
    add(CHECKS.budget, missing, `budgets present: ${account.budgets.map((b) => b.name).join(', ')}`, `budgets missing: ${missing.join(', ')}`);
  }

  if (input.manifest?.manifest.organization.trail?.enabled) {
    const trails = await trailPosture(ctx);
    const logging = trails.loggingMultiRegion.map((t) => t.name);
    add(
      CHECKS.cloudTrail,
      logging.length > 0 ? [] : ['cloudtrail'],
      `multi-Region trail logging: ${logging.join(', ')}`,
      trails.stopped.length > 0 ? `multi-Region trail not logging: ${trails.stopped.join(', ')}` : 'no multi-Region trail',
    );
    const unvalidated = trails.loggingMultiRegion.filter((t) => !t.logFileValidation).map((t) => t.name);
    add(
      CHECKS.logFileValidation,
      logging.length === 0 ? ['cloudtrail'] : unvalidated,
      'log file validation is on',
      logging.length === 0 ? 'no multi-Region trail is logging' : `trails without log file validation: ${unvalidated.join(', ')}`,
    );
  }

  const rootCredentials = haves.get('root-credentials') as RootCredentials | undefined;
  if (rootCredentials && !account.management) {
    const left = [...(rootCredentials.password !== false ? ['password'] : []), ...(rootCredentials.accessKeys.length > 0 ? ['access keys'] : []), ...(rootCredentials.mfaDevices.length > 0 ? ['MFA devices'] : [])];
    add(CHECKS.rootCredentials, hasRootCredentials(rootCredentials) ? left : [], 'the root user has no credentials', `the root user still has: ${left.join(', ')}${rootCredentials.password === null ? ' (password unknown until centralized root access is enabled)' : ''}`);
  }
  return results;
}

function rootFromSummary(summary: Record<string, number>): RootUserState {
  return { mfaEnabled: summary.AccountMFAEnabled === 1, accessKeysPresent: (summary.AccountAccessKeysPresent ?? 0) > 0 };
}

/** `key 1 (120 days)` for each active key last rotated more than 90 days before `now`. */
function oldKeys(row: CredentialReportRow, now: Date): string[] {
  const out: string[] = [];
  const keys: [boolean, string | undefined][] = [
    [row.accessKey1Active, row.accessKey1LastRotated],
    [row.accessKey2Active, row.accessKey2LastRotated],
  ];
  keys.forEach(([active, rotated], i) => {
    if (!active || !rotated) return;
    const age = Math.floor((now.getTime() - Date.parse(rotated)) / DAY_MS);
    if (age > MAX_KEY_AGE_DAYS) out.push(`key ${i + 1}, ${age} days`);
  });
  return out;
}

/** Failing results only. */
export const failing = (results: readonly CheckResult[]): CheckResult[] => results.filter((r) => r.status === 'fail');
