import type { Interrupt } from './interrupt.js';

/**
 * What a command may touch of the outside world. The binary passes the real process streams; tests pass
 * buffers, so commands run in-process and their output can be asserted without spawning.
 */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** True when a person is at the terminal (progress lines, prompts). */
  isTTY: boolean;
  /** Reads one line from the person at the terminal (apply's confirmation); undefined off a TTY. */
  prompt?: (question: string) => Promise<string>;
  /** SIGINT / SIGTERM, from the CLI entry; absent in-process (nothing signals a test's command). */
  interrupt?: Interrupt;
}

export function processIO(): CliIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY && process.stdin.isTTY),
    prompt: async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

/** Collects output in memory; for tests and for commands that run other commands. */
export function bufferIO(overrides: Partial<CliIO> = {}): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    cwd: process.cwd(),
    env: { ...process.env },
    isTTY: false,
    ...overrides,
    out: () => out,
    err: () => err,
  };
}
