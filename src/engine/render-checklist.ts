import type { ChecklistStep, Registry } from '../core/module.js';
import { accountAddress } from '../core/organization.js';
import type { Change, Plan } from '../core/plan.js';
import type { ResolvedAccount } from '../manifest/types.js';
import { wrap } from './render-text.js';

/**
 * `lz plan --manual`: the per-account checklist of what only a person (mostly the root user) can do. Each
 * module contributes its steps (verified ones marked [x], those no AWS API reads stay [ ]); every manual
 * change no step stands for follows. Pure: it works on the plan and the file's accounts, and makes no AWS call.
 */

export interface ChecklistOptions {
  color: boolean;
}

export function renderChecklist(plan: Plan, accounts: readonly ResolvedAccount[], registry: Registry, options: ChecklistOptions): string {
  const bold = (t: string) => (options.color ? `\x1b[1m${t}\x1b[0m` : t);
  const paint = (code: number, t: string) => (options.color ? `\x1b[${code}m${t}\x1b[0m` : t);
  const inScope = accounts.filter((a) => plan.options.targets.length === 0 || plan.options.targets.includes(a.name));
  const lines: string[] = [
    bold('Root-user checklist: what a person has to do in each account'),
    '[x] done, verified by lz    [ ] to do, or lz cannot verify it',
    '',
  ];
  let open = 0;
  let total = 0;
  for (const account of inScope) {
    const exists = !isCreated(plan, account.name);
    lines.push(bold(`${account.name}${account.management ? ' (management account)' : ''}${exists ? '' : ' (to be created by lz apply)'}, root user ${account.email}`));
    for (const step of stepsFor(plan, account, exists, registry)) {
      total++;
      if (!step.done) open++;
      lines.push(`  ${step.done ? paint(32, '[x]') : paint(35, '[ ]')} ${step.title}`);
      if (step.detail) lines.push(...wrap(step.detail, 96).map((l) => `        ${l}`));
    }
    lines.push('');
  }
  const loose = plan.manual.filter((c) => !c.account || !inScope.some((a) => a.name === c.account));
  if (loose.length > 0) {
    lines.push(bold('Other manual steps'));
    for (const c of loose) {
      total++;
      open++;
      lines.push(`  ${paint(35, '[ ]')} ${c.address}`);
      lines.push(...wrap(c.instructions ?? '', 96).map((l) => `        ${l}`));
    }
    lines.push('');
  }
  lines.push(`${open} of ${total} steps open in ${inScope.length} account${inScope.length === 1 ? '' : 's'}.`);
  return `${lines.join('\n')}\n`;
}

function isCreated(plan: Plan, name: string): boolean {
  return plan.changes.some((c) => c.action === 'create' && c.address === accountAddress(name));
}

/** Each module's steps, then the account's manual changes no step stands for. */
function stepsFor(plan: Plan, account: ResolvedAccount, exists: boolean, registry: Registry): ChecklistStep[] {
  const mine = (list: Change[], kind: string) => list.filter((c) => c.account === account.name && c.kind === kind);
  const steps = registry.account.flatMap((module) => module.checklist?.({ account, exists, manual: mine(plan.manual, module.kind), pending: mine(plan.changes, module.kind) }) ?? []);
  const covered = new Set(steps.flatMap((s) => s.covers ?? []));
  for (const c of plan.manual) {
    if (c.account !== account.name || covered.has(c.address)) continue;
    steps.push({ done: false, title: c.address, ...(c.instructions ? { detail: c.instructions } : {}) });
  }
  return steps;
}
