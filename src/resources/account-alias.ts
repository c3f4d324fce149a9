import { CreateAccountAliasCommand, DeleteAccountAliasCommand, ListAccountAliasesCommand, type IAMClient } from '@aws-sdk/client-iam';
import * as z from 'zod';
import { NOT_FOUND, ignoreCodes, isError } from '../aws/aws-errors.js';
import { defineAccountKind } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import { singletonDiff } from '../core/reconcile.js';
import { LzError } from '../errors.js';
import { ACCOUNT_ALIAS, rule } from '../manifest/schema.js';
import { accountSection, type SectionCheckInput } from '../manifest/sections.js';
import type { ResolvedAccount } from '../manifest/types.js';

export const accountAliasAddress = (account: string) => `${account}.account-alias`;

export const aliasSchema = z
  .string()
  .regex(ACCOUNT_ALIAS, rule('must be 3-63 lowercase letters, digits and single hyphens, not starting or ending with a hyphen (AWS account alias rule)', 'e.g. example-production'))
  .describe('IAM account alias (sign-in URL), unique.');

/** `alias`, written in `accounts[]` only: aliases are global across AWS, so no two accounts can share one. */
export const aliasSection = accountSection({
  key: 'alias',
  schema: aliasSchema,
  inherit: 'none',
  summary: () => ['alias'],
  check: uniqueAliases,
});

function uniqueAliases({ accounts, report, line }: SectionCheckInput): void {
  const first = new Map<string, ResolvedAccount>();
  for (const account of accounts) {
    const alias = aliasSection.of(account);
    if (alias === undefined) continue;
    const earlier = first.get(alias.toLowerCase());
    if (!earlier) {
      first.set(alias.toLowerCase(), account);
      continue;
    }
    report(account, [aliasSection.key], {
      code: 'manifest.duplicate-alias',
      message: `alias "${alias}" is already used by accounts[${earlier.index}] (line ${line(earlier, [aliasSection.key])})`,
      hint: 'account aliases are unique across all of AWS; give each account its own',
    });
  }
}

export interface AliasState {
  alias: string;
}

/** Apply's instruction: set this alias (create and rename alike), or delete it. */
const payload = z.strictObject({ op: z.enum(['put', 'delete']), alias: z.string() });
type Payload = z.output<typeof payload>;

/**
 * The IAM account alias (the sign-in URL `https://ALIAS.signin.aws.amazon.com/console`). An account has at
 * most one; aliases are global across all of AWS, so one can be taken by a stranger's account.
 */
export const accountAlias = defineAccountKind<AliasState, AliasState, Payload>({
  kind: 'account-alias',
  permissions: { account: [reads('iam:ListAccountAliases'), writes('iam:CreateAccountAlias', 'iam:DeleteAccountAlias')] },
  sections: [aliasSection],
  payload,

  desired: (account) => {
    const alias = aliasSection.of(account);
    return alias ? { alias } : undefined;
  },

  async read(ctx) {
    const alias = await currentAlias(ctx.clients.iam);
    return alias ? { alias } : undefined;
  },

  diff: (want, have, { account, prune }) =>
    singletonDiff({
      address: accountAliasAddress(account.name),
      kind: 'account-alias',
      account: account.name,
      want,
      have,
      prune,
      fields: (w, h) => (w.alias === h.alias ? [] : [{ field: 'alias', before: h.alias, after: w.alias }]),
      payload: { put: (w): Payload => ({ op: 'put', alias: w.alias }), delete: (h): Payload => ({ op: 'delete', alias: h.alias }) },
      unmanaged: (h) => `account alias ${h.alias} on account ${account.name}; accounts.yaml declares none`,
    }),

  // For `lz import`.
  toManifest: (have) => ({ [aliasSection.key]: have.alias }),

  async apply(ctx, { account, payload: p }) {
    const iam = ctx.clients.iam;
    if (p.op === 'delete') {
      await ignoreCodes(iam.send(new DeleteAccountAliasCommand({ AccountAlias: p.alias })), NOT_FOUND);
      return;
    }
    // One call for create and rename alike: an account holds one alias, and CreateAccountAlias overwrites
    // the old one (IAM User Guide). Deleting first would leave the account without a sign-in alias should
    // the new one turn out to be taken.
    await createAlias(iam, account ?? ctx.accountId, p.alias);
  },
});

async function currentAlias(iam: IAMClient): Promise<string | undefined> {
  const out = await iam.send(new ListAccountAliasesCommand({}));
  return out.AccountAliases?.[0];
}

async function createAlias(iam: IAMClient, account: string, alias: string): Promise<void> {
  try {
    await iam.send(new CreateAccountAliasCommand({ AccountAlias: alias }));
  } catch (err) {
    if (!isError(err, 'EntityAlreadyExistsException', 'EntityAlreadyExists')) throw err;
    // Ours already (a re-run after a crash)? Then there is nothing to do; otherwise someone else has it.
    if ((await currentAlias(iam)) === alias) return;
    throw aliasTaken(account, alias, err);
  }
}

export function aliasTaken(account: string, alias: string, cause?: unknown): LzError {
  return new LzError(
    'alias-taken',
    `Account ${account}: the alias ${alias} is taken by another AWS account; aliases are global across AWS: choose another in accounts.yaml.`,
    { hint: 'Pick an alias unlikely to be used elsewhere, e.g. prefixed with your company name, then run lz apply again.', cause },
  );
}
