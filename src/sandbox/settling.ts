/**
 * AWS's eventual consistency around a new organization and a new account, in short windows (SandboxDelays):
 * - CreateAccount answers FinalizingOrganizationException while a new organization initializes (AWS: up
 *   to an hour);
 * - an Organizations entity that has just come into being answers writes with ConcurrentModificationException;
 * - STS refuses AssumeRole into a just-created account with RegionDisabledException, as AWS does while the
 *   account is being set up ("STS is not activated in this region for account:ID");
 * - the new account's services answer its principals as services of an account not yet signed up: S3 and
 *   S3 Control `NotSignedUp` (403), the awsJson services `SubscriptionRequiredException` (400).
 * AWS's windows last seconds to minutes from the event; the sandbox's last milliseconds, so each is timed from
 * the first request that meets it (a client slower than the window still walks through it), and only an
 * event of the last hour opens one. Deterministic: the sandbox clock and the order of requests decide.
 */
import type { SandboxState } from './state.js';
import { AwsError } from './types.js';
import type { Caller, SandboxRuntime, SandboxService } from './types.js';

declare module './state.js' {
  interface SandboxState {
    /** When each settling window opened (its first request), by `kind:id`. */
    settling?: Record<string, string>;
  }
}

/** Only what happened in the last hour is still settling (AWS: an organization finalizes within an hour). */
const SETTLING_HORIZON_MS = 60 * 60_000;

/**
 * Whether the window `key` (`ms` long) is open for an event at `since`: opened by the first request that
 * asks, closed `ms` later. Events older than an hour, and zero-length windows, open none.
 */
export function settlingWindow(state: SandboxState, runtime: SandboxRuntime, key: string, since: number | undefined, ms: number): boolean {
  const now = runtime.now().getTime();
  if (since === undefined || ms <= 0 || now - since > SETTLING_HORIZON_MS) return false;
  const marks = (state.settling ??= {});
  marks[key] ??= new Date(now).toISOString();
  return now < Date.parse(marks[key]) + ms;
}

/** When Organizations created the account (CreateAccount SUCCEEDED), or undefined for any other account. */
function createdAt(state: SandboxState, accountId: string): number | undefined {
  const member = state.organization?.members[accountId];
  return member?.joinedMethod === 'CREATED' ? Date.parse(member.joinedTimestamp) : undefined;
}

/** AssumeRole into a just-created account: RegionDisabledException (403) for `delays.stsActivation`. */
export function stsNotYetActive(state: SandboxState, runtime: SandboxRuntime, accountId: string): AwsError | undefined {
  if (!settlingWindow(state, runtime, `sts:${accountId}`, createdAt(state, accountId), runtime.delays.stsActivation)) return undefined;
  return new AwsError(
    'RegionDisabledException',
    `STS is not activated in this region for account:${accountId}. Your account administrator can activate STS in this region using the IAM Console.`,
    403,
  );
}

/**
 * A call by a just-created account's own principal to a service not yet active for it: for
 * `delays.serviceActivation` from its first such call (each service on its own). IAM and STS (the way in)
 * and the Account API are not gated.
 */
export function serviceNotYetActive(state: SandboxState, runtime: SandboxRuntime, service: SandboxService, caller: Caller): AwsError | undefined {
  if (service.protocol !== 'awsJson1_1' && service.protocol !== 'restXml') return undefined;
  const key = `service:${caller.accountId}:${service.targetPrefix ?? service.signingName}`;
  if (!settlingWindow(state, runtime, key, createdAt(state, caller.accountId), runtime.delays.serviceActivation)) return undefined;
  if (service.protocol === 'restXml') {
    return new AwsError('NotSignedUp', 'Your account is not signed up for the S3 service. You must sign up before you can use S3.', 403);
  }
  return new AwsError('SubscriptionRequiredException', 'The AWS Access Key Id needs a subscription for the service', 400);
}
