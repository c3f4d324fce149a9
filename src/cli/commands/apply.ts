import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import pLimit from 'p-limit';
import { errorMessage } from '../../aws/aws-errors.js';
import { MAX_ACCOUNT_CREATIONS_IN_FLIGHT } from '../../aws/quotas.js';
import { LzError } from '../../errors.js';
import { executePlan, type ApplyOutcome } from '../../engine/executor.js';
import { Journal } from '../../engine/journal.js';
import { acquireLocalLock, acquireS3Lock, currentHolder } from '../../engine/lock.js';
import { blockedChanges, hasChanges, unguardedChanges, type Plan, type UnreadableAccount } from '../../core/plan.js';
import { pendingSecretsText, renderPlan, summaryLine } from '../../engine/render-text.js';
import { findPendingSecrets } from '../../secrets.js';
import { checkNotStale, readSavedPlan } from '../../engine/saved-plan.js';
import { defaultRegistry } from '../../resources/registry.js';
import type { ApplyContext } from '../../core/module.js';
import { EXIT_ERROR, EXIT_OK } from '../exit.js';
import { INTERRUPT_GRACE_MS, signalExitCode } from '../interrupt.js';
import type { CliIO } from '../io.js';
import { Progress, useColor } from '../progress.js';
import { parseParallelism } from '../session.js';
import { planFromCli, type PlanCliOptions } from './plan.js';

export interface ApplyCliOptions extends PlanCliOptions {
  autoApprove?: boolean;
  failFast?: boolean;
  /** Bounds on waits, for tests and impatient people (seconds). */
  createTimeout: string;
  roleTimeout: string;
  /** -f was given on the command line (not the default): with PLANFILE it must name the plan's file. */
  fileGiven?: boolean;
}

export async function applyCommand(planFile: string | undefined, opts: ApplyCliOptions, io: CliIO): Promise<number> {
  // Every option is checked before anything is read or locked.
  const waits = {
    createAccountTimeout: seconds(opts.createTimeout, '--create-timeout'),
    roleTimeout: seconds(opts.roleTimeout, '--role-timeout'),
    pollInterval: 1000,
  };
  const parallelism = parseParallelism(opts.parallelism);
  if (planFile && (opts.target.length > 0 || opts.prune || opts.allowClose)) {
    throw new LzError('bad-option', '--target, --prune and --allow-close belong to the plan: a saved plan is applied as it was made.', {
      hint: `Make the plan with them (lz plan --out ${planFile} --target ... / --prune / --allow-close), then lz apply ${planFile}.`,
    });
  }
  const saved = planFile ? readSavedPlan(resolve(io.cwd, planFile), defaultRegistry) : undefined;
  if (saved && planFile) opts = { ...opts, file: manifestOfPlan(saved, planFile, opts, io) };
  // Locked before reading anything, so the plan this run applies cannot be changed under it by another.
  const lock = acquireLocalLock(resolve(io.cwd, '.lz'), currentHolder('apply'));
  // From here a signal stops the run cleanly: no new change, the locks released, a report (src/cli/interrupt.ts).
  const unhandle = io.interrupt?.handle();
  try {
    return await lockedApply(saved, opts, { waits, parallelism }, io);
  } finally {
    await lock.release();
    unhandle?.();
  }
}

