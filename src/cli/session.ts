import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AwsContext } from '../aws/context.js';
import { LzError } from '../errors.js';
import { cannotWrite, ensureWorkdir } from '../files.js';
import { createLogger, type Logger } from '../log.js';
import type { CliIO } from './io.js';

/** The options every command that talks to AWS takes. */
export interface AwsCliOptions {
  profile?: string;
  region?: string;
  /** `--sandbox` alone is `true`; `--sandbox FILE` names the state file. */
  sandbox?: string | boolean;
  parallelism: string;
  logLevel?: string;
  logFile?: string;
  /** `--read-threads`: auto, or how many threads read member accounts besides the main one. */
  readThreads?: string;
}

export interface Session {
  aws: AwsContext;
  logger: Logger;
  /** The logger's level and file, for threads that log to the same place. */
  log: { level: string; destination?: string };
  /** `.lz/` in the working directory: journal, secrets, sandbox state. */
  workdir: string;
  close(): Promise<void>;
}

export const DEFAULT_SANDBOX_STATE = '.lz/sandbox.json';

/** A state file another process runs a sandbox over: say which, and what to do. */
export function sandboxInUse(e: unknown): never {
  const holder = (e as { holder?: { pid: number; owner: string; endpoint?: string } }).holder;
  if ((e as Error)?.name !== 'StateFileLockedError' || !holder) throw e;
  const point = holder.endpoint ? ` or point lz at it instead of --sandbox: AWS_ENDPOINT_URL=${holder.endpoint} with the credentials \`lz sandbox serve\` printed` : '';
  throw new LzError('sandbox-in-use', (e as Error).message, {
    hint: holder.pid > 0 ? `Two sandboxes over one state file would lose each other's writes. Stop process ${holder.pid} first (Ctrl-C in its terminal, or \`kill ${holder.pid}\`)${point}.` : 'Try again in a moment.',
  });
}

export function parseParallelism(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new LzError('bad-option', `--parallelism must be a whole number from 1 to 256, not "${value}"`);
  }
  return n;
}

/** AWS_MAX_ATTEMPTS, the SDK's own setting for attempts per call, as the AWS CLI reads it; lz's default otherwise. */
function parseMaxAttempts(value: string | undefined): { maxAttempts?: number } {
  if (value === undefined || value === '') return {};
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new LzError('bad-option', `AWS_MAX_ATTEMPTS must be a whole number from 1 to 20, not "${value}"`);
  return { maxAttempts: n };
}

/**
 * Builds the AWS context for one command: the management account's credentials from the SDK's default
 * chain (or --profile), or an in-process sandbox over a state file with --sandbox.
 */
export interface ManifestFacts {
  accessRole: string;
  /** The management account as the file names it: a fresh --sandbox is made to look like it. */
  management: { name: string; email: string };
}

export async function openSession(opts: AwsCliOptions, manifest: ManifestFacts, io: CliIO): Promise<Session> {
  const { accessRole } = manifest;
  const logFile = opts.logFile ? resolve(io.cwd, opts.logFile) : undefined;
  let logger: Logger;
  const log = { level: opts.logLevel ?? io.env.LZ_LOG_LEVEL ?? 'warn', ...(logFile ? { destination: logFile } : {}) };
  try {
    logger = createLogger(log);
  } catch (err) {
    if (!logFile || !(err as NodeJS.ErrnoException).code) throw err;
    throw cannotWrite(logFile, err);
  }
  const workdir = resolve(io.cwd, '.lz');
  const region = opts.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const parallelism = parseParallelism(opts.parallelism);
  const maxAttempts = parseMaxAttempts(io.env.AWS_MAX_ATTEMPTS);
  if (opts.sandbox) {
    const { startSandbox } = await import('../sandbox/index.js');
    const stateFile = resolve(io.cwd, typeof opts.sandbox === 'string' ? opts.sandbox : DEFAULT_SANDBOX_STATE);
    // A fresh organization is made only at the default place: a file named on purpose that is missing is a typo.
    if (stateFile !== resolve(io.cwd, DEFAULT_SANDBOX_STATE) && !existsSync(stateFile)) {
      throw new LzError('bad-option', `--sandbox ${String(opts.sandbox)}: there is no sandbox state at ${stateFile}`, {
        hint: `Check the path. \`--sandbox\` alone uses (and first creates) ${DEFAULT_SANDBOX_STATE}; \`lz sandbox serve --state ${String(opts.sandbox)}\` creates a new sandbox at that path.`,
      });
    }
    // The sandbox saves its state there on every change: a directory it cannot write fails now, plainly.
    ensureWorkdir(dirname(stateFile));
    const sandbox = await startSandbox({ port: 0, stateFile, management: manifest.management, owner: 'an lz command run with --sandbox' }).catch(sandboxInUse);
    const aws = new AwsContext({
      region,
      endpoint: sandbox.endpoint,
      credentials: sandbox.managementCredentials,
      accessRole,
      parallelism,
      ...maxAttempts,
      logger,
    });
    return {
      aws,
      logger,
      log,
      workdir,
      close: async () => {
        aws.destroy();
        await sandbox.close();
      },
    };
  }
  await checkProfile(opts.profile, io);
  const aws = new AwsContext({ region, ...(opts.profile ? { profile: opts.profile } : {}), accessRole, parallelism, ...maxAttempts, logger });
  return {
    aws,
    logger,
    log,
    workdir,
    close: async () => aws.destroy(),
  };
}

/**
 * A profile named by --profile or AWS_PROFILE that no shared config file holds is the person's typo: say
 * which profile and where it was looked for, instead of the chain's "Could not load credentials from any
 * providers". The files are read with the SDK's own loader (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE).
 */
async function checkProfile(flag: string | undefined, io: CliIO): Promise<void> {
  const name = flag ?? io.env.AWS_PROFILE;
  // Keys in the environment come first in the SDK's chain when no --profile is given: the profile is not read.
  if (!name || (!flag && io.env.AWS_ACCESS_KEY_ID)) return;
  const { loadSharedConfigFiles } = await import('@smithy/shared-ini-file-loader');
  const files = await loadSharedConfigFiles({ ignoreCache: true });
  if (files.configFile[name] || files.credentialsFile[name]) return;
  const where = `${io.env.AWS_CONFIG_FILE ?? '~/.aws/config'} or ${io.env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials'}`;
  throw new LzError('no-profile', `AWS profile "${name}" (from ${flag ? '--profile' : 'AWS_PROFILE'}) is not in ${where}.`, {
    hint: `Check the name (\`aws configure list-profiles\` lists them), set it up with \`aws configure sso --profile ${name}\` or \`aws configure --profile ${name}\`${flag ? '' : ', or unset AWS_PROFILE'}. To try lz without AWS, add --sandbox.`,
  });
}
