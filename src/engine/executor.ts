import pLimit from 'p-limit';
import { errorMessage } from '../aws/aws-errors.js';
import { LzError } from '../errors.js';
import { moduleFor, runsInAccount, type AnyKind, type ApplyContext, type Registry } from '../core/module.js';
import { ACTION_SYMBOL, type Change, type Plan } from '../core/plan.js';

export interface ApplyOutcome {
  done: Change[];
  failed: { change: Change; error: unknown }[];
  notRun: { change: Change; reason: string }[];
}

export interface ExecuteOptions {
  /** Stop starting new changes after the first failure. */
  failFast: boolean;
  /** How many accounts are worked in at once. */
  parallelism: number;
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
        if (stopped) {
          outcome.notRun.push({ change, reason: 'stopped after an earlier failure (--fail-fast)' });
          return false;
        }
        try {
          await applyOne(ctx, registry, change);
          outcome.done.push(change);
          return true;
        } catch (error) {
          outcome.failed.push({ change, error });
          ctx.logger.info({ address: change.address, err: errorMessage(error) }, 'change failed');
          ctx.progress(change.account ?? change.address, `failed: ${errorMessage(error)}`);
          if (options.failFast) stopped = true;
          return false;
        }
      });
    })();
    running.set(change.address, promise);
    return promise;
  };

  await Promise.all(plan.changes.map((c) => run(c)));
  return outcome;
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
