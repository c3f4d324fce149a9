import { mulberry32 } from './runtime.js';

/** Injected failures, deterministic from `seed`. Fractions are in [0, 1]; times in milliseconds. */
export interface FaultOptions {
  seed?: number;
  /** Fraction of requests answered 500 InternalFailure / 503 ServiceUnavailable (before the handler runs). */
  errors?: number;
  /** Fraction of requests whose connection is reset before the handler runs. */
  resets?: number;
  /** Fraction of requests whose connection is reset AFTER the handler ran (the write happened, no answer). */
  resetAfter?: number;
  /** Fixed latency added to every request. */
  latency?: number;
  /** Random extra latency in [0, jitter). */
  jitter?: number;
  /** Only these services are faulted (signing names); default all. */
  services?: string[];
}

export type FaultDecision =
  | { kind: 'none'; delay: number; resetAfter: boolean }
  | { kind: 'error'; delay: number; status: 500 | 503 }
  | { kind: 'reset'; delay: number };

export class FaultInjector {
  private readonly prng;

  constructor(readonly options: FaultOptions = {}) {
    this.prng = mulberry32(options.seed ?? 1);
  }

  get active(): boolean {
    const o = this.options;
    return Boolean(o.errors || o.resets || o.resetAfter || o.latency || o.jitter);
  }

  decide(service: string): FaultDecision {
    const o = this.options;
    if (!this.active || (o.services && !o.services.includes(service))) return { kind: 'none', delay: 0, resetAfter: false };
    const delay = (o.latency ?? 0) + (o.jitter ? this.prng.next() * o.jitter : 0);
    const r = this.prng.next();
    const resets = o.resets ?? 0;
    const errors = o.errors ?? 0;
    if (r < resets) return { kind: 'reset', delay };
    if (r < resets + errors) return { kind: 'error', delay, status: this.prng.next() < 0.5 ? 500 : 503 };
    const after = (o.resetAfter ?? 0) > 0 && this.prng.next() < (o.resetAfter ?? 0);
    return { kind: 'none', delay, resetAfter: after };
  }
}

/** Parses `errors=0.05,resets=0.01,latency=30,jitter=10,seed=7` (the CLI's --faults). */
export function parseFaultSpec(spec: string): FaultOptions {
  const out: FaultOptions = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = part.split('=', 2);
    if (k === 'services') {
      out.services = (v ?? '').split('+').filter(Boolean);
      continue;
    }
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`invalid fault option '${part}': expected name=number`);
    switch (k) {
      case 'errors':
      case 'resets':
      case 'resetAfter':
        if (n > 1) throw new Error(`fault '${k}' is a fraction between 0 and 1, got ${v}`);
        out[k] = n;
        break;
      case 'latency':
      case 'jitter':
      case 'seed':
        out[k] = n;
        break;
      default:
        throw new Error(`unknown fault option '${k}' (known: errors, resets, resetAfter, latency, jitter, seed, services)`);
    }
  }
  return out;
}
