import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The built CLI (`npm test` builds it first), for tests that need lz as a process of its own. */
export const MAIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface Run {
  child: ChildProcess;
  out: string;
  err: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `lz ARGS` as a separate process in `dir`, pointed at the sandbox through the environment; `detached`
 * makes it a process group of its own (to kill it whole with `process.kill(-pid)`).
 */
export function lzProcess(dir: string, args: string[], detached = false): Run {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'], detached });
  const run: Run = { child, out: '', err: '', exit: undefined as never };
  child.stdout!.on('data', (d: Buffer) => (run.out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (run.err += d.toString()));
  run.exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return run;
}
