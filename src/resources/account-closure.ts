import { paginateLookupEvents } from '@aws-sdk/client-cloudtrail';
import { CloseAccountCommand } from '@aws-sdk/client-organizations';
import * as z from 'zod';
import { ignoreCodes } from '../aws/aws-errors.js';
import { defineOrganizationKind } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import { accountAddress, isClosedState } from '../core/organization.js';
import type { Change, InProgress } from '../core/plan.js';
import { unitAddress } from './organizational-units.js';
import { QUARANTINE_POLICY } from './organization-policies/section.js';

/**
 * Accounts marked `closed: true` are closed: moved to the quarantine unit under its deny-all SCP (the
 * accounts and policy kinds plan those), then closed with Organizations CloseAccount, within AWS's quota. A
 * closed account stays in the file as the record of it; one closed by hand is a step for a person.
 */

export const closeAddress = (name: string) => `${accountAddress(name)}.close`;

/**
 * AWS lets an organization close the higher of 250 and 20% of its member accounts, at most 1,000, in any
 * rolling 30 days (CloseAccount's API reference; older guides say 10%, between 10 and 1,000). CloudTrail's
 * event history holds every CloseAccount call of the last 90 days.
 */
export const CLOSE_WINDOW_MS = 30 * 86_400_000;
export function closeQuota(members: number): number {
  return Math.min(1000, Math.max(250, Math.floor(members * 0.2)));
}

/** A CloseAccount AWS refused is in the history too, with its error code: it closed nothing. */
function succeeded(record: string | undefined): boolean {
  try {
    return !(JSON.parse(record ?? '{}') as { errorCode?: string }).errorCode;
  } catch {
    return true;
  }
}

/** Organizations logs to CloudTrail in us-east-1 whatever Region lz runs in. */
const ORGANIZATIONS_EVENTS_REGION = 'us-east-1';

interface Live {
  /** When each CloseAccount of the rolling window was made, oldest first. */
  recentClosures: Date[];
}

const payload = z.strictObject({ accountId: z.string() });
type Payload = z.output<typeof payload>;

export const accountClosure = defineOrganizationKind<Live, Payload>({
  kind: 'account-closure',
  permissions: { management: [reads('cloudtrail:LookupEvents'), writes('organizations:CloseAccount')] },
  payload,

  async read(ctx) {
    // Only while an account is still to be closed: closed entries stay in the file as records for good.
    const toClose = ctx.matches.some((m) => m.declared.closed && m.live && !isClosedState(m.live.status));
    if (!ctx.snapshot.organization || !toClose) return { recentClosures: [] };
    const now = new Date();
    const times: Date[] = [];
    const client = ctx.aws.management.cloudtrailIn(ORGANIZATIONS_EVENTS_REGION);
    const pages = paginateLookupEvents(
      { client, pageSize: 50 },
      { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CloseAccount' }], StartTime: new Date(now.getTime() - CLOSE_WINDOW_MS), EndTime: now },
    );
    for await (const page of pages) {
      for (const e of page.Events ?? []) if (e.EventTime && e.EventSource === 'organizations.amazonaws.com' && succeeded(e.CloudTrailEvent)) times.push(e.EventTime);
    }
    return { recentClosures: times.sort((a, b) => a.getTime() - b.getTime()) };
  },

  plan(input, live) {
    const changes: Change<Payload>[] = [];
    const inProgress: InProgress[] = [];
    // Member accounts: the management account aside, closed ones included (they are members until AWS removes them).
    const managementId = input.snapshot.organization?.managementAccountId;
    const members = input.snapshot.accounts.filter((a) => a.id !== managementId).length;
    const quota = closeQuota(members);
    const recent = live?.recentClosures ?? [];
    const free = Math.max(0, quota - recent.length);
    let planned = 0;
    let waiting = 0;
    const quarantine = input.manifest.manifest.organization.quarantineUnit;
    for (const { declared, live: account } of input.matches) {
      if (!account) continue;
      const closedInAws = isClosedState(account.status);
      if (declared.closed && closedInAws) {
        inProgress.push({
          address: closeAddress(declared.name),
          kind: 'account-closure',
          description:
            account.status === 'PENDING_CLOSURE'
              ? `account ${declared.name} (${account.id}) is closing (PENDING_CLOSURE)`
              : `account ${declared.name} (${account.id}) is closed (${account.status}${account.status === 'SUSPENDED' ? ': AWS Support can reopen it within 90 days of closing' : ''})`,
        });
        continue;
      }
      if (declared.closed) {
        if (planned === free) {
          // Slots free up 30 days after the closures that hold them, oldest first; this plan's own last.
          const held = Math.max(0, recent.length - quota) + waiting;
          const from = new Date((held < recent.length ? recent[held]!.getTime() : Date.now()) + CLOSE_WINDOW_MS);
          waiting++;
          inProgress.push({
            address: closeAddress(declared.name),
            kind: 'account-closure',
            description: `account ${declared.name} (${account.id}) waits to be closed: AWS allows ${quota} closures in any 30 days for ${members} member accounts; ${recent.length} ${recent.length === 1 ? 'was' : 'were'} made in the last 30 days and ${planned} ${planned === 1 ? 'is' : 'are'} in this plan. Possible again from ${from.toISOString().slice(0, 10)}; lz closes it on an apply after that.`,
          });
          continue;
        }
        planned++;
        changes.push({
          address: closeAddress(declared.name),
          kind: 'account-closure',
          action: 'delete',
          account: declared.name,
          before: { id: account.id, state: account.status },
          after: null,
          payload: { accountId: account.id },
          // In quarantine, under its deny-all policy, first; the executor ignores addresses not in the plan.
          dependsOn: [accountAddress(declared.name), unitAddress(quarantine), `scp:${QUARANTINE_POLICY}@${unitAddress(quarantine)}`],
          requires: 'allow-close',
        });
        continue;
      }
      if (closedInAws) {
        changes.push({
          address: `${accountAddress(declared.name)}.reopen`,
          kind: 'account-closure',
          action: 'manual',
          step: 'account closed in AWS but not in the file',
          drift: true,
          account: declared.name,
          before: account.status,
          after: 'ACTIVE',
          instructions: `Account ${declared.name} (${account.id}) is ${account.status} in AWS, but accounts.yaml does not mark it closed. AWS has no API to reopen an account: within 90 days of its closing, AWS Support can (open a case from the account's root user sign-in, or from the management account). If it is meant to stay closed, add closed: true to its entry.`,
        });
      }
    }
    return { changes, unmanaged: [], ...(inProgress.length > 0 ? { inProgress } : {}) };
  },

  async apply(ctx, { account, payload: p }) {
    ctx.progress(account ?? p.accountId, 'closing (CloseAccount)');
    // Closed already (an interrupted run, or a person): nothing to do.
    await ignoreCodes(ctx.aws.management.organizations.send(new CloseAccountCommand({ AccountId: p.accountId })), ['AccountAlreadyClosedException']);
  },
});
