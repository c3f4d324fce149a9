import {
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  paginateListAccounts,
  paginateListCreateAccountStatus,
  type CreateAccountStatus,
} from '@aws-sdk/client-organizations';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import { errorMessage, ignoreCodes, isError } from '../aws/aws-errors.js';
import { ORGANIZATIONS_PAGE } from '../aws/quotas.js';
import { ROLE_SETTLING, assumeAccessRole, waitThrough } from '../aws/settling.js';
import type { ApplyContext } from '../core/module.js';
import { LzError } from '../errors.js';

/** What CreateAccount is sent: everything about a new account that can only be set when it is created. */
export const newAccountSchema = z.strictObject({
  name: z.string(),
  email: z.string(),
  tags: z.record(z.string(), z.string()),
  /** IamUserAccessToBilling, which only CreateAccount sets. */
  billingAccess: z.boolean(),
  /** The role Organizations creates in it, which lz then assumes. */
  accessRole: z.string(),
});
export type NewAccount = z.output<typeof newAccountSchema>;


/**
 * Creates an account exactly once, even across crashes: the request id is journaled before polling, and a
 * request already in flight for the same account (sent by a run that died before journaling it) is adopted
 * rather than sent again. Returns the new account's id.
 */
export async function createAccount(ctx: ApplyContext, want: NewAccount): Promise<string> {
  const orgId = ctx.index.organizationId;
  if (!orgId) throw new Error('The organization must exist before accounts are created');
  const org = ctx.aws.management.organizations;

  const journaled = ctx.journal.pendingCreation(orgId, want.email)?.requestId;
  const resumed = journaled ?? (await findInFlight(ctx, want.name));
  if (resumed) {
    ctx.progress(want.name, `resuming creation ${resumed}`);
    const status = await waitForCreation(ctx, want.name, resumed);
    if (status) return settle(ctx, want, orgId, status);
  }
  ctx.progress(want.name, 'creating account');
  const command = new CreateAccountCommand({
    AccountName: want.name,
    Email: want.email,
    RoleName: want.accessRole,
    IamUserAccessToBilling: want.billingAccess ? 'ALLOW' : 'DENY',
    Tags: Object.entries(want.tags).map(([Key, Value]) => ({ Key, Value })),
  });
  // A new organization refuses CreateAccount while it initializes, which AWS says can take up to an hour.
  const out = await waitThrough(() => org.send(command), {
    ...settleWith(ctx, want.name),
    codes: { FinalizingOrganizationException: 'waiting for the new organization to finish initializing (AWS: up to an hour)' },
    timeout: FINALIZING_TIMEOUT,
    fail: (err, elapsed) =>
      new LzError('organization-initializing', `Account ${want.name}: the organization is still initializing after ${Math.round(elapsed / 60_000)} min: ${errorMessage(err)}`, {
        hint: 'AWS says this can take up to an hour. Run apply again later; if it persists after an hour, contact AWS Support.',
      }),
  });
  const requestId = out.CreateAccountStatus?.Id;
  if (!requestId) throw new Error('CreateAccount returned no request id');
  ctx.journal.recordCreation(orgId, { requestId, accountName: want.name, email: want.email, requestedAt: new Date().toISOString() });
  const status = await waitForCreation(ctx, want.name, requestId);
  if (!status) throw new Error(`CreateAccount request ${requestId} vanished while it was polled`);
  return settle(ctx, want, orgId, status);
}

async function settle(ctx: ApplyContext, want: NewAccount, orgId: string, status: CreateAccountStatus): Promise<string> {
  if (status.State === 'SUCCEEDED' && status.AccountId) {
    // Recorded before the creation is forgotten: a run killed between the two still knows to wait for the role.
    ctx.journal.awaitRole(orgId, status.AccountId);
    ctx.journal.forgetCreation(orgId, want.email);
    return status.AccountId;
  }
  ctx.journal.forgetCreation(orgId, want.email);
  if (status.FailureReason === 'EMAIL_ALREADY_EXISTS') {
    const existing = await findAccountByEmail(ctx, want.email);
    if (existing) {
      ctx.logger.info({ account: want.name, accountId: existing }, 'adopted the account that already has this email');
      return existing;
    }
    throw new LzError('email-taken', `Account ${want.name}: the email ${want.email} already belongs to an AWS account outside this organization.`, {
      hint: 'Every AWS account needs its own email. Use another address (the + trick: aws+name@your-domain), or invite that account into the organization.',
    });
  }
  throw new LzError('create-account-failed', `Account ${want.name}: CreateAccount failed with ${status.FailureReason ?? 'an unknown reason'}.`, {
    hint:
      status.FailureReason === 'ACCOUNT_LIMIT_EXCEEDED'
        ? 'The organization has reached its account quota: ask AWS Support for a higher "Default maximum number of accounts".'
        : 'See DescribeCreateAccountStatus in the Organizations console for details.',
  });
}

