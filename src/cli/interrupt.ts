import { constants } from 'node:os';

/** How long an interrupted apply waits for the calls it has in flight before it reports and exits. */
export const INTERRUPT_GRACE_MS = 10_000;

/**
 * SIGINT / SIGTERM as a command sees them. The signal handlers live in the CLI entry (src/cli/main.ts);
 * a command that can stop cleanly (apply, holding locks) says so with `handle()` and watches `signal`,
 * whose reason is the signal's name. Without a handler the process exits at once, as it would by default.
 */
export interface Interrupt {
  signal: AbortSignal;
  /** Declares that the running command stops by itself on `signal`; returns the undo. */
  handle(): () => void;
}

/** The conventional exit code of a process ended by a signal: 128 + its number (130 SIGINT, 143 SIGTERM). */
export function signalExitCode(name: unknown): number {
  const n = typeof name === 'string' ? constants.signals[name as NodeJS.Signals] : undefined;
  return 128 + (n ?? constants.signals.SIGINT);
}

/**
 * Installs the handlers on the process: the first signal aborts a command that handles it (or exits at
 * once when none does); the second exits at once, saying what is left behind.
 */
export function installSignalHandlers(stderr: (text: string) => void): Interrupt {
  const controller = new AbortController();
  let handlers = 0;
  const onSignal = (name: NodeJS.Signals) => {
    const code = signalExitCode(name);
    if (controller.signal.aborted) {
      stderr(`\n${name} again: exiting at once. Calls in flight may or may not have been made; run \`lz apply\` again. If it is refused by the lock, check \`lz plan\`, then \`lz unlock\`.\n`);
      process.exit(code);
    }
    if (handlers === 0) process.exit(code);
    stderr(`\n${name}: starting no new change; waiting up to ${INTERRUPT_GRACE_MS / 1000} s for the calls in flight, then releasing the lock. Press Ctrl-C again to exit at once.\n`);
    controller.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    handle: () => {
      handlers++;
      return () => {
        handlers--;
      };
    },
  };
}
