import { wrap } from './render-text.js';
import type { ResolvedAccount } from '../manifest/types.js';
import type { Change, Plan } from './plan.js';

/**
 * `lz plan --manual`: the per-account checklist of what only a person (mostly the root user) can do.
 * Steps lz can verify (root MFA, root access keys: GetAccountSummary) are marked [x] when verified; steps
 * no AWS API reads (billing access, the root password) stay [ ] every time; every manual change in the
 * plan follows. Pure: it works on the plan and the file's accounts, and makes no AWS call.
 */

export interface ChecklistOptions {
  color: boolean;
}

interface Step {
  done: boolean;
  title: string;
  detail?: string;
}

/** The manual steps the text plan shows: the ones lz can check, not those it never can. */
export function visibleManual(plan: Pick<Plan, 'manual'>): Change[] {
  return plan.manual.filter((c) => !c.unverifiable);
}

/** Accounts that have manual steps lz cannot verify (billing access on accounts that exist). */
export function accountsWithUnverifiableSteps(plan: Pick<Plan, 'manual'>): string[] {
  return [...new Set(plan.manual.filter((c) => c.unverifiable).map((c) => c.account ?? c.address))];
}

/** The one line the regular plan ends with instead of repeating those steps every run. */
export function unverifiableNotice(plan: Pick<Plan, 'manual'>): string | undefined {
  const n = accountsWithUnverifiableSteps(plan).length;
  if (n === 0) return undefined;
  return `${n} account${n === 1 ? ' has' : 's have'} root-user steps lz cannot verify: run lz plan --manual for the checklist.`;
}

export function renderChecklist(plan: Plan, accounts: readonly ResolvedAccount[], options: ChecklistOptions): string {
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
    const steps = stepsFor(plan, account);
    const exists = !isCreated(plan, account.name);
    lines.push(bold(`${account.name}${account.management ? ' (management account)' : ''}${exists ? '' : ' (to be created by lz apply)'}, root user ${account.email}`));
    for (const step of steps) {
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
  return plan.changes.some((c) => c.kind === 'account' && c.action === 'create' && c.account === name);
}

function stepsFor(plan: Plan, account: ResolvedAccount): Step[] {
  const mine = plan.manual.filter((c) => c.account === account.name);
  const used = new Set<Change>();
  const take = (suffix: string) => {
    const c = mine.find((m) => m.address === `${account.name}.${suffix}`);
    if (c) used.add(c);
    return c;
  };
  const exists = !isCreated(plan, account.name);
  const steps: Step[] = [];

  const mfa = take('root-user.mfa');
  steps.push(
    mfa
      ? { done: false, title: 'Root user MFA (CIS 1.5, Security Hub IAM.9)', detail: mfa.instructions }
      : exists
        ? { done: true, title: 'Root user MFA (verified: GetAccountSummary AccountMFAEnabled = 1)' }
        : { done: false, title: 'Root user MFA', detail: 'lz checks it once the account exists; a new account\'s root user has no MFA until someone assigns it (run lz plan --manual after lz apply).' },
  );

  const keys = take('root-user.access-keys');
  steps.push(
    keys
      ? { done: false, title: 'Root user access keys deleted (CIS 1.4, Security Hub IAM.4)', detail: keys.instructions }
      : exists
        ? { done: true, title: 'Root user access keys deleted (verified: GetAccountSummary AccountAccessKeysPresent = 0)' }
        : { done: false, title: 'Root user access keys deleted', detail: 'lz checks it once the account exists.' },
  );

  const billing = take('billing-access');
  if (billing) {
    steps.push({ done: false, title: `IAM user and role access to billing: ${account.billingAccess ? 'activated' : 'deactivated'} (lz cannot verify)`, detail: billing.instructions });
  } else if (!exists) {
    steps.push({ done: true, title: `IAM user and role access to billing: ${account.billingAccess ? 'ALLOW' : 'DENY'}, set by lz apply when it creates the account (CreateAccount IamUserAccessToBilling)` });
  }

  steps.push({
    done: false,
    title: 'Root password stored safely (lz cannot verify)',
    detail: `Whoever may need the root user of ${account.name} can reach ${account.email}${account.management ? '' : ' (a member account made by Organizations has no usable root password until someone uses "Forgot password" on the root sign-in page)'}; the password is long, unique and kept with the MFA device in the team's vault, not in one person's head.`,
  });

  const declared = (['billing', 'operations', 'security'] as const).filter((t) => account.contacts[t]);
  const missing = (['billing', 'operations', 'security'] as const).filter((t) => !account.contacts[t]);
  const pending = plan.changes.some((c) => c.account === account.name && (c.kind === 'alternate-contacts' || c.kind === 'contact-information'));
  if (missing.length > 0) {
    steps.push({
      done: false,
      title: `Alternate contacts: accounts.yaml declares no ${missing.join(', ')} contact`,
      detail: `Add contacts.${missing[0]} (and the others) to accounts.yaml under defaults or the account, so AWS reaches the right people (CIS 1.2 asks for a security contact); lz then keeps them.${declared.length > 0 ? ` lz keeps ${declared.join(', ')} already.` : ''}`,
    });
  } else if (pending) {
    steps.push({ done: false, title: 'Alternate contacts and contact information: lz apply will set them (see lz plan)' });
  } else {
    steps.push({ done: true, title: 'Alternate contacts (billing, operations, security): kept by lz from accounts.yaml (verified by this plan)' });
  }

  for (const c of mine) {
    if (used.has(c)) continue;
    steps.push({ done: false, title: c.address, detail: c.instructions });
  }
  return steps;
}