/** Polls with back-off; Organizations allows only 2 status reads a second per organization. */
async function waitForCreation(ctx: ApplyContext, name: string, requestId: string): Promise<CreateAccountStatus | undefined> {
  const started = Date.now();
  let interval = ctx.waits.pollInterval;
  for (;;) {
    const described = await ignoreCodes(
      ctx.aws.management.organizations.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requestId })),
      ['CreateAccountStatusNotFoundException'],
    );
    // A journaled request AWS no longer knows (expired, or another organization's): start over.
    if (!described) return undefined;
    const status = described.CreateAccountStatus;
    if (status && status.State !== 'IN_PROGRESS') return status;
    const elapsed = Date.now() - started;
    if (elapsed > ctx.waits.createAccountTimeout) {
      throw new LzError('create-account-timeout', `Account ${name}: still being created after ${Math.round(elapsed / 1000)} s (request ${requestId}).`, {
        hint: 'Run apply again later: it resumes this request instead of sending a new one.',
      });
    }
    ctx.progress(name, `waiting for account creation (${Math.round(elapsed / 1000)} s)`);
    await sleep(interval, undefined, { signal: ctx.signal });
    interval = Math.min(interval * 1.5, 10_000);
  }
}

/** A creation sent by a run that died before journaling the request id. */
async function findInFlight(ctx: ApplyContext, name: string): Promise<string | undefined> {
  for await (const page of paginateListCreateAccountStatus({ client: ctx.aws.management.organizations, pageSize: ORGANIZATIONS_PAGE }, { States: ['IN_PROGRESS'] })) {
    const found = page.CreateAccountStatuses?.find((s) => s.AccountName === name);
    if (found?.Id) return found.Id;
  }
  return undefined;
}

async function findAccountByEmail(ctx: ApplyContext, email: string): Promise<string | undefined> {
  for await (const page of paginateListAccounts({ client: ctx.aws.management.organizations, pageSize: ORGANIZATIONS_PAGE }, {})) {
    const found = page.Accounts?.find((a) => a.Email?.toLowerCase() === email.toLowerCase());
    if (found?.Id) return found.Id;
  }
  return undefined;
}

/** How long lz waits for a new organization to finish initializing: AWS says up to an hour. */
const FINALIZING_TIMEOUT = 60 * 60_000;

/**
 * A new account cannot be entered at once: STS answers RegionDisabledException while it activates STS for
 * the account, and the access role AccessDenied while IAM propagates it. Retries AssumeRole with back-off
 * within a bounded wait, then gives up with a message saying what to do.
 */
export async function waitForAccessRole(ctx: ApplyContext, name: string, accountId: string): Promise<void> {
  await waitThrough(
    () => assumeAccessRole(ctx.aws, accountId),
    {
      ...settleWith(ctx, name),
      codes: ROLE_SETTLING,
      timeout: ctx.waits.roleTimeout,
      fail: (err) =>
        new LzError('role-not-assumable', `Account ${name}: cannot assume ${ctx.aws.roleArn(accountId)}: ${errorMessage(err)}`, {
          hint: isError(err, 'RegionDisabledException')
            ? `A new account's STS can take a few minutes to activate; run apply again. For an existing account, activate STS in ${ctx.aws.options.region} (IAM console > Account settings > Security Token Service (STS)).`
            : "A new account's role can take a few minutes to become usable; run apply again. For an existing account, check that the role exists and trusts the management account.",
        }),
    },
  );
  if (ctx.index.organizationId) ctx.journal.roleAssumed(ctx.index.organizationId, accountId);
}

/** What waitThrough needs of an apply: its poll interval, progress line and interrupt. */
function settleWith(ctx: ApplyContext, subject: string) {
  return {
    pollInterval: ctx.waits.pollInterval,
    onWait: (step: string) => ctx.progress(subject, step),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
}
