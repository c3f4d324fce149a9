import { LzError } from '../errors.js';
import type { AccountClients, AwsContext } from '../aws/context.js';
import type { LoadedManifest, ResolvedAccount } from '../manifest/index.js';
import type { AccountReadContext, AnyAccountKind, OrganizationReadContext, Registry } from '../core/module.js';
import { ORGANIZATION_ADDRESS, accountAddress, isClosedState, type AccountMatch, type LiveAccount, type OrganizationIndex, type OrganizationSnapshot } from '../core/organization.js';
import { PLAN_FORMAT, PLAN_FORMAT_VERSION, type Change, type InProgress, type Plan, type PlanOutput, type Unmanaged, type UnreadableAccount } from '../core/plan.js';
import { matchAccounts } from './match-accounts.js';
import { readOrganization, readTags } from './organization-snapshot.js';
import { errorSummary, isError } from '../aws/aws-errors.js';
import { ROLE_SETTLING, assumeAccessRole, waitThrough } from '../aws/settling.js';

export interface PlanOptions {
  prune: boolean;
  /** Apply may close accounts (`--allow-close`); recorded in the plan's options. */
  allowClose?: boolean;
  /** Account names to limit the plan to; empty = all. */
  targets: string[];
  manifestSha256: string;
  /** The manifest's absolute path, recorded as `manifest.file` (`lz apply PLANFILE` plans against it again). */
  manifestPath: string;
  /** Called as accounts are read, for a progress line. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Called in each existing account's read task once the modules have read it, with the same clients and
   * read memo and every module's read result by kind (`lz drift`'s posture checks): what the plan read is
   * not read again. Not called for accounts that do not exist yet, nor for those `readers` read elsewhere
   * (they inspect what they read their own way).
   */
  inspectAccount?: (input: AccountInspection) => Promise<void>;
  /** Where member accounts may be read besides this thread (read threads); here only, without. */
  readers?: AccountReaders;
  /**
   * apply's wait for the access role of `accounts`, created by a run that died before it could assume their
   * role (the journal says which): AccessDenied there is IAM still propagating, not a broken role, and is
   * waited through as the first run would have. `assumed` is told when one's role answers.
   */
  roleWait?: {
    accounts: ReadonlySet<string>;
    timeout: number;
    pollInterval: number;
    onWait: (account: string, step: string) => void;
    assumed: (accountId: string) => void;
    signal?: AbortSignal;
  };
}

/** What `PlanOptions.inspectAccount` sees of one account. */
export interface AccountInspection {
  account: ResolvedAccount;
  accountId: string;
  ctx: AccountReadContext;
  /** Each account module with its read result (its `have`), in registry order. */
  haves: readonly { module: AnyAccountKind; have: unknown }[];
  /** The file, for checks that depend on organization-level items (e.g. an organization trail). */
  manifest: LoadedManifest;
}

export interface PlanResult {
  plan: Plan;
  /** The ids read while planning, where apply starts from. */
  index: OrganizationIndex;
  /** Emails of the accounts the organization holds (apply settles journaled creations that completed). */
  liveEmails: string[];
}

