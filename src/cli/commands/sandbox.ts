import { resolve } from 'node:path';
import { LzError } from '../../errors.js';
import type { CliIO } from '../io.js';
import { sandboxInUse } from '../session.js';

export interface SandboxServeOptions {
  port?: string;
  state?: string;
  seed?: string;
  faults?: string;
  quotas?: boolean;
}

function intOption(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new LzError('usage', `--${name} must be an integer between ${min} and ${max}, got '${value}'`);
  return n;
}

/**
 * `lz sandbox serve`: the sandbox on 127.0.0.1 until SIGINT/SIGTERM. Prints the environment that points
 * any AWS SDK or the AWS CLI at it. `signal` lets tests stop it without a process signal.
 */
export async function sandboxServeCommand(opts: SandboxServeOptions, io: CliIO, signal?: AbortSignal): Promise<number> {
  const { startSandbox, githubOidcKey } = await import('../../sandbox/index.js');
  const { parseFaultSpec } = await import('../../sandbox/faults.js');
  let faults;
  try {
    faults = opts.faults ? parseFaultSpec(opts.faults) : undefined;
  } catch (e) {
    throw new LzError('usage', `--faults: ${(e as Error).message}`, { hint: 'e.g. --faults errors=0.05,resets=0.01,latency=30,jitter=10,seed=7' });
  }
  const port = intOption('port', opts.port, 4566, 0, 65535);
  const seed = intOption('seed', opts.seed, 1, 0, 2 ** 31 - 1);
  const stateFile = resolve(io.cwd, opts.state ?? '.lz/sandbox.json');
  const sandbox = await startSandbox({ port, seed, stateFile, faults, quotas: opts.quotas ?? false, owner: 'lz sandbox serve' }).catch(sandboxInUse);
  // `lz sandbox oidc-token` reads GitHub's issuer key from the state file: make it while this process owns the file.
  if (!sandbox.state.githubOidcKey) {
    githubOidcKey(sandbox.state);
    sandbox.persist();
  }
  const c = sandbox.managementCredentials;
  io.stdout(`export AWS_ENDPOINT_URL=${sandbox.endpoint} AWS_ACCESS_KEY_ID=${c.accessKeyId} AWS_SECRET_ACCESS_KEY=${c.secretAccessKey} AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1\n`);
  io.stderr(`sandbox: serving on ${sandbox.endpoint} (management account ${sandbox.managementAccountId}, state ${stateFile}); Ctrl-C to stop\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    signal?.addEventListener('abort', stop);
    if (signal?.aborted) stop();
  });
  await sandbox.close();
  io.stderr('sandbox: stopped\n');
  return 0;
}

/** `lz sandbox reset`: forget the sandbox's organization (deletes the state file). */
export async function sandboxResetCommand(opts: { state?: string }, io: CliIO): Promise<number> {
  const { resetStateFile } = await import('../../sandbox/index.js');
  const stateFile = resolve(io.cwd, opts.state ?? '.lz/sandbox.json');
  let removed: boolean;
  try {
    removed = resetStateFile(stateFile);
  } catch (e) {
    sandboxInUse(e);
  }
  io.stdout(removed ? `Removed ${stateFile}; the next sandbox starts empty.\n` : `No sandbox state at ${stateFile}; nothing to reset.\n`);
  return 0;
}

/**
 * `lz sandbox otp ACCOUNT_ID`: the one-time code of the account's pending primary email update, read from the
 * state file. On AWS it arrives by email at the new address; the sandbox sends no mail, so this is where a
 * person (or a script driving `lz accept-email`) finds it.
 */
export async function sandboxOtpCommand(accountId: string, opts: { state?: string }, io: CliIO): Promise<number> {
  const { loadStateFile, pendingPrimaryEmailOtp } = await import('../../sandbox/index.js');
  const stateFile = resolve(io.cwd, opts.state ?? '.lz/sandbox.json');
  if (!/^\d{12}$/.test(accountId)) throw new LzError('usage', `ACCOUNT_ID must be a 12-digit account id, got '${accountId}'`);
  const state = loadStateFile(stateFile);
  if (!state) throw new LzError('usage', `No sandbox state at ${stateFile}.`, { hint: 'Start one with `lz sandbox serve`, or name its file with --state FILE.' });
  const account = state.accounts[accountId];
  if (!account) throw new LzError('usage', `The sandbox at ${stateFile} has no account ${accountId}.`);
  const otp = pendingPrimaryEmailOtp(account, new Date());
  if (!otp) {
    throw new LzError('usage', `Account ${accountId} has no pending primary email update (or its code has expired).`, {
      hint: 'StartPrimaryEmailUpdate (lz\'s root email change) sends a new code.',
    });
  }
  io.stdout(`${otp}\n`);
  return 0;
}

/**
 * `lz sandbox oidc-token --sub S`: a GitHub Actions OIDC token signed with the key the sandbox holds for
 * GitHub's issuer (made by `lz sandbox serve`), for AWS_WEB_IDENTITY_TOKEN_FILE or AssumeRoleWithWebIdentity.
 */
export async function sandboxOidcTokenCommand(opts: { sub: string; aud: string; expiresIn: string; state?: string }, io: CliIO): Promise<number> {
  const { loadStateFile, mintGithubOidcToken } = await import('../../sandbox/index.js');
  const stateFile = resolve(io.cwd, opts.state ?? '.lz/sandbox.json');
  const expiresInSeconds = intOption('expires-in', opts.expiresIn, 300, -86_400, 86_400);
  const state = loadStateFile(stateFile);
  if (!state?.githubOidcKey) {
    throw new LzError('usage', `No sandbox OIDC signing key in ${stateFile}.`, { hint: '`lz sandbox serve` makes one when it starts; start it (with --state FILE if it is elsewhere).' });
  }
  // The sandbox's clock is the machine's in a served sandbox (tests move only in-process ones).
  io.stdout(`${mintGithubOidcToken(state, new Date(), { sub: opts.sub, aud: opts.aud, expiresInSeconds })}\n`);
  return 0;
}
