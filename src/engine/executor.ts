import pLimit from 'p-limit';
import { errorMessage } from '../aws/aws-errors.js';
import { LzError } from '../errors.js';
import { moduleFor, runsInAccount, type AnyKind, type ApplyContext, type Registry } from '../core/module.js';
import { ACTION_SYMBOL, type Change, type Plan } from '../core/plan.js';

export interface ApplyOutcome {
  done: Change[];
  failed: { change: Change; error: unknown }[];
  notRun: { change: Change; reason: string }[];
  /** Set when the run was interrupted: the signal, and the changes whose calls were still in flight when it stopped waiting. */
  interrupted?: { reason: string; inFlight: Change[] };
}

export interface ExecuteOptions {
  /** Stop starting new changes after the first failure. */
  failFast: boolean;
  /** How many accounts are worked in at once. */
  parallelism: number;
  /**
   * Aborted on SIGINT/SIGTERM: no new change starts, and the run returns once the changes in flight end or
   * `graceMs` after the abort, whichever is first (those still running are reported as in flight).
   */
  signal?: AbortSignal;
  graceMs?: number;
}

/**
 * Walks the plan's changes in dependency order: a change starts when everything it depends on is done, and
 * is not run when one of them failed. Independent changes (other accounts) go on in parallel, so one
 * failing account does not stop the others.
 */
export async function executePlan(plan: Plan, registry: Registry, ctx: ApplyContext, options: ExecuteOptions): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { done: [], failed: [], notRun: [] };
  const byAddress = new Map(plan.changes.map((c) => [c.address, c]));
  const limit = pLimit(Math.max(1, options.parallelism));
  const running = new Map<string, Promise<boolean>>();
  let stopped = false;
  const { signal } = options;
  const inFlight = new Set<Change>();

  const run = (change: Change): Promise<boolean> => {
    const existing = running.get(change.address);
    if (existing) return existing;
    const promise = (async () => {
      const deps = (change.dependsOn ?? []).filter((d) => byAddress.has(d));
      const results = await Promise.all(deps.map((d) => run(byAddress.get(d)!)));
      const failedDep = deps.find((_d, i) => !results[i]);
      if (failedDep) {
        outcome.notRun.push({ change, reason: `${failedDep} did not complete` });
        return false;
      }
      // Work inside accounts is bounded by --parallelism; organization-level calls are bounded by their own
      // quotas (the management account's rate limiters, and at most 5 account creations in flight).
      const module = moduleFor(registry, change.kind);
      const gate = (work: () => Promise<boolean>) => (module && runsInAccount(module) ? limit(work) : work());
      return gate(async () => {
        if (signal?.aborted) {
          outcome.notRun.push({ change, reason: `not started: interrupted (${String(signal.reason)})` });
          return false;
        }
        if (stopped) {
          outcome.notRun.push({ change, reason: 'stopped after an earlier failure (--fail-fast)' });
          return false;
        }
        inFlight.add(change);
        try {
          await applyOne(ctx, registry, change);
          outcome.done.push(change);
          return true;
        } catch (error) {
          if (signal?.aborted && (error as Error)?.name === 'AbortError') {
            // A wait for AWS cut short: nothing half-done is lost (the journal keeps a creation in flight).
            outcome.notRun.push({ change, reason: 'interrupted while it waited for AWS; the next apply resumes it' });
            return false;
          }
          outcome.failed.push({ change, error });
          ctx.logger.info({ address: change.address, err: errorMessage(error) }, 'change failed');
          ctx.progress(change.account ?? change.address, `failed: ${errorMessage(error)}`);
          if (options.failFast) stopped = true;
          return false;
        } finally {
          inFlight.delete(change);
        }
      });
    })();
    running.set(change.address, promise);
    return promise;
  };

  const all = Promise.all(plan.changes.map((c) => run(c)));
  if (!signal) {
    await all;
    return outcome;
  }
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<void>((resolve) => {
    const start = () => (timer = setTimeout(resolve, options.graceMs ?? 10_000));
    if (signal.aborted) start();
    else signal.addEventListener('abort', start, { once: true });
  });
  try {
    await Promise.race([all, graceOver]);
  } finally {
    clearTimeout(timer);
  }
  if (!signal.aborted) return outcome;
  // What the run reports is what it knew when it stopped waiting: calls still in flight may yet finish.
  const accounted = new Set([...outcome.done, ...outcome.failed.map((f) => f.change), ...outcome.notRun.map((n) => n.change), ...inFlight]);
  const notStarted = plan.changes.filter((c) => !accounted.has(c)).map((change) => ({ change, reason: `not started: interrupted (${String(signal.reason)})` }));
  return {
    done: [...outcome.done],
    failed: [...outcome.failed],
    notRun: [...outcome.notRun, ...notStarted],
    interrupted: { reason: String(signal.reason), inFlight: [...inFlight] },
  };
}

async function applyOne(ctx: ApplyContext, registry: Registry, change: Change): Promise<void> {
  const module = kindOf(registry, change);
  // The payload was checked against the module's schema when a saved plan was loaded; a plan made in this
  // run has the payloads the modules made. Parsing again costs little and keeps the two paths one.
  const payload = module.payload.parse(change.payload);
  if (!runsInAccount(module)) {
    // Organization-level changes (organization, units, trusted access, buckets, trail, export, accounts) get
    // a step line too, so a long apply shows what it is doing before the first account item.
    ctx.progress(change.account ?? 'organization', `${ACTION_SYMBOL[change.action]} ${change.address}`);
    await module.apply(ctx, { ...change, payload });
    return;
  }
  const accountId = change.account ? ctx.index.accountIds.get(change.account) : undefined;
  if (!accountId) throw new LzError('unknown-account', `Account ${change.account} has no id yet; it was not created.`);
  const clients = ctx.aws.forAccount(accountId, ctx.index.managementAccountId);
  // `+ password-policy`, `~ budget.monthly-cost`: the change as the plan showed it, without the account.
  const item = change.account && change.address.startsWith(`${change.account}.`) ? change.address.slice(change.account.length + 1) : change.address;
  ctx.progress(change.account ?? '', `${ACTION_SYMBOL[change.action]} ${item}`);
  await module.apply({ ...ctx, clients, accountId }, { ...change, payload });
}

function kindOf(registry: Registry, change: Change): AnyKind {
  const module = moduleFor(registry, change.kind);
  if (!module) throw new LzError('unknown-kind', `${change.address}: no resource module handles kind "${change.kind}".`);
  return module;
}