/** Reads AWS (and nothing else: a plan makes no write call) and diffs it with the file. */
export async function makePlan(manifest: LoadedManifest, aws: AwsContext, registry: Registry, options: PlanOptions): Promise<PlanResult> {
  checkTargets(manifest, options.targets);
  const targeted = (a: ResolvedAccount) => options.targets.length === 0 || options.targets.includes(a.name);
  const planning: AccountPlanning = { manifest, aws, registry, options, done: 0, total: manifest.accounts.filter(targeted).length };

  // An account's reads start as soon as the listing shows it (matched by email, the key AWS keeps unique),
  // instead of after the whole organization is listed: at thousands of accounts the listing alone takes
  // seconds of Organizations' quota, which the accounts' own reads can overlap.
  const started = new Map<string, Promise<AccountPlanOutput>>();
  const byEmail = new Map(manifest.accounts.filter(targeted).map((a) => [a.email.toLowerCase(), a]));
  const start = (match: AccountMatch, managementId: string, organizationExists: boolean) => {
    const task = planOneAccount(planning, match, managementId, organizationExists);
    // Awaited below; until then a failure must not surface as an unhandled rejection.
    task.catch(() => undefined);
    started.set(match.declared.name, task);
  };
  const byId = new Map(manifest.accounts.filter(targeted).flatMap((a) => (a.id ? [[a.id, a] as const] : [])));
  const startedWith = new Map<string, string>();
  const snapshot = await readOrganization(aws, (accounts, organization) => {
    for (const live of accounts) {
      const pinned = byId.get(live.id);
      const declared = pinned ?? byEmail.get(live.email.toLowerCase());
      // An account with an id is matched by it only: its email may be another account's until it changes.
      if (!declared || started.has(declared.name) || (!pinned && declared.id)) continue;
      startedWith.set(declared.name, live.id);
      start({ declared, live, by: pinned ? 'id' : 'email' }, organization.managementAccountId, true);
    }
  });
  const { matches, unmatched, unknownIds } = matchAccounts(manifest.accounts, snapshot);
  checkDeclaredIds(manifest, snapshot, unknownIds);
  checkManagementAccount(manifest, snapshot, matches);
  // Without an organization nothing can be read yet but the caller's own account.
  if (!snapshot.organization) {
    const m = matches.find((x) => x.declared.management);
    if (m) m.live = { id: snapshot.callerAccountId, name: m.declared.name, email: m.declared.email, status: 'ACTIVE', unit: undefined, tags: {} };
  }
  const inScope = matches.filter((m) => targeted(m.declared));
  const managementId = snapshot.organization?.managementAccountId ?? snapshot.callerAccountId;
  // An early start paired by email that the full match pairs otherwise (an account another one's id pins) is redone.
  for (const m of inScope) if (!started.has(m.declared.name) || startedWith.get(m.declared.name) !== m.live?.id) start(m, managementId, Boolean(snapshot.organization));

  // Organization-level modules with a read of their own (S3, CloudTrail, ...) read alongside the accounts.
  const readCtx: OrganizationReadContext = { aws, manifest, snapshot, matches: inScope, prune: options.prune, memo: memoizer() };
  const [perAccount, lives] = await Promise.all([
    Promise.all(inScope.map((m) => started.get(m.declared.name)!)),
    Promise.all(registry.organization.map((module) => module.read?.(readCtx))),
  ]);
  const accountOutputs = {
    changes: perAccount.flatMap((p) => p.changes),
    unmanaged: perAccount.flatMap((p) => p.unmanaged),
    inProgress: perAccount.flatMap((p) => p.inProgress ?? []),
    unreadable: perAccount.flatMap((p) => p.unreadable ?? []),
  };
  const input = { manifest, snapshot, matches: inScope, unmatched, prune: options.prune, region: aws.options.region };
  const outputs: PlanOutput[] = registry.organization.map((module, i) => module.plan(input, lives[i]));
  // Before the organization exists, everything in it waits for its creation; modules need not say so.
  if (!snapshot.organization) {
    for (const c of outputs.flatMap((o) => o.changes)) {
      if (c.address !== ORGANIZATION_ADDRESS && !c.dependsOn?.includes(ORGANIZATION_ADDRESS)) c.dependsOn = [...(c.dependsOn ?? []), ORGANIZATION_ADDRESS];
    }
  }
  outputs.push(accountOutputs);

  const all = outputs.flatMap((o) => o.changes);
  const unmanaged = options.targets.length === 0 ? outputs.flatMap((o) => o.unmanaged) : [];
  const inProgress = outputs.flatMap((o) => o.inProgress ?? []);
  const plan: Plan = {
    format: PLAN_FORMAT,
    formatVersion: PLAN_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    manifest: { file: options.manifestPath, sha256: options.manifestSha256 },
    organization: {
      ...(snapshot.organization ? { id: snapshot.organization.id } : {}),
      managementAccountId: snapshot.organization?.managementAccountId ?? snapshot.callerAccountId,
    },
    options: { prune: options.prune, targets: options.targets, ...(options.allowClose ? { allowClose: true } : {}) },
    changes: all.filter((c) => c.action !== 'manual'),
    manual: all.filter((c) => c.action === 'manual'),
    unmanaged,
    ...(accountOutputs.unreadable.length > 0 ? { unreadable: accountOutputs.unreadable } : {}),
    ...(inProgress.length > 0 ? { inProgress } : {}),
  };
  return { plan, index: indexOf(snapshot, matches), liveEmails: snapshot.accounts.map((a) => a.email) };
}

