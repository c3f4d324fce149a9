import type { CliIO } from './io.js';

/**
 * Tells the person what is happening. On a terminal: a line per step with the elapsed time, and a
 * read counter redrawn in place; off a terminal (CI logs): plain lines, no control characters.
 */
export class Progress {
  private readonly started = Date.now();
  private counterShown = false;

  constructor(private readonly io: CliIO) {}

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
  }

  step(subject: string, step: string): void {
    this.clearCounter();
    if (this.io.isTTY) this.io.stderr(`  ${this.elapsed().padStart(7)}  ${subject.padEnd(20)} ${step}\n`);
    else this.io.stderr(`lz: [${subject}] ${step} (${this.elapsed()})\n`);
  }

  /** "Reading accounts 120/1000": only on a terminal, where it can be redrawn. */
  counter(label: string, done: number, total: number): void {
    if (!this.io.isTTY || total < 2) return;
    this.io.stderr(`\r${label} ${done}/${total} (${this.elapsed()})`);
    this.counterShown = true;
    if (done === total) this.clearCounter();
  }

  private clearCounter(): void {
    if (!this.counterShown) return;
    this.io.stderr('\r\x1b[2K');
    this.counterShown = false;
  }
}

export function useColor(io: CliIO): boolean {
  return io.isTTY && !io.env.NO_COLOR;
}
