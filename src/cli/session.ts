import { resolve } from 'node:path';
import { AwsContext } from '../aws/context.js';
import { LzError } from '../errors.js';
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
}

export interface Session {
  aws: AwsContext;
  logger: Logger;
  /** `.lz/` in the working directory: journal, secrets, sandbox state. */
  workdir: string;
  close(): Promise<void>;
}

export const DEFAULT_SANDBOX_STATE = '.lz/sandbox.json';

export function parseParallelism(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new LzError('bad-option', `--parallelism must be a whole number from 1 to 256, not "${value}"`);
  }
  return n;
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
  const logger = createLogger({ level: opts.logLevel ?? io.env.LZ_LOG_LEVEL ?? 'warn', ...(opts.logFile ? { destination: resolve(io.cwd, opts.logFile) } : {}) });
  const workdir = resolve(io.cwd, '.lz');
  const region = opts.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const parallelism = parseParallelism(opts.parallelism);
  if (opts.sandbox) {
    const { startSandbox } = await import('../sandbox/index.js');
    const stateFile = resolve(io.cwd, typeof opts.sandbox === 'string' ? opts.sandbox : DEFAULT_SANDBOX_STATE);
    const sandbox = await startSandbox({ port: 0, stateFile, management: manifest.management });
    const aws = new AwsContext({
      region,
      endpoint: sandbox.endpoint,
      credentials: sandbox.managementCredentials,
      accessRole,
      parallelism,
      logger,
    });
    return {
      aws,
      logger,
      workdir,
      close: async () => {
        aws.destroy();
        await sandbox.close();
      },
    };
  }
  const aws = new AwsContext({ region, ...(opts.profile ? { profile: opts.profile } : {}), accessRole, parallelism, logger });
  return {
    aws,
    logger,
    workdir,
    close: async () => aws.destroy(),
  };
}
