import { CreateAccountAliasCommand, DeleteAccountAliasCommand, ListAccountAliasesCommand, type IAMClient } from '@aws-sdk/client-iam';
import { isError, isNotFound } from '../aws/aws-errors.js';
import { LzError } from '../errors.js';
import type { Change } from '../engine/plan.js';
import type { AccountResource } from './types.js';

export const accountAliasAddress = (account: string) => `${account}.account-alias`;

export interface AliasState {
  alias: string;
}

/**
 * The IAM account alias (the sign-in URL `https://ALIAS.signin.aws.amazon.com/console`). An account has at
 * most one; aliases are global across all of AWS, so one can be taken by a stranger's account.
 */
export const accountAlias: AccountResource<AliasState, AliasState> = {
  kind: 'account-alias',
  scope: 'account',

  desired: (account) => (account.alias ? { alias: account.alias } : undefined),

  async read(ctx) {
    const alias = await currentAlias(ctx.clients.iam);
    return alias ? { alias } : undefined;
  },

  diff(want, have, { account, prune }) {
    const address = accountAliasAddress(account.name);
    const base = { address, kind: 'account-alias', account: account.name };
    if (!want) {
      if (!have) return { changes: [], unmanaged: [] };
      if (prune) return { changes: [{ ...base, action: 'delete', before: have, after: null }], unmanaged: [] };
      return { changes: [], unmanaged: [{ address, kind: 'account-alias', description: `account alias ${have.alias} on account ${account.name}; accounts.yaml declares none` }] };
    }
    if (!have) return { changes: [{ ...base, action: 'create', before: null, after: want }], unmanaged: [] };
    if (have.alias === want.alias) return { changes: [], unmanaged: [] };
    const change: Change = { ...base, action: 'update', before: have, after: want, fields: [{ field: 'alias', before: have.alias, after: want.alias }] };
    return { changes: [change], unmanaged: [] };
  },

  // For `lz import`.
  toManifest: (have) => ({ alias: have.alias }),

  async apply(ctx, change) {
    const iam = ctx.clients.iam;
    if (change.action === 'delete') {
      await deleteAlias(iam, (change.before as AliasState).alias);
      return;
    }
    // One call for create and rename alike: an account holds one alias, and CreateAccountAlias overwrites
    // the old one (IAM User Guide). Deleting first would leave the account without a sign-in alias should
    // the new one turn out to be taken.
    await createAlias(iam, change.account ?? ctx.accountId, (change.after as AliasState).alias);
  },
};

async function currentAlias(iam: IAMClient): Promise<string | undefined> {
  const out = await iam.send(new ListAccountAliasesCommand({}));
  return out.AccountAliases?.[0];
}

async function deleteAlias(iam: IAMClient, alias: string): Promise<void> {
  try {
    await iam.send(new DeleteAccountAliasCommand({ AccountAlias: alias }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
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