async function lockedApply(
  saved: Plan | undefined,
  opts: ApplyCliOptions,
  limits: { waits: ApplyContext['waits']; parallelism: number },
  io: CliIO,
): Promise<number> {
  const progress = new Progress(io);
  let journal: Journal | undefined;
  /** Account id -> organization id: filled when the journal is read, before the plan reads accounts. */
  const awaiting = new Map<string, string>();
  const awaitingIds = new Set<string>();
  // With organization.lock.bucket (CI, where every run has a fresh .lz/), the lock is an S3 object too.
  const planned = await planFromCli(
    saved ? { ...opts, prune: saved.options.prune, target: saved.options.targets, allowClose: Boolean(saved.options.allowClose) } : opts,
    io,
    progress,
    async (manifest, session) => {
      journal = Journal.inWorkdir(session.workdir);
      for (const a of journal.awaitingRole()) {
        awaiting.set(a.accountId, a.organizationId);
        awaitingIds.add(a.accountId);
      }
      const bucket = manifest.manifest.organization.lock?.bucket;
      return bucket ? acquireS3Lock(session.aws.management.s3, bucket, currentHolder('apply')) : undefined;
    },
    // An account a killed run created and could not yet enter: its role is waited for, as that run would have.
    {
      roleWait: {
        accounts: awaitingIds,
        assumed: (accountId) => journal?.roleAssumed(awaiting.get(accountId)!, accountId),
        timeout: limits.waits.roleTimeout,
        pollInterval: limits.waits.pollInterval,
        onWait: (account, step) => progress.step(account, step),
        ...(io.interrupt ? { signal: io.interrupt.signal } : {}),
      },
    },
  );
  const { session, index } = planned;
  try {
    journal ??= Journal.inWorkdir(session.workdir);
    if (index.organizationId) journal.forgetCompleted(index.organizationId, planned.liveEmails);
    // Interrupted while reading: nothing was changed; stop before showing a plan or asking.
    const interrupted = io.interrupt?.signal;
    if (interrupted?.aborted) {
      io.stdout(`\nInterrupted (${String(interrupted.reason)}) before any change was made. The lock is released.\n`);
      return signalExitCode(interrupted.reason);
    }
    let plan: Plan = planned.plan;
    if (saved) {
      checkNotStale(saved, plan);
      plan = saved;
    } else {
      io.stdout(renderPlan(plan, { color: useColor(io) }));
    }
    // A checker's error (a policy AWS would reject or that does not mean what it says) stops apply before any
    // write, whether the plan was saved or made now: the fresh plan lints the same documents again.
    const blocked = [...new Set([...blockedChanges(plan), ...blockedChanges(planned.plan)].map((c) => c.address))];
    if (blocked.length > 0) {
      throw new LzError('apply-blocked', `apply refused: ${blocked.length === 1 ? 'a change has' : `${blocked.length} changes have`} errors found before apply (${blocked.join(', ')}; see "error" under each in the plan). Nothing was changed.`, {
        hint: 'fix the policy in accounts.yaml (or the file it names) and run lz plan again',
      });
    }
    // Closing an account cannot be undone by lz (AWS Support can, for 90 days): it needs a word of its own.
    const unguarded = unguardedChanges(plan, { allowClose: opts.allowClose });
    if (unguarded.length > 0) {
      throw new LzError('apply-needs-allow-close', `apply refused: this plan closes ${unguarded.length === 1 ? 'an account' : `${unguarded.length} accounts`} (${unguarded.map((c) => c.account ?? c.address).join(', ')}), and closing needs --allow-close. Nothing was changed.`, {
        hint: saved ? 'make the plan with lz plan --allow-close --out FILE, review it, and apply that' : 'run lz apply --allow-close once you are sure; AWS Support can reopen a closed account only within 90 days',
      });
    }
    // Accounts the plan could not read are failures of this run, reported with the others' outcome.
    const unreadable = planned.plan.unreadable ?? [];
    if (!hasChanges(plan)) {
      if (saved) io.stdout(`${summaryLine({ ...plan, ...pick(planned.plan) })}\n`);
      if (unreadable.length > 0) io.stdout(renderOutcome({ done: [], failed: [], notRun: [] }, unreadable, []));
      if (saved && planned.plan.pendingSecrets) io.stdout(`${pendingSecretsText(planned.plan.pendingSecrets).join('\n')}\n`);
      return unreadable.length > 0 ? EXIT_ERROR : EXIT_OK;
    }
    if (!saved && !opts.autoApprove) await confirm(io);
    const signal = io.interrupt?.signal;
    if (signal?.aborted) {
      io.stdout(`\nInterrupted (${String(signal.reason)}) before any change was made. The lock is released.\n`);
      return signalExitCode(signal.reason);
    }

    // The SDK's retries through AWS's settling errors show as progress lines too.
    session.aws.progress = (subject, step) => progress.step(subject, step);
    const ctx: ApplyContext = {
      aws: session.aws,
      index,
      journal,
      accountCreations: pLimit(MAX_ACCOUNT_CREATIONS_IN_FLIGHT),
      workdir: session.workdir,
      logger: session.logger,
      progress: (subject, step) => progress.step(subject, step),
      waits: limits.waits,
      ...(signal ? { signal } : {}),
    };
    const outcome = await executePlan(plan, defaultRegistry, ctx, {
      failFast: Boolean(opts.failFast),
      parallelism: limits.parallelism,
      ...(signal ? { signal, graceMs: INTERRUPT_GRACE_MS } : {}),
    });
    // A password file still pending after this run (one an earlier run left) is named again, every run.
    io.stdout(renderOutcome(outcome, unreadable, findPendingSecrets(session.workdir)));
    if (outcome.interrupted) return signalExitCode(outcome.interrupted.reason);
    return outcome.failed.length > 0 || outcome.notRun.length > 0 || unreadable.length > 0 ? EXIT_ERROR : EXIT_OK;
  } finally {
    await planned.lock?.release();
    await session.close();
  }
}