function indexOf(snapshot: OrganizationSnapshot, matches: AccountMatch[]): OrganizationIndex {
  return {
    organizationId: snapshot.organization?.id,
    rootId: snapshot.organization?.rootId,
    managementAccountId: snapshot.organization?.managementAccountId ?? snapshot.callerAccountId,
    unitIds: new Map(snapshot.units.map((u) => [u.path, u.id])),
    accountIds: new Map(matches.flatMap((m) => (m.live ? [[m.declared.name, m.live.id] as const] : []))),
  };
}

interface AccountPlanning {
  manifest: LoadedManifest;
  aws: AwsContext;
  registry: Registry;
  options: PlanOptions;
  /** For the progress counter. */
  done: number;
  total: number;
}

export type AccountPlanOutput = PlanOutput & { unreadable?: UnreadableAccount[] };

/** One member account's read and diff, as a reader elsewhere gets it: the account by its name in the file. */
export interface AccountJob {
  account: string;
  live: LiveAccount;
  by: AccountMatch['by'];
  managementId: string;
  prune: boolean;
}

/**
 * Where member accounts' reads may run besides this thread (src/cli/read-threads.ts): `read` either
 * hands the job to a reader of its own or calls `here`, as it sees fit. Nothing it answers may differ
 * from what `here` would have.
 */
export interface AccountReaders {
  read(job: AccountJob, here: () => Promise<AccountPlanOutput>): Promise<AccountPlanOutput>;
}

/**
 * One account's baseline, read inside that account through its access role (tags with the management
 * account's credentials), within the run's limit of accounts at once.
 */
function planOneAccount(planning: AccountPlanning, match: AccountMatch, managementId: string, organizationExists: boolean): Promise<AccountPlanOutput> {
  const { aws } = planning;
  return aws.accountLimit(async (): Promise<AccountPlanOutput> => {
    try {
      return await planAccountTask(planning, match, managementId, organizationExists);
    } finally {
      if (match.live && match.live.id !== managementId) aws.release(match.live.id);
    }
  });
}

async function planAccountTask(planning: AccountPlanning, match: AccountMatch, managementId: string, organizationExists: boolean): Promise<AccountPlanOutput> {
  const { aws, options } = planning;
  const account = match.declared;
  const live = match.live;
  // Nothing is read or planned inside an account that is closed, or is to be: its baseline no longer matters,
  // and AWS refuses entry once it is closed. Its tags are still read while it can be moved to quarantine.
  if (account.closed || isClosedState(live?.status)) {
    if (organizationExists && live && !isClosedState(live.status)) await readTags(aws, live);
    options.onProgress?.(++planning.done, planning.total);
    return { changes: [], unmanaged: [] };
  }
  const here = () => planAccount({ ...planning, prune: options.prune }, match, managementId);
  // The tags are the management account's read (its Organizations quota), made here whoever reads the rest;
  // an account whose new role apply waits for is read here too, where that wait is.
  const elsewhere = live && live.id !== managementId && !options.roleWait?.accounts.has(live.id) ? options.readers : undefined;
  const [planned] = await Promise.all([
    elsewhere && live ? elsewhere.read({ account: account.name, live, by: match.by, managementId, prune: options.prune }, here) : here(),
    organizationExists && live ? readTags(aws, live) : Promise.resolve(),
  ]);
  options.onProgress?.(++planning.done, planning.total);
  return planned;
}

