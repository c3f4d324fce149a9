import type { Change } from '../engine/plan.js';
import { authorizationDetails, consoleState, credentialReport, findUser, iamAddress, sameName } from './iam-reads.js';
import type { AccountResource, PlanOutput } from './types.js';

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

export const consoleMfa: AccountResource<ConsoleMfaWant, ConsoleMfaHave> = {
  kind: KIND,
  scope: 'account',

  desired(account) {
    const a = account.iamAdmin;
    if (!a) return undefined;
    return a.consoleAccess ? { adminUser: a.user } : {};
  },

  async read(ctx, want) {
    if (!want) return undefined;
    const details = await authorizationDetails(ctx);
    const report = await credentialReport(ctx);
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

  diff(want, have, input): PlanOutput {
    if (!want) return { changes: [], unmanaged: [] };
    const account = input.account.name;
    const users = new Set(have?.withoutMfa ?? []);
    // An admin user about to be created with a console password will need a device too.
    if (want.adminUser && !have?.adminExists) users.add(want.adminUser);
    const changes: Change[] = [...users].sort().map((user) => ({
      address: iamAddress.consoleMfa(account, user),
      kind: KIND,
      action: 'manual',
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
};
