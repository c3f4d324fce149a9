import { readOrganization, readTags } from '../../engine/organization-snapshot.js';
import { matchAccounts } from '../../engine/match-accounts.js';
import { LzError } from '../../errors.js';
import { loadManifest } from '../../manifest/index.js';
import { acceptEmail, pendingEmail } from '../../resources/account-identity.js';
import { defaultSections } from '../../resources/registry.js';
import { EXIT_OK } from '../exit.js';
import type { CliIO } from '../io.js';
import { openSession, type AwsCliOptions } from '../session.js';

export interface AcceptEmailCliOptions extends Omit<AwsCliOptions, 'parallelism'> {
  file: string;
  otp: string;
  json?: boolean;
}

/**
 * `lz accept-email ACCOUNT --otp CODE`: completes the root email change `lz apply` started for an account of
 * the file (AcceptPrimaryEmailUpdate with the file's email), found in the organization as plan finds it.
 */
export async function acceptEmailCommand(name: string, opts: AcceptEmailCliOptions, io: CliIO): Promise<number> {
  const manifest = await loadManifest(opts.file, defaultSections, { cwd: io.cwd });
  const declared = manifest.accounts.find((a) => a.name === name);
  if (!declared) {
    throw new LzError('unknown-account', `${manifest.file} names no account ${name}.`, { hint: `Accounts in the file: ${manifest.accounts.map((a) => a.name).join(', ')}` });
  }
  if (declared.management) {
    throw new LzError('accept-email.management', `${name} is the management account: AWS changes its root email only through its root user, never with a code lz accepts.`, {
      hint: 'Sign in as its root user and change the email in Account settings (docs/lifecycle.md).',
    });
  }
  const session = await openSession({ ...opts, parallelism: '1' }, { accessRole: manifest.accessRole, management: { name: manifest.management.name, email: manifest.management.email } }, io);
  try {
    const snapshot = await readOrganization(session.aws);
    const live = matchAccounts(manifest.accounts, snapshot).matches.find((m) => m.declared.name === name)?.live;
    if (!live) {
      throw new LzError('accept-email.no-account', `No account of the organization matches ${name} (${declared.id ?? declared.email}).`, { hint: 'Run `lz plan`: it shows how the file\'s accounts match the organization\'s.' });
    }
    if (live.email.toLowerCase() === declared.email.toLowerCase()) {
      throw new LzError('accept-email.nothing-pending', `Account ${name} (${live.id}) already has root email ${live.email}: no change is pending.`, {
        hint: 'To change it, edit its email in the file and run `lz apply`, which has AWS send a code to the new address.',
      });
    }
    await readTags(session.aws, live);
    // The code went to the address apply asked for; if the file has changed since, it is not the file's.
    const pending = pendingEmail(live);
    if (pending && pending.email.toLowerCase() !== declared.email.toLowerCase()) {
      throw new LzError('accept-email.other-address', `Account ${name} (${live.id}): the pending change is to ${pending.email}, but accounts.yaml now says ${declared.email}. Nothing was changed.`, {
        hint: `run lz apply to have AWS send a code to ${declared.email}, then accept that one (or put ${pending.email} back in the file)`,
      });
    }
    await acceptEmail(session.aws, { name, id: live.id, ...(live.tags ? { tags: live.tags } : {}) }, declared.email, opts.otp);
    const result = { account: name, accountId: live.id, before: live.email, after: declared.email, status: 'ACCEPTED' };
    io.stdout(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `Account ${name} (${live.id}): root email changed from ${live.email} to ${declared.email}.\n`);
    return EXIT_OK;
  } finally {
    await session.close();
  }
}
