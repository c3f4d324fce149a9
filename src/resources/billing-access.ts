import * as z from 'zod';
import { defineAccountKind } from '../core/module.js';
import { accountSection } from '../manifest/sections.js';
import type { ResolvedAccount } from '../manifest/types.js';

export const billingAccessAddress = (account: string) => `${account}.billing-access`;

/** `billingAccess`; true when neither the account nor `defaults` says. */
export const billingAccessSection = accountSection({
  key: 'billingAccess',
  schema: z.boolean().default(true).describe('IAM user and role access to billing (IamUserAccessToBilling); true when absent.'),
  inherit: 'replace',
  override: z.boolean().optional().describe('Overrides defaults.billingAccess.'),
  summary: (allow) => (allow ? ['billing-access'] : []),
});

export function billingAccessInstructions(a: ResolvedAccount, allow: boolean): string {
  const where = `Sign in as the root user (${a.email}), open the account menu (top right) > Account > IAM user and role access to Billing information > Edit`;
  return allow
    ? `Account ${a.name}: let IAM users and roles with billing permissions see billing (accounts.yaml: billingAccess true). ${where} > select Activate IAM Access > Update. lz cannot read this setting: AWS has no API for it.`
    : `Account ${a.name}: keep billing to the root user (accounts.yaml: billingAccess false). ${where} > clear Activate IAM Access > Update. lz cannot read this setting: AWS has no API for it.`;
}

/**
 * IAM user and role access to billing. AWS has no API that reads or changes it on an existing account:
 * it is set once, by CreateAccount's IamUserAccessToBilling (the accounts module sends it for every account
 * lz creates), and otherwise only by the root user in the console. So for every account that already
 * exists this is a manual step lz can never verify (`unverifiable`): the text plan only counts such
 * accounts in one closing line, and `lz plan --manual` lists the step with what to click. Makes no call.
 */
export const billingAccess = defineAccountKind<boolean, true, never>({
  kind: 'billing-access',
  permissions: {},
  sections: [billingAccessSection],
  // Its only change is a manual step, which carries no payload and is never applied.
  payload: z.never(),

  desired: (account) => billingAccessSection.of(account),

  // Nothing to read (no API); `true` only says the account exists.
  read: () => Promise.resolve(true),

  diff(want, _have, { account, exists }) {
    // An account lz creates gets the setting from CreateAccount.
    if (want === undefined || !exists) return { changes: [], unmanaged: [] };
    return {
      changes: [
        {
          address: billingAccessAddress(account.name),
          kind: 'billing-access',
          action: 'manual',
          step: 'IAM access to billing (root user, lz cannot verify)',
          account: account.name,
          before: null,
          after: { iamUserAccessToBilling: want ? 'ALLOW' : 'DENY' },
          instructions: billingAccessInstructions(account, want),
          unverifiable: true,
        },
      ],
      unmanaged: [],
    };
  },

  apply: () => Promise.resolve(),

  // Nothing to write back: no API reads it. Left out, the file asks for the default (true), which only ever
  // makes a manual, unverifiable step, never a change or a delete, --prune or not.
  importNotes: () => [
    'billingAccess (IAM user and role access to billing) is not in the file: AWS has no API that reads it. The file asks for the default, true; ' +
      'lz plan --manual lists it in each account as a step to check by hand (write billingAccess: false where billing is kept to the root user)',
  ],

  checklist({ account, exists, manual }) {
    const allow = billingAccessSection.of(account) ?? true;
    const step = manual.find((c) => c.address === billingAccessAddress(account.name));
    if (step) {
      return [{ done: false, title: `IAM user and role access to billing: ${allow ? 'activated' : 'deactivated'} (lz cannot verify)`, detail: step.instructions, covers: [step.address] }];
    }
    if (!exists) return [{ done: true, title: `IAM user and role access to billing: ${allow ? 'ALLOW' : 'DENY'}, set by lz apply when it creates the account (CreateAccount IamUserAccessToBilling)` }];
    return [];
  },
});
