import type { SandboxDelays, SandboxRuntime } from './types.js';
import type { SandboxState } from './state.js';

/**
 * AWS's windows, shortened: long enough that every run walks through them, short enough for a test suite.
 * The eventual-consistency windows are on by default (set one to 0 to turn it off).
 */
export const DEFAULT_DELAYS: SandboxDelays = {
  createAccount: 1500,
  rolePropagation: 1000,
  organizationFinalizing: 300,
  concurrentModification: 100,
  stsActivation: 200,
  serviceActivation: 200,
  regionOptIn: 1000,
  closeAccount: 1000,
  identityCenter: 500,
};

/** The settling windows off: for tests that drive the sandbox with clients that do not wait through them. */
export const NO_SETTLING = { organizationFinalizing: 0, concurrentModification: 0, stsActivation: 0, serviceActivation: 0 } as const satisfies Partial<SandboxDelays>;

/** mulberry32: a tiny, fast, seedable 32-bit PRNG. `next` returns [0, 1) and advances `state`. */
export function mulberry32(seed: number): { next(): number; state(): number } {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    state: () => a,
  };
}

const LOWER_DIGITS = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface RuntimeOptions {
  seed: number;
  delays?: Partial<SandboxDelays>;
  accountLimit?: number;
  maxCreateAccountInFlight?: number;
  persist?: () => void;
}

/**
 * The sandbox's runtime: a clock that tests can move forward, and a seeded PRNG whose position is kept in
 * `state.counters.rng`, so a sandbox reloaded from a state file continues the sequence instead of minting
 * the same ids again.
 */
export class Runtime implements SandboxRuntime {
  delays: SandboxDelays;
  accountLimit: number;
  maxCreateAccountInFlight: number;
  /** Milliseconds added to the wall clock (see advanceTime). */
  clockOffset = 0;
  private readonly persistFn: () => void;

  constructor(
    private readonly getState: () => SandboxState,
    opts: RuntimeOptions,
  ) {
    this.delays = { ...DEFAULT_DELAYS, ...(opts.delays ?? {}) };
    this.accountLimit = opts.accountLimit ?? 10;
    this.maxCreateAccountInFlight = opts.maxCreateAccountInFlight ?? 5;
    this.persistFn = opts.persist ?? (() => {});
  }

  now(): Date {
    return new Date(Date.now() + this.clockOffset);
  }

  /** Moves the sandbox clock forward (session expiry, CreateAccount completion) without waiting. */
  advanceTime(ms: number): void {
    this.clockOffset += ms;
  }

  random(): number {
    const counters = this.getState().counters;
    const prng = mulberry32(counters.rng ?? 0);
    const value = prng.next();
    counters.rng = prng.state();
    return value;
  }

  randomId(length: number, alphabet: string = LOWER_DIGITS): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.random() * alphabet.length)];
    return out;
  }

  newAccountId(): string {
    const state = this.getState();
    for (;;) {
      const id = String(100000000000 + Math.floor(this.random() * 899999999999)).padStart(12, '0');
      if (!usedIds(state).has(id)) return id;
    }
  }

  persist(): void {
    this.persistFn();
  }
}

/** Account ids handed out (including reserved ones of in-flight CreateAccount requests). */
function usedIds(state: SandboxState): Set<string> {
  const ids = new Set<string>(Object.keys(state.accounts));
  for (const r of Object.values(state.organization?.createAccountRequests ?? {})) if (r.accountId) ids.add(r.accountId);
  return ids;
}

/** Initial PRNG position for a seed (the seed itself, mixed so small seeds differ well). */
export function rngStateForSeed(seed: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0) || 1;
}