async function confirm(io: CliIO): Promise<void> {
  if (!io.isTTY || !io.prompt) {
    throw new LzError('needs-approval', 'apply needs confirmation and there is no terminal to ask at.', {
      hint: 'Review the plan above, then run `lz apply --auto-approve`, or save a plan with `lz plan --out plan.json` and run `lz apply plan.json`.',
    });
  }
  const answer = await io.prompt('\nDo you want to perform these actions? Only "yes" will be accepted: ');
  if (answer.trim() !== 'yes') throw new LzError('apply-cancelled', 'Apply cancelled; nothing was changed.');
}

/**
 * A saved plan is checked against a fresh plan of the file it was made from (its manifest.file), wherever
 * apply runs; -f may only repeat that file.
 */
function manifestOfPlan(saved: Plan, planFile: string, opts: ApplyCliOptions, io: CliIO): string {
  const recorded = resolve(io.cwd, saved.manifest.file);
  if (opts.fileGiven && resolve(io.cwd, opts.file) !== recorded) {
    throw new LzError('bad-option', `${planFile} was made from ${recorded}, and -f names ${resolve(io.cwd, opts.file)}: a saved plan is applied against the file it was made from.`, {
      hint: `Leave out -f, or make a new plan from that file: lz plan -f ${opts.file} --out ${planFile}.`,
    });
  }
  if (!existsSync(recorded)) {
    throw new LzError('plan-manifest-missing', `${planFile} was made from ${recorded}, which no longer exists.`, {
      hint: 'Put the file back, or make a new plan (lz plan --out plan.json) from the file you have.',
    });
  }
  return recorded;
}

function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new LzError('bad-option', `${flag} must be a positive number of seconds, not "${value}"`);
  return n * 1000;
}

/** What a fresh read knows and a saved plan cannot: which accounts were unreadable, which passwords pending. */
function pick(fresh: Plan): Pick<Plan, 'unreadable' | 'pendingSecrets'> {
  return { ...(fresh.unreadable ? { unreadable: fresh.unreadable } : {}), ...(fresh.pendingSecrets ? { pendingSecrets: fresh.pendingSecrets } : {}) };
}

function renderOutcome(outcome: ApplyOutcome, unreadable: UnreadableAccount[], pendingSecrets: string[]): string {
  const lines = [''];
  for (const u of unreadable) {
    lines.push(`  x ${u.address}: ${u.reason}`);
    if (u.hint) lines.push(`      hint: ${u.hint}`);
  }
  for (const { change, error } of outcome.failed) {
    lines.push(`  x ${change.address}: ${error instanceof LzError ? error.message : errorMessage(error)}`);
    if (error instanceof LzError && error.hint) lines.push(`      hint: ${error.hint}`);
  }
  for (const { change, reason } of outcome.notRun) lines.push(`  - ${change.address} not run: ${reason}`);
  const inFlight = outcome.interrupted?.inFlight ?? [];
  for (const change of inFlight) lines.push(`  ? ${change.address}: still in flight after ${INTERRUPT_GRACE_MS / 1000} s; it may or may not have been made`);
  const failed = outcome.failed.length + unreadable.length;
  const status = outcome.interrupted
    ? `Apply interrupted (${outcome.interrupted.reason}).`
    : failed + outcome.notRun.length === 0
      ? 'Apply complete!'
      : 'Apply finished with errors.';
  lines.push(`${status} ${outcome.done.length} done, ${failed} failed, ${outcome.notRun.length} not run${inFlight.length > 0 ? `, ${inFlight.length} in flight` : ''}.`);
  if (outcome.interrupted) lines.push('The lock is released. Run `lz apply` again to finish: it continues where this run stopped.');
  else if (failed > 0) lines.push('Run `lz apply` again after fixing the cause: it continues where this run stopped.');
  if (pendingSecrets.length > 0) lines.push('', 'Console passwords an earlier run wrote and did not confirm:', ...pendingSecretsText(pendingSecrets).map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}
