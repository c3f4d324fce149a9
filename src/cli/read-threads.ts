import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { AwsContext } from '../aws/context.js';
import { LzError } from '../errors.js';
import type { AccountJob, AccountPlanOutput, AccountReaders } from '../engine/planner.js';
import type { CheckResult } from '../engine/posture.js';
import type { LoadedManifest } from '../manifest/index.js';
import type { Session } from './session.js';
import { isLargeOrganization } from './heap.js';
import { errorFromWire, errorToWire, type FromThread, type Question, type ReadThreadSetup, type AccountSession, type ToThread } from './read-thread-wire.js';

/**
 * Below this many member accounts to read, a plan reads them all in the main thread: a thread costs about
 * half a second of CPU to load the SDK and the kinds, and its own heap, which a small organization's reads
 * (about 15 ms of CPU per account) would not win back.
 */
const READ_THREADS_FROM_ACCOUNTS = 100;

/** At most this many read threads by default: beyond it the management account's quotas bound a plan anyway. */
const MAX_AUTO_READ_THREADS = 3;

/**
 * How many read threads a plan of `accounts` member accounts starts: `--read-threads N` as given (0: none),
 * else, once the organization is large enough to gain, one per core but the main thread's, up to three; on
 * two cores one, below the size whose memory lz's defaults protect (isLargeOrganization); on one core none.
 * **Decision:** measured on two cores shared with the sandbox, a thread shortened 1,000 accounts' plan in all
 * 5 runs at 150 ms (by 4-25 %) and in 4 of 7 at 30 ms (the others 2-10 % longer), 4,900 accounts' by 11 %,
 * for 100-150 MiB of RSS (docs/performance.md); at 10,000 accounts that would cross 300 MB, so from 5,000 it
 * is asked for, not given.
 */
export function readThreadCount(option: string | undefined, accounts: number, cores = availableParallelism()): number {
  if (option === undefined || option === 'auto') {
    if (accounts < READ_THREADS_FROM_ACCOUNTS || cores < 2) return 0;
    if (cores === 2) return isLargeOrganization(accounts) ? 0 : 1;
    return Math.min(MAX_AUTO_READ_THREADS, cores - 1);
  }
  const n = Number(option);
  if (!Number.isInteger(n) || n < 0 || n > 16) throw new LzError('bad-option', `--read-threads must be auto or a whole number from 0 to 16, not "${option}"`);
  return n;
}

/** Member accounts a plan of `manifest` reads (`targets` empty: all), which decides whether threads are worth it. */
export function accountsToRead(manifest: LoadedManifest, targets: readonly string[]): number {
  return manifest.accounts.filter((a) => !a.management && !a.closed && (targets.length === 0 || targets.includes(a.name))).length;
}

/** The read threads for a plan in this session, or none when `count` is 0. The caller closes them once the plan is made. */
export function startReadThreads(count: number, session: Pick<Session, 'aws' | 'log'>, manifest: LoadedManifest, onPosture?: ReadThreadsOptions['onPosture']): ReadThreads | undefined {
  return count > 0 ? new ReadThreads({ count, manifest, aws: session.aws, log: session.log, ...(onPosture ? { onPosture } : {}) }) : undefined;
}

export interface ReadThreadsOptions {
  count: number;
  manifest: LoadedManifest;
  aws: AwsContext;
  log: { level: string; destination?: string };
  /** `lz drift`: each thread evaluates the posture checks in the accounts it reads, and they come here. */
  onPosture?: (results: CheckResult[]) => void;
  /** The threads' entry; src/cli/read-thread.ts unless a test gives one of its own. */
  entry?: URL;
}

interface Job {
  resolve: (output: AccountPlanOutput) => void;
  reject: (err: Error) => void;
}

/** A thread ended with jobs in flight: not the accounts' failure. */
class ThreadLost extends Error {}

/** One read thread as the main thread sees it: its jobs in flight. */
class ReadThread {
  readonly jobs = new Map<number, Job>();
  alive = true;
  constructor(readonly worker: Worker) {}
}

/**
 * Member accounts' reads spread over worker threads, each with SDK clients of its own: at thousands of
 * accounts a plan's CPU (the SDK's signing, serializing and parsing, about a millisecond per call) bounds it,
 * not AWS, and one thread has one core. Each account goes to whichever reader (a thread, or this one) has
 * the fewest in flight, so a thread still loading, or a main thread busy with the management account's
 * listings, takes fewer. The accounts a thread held when it died are read here, and no more go to it.
 */
export class ReadThreads implements AccountReaders {
  private readonly threads: ReadThread[] = [];
  private hereInFlight = 0;
  private nextJob = 0;

