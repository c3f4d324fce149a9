import * as z from 'zod';
import { defineAccountKind, postureOutcome, type AccountReadContext } from '../core/module.js';
import type { Change } from '../core/plan.js';
import { iamAdminSection } from './iam-admin-user.js';
import { authorizationDetails, consoleState, credentialReport, findUser, iamAddress, sameName, type CredentialReportRow, AUTHORIZATION_DETAILS_READ, CREDENTIAL_REPORT_READ, CONSOLE_STATE_READ } from './iam-reads.js';

/**
 * Every IAM user who can sign in to the console (password enabled) without an MFA device is a manual step:
 * enabling a device needs the person holding it, so lz never does it. Read from the credential report,
 * which covers every user in one call; the admin user lz manages is checked live, since the report can be
 * up to four hours old and lz may have just given that user a password.
 */
export interface ConsoleMfaWant {
  /** The admin user, when the file gives it console access: listed even before it exists. */
  adminUser?: string;
}

export interface ConsoleMfaHave {
  /** Users with a console password and no MFA device. */
  withoutMfa: string[];
  /** Whether the admin user exists yet. */
  adminExists: boolean;
}

const KIND = 'console-mfa';

const MAX_KEY_AGE_DAYS = 90;
const DAY_MS = 86_400_000;

/** The finding: `fail` as detail when anything fails, `pass` otherwise. */

/**
 * The credential report's rows for users that exist. The report may name users deleted since it was
 * generated (AWS serves one up to four hours old), so only those GetAccountAuthorizationDetails still has.
 */
async function liveUsers(ctx: AccountReadContext): Promise<CredentialReportRow[]> {
  const [report, details] = await Promise.all([credentialReport(ctx), authorizationDetails(ctx)]);
  return report.users.filter((r) => findUser(details, r.user));
}

/** `key 1, 120 days` for each active key last rotated more than 90 days before `now`. */
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

export const consoleMfa = defineAccountKind<ConsoleMfaWant, ConsoleMfaHave, never>({
  kind: KIND,
  permissions: { account: [AUTHORIZATION_DETAILS_READ, CREDENTIAL_REPORT_READ, CONSOLE_STATE_READ] },
  // Only manual changes, which carry no payload.
  payload: z.never(),

  desired(account) {
    const a = iamAdminSection.of(account);
    if (!a) return undefined;
    return a.consoleAccess ? { adminUser: a.user } : {};
  },

  async read(ctx, want) {
    if (!want) return undefined;
    const [details, report] = await Promise.all([authorizationDetails(ctx), credentialReport(ctx)]);
    const withoutMfa = new Set<string>();
    for (const row of report.users) {
      // The report may name users deleted since it was generated.
      const user = findUser(details, row.user);
      if (!user || (want.adminUser && sameName(user.name, want.adminUser))) continue;
      if (row.passwordEnabled === true && !row.mfaActive) withoutMfa.add(user.name);
    }
    const admin = want.adminUser ? findUser(details, want.adminUser) : undefined;
    if (admin) {
      const state = await consoleState(ctx, admin.name);
      if (state.passwordEnabled && !state.mfaActive) withoutMfa.add(admin.name);
    }
    return { withoutMfa: [...withoutMfa].sort(), adminExists: Boolean(admin) };
  },

  diff(want, have, input) {
    if (!want) return { changes: [], unmanaged: [] };
    const account = input.account.name;
    const users = new Set(have?.withoutMfa ?? []);
    // An admin user about to be created with a console password will need a device too.
    if (want.adminUser && !have?.adminExists) users.add(want.adminUser);
    const changes: Change<never>[] = [...users].sort().map((user) => ({
      address: iamAddress.consoleMfa(account, user),
      kind: KIND,
      action: 'manual',
      step: 'IAM user can sign in to the console without MFA',
      account,
      before: { consolePassword: true, mfa: false },
      after: { consolePassword: true, mfa: true },
      instructions:
        `IAM user ${user} in ${account} can sign in to the console without MFA. ${user === want.adminUser && !have?.adminExists ? 'After apply creates the user, sign' : 'Sign'} ` +
        `in as ${user}, open Security credentials > Assign MFA device, and register a device. ` +
        'lz never does this: the device belongs to the person who signs in.',
    }));
    return { changes, unmanaged: [] };
  },

  async apply() {
    // Manual: never applied.
  },

  // The users' checks (CIS 1.10, 1.13-1.15) over every IAM user: the credential report and the
  // authorization details this module reads anyway, memoized per account.
  posture: [
    {
      id: 'console-mfa',
      cis: '1.10',
      control: 'IAM.5',
      title: 'MFA is enabled for every IAM user with a console password',
      async evaluate({ have, ctx }) {
        // Without iamAdmin this module reads nothing: the credential report answers alone.
        const withoutMfa = have ? have.withoutMfa : (await liveUsers(ctx)).filter((r) => r.passwordEnabled === true && !r.mfaActive).map((r) => r.user);
        return postureOutcome([...withoutMfa].sort(), 'every console user has MFA', `console users without MFA: ${withoutMfa.join(', ')}`);
      },
    },
    {
      id: 'one-active-key',
      cis: '1.13',
      title: 'At most one active access key per IAM user',
      async evaluate({ ctx }) {
        const twoKeys = (await liveUsers(ctx)).filter((r) => r.accessKey1Active && r.accessKey2Active).map((r) => r.user);
        return postureOutcome(twoKeys, 'no user has two active access keys', `users with two active access keys: ${twoKeys.join(', ')}`);
      },
    },
    {
      id: 'key-rotation',
      cis: '1.14',
      control: 'IAM.3',
      title: 'Access keys are rotated every 90 days or less',
      async evaluate({ ctx, now }) {
        const old = (await liveUsers(ctx)).filter((r) => oldKeys(r, now).length > 0);
        return postureOutcome(
          old.map((r) => r.user),
          `no active access key is older than ${MAX_KEY_AGE_DAYS} days`,
          `active access keys older than ${MAX_KEY_AGE_DAYS} days: ${old.map((r) => `${r.user} (${oldKeys(r, now).join(', ')})`).join(', ')}`,
        );
      },
    },
    {
      id: 'user-policies',
      cis: '1.15',
      control: 'IAM.2',
      title: 'IAM users receive permissions only through groups',
      async evaluate({ ctx }) {
        const direct = (await authorizationDetails(ctx)).users.filter((u) => u.attachedPolicies.length > 0 || u.inlinePolicies.length > 0).map((u) => u.name);
        return postureOutcome(direct, 'no policy is attached to a user', `users with policies of their own: ${direct.join(', ')}`);
      },
    },
  ],
});