/** What one account's read and diff needs of the run. */
export interface AccountPlanContext {
  manifest: LoadedManifest;
  aws: AwsContext;
  registry: Registry;
  prune: boolean;
  options: Pick<PlanOptions, 'inspectAccount' | 'roleWait'>;
}

/**
 * Reads one account and diffs it with the file, with clients lent from the run's pool for a member
 * account: the plan's work inside one account, wherever it runs (a read thread too). Its organization-level
 * reads (tags) are the caller's.
 */
export async function planAccount(planning: AccountPlanContext, match: AccountMatch, managementId: string): Promise<AccountPlanOutput> {
  const { aws } = planning;
  const live = match.live;
  const clients = live ? aws.lend(live.id, managementId) : undefined;
  const lent = clients !== aws.management ? clients : undefined;
  const planned = await readAndDiff(planning, match, managementId, clients).catch((err: unknown) => {
    lent?.destroy();
    throw err;
  });
  // Once every read of the account has ended its clients serve the next account; after a failure a read
  // may still be running (Promise.all rejects at the first error), so they are let go instead.
  if (planned.unreadable) lent?.destroy();
  else lent?.giveBack();
  return planned;
}

async function readAndDiff(planning: AccountPlanContext, match: AccountMatch, managementId: string, clients: AccountClients | undefined): Promise<AccountPlanOutput> {
  const { manifest, aws, registry, options, prune } = planning;
  const account = match.declared;
  const changes: Change[] = [];
  const unmanaged: Unmanaged[] = [];
  const inProgress: InProgress[] = [];
  const exists = Boolean(match.live);
  const live = match.live;
  const memo = memoizer();
  const wants = registry.account.map((module) => module.desired(account, manifest));
  // The modules' reads are independent: made side by side, an account costs its longest chain of
  // dependent calls in latency, not the sum of all its calls.
  const readCtx: AccountReadContext | undefined = clients && live ? { clients, accountId: live.id, account, memo, aws } : undefined;
  const haves = await readAccount(aws, account.name, live && live.id !== managementId ? live : undefined, options.roleWait, () =>
    Promise.all(registry.account.map((module, i) => (readCtx ? module.read(readCtx, wants[i]) : Promise.resolve(undefined)))),
  );
  if (haves instanceof Unreadable) {
    // Nothing is planned inside an account lz cannot read; the others go on. Its organization-level
    // changes (unit, tags) are made with the management account's credentials and still planned.
    return { changes: [], unmanaged: [], unreadable: [haves.entry] };
  }
  if (readCtx && options.inspectAccount) {
    await options.inspectAccount({ account, accountId: readCtx.accountId, ctx: readCtx, haves: registry.account.map((module, i) => ({ module, have: haves[i] })), manifest });
  }
  for (const [i, module] of registry.account.entries()) {
    const out = module.diff(wants[i], haves[i], { account, prune, exists, region: aws.options.region });
    for (const c of out.changes) {
      c.account ??= account.name;
      if (!exists) c.dependsOn = [...(c.dependsOn ?? []), accountAddress(account.name)];
    }
    changes.push(...out.changes);
    unmanaged.push(...out.unmanaged);
    inProgress.push(...(out.inProgress ?? []));
  }
  return { changes, unmanaged, inProgress };
}

/** A read made once however many modules ask for it (the first caller's promise is everyone's). */
export function memoizer(): <T>(key: string, read: () => Promise<T>) => Promise<T> {
  const reads = new Map<string, Promise<unknown>>();
  return <T>(key: string, read: () => Promise<T>) => {
    if (!reads.has(key)) reads.set(key, read());
    return reads.get(key) as Promise<T>;
  };
}

class Unreadable {
  constructor(readonly entry: UnreadableAccount) {}
}