  constructor(private readonly options: ReadThreadsOptions) {
    const { manifest, aws } = options;
    const setup: ReadThreadSetup = {
      manifest: { text: manifest.text, file: manifest.file, dir: manifest.dir },
      aws: {
        region: aws.options.region,
        accessRole: aws.options.accessRole,
        parallelism: aws.options.parallelism,
        ...(aws.options.endpoint ? { endpoint: aws.options.endpoint } : {}),
        // Not for credentials (the main thread's come over the link): for the profile's settings (FIPS, dual-stack).
        ...(aws.options.profile ? { profile: aws.options.profile } : {}),
        ...(aws.options.maxAttempts ? { maxAttempts: aws.options.maxAttempts } : {}),
      },
      log: options.log,
      inspect: Boolean(options.onPosture),
    };
    for (let i = 0; i < options.count; i++) this.threads.push(this.start(setup, options.entry ?? new URL('./read-thread.js', import.meta.url)));
  }

  private start(setup: ReadThreadSetup, entry: URL): ReadThread {
    const worker = new Worker(entry, { workerData: setup, stdout: false, stderr: false });
    const thread = new ReadThread(worker);
    worker.on('message', (message: FromThread) => this.heard(thread, message));
    const lost = (err: Error) => {
      thread.alive = false;
      if (thread.jobs.size > 0) this.options.aws.logger.warn({ err: err.message, accounts: thread.jobs.size }, 'a read thread ended; its accounts are read in the main thread');
      for (const job of thread.jobs.values()) job.reject(err);
      thread.jobs.clear();
    };
    worker.on('error', (err) => lost(new ThreadLost(`a read thread failed: ${err.message}`)));
    worker.on('exit', (code) => lost(new ThreadLost(`a read thread exited (code ${code}) with accounts still to read`)));
    return thread;
  }

  read(job: AccountJob, here: () => Promise<AccountPlanOutput>): Promise<AccountPlanOutput> {
    const thread = this.threads.filter((t) => t.alive).reduce<ReadThread | undefined>((best, t) => (!best || t.jobs.size < best.jobs.size ? t : best), undefined);
    if (!thread || thread.jobs.size > this.hereInFlight) return this.readHere(here);
    const id = this.nextJob++;
    const sent = new Promise<AccountPlanOutput>((resolve, reject) => {
      thread.jobs.set(id, { resolve, reject });
      // The account's session goes with the job: the thread's first question would be for it, and the answer
      // would wait for this busy thread's turn.
      void this.options.aws
        .credentialsFor(job.live.id)
        .then(
          (identity): AccountSession => ({ identity }),
          (err: unknown): AccountSession => ({ error: errorToWire(err) }),
        )
        .then((session) => thread.worker.postMessage({ type: 'job', id, job, session } satisfies ToThread));
    });
    // A thread that died took only time: what it held is read here.
    return sent.catch((err: unknown) => {
      if (!(err instanceof ThreadLost)) throw err;
      return this.readHere(here);
    });
  }

  private async readHere(here: () => Promise<AccountPlanOutput>): Promise<AccountPlanOutput> {
    this.hereInFlight += 1;
    try {
      return await here();
    } finally {
      this.hereInFlight -= 1;
    }
  }

  private heard(thread: ReadThread, message: FromThread): void {
    switch (message.type) {
      case 'done': {
        const job = thread.jobs.get(message.id);
        thread.jobs.delete(message.id);
        if (message.posture.length > 0) this.options.onPosture?.(message.posture);
        job?.resolve(message.output);
        return;
      }
      case 'failed': {
        const job = thread.jobs.get(message.id);
        thread.jobs.delete(message.id);
        job?.reject(errorFromWire(message.error));
        return;
      }
      case 'ask':
        this.answer(message).then(
          (value) => thread.worker.postMessage({ type: 'answer', id: message.id, value } satisfies ToThread),
          (err: unknown) => thread.worker.postMessage({ type: 'answer', id: message.id, error: errorToWire(err) } satisfies ToThread),
        );
        return;
      case 'refund':
        this.options.aws.sharedQuota(message.quota).refund(message.operation);
        return;
      case 'progress':
        this.options.aws.progress(message.subject, message.step);
        return;
    }
  }

  private answer(question: Question): Promise<unknown> {
    const { aws } = this.options;
    switch (question.what) {
      case 'caller':
        return aws.callerIdentity();
      case 'management-credentials':
        return aws.managementCredentials();
      case 'credentials-for':
        return aws.credentialsFor(question.accountId);
      case 'quota':
        return aws.sharedQuota(question.quota).take(question.operation);
    }
  }

  /** Ends the threads; a plan that is done has no job left in them. */
  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
