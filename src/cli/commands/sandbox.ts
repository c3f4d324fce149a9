import { resolve } from 'node:path';
import { LzError } from '../../errors.js';
import type { CliIO } from '../io.js';

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
  const { startSandbox } = await import('../../sandbox/index.js');
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
  const sandbox = await startSandbox({ port, seed, stateFile, faults, quotas: opts.quotas ?? false });
  const c = sandbox.managementCredentials;
  io.stdout(`export AWS_ENDPOINT_URL=${sandbox.endpoint} AWS_ACCESS_KEY_ID=${c.accessKeyId} AWS_SECRET_ACCESS_KEY=${c.secretAccessKey} AWS_REGION=us-east-1\n`);
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
  const removed = resetStateFile(stateFile);
  io.stdout(removed ? `Removed ${stateFile}; the next sandbox starts empty.\n` : `No sandbox state at ${stateFile}; nothing to reset.\n`);
  return 0;
}
