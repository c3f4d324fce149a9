import { AcceptPrimaryEmailUpdateCommand, PutAccountNameCommand, StartPrimaryEmailUpdateCommand } from '@aws-sdk/client-account';
import { TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-organizations';
import * as z from 'zod';
import { errorMessage, isError } from '../aws/aws-errors.js';
import type { AwsContext } from '../aws/context.js';
import type { ApplyContext } from '../core/module.js';
import { LzError } from '../errors.js';
import { accountAddress, isClosedState, type AccountMatch, type LiveAccount } from '../core/organization.js';
import type { Change, InProgress } from '../core/plan.js';

/**
 * An account's name and root email as the file wants them: PutAccountName renames it; StartPrimaryEmailUpdate
 * sends a one-time code to the new address, which a person accepts with `lz accept-email` (AcceptPrimaryEmailUpdate).
 * Both act on a member account from the management account (AccountId), which needs trusted access for the
 * Account Management service; the management account renames itself without AccountId, and its own email is
 * changed only by its root user.
 */

export const ACCOUNT_PRINCIPAL = 'account.amazonaws.com';

/**
 * Tags on the account in Organizations that remember a started email change where AWS keeps it (a CI runner
 * loses `.lz/`): the new address, and when its code was sent. Their `lz:` prefix is reserved (core/organization.ts).
 */
export const PENDING_EMAIL_TAG = 'lz:pending-email';
export const PENDING_EMAIL_SINCE_TAG = 'lz:pending-email-since';

/** How long AWS's one-time code for a primary email update is valid; after that apply sends a new one. */
export const EMAIL_CODE_VALIDITY_MS = 24 * 60 * 60 * 1000;

/** PutAccountName's pattern: printable ASCII without < and > (CreateAccount allows those). */
const RENAMEABLE = /^[ -;=?-~]+$/;

export const identityPayload = z.union([
  z.strictObject({ rename: z.strictObject({ accountId: z.string(), name: z.string(), own: z.boolean().describe('The management account renames itself (no AccountId).') }) }),
  z.strictObject({ email: z.strictObject({ accountId: z.string(), email: z.string() }) }),
]);
type IdentityPayload = z.output<typeof identityPayload>;

/** A started email change, read from the account's tags. */
export interface PendingEmail {
  email: string;
  since: Date;
}

export function pendingEmail(live: LiveAccount): PendingEmail | undefined {
  const email = live.tags?.[PENDING_EMAIL_TAG];
  const since = new Date(live.tags?.[PENDING_EMAIL_SINCE_TAG] ?? '');
  return email && !Number.isNaN(since.getTime()) ? { email, since } : undefined;
}

const sameEmail = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const codeExpiry = (p: PendingEmail) => new Date(p.since.getTime() + EMAIL_CODE_VALIDITY_MS);

export interface IdentityPlan {
  changes: Change<IdentityPayload>[];
  inProgress: InProgress[];
  /** Changes that act on a member account with AccountId: they need trusted access for account.amazonaws.com. */
  needsTrustedAccess: boolean;
}

/**
 * The rename and email change one matched account needs. Nothing for an account the file closes or AWS has
 * closed: closing is its own change. `serviceAccess` is the trusted access change to wait for, when planned.
 */
export function identityPlan(match: AccountMatch, managementId: string, now: Date, serviceAccess?: string): IdentityPlan {
  const out: IdentityPlan = { changes: [], inProgress: [], needsTrustedAccess: false };
  const d = match.declared;
  const live = match.live;
  if (!live || d.closed || isClosedState(live.status)) return out;
  const own = live.id === managementId;
  const address = accountAddress(d.name);
  const dependsOn = !own && serviceAccess ? [serviceAccess] : [];
  if (live.name && live.name !== d.name && !RENAMEABLE.test(d.name)) {
    out.changes.push({
      address: `${address}.name`,
      kind: 'account',
      action: 'manual',
      step: 'account name PutAccountName cannot set',
      account: d.name,
      before: live.name,
      after: d.name,
      instructions: `Account ${live.id} is named "${live.name}" in AWS; "${d.name}" has < or >, which CreateAccount accepts and PutAccountName refuses: choose a name without them, or keep "${live.name}".`,
    });
  } else if (live.name && live.name !== d.name) {
    out.needsTrustedAccess ||= !own;
    out.changes.push({
      address: `${address}.name`,
      kind: 'account',
      action: 'update',
      account: d.name,
      before: live.name,
      after: d.name,
      fields: [{ field: 'name', before: live.name, after: d.name }],
      payload: { rename: { accountId: live.id, name: d.name, own } },
      dependsOn,
    });
  }
  if (live.email && !sameEmail(live.email, d.email)) {
    if (own) {
      out.changes.push({
        address: `${address}.email`,
        kind: 'account',
        action: 'manual',
        step: 'management account root email in AWS differs from the file',
        account: d.name,
        before: live.email,
        after: d.email,
        instructions: `The management account ${live.id} has root email ${live.email} in AWS and ${d.email} in the file. AWS changes a management account's email only through its root user (Account settings), not through the Account API: change it there, or change the file.`,
      });
      return out;
    }
    const pending = pendingEmail(live);
    if (pending && sameEmail(pending.email, d.email) && now < codeExpiry(pending)) {
      out.inProgress.push({
        address: `${address}.email`,
        kind: 'account',
        description: `${address}: root email change ${live.email} -> ${d.email} waits for the code AWS sent to ${d.email} on ${pending.since.toISOString()} (valid until ${codeExpiry(pending).toISOString()}): run \`lz accept-email ${d.name} --otp CODE\``,
      });
      return out;
    }
    out.needsTrustedAccess = true;
    out.changes.push({
      address: `${address}.email`,
      kind: 'account',
      action: 'update',
      account: d.name,
      before: live.email,
      after: d.email,
      fields: [{ field: 'email', before: live.email, after: d.email }],
      payload: { email: { accountId: live.id, email: d.email } },
      dependsOn,
    });
  }
  return out;
}

/** Whether any account's identity change in the plan acts on a member account through the Account API. */
export function identityNeedsTrustedAccess(matches: readonly AccountMatch[], managementId: string, now: Date): boolean {
  return matches.some((m) => identityPlan(m, managementId, now).needsTrustedAccess);
}

export async function applyIdentity(ctx: ApplyContext, name: string, payload: IdentityPayload): Promise<void> {
  const account = ctx.aws.management.account;
  if ('rename' in payload) {
    const { accountId, name: newName, own } = payload.rename;
    ctx.progress(name, `renaming to ${newName}`);
    // Setting the name it already has succeeds: safe to re-run.
    await account.send(new PutAccountNameCommand({ ...(own ? {} : { AccountId: accountId }), AccountName: newName }));
    return;
  }
  const { accountId, email } = payload.email;
  ctx.progress(name, `sending a code to ${email}`);
  await account.send(new StartPrimaryEmailUpdateCommand({ AccountId: accountId, PrimaryEmail: email }));
  // Remembered in Organizations, where the next run (another machine, a CI runner) finds it.
  await ctx.aws.management.organizations.send(
    new TagResourceCommand({
      ResourceId: accountId,
      Tags: [
        { Key: PENDING_EMAIL_TAG, Value: email },
        { Key: PENDING_EMAIL_SINCE_TAG, Value: new Date().toISOString() },
      ],
    }),
  );
}

/**
 * `lz accept-email`: AcceptPrimaryEmailUpdate with the code AWS emailed to `email`, then forgets the pending
 * change. AWS's refusals become errors that say what to do: a wrong code, an expired one (apply sends a new
 * one), none pending (apply starts the change).
 */
export async function acceptEmail(aws: AwsContext, account: { name: string; id: string; tags?: Record<string, string> }, email: string, otp: string): Promise<void> {
  try {
    await aws.management.account.send(new AcceptPrimaryEmailUpdateCommand({ AccountId: account.id, PrimaryEmail: email, Otp: otp }));
  } catch (err) {
    throw new LzError('accept-email.refused', `Account ${account.name} (${account.id}): ${errorMessage(err)}`, { hint: acceptHint(err, account.name, email), cause: err });
  }
  const pending = [PENDING_EMAIL_TAG, PENDING_EMAIL_SINCE_TAG].filter((key) => account.tags?.[key] !== undefined);
  if (pending.length > 0) await aws.management.organizations.send(new UntagResourceCommand({ ResourceId: account.id, TagKeys: pending }));
}

function acceptHint(err: unknown, name: string, email: string): string {
  const message = err instanceof Error ? err.message : '';
  if (isError(err, 'ResourceNotFoundException')) return `No email change is pending for ${name}: run \`lz apply\`, which starts it and has AWS send a code to ${email}.`;
  if (/expire/i.test(message)) return `The code expired: run \`lz apply\` to have AWS send a new one to ${email}, then run lz accept-email with it.`;
  if (isError(err, 'ValidationException')) return `Use the code in the latest email AWS sent to ${email} (each lz apply that sends one makes the previous code invalid).`;
  if (isError(err, 'ConflictException')) return `Another AWS account already uses ${email}: choose another address in the file.`;
  return 'docs/lifecycle.md describes the root email change; docs/permissions.md lists the permissions it needs.';
}
