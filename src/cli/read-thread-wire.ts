/**
 * What the main thread and a read thread (src/cli/read-threads.ts) say to each other. Messages are
 * structured clones: plain data, Dates and Maps pass; an error's class, its symbol-keyed call tag and any
 * function do not, so errors cross as `WireError` and are rebuilt on the other side.
 */
import { callOf, tagCall, type AwsCall } from '../call-errors.js';
import { LzError, type SourceLocation } from '../errors.js';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { SharedQuota } from '../aws/context.js';
import type { AccountJob, AccountPlanOutput } from '../engine/planner.js';
import type { CheckResult } from '../engine/posture.js';

/** How a read thread is started: everything it needs to build the run's context for itself. */
export interface ReadThreadSetup {
  manifest: { text: string; file: string; dir: string };
  aws: { region: string; endpoint?: string; profile?: string; accessRole: string; parallelism: number; maxAttempts?: number };
  log: { level: string; destination?: string };
  /** Evaluate drift's posture checks in each account read, over what was read. */
  inspect: boolean;
}

/** Main thread to read thread. */
export type ToThread = { type: 'job'; id: number; job: AccountJob; session: AccountSession } | { type: 'answer'; id: number; value?: unknown; error?: WireError };

/** The account's session as the main thread got it (or its refusal), sent with the job: no question needed. */
export type AccountSession = { identity: AwsCredentialIdentity; error?: undefined } | { error: WireError };

/** What a read thread asks of the run's main thread. */
export type Question =
  | { what: 'caller' }
  | { what: 'management-credentials' }
  | { what: 'credentials-for'; accountId: string }
  | { what: 'quota'; quota: SharedQuota; operation: string };

/** Read thread to main thread. */
export type FromThread =
  | { type: 'done'; id: number; output: AccountPlanOutput; posture: CheckResult[] }
  | { type: 'failed'; id: number; error: WireError }
  | ({ type: 'ask'; id: number } & Question)
  | { type: 'refund'; quota: SharedQuota; operation: string }
  | { type: 'progress'; subject: string; step: string };

export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** Own enumerable fields that are data (an SDK error's `$metadata`, `$fault`, `Code`). */
  fields: Record<string, unknown>;
  call?: AwsCall;
  lz?: { code: string; hint?: string; location?: SourceLocation; path?: string };
}

export function errorToWire(err: unknown): WireError {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as Record<string, unknown> & { name?: unknown; message?: unknown; stack?: unknown };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (isData(v)) fields[k] = v;
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : String(err),
    ...(typeof e.stack === 'string' ? { stack: e.stack } : {}),
    fields,
    ...(callOf(err) ? { call: callOf(err) } : {}),
    ...(err instanceof LzError ? { lz: { code: err.code, hint: err.hint, location: err.location, path: err.path } } : {}),
  };
}

/** The error as it was thrown, as far as the caller can tell: its name, message, fields, call and (for LzError) class. */
export function errorFromWire(w: WireError): Error {
  let err: Error;
  if (w.lz) {
    const { code, hint, location, path } = w.lz;
    err = new LzError(code, w.message, { ...(hint ? { hint } : {}), ...(location ? { location } : {}), ...(path ? { path } : {}) });
  } else {
    err = Object.assign(new Error(w.message), w.fields);
    err.name = w.name;
  }
  if (w.stack) err.stack = w.stack;
  if (w.call) tagCall(err, w.call);
  return err;
}

function isData(v: unknown): boolean {
  if (v === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof v)) return true;
  if (typeof v !== 'object') return false;
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}