/**
 * Reads one existing account's baseline. Its access role is assumed first, so that a role that refuses
 * (deleted, or no longer trusting the management account) is named as such. An existing account's role is
 * not waited for: AccessDenied there is a real failure, not IAM propagation (that wait is only for accounts
 * apply creates). Any failure makes this one account unreadable instead of failing the whole plan.
 */
async function readAccount<T>(aws: AwsContext, name: string, member: LiveAccount | undefined, roleWait: PlanOptions['roleWait'], read: () => Promise<T>): Promise<T | Unreadable> {
  if (member) {
    try {
      if (roleWait?.accounts.has(member.id)) {
        await waitThrough(() => assumeAccessRole(aws, member.id), {
          codes: ROLE_SETTLING,
          timeout: roleWait.timeout,
          pollInterval: roleWait.pollInterval,
          onWait: (step) => roleWait.onWait(name, step),
          fail: (err) => err as Error,
          ...(roleWait.signal ? { signal: roleWait.signal } : {}),
        });
        roleWait.assumed(member.id);
      } else {
        await aws.credentialsFor(member.id);
      }
    } catch (err) {
      return new Unreadable({
        account: name,
        address: accountAddress(name),
        reason: `cannot assume ${aws.roleArn(member.id)}: ${errorSummary(err)}`,
        hint: isError(err, 'RegionDisabledException')
          ? `STS is not active yet for this account in ${aws.options.region}: AWS activates it within minutes of an account's creation. Run lz again shortly; if it persists, activate the Region for STS in the account (IAM console > Account settings).`
          : 'Check that the role exists in the account and trusts the management account, then run lz again: it continues with this account.',
      });
    }
  }
  try {
    return await read();
  } catch (err) {
    return new Unreadable({ account: name, address: accountAddress(name), reason: `could not be read: ${errorSummary(err)}` });
  }
}

function checkTargets(manifest: LoadedManifest, targets: string[]): void {
  const names = new Set(manifest.accounts.map((a) => a.name));
  const unknown = targets.filter((t) => !names.has(t));
  if (unknown.length > 0) {
    throw new LzError('unknown-target', `--target names no account in ${manifest.file}: ${unknown.join(', ')}`, {
      hint: `Accounts in the file: ${[...names].join(', ')}`,
    });
  }
}

/** An `id` in the file says the account exists: one the organization does not hold is a mistake, never a create. */
function checkDeclaredIds(manifest: LoadedManifest, snapshot: OrganizationSnapshot, unknownIds: ResolvedAccount[]): void {
  const [first, ...rest] = unknownIds;
  if (!first) return;
  const where = snapshot.organization ? `organization ${snapshot.organization.id}` : `account ${snapshot.callerAccountId} (no organization yet)`;
  const listed = [first, ...rest].map((a) => `${a.name} (id ${a.id ?? ''})`).join(', ');
  throw new LzError('unknown-account-id', `${manifest.file}: no account in ${where} has the id the file gives for ${listed}.`, {
    hint: 'Correct the id (lz import writes the ids the organization holds), or remove it to match the account by email, or by name.',
    location: manifest.locate(['accounts', first.index, 'id']),
  });
}

/** lz must run as the management account, and the file must agree on which account that is. */
function checkManagementAccount(manifest: LoadedManifest, snapshot: OrganizationSnapshot, matches: AccountMatch[]): void {
  const org = snapshot.organization;
  if (!org) return;
  const m = matches.find((x) => x.declared.management);
  if (m?.live && m.live.id !== org.managementAccountId) {
    throw new LzError(
      'management-mismatch',
      `${manifest.file}: organization.management is ${m.declared.name}, whose email ${m.declared.email} belongs to member account ${m.live.id}; the organization's management account is ${org.managementAccountId}.`,
      { hint: 'Set organization.management to the account that owns the organization, or run lz with that account\'s credentials.', location: manifest.locate(['organization', 'management']) },
    );
  }
}
