import { readFileSync } from 'node:fs';
import { LzError } from '../errors.js';
import { canonical } from './fields.js';
import { PLAN_FORMAT, PLAN_FORMAT_VERSION, type Change, type Plan } from './plan.js';

/** Reads a plan saved with `lz plan --out`, refusing anything that is not one. */
export function readSavedPlan(path: string): Plan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LzError('plan-unreadable', `Cannot read the saved plan ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let data: Partial<Plan>;
  try {
    data = JSON.parse(text) as Partial<Plan>;
  } catch {
    throw new LzError('plan-invalid', `${path} is not a saved plan: it is not JSON.`, { hint: 'Save one with `lz plan --out plan.json`.' });
  }
  if (data?.format !== PLAN_FORMAT || !Array.isArray(data.changes) || !Array.isArray(data.manual) || !data.organization || !data.options) {
    throw new LzError('plan-invalid', `${path} is not a saved plan (no "format": "${PLAN_FORMAT}").`, { hint: 'Save one with `lz plan --out plan.json`.' });
  }
  if (data.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new LzError('plan-version', `${path} is plan format version ${String(data.formatVersion)}; this lz reads version ${PLAN_FORMAT_VERSION}.`, {
      hint: 'Make a new plan with this version of lz.',
    });
  }
  return data as Plan;
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
  const key = (c: Change) => canonical({ action: c.action, before: c.before, after: c.after, fields: c.fields ?? null });
  const was = new Map(saved.changes.map((c) => [c.address, key(c)]));
  const now = new Map(fresh.changes.map((c) => [c.address, key(c)]));
  const differ = [...new Set([...was.keys(), ...now.keys()])].filter((a) => was.get(a) !== now.get(a));
  if (differ.length > 0) {
    throw new LzError(
      'plan-stale',
      `The saved plan is stale: since it was made, ${differ.length} change${differ.length === 1 ? '' : 's'} differ from what a plan shows now: ${differ.slice(0, 10).join(', ')}${differ.length > 10 ? ', ...' : ''}.`,
      { hint: 'Run `lz plan --out plan.json` again, review it, and apply the new plan.' },
    );
  }
}
