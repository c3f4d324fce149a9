import type { PostureCheck, Registry } from '../core/module.js';
import type { AccountInspection } from './planner.js';

/**
 * Posture findings for `lz drift`: the checks every module declares (CIS AWS Foundations Benchmark v3.0,
 * with their AWS Security Hub control ids), evaluated in each account over what the plan already read there
 * (the planner's `inspectAccount` hook hands over each module's `have` and the account's read memo), so a
 * check costs no call the plan made already. The engine knows no check by name.
 */
export type CheckStatus = 'pass' | 'fail';

export interface CheckResult {
  check: string;
  cis?: string;
  control?: string;
  title: string;
  /** Manifest account name. */
  account: string;
  accountId: string;
  status: CheckStatus;
  /** What was found, for a person. */
  detail: string;
  /** What fails (user names, budget names), empty when it passes. */
  resources: string[];
}

/** `CIS 1.4 / IAM.4`, or whichever of the two a check has. */
export function checkLabel(c: Pick<PostureCheck, 'cis' | 'control' | 'id'>): string {
  const parts = [c.cis ? `CIS ${c.cis}` : undefined, c.control].filter((x): x is string => Boolean(x));
  return parts.length > 0 ? parts.join(' / ') : c.id;
}

/**
 * Every check of the registry in the order reports list them: by CIS recommendation (1.2 before 1.10), then
 * those without one, in registry order.
 */
export function postureChecks(registry: Registry): PostureCheck[] {
  const all = [...registry.account, ...registry.organization].flatMap((m) => (m.posture ?? []) as readonly PostureCheck[]);
  const cis = (c: PostureCheck) => (c.cis ? c.cis.split('.').map(Number) : [Infinity]);
  const compare = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  return all.map((c, i) => ({ c, i })).sort((x, y) => compare(cis(x.c), cis(y.c)) || x.i - y.i).map(({ c }) => c);
}

/** Evaluates every check of every module in one account. `now` is injectable for tests of key age. */
export async function evaluatePosture(registry: Registry, input: AccountInspection, now: Date = new Date()): Promise<CheckResult[]> {
  const { account, accountId, ctx, manifest } = input;
  const haves = new Map<object, unknown>(input.haves.map(({ module, have }) => [module, have]));
  const modules = [...registry.account, ...registry.organization];
  const evaluated = await Promise.all(
    modules.flatMap((module) =>
      (module.posture ?? []).map(async (check: PostureCheck) => {
        const outcome = await check.evaluate({ have: haves.get(module), account, manifest, ctx, now });
        if (!outcome) return undefined;
        const result: CheckResult = {
          check: check.id,
          ...(check.cis ? { cis: check.cis } : {}),
          ...(check.control ? { control: check.control } : {}),
          title: check.title,
          account: account.name,
          accountId,
          status: outcome.failing.length > 0 ? 'fail' : 'pass',
          detail: outcome.detail,
          resources: outcome.failing,
        };
        return result;
      }),
    ),
  );
  return evaluated.filter((r): r is CheckResult => r !== undefined);
}

/** Failing results only. */
export const failing = (results: readonly CheckResult[]): CheckResult[] => results.filter((r) => r.status === 'fail');
