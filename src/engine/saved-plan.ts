import { LzError } from '../errors.js';
import { moduleFor, type Registry } from '../core/module.js';
import { PLAN_FORMAT, PLAN_FORMAT_VERSION, type Change, type Plan } from '../core/plan.js';
import { canonical } from '../core/values.js';
import { readBoundedFile } from '../files.js';

/**
 * A plan names every change with its before, after and payload: tens of kilobytes for a large organization.
 * Anything far beyond is not a plan lz wrote (a wrong path, a device) and is refused before it is read.
 */
export const MAX_PLAN_BYTES = 64 * 1024 * 1024;

/**
 * Reads a plan saved with `lz plan --out`, refusing anything that is not one: every change must name a kind
 * lz knows, and its payload (what apply carries out) must be what that kind's module would have made. A
 * plan edited by hand, or made by another version of lz, is refused before anything is read or applied.
 */
export function readSavedPlan(path: string, registry: Registry): Plan {
  const bytes = readBoundedFile(path, {
    shownAs: path,
    what: 'the saved plan',
    code: 'plan',
    maxBytes: MAX_PLAN_BYTES,
    hint: 'Pass the file `lz plan --out FILE` wrote, e.g. lz apply plan.json.',
  });
  const text = bytes.toString('utf8');
  let data: Partial<Plan>;
  try {
    data = JSON.parse(text) as Partial<Plan>;
  } catch {
    throw new LzError('plan-invalid', `${path} is not a saved plan: it is not JSON.`, { hint: 'Save one with `lz plan --out plan.json`.' });
  }
  if (data?.format !== PLAN_FORMAT) {
    throw new LzError('plan-invalid', `${path} is not a saved plan (no "format": "${PLAN_FORMAT}").`, { hint: 'Save one with `lz plan --out plan.json`.' });
  }
  const missing = [
    ...(Array.isArray(data.changes) ? [] : ['changes']),
    ...(Array.isArray(data.manual) ? [] : ['manual']),
    ...(data.organization ? [] : ['organization']),
    ...(data.options ? [] : ['options']),
    ...(typeof data.manifest?.file === 'string' ? [] : ['manifest.file']),
  ];
  if (missing.length > 0) {
    throw new LzError('plan-invalid', `${path} is not a complete saved plan: it has no ${missing.join(', ')}.`, { hint: 'Save one with `lz plan --out plan.json`.' });
  }
  if (data.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new LzError('plan-version', `${path} is plan format version ${String(data.formatVersion)}; this lz reads version ${PLAN_FORMAT_VERSION}.`, {
      hint: 'Make a new plan with this version of lz.',
    });
  }
  const plan = data as Plan;
  for (const change of plan.changes) checkChange(path, change, registry);
  return plan;
}

const ACTIONS = new Set(['create', 'update', 'delete']);

function checkChange(path: string, change: Change, registry: Registry): void {
  const address = typeof change?.address === 'string' ? change.address : '(a change without an address)';
  const refuse = (why: string) =>
    new LzError('plan-invalid', `${path}: change ${address} ${why}; the plan was edited or made by another version of lz.`, {
      hint: 'Make a new plan with `lz plan --out plan.json`, review it, and apply that.',
    });
  if (!ACTIONS.has(change?.action)) throw refuse(`has action "${String(change?.action)}", not one apply carries out`);
  const module = moduleFor(registry, change.kind);
  if (!module) throw refuse(`is of kind "${String(change.kind)}", which no resource module handles`);
  const result = module.payload.safeParse(change.payload);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at payload.${issue.path.join('.')}` : '';
    throw refuse(`has a payload the ${change.kind} module cannot apply${where}: ${issue?.message ?? 'invalid'}`);
  }
}

/**
 * A saved plan may be applied only while it still describes what apply would do: same organization, and
 * every change (its before, after and fields) the same as a plan made now. Anything else is refused,
 * naming what moved, so that nobody applies a decision made on a world that no longer exists.
 */
export function checkNotStale(saved: Plan, fresh: Plan): void {
  if ((saved.organization.id ?? null) !== (fresh.organization.id ?? null) || saved.organization.managementAccountId !== fresh.organization.managementAccountId) {
    throw new LzError(
      'plan-other-organization',
      `The saved plan is for organization ${saved.organization.id ?? '(none yet)'} (management account ${saved.organization.managementAccountId}); these credentials reach ${fresh.organization.id ?? '(no organization)'} (management account ${fresh.organization.managementAccountId}).`,
      { hint: 'Apply it with the credentials it was made with, or make a new plan.' },
    );
  }
  const key = (c: Change) => canonical({ action: c.action, before: c.before, after: c.after, fields: c.fields ?? null, payload: c.payload ?? null });
  const was = new Map(saved.changes.map((c) => [c.address, key(c)]));
  const now = new Map(fresh.changes.map((c) => [c.address, key(c)]));
  const differ = [...new Set([...was.keys(), ...now.keys()])].filter((a) => was.get(a) !== now.get(a));
  if (differ.length > 0) {
    throw new LzError(
      'plan-stale',
      `The saved plan is stale: since it was made, ${differ.length} ${differ.length === 1 ? 'change differs' : 'changes differ'} from what a plan shows now: ${differ.slice(0, 10).join(', ')}${differ.length > 10 ? ', ...' : ''}.`,
      { hint: 'Run `lz plan --out plan.json` again, review it, and apply the new plan.' },
    );
  }
}
