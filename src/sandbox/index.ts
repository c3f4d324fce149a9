import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults.js';
import { lockStateFile } from './lock.js';
import type { FaultOptions } from './faults.js';
import { QuotaLimiter } from './quotas.js';
import type { QuotaOverrides } from './quotas.js';
import { Runtime, rngStateForSeed } from './runtime.js';
import { createSandboxServer } from './server.js';
import type { SandboxCore } from './server.js';
import { ADMINISTRATOR_ACCESS_ARN, createAccessKey, createGroup, createUser } from './services/iam/index.js';
import { serviceRegistry } from './services/index.js';
import { newAccountRecord } from './accounts.js';
import { pendingPrimaryEmailOtp } from './services/account/state.js';
import { mintGithubOidcToken } from './services/sts/github-issuer.js';
import type { OidcTokenRequest } from './services/sts/github-issuer.js';
import type { AccountRecord, SandboxState } from './state.js';
import type { RequestLogEntry, SandboxDelays, SandboxRuntime, SandboxService } from './types.js';

export type { FaultOptions } from './faults.js';
export { NO_SETTLING } from './runtime.js';
export { StateFileLockedError } from './lock.js';
export type { QuotaOverrides } from './quotas.js';
export { pendingPrimaryEmailOtp } from './services/account/state.js';
export { GITHUB_ISSUER, STS_AUDIENCE, githubOidcKey, mintGithubOidcToken } from './services/sts/github-issuer.js';
export type { OidcTokenRequest } from './services/sts/github-issuer.js';

export const MANAGEMENT_ACCOUNT_NAME = 'Management';
export const MANAGEMENT_ACCOUNT_EMAIL = 'management@sandbox.lz.local';
export const ADMIN_USER_NAME = 'lz-sandbox-admin';
/** The group that gives the admin user its rights. */
export const ADMIN_GROUP_NAME = 'lz-sandbox-admins';

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * Loaded at start if present, written atomically (0600) after every mutating call. One process at a time:
   * another one's sandbox over the same file is refused with StateFileLockedError while this one runs.
   */
  stateFile?: string;
  /** What runs this sandbox, named to another process refused the state file ('lz sandbox serve', ...). */
  owner?: string;
  /** Seeds ids and keys (default 1). */
  seed?: number;
  faults?: FaultOptions;
  /** true: AWS's published quotas; an object: those with overrides. Off by default. */
  quotas?: boolean | QuotaOverrides;
  /**
   * The quota buckets' clock in milliseconds (default: the process's monotonic clock). A test that counts
   * what a burst lets through gives it a clock that only it moves, so a busy machine cannot refill a bucket
   * mid-burst.
   */
  quotaClock?: () => number;
  delays?: Partial<SandboxDelays>;
  accountLimit?: number;
  /** ARNs (user, role, assumed-role) or account ids that may only call read-only operations. */
  readOnlyPrincipals?: string[];
  /** Extra services (a service under development, S3 later); they override built-ins of the same signing name. */
  services?: SandboxService[];
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** Name and email of the management account of a fresh state (default Management / management@sandbox.lz.local). */
  management?: { name?: string; email?: string };
}

export interface SandboxHandle {
  /** 'http://127.0.0.1:PORT' */
  endpoint: string;
  port: number;
  managementAccountId: string;
  managementCredentials: { accessKeyId: string; secretAccessKey: string };
  /** The live state: tests may read it and set things AWS has no API for (account.root, ...). */
  state: SandboxState;
  runtime: SandboxRuntime & { advanceTime(ms: number): void };
  /** Every request so far, in arrival order. */
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /**
   * Calls `listener` for every request as soon as its service, operation, caller and read-only flag are
   * known, before faults and the handler (tests use it to act at an exact request, e.g. kill a client at
   * its K-th write). Returns a function that removes the listener.
   */
  onRequest(listener: (entry: RequestLogEntry) => void): () => void;
  /** Moves the sandbox clock forward (session expiry, CreateAccount completion, role propagation). */
  advanceTime(ms: number): void;
  /** Replaces the fault options (e.g. turn faults on after a setup phase). */
  setFaults(faults: FaultOptions | undefined): void;
  /** Turns quotas on (true / overrides) or off, with fresh buckets. */
  setQuotas(quotas: boolean | QuotaOverrides | undefined): void;
  /** Replaces the read-only principals (ARNs or account ids). */
  setReadOnlyPrincipals(principals: string[]): void;
  /** Writes the state file now (no-op without one). */
  persist(): void;
  /** Adds an account that exists outside any organization (its email is then taken), with an admin user. */
  addStandaloneAccount(opts: { name: string; email: string }): AccountRecord;
  /**
   * The one-time code AWS would email to the new address of the account's pending primary email update
   * (StartPrimaryEmailUpdate), while it is valid; undefined when none is pending. No AWS API reads it.
   */
  primaryEmailOtp(accountId: string): string | undefined;
  /**
   * An OIDC token as GitHub Actions issues one to a workflow (issuer token.actions.githubusercontent.com),
   * signed with the sandbox's key for that issuer, for STS AssumeRoleWithWebIdentity. The key is made on first
   * use and kept in the state (file).
   */
  oidcToken(req: OidcTokenRequest): string;
  close(): Promise<void>;
}

/** Loads a state file; undefined when absent. */
export function loadStateFile(file: string): SandboxState | undefined {
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as SandboxState;
  if (state.version !== 1 || !state.accounts || !state.accessKeys) throw new Error(`${file} is not a sandbox state file (version 1)`);
  return state;
}

/**
 * Writes the state atomically: a temp file in the same directory, then rename over the target. The file holds
 * every secret access key, so it is the owner's alone (0600), whatever the umask.
 */
export function writeStateFile(file: string, state: SandboxState): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Deletes a state file (the CLI's `lz sandbox reset`); StateFileLockedError while a sandbox runs over it. */
export function resetStateFile(file: string): boolean {
  if (!existsSync(file)) return false;
  const lock = lockStateFile(file, 'lz sandbox reset');
  try {
    rmSync(file);
  } finally {
    lock.release();
  }
  return true;
}

/**
 * The account's administrator, as a well-kept AWS account has one: AdministratorAccess through a group, not
 * attached to the user (CIS 1.15 / Security Hub IAM.2 would flag that, and lz drift with it).
 */
function createAdminUser(account: AccountRecord, runtime: SandboxRuntime): void {
  const group = createGroup(account, runtime, { groupName: ADMIN_GROUP_NAME });
  group.attachedPolicies.push(ADMINISTRATOR_ACCESS_ARN);
  createUser(account, runtime, { userName: ADMIN_USER_NAME }).groups.push(group.groupName);
}

/** A fresh world: one account with an admin IAM user whose access key is the management credentials. */
export function createInitialState(runtime: Runtime, holder: { state: SandboxState }, seed: number, management: { name?: string; email?: string } = {}): SandboxState {
  const state: SandboxState = { version: 1, accounts: {}, managementAccountId: '', accessKeys: {}, counters: { rng: rngStateForSeed(seed) } };
  holder.state = state;
  const id = runtime.newAccountId();
  const account = newAccountRecord(id, management.name ?? MANAGEMENT_ACCOUNT_NAME, management.email ?? MANAGEMENT_ACCOUNT_EMAIL, runtime.now().toISOString());
  state.accounts[id] = account;
  state.managementAccountId = id;
  createAdminUser(account, runtime);
  createAccessKey(state, account, runtime, ADMIN_USER_NAME);
  return state;
}

function managementKey(state: SandboxState): { accessKeyId: string; secretAccessKey: string } {
  const key = Object.values(state.accessKeys).find((k) => k.accountId === state.managementAccountId && k.kind === 'user' && k.principalName === ADMIN_USER_NAME && k.status === 'Active');
  if (!key) throw new Error(`the sandbox state has no active access key for ${ADMIN_USER_NAME} in the management account`);
  return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const seed = options.seed ?? 1;
  const holder = { state: undefined as unknown as SandboxState };
  const persist = () => {
    if (options.stateFile) writeStateFile(options.stateFile, holder.state);
  };
  const runtime = new Runtime(() => holder.state, { seed, delays: options.delays, accountLimit: options.accountLimit, persist });
  if (options.stateFile) mkdirSync(dirname(options.stateFile), { recursive: true, mode: 0o700 });
  const lock = options.stateFile ? lockStateFile(options.stateFile, options.owner ?? `a sandbox (pid ${process.pid})`) : undefined;
  try {
    return await serveSandbox(options, seed, holder, runtime, persist, lock);
  } catch (e) {
    lock?.release();
    throw e;
  }
}

async function serveSandbox(
  options: SandboxOptions,
  seed: number,
  holder: { state: SandboxState },
  runtime: Runtime,
  persist: () => void,
  lock: ReturnType<typeof lockStateFile> | undefined,
): Promise<SandboxHandle> {
  const loaded = options.stateFile ? loadStateFile(options.stateFile) : undefined;
  // A file written before the sandbox made it 0600 becomes its owner's alone too.
  if (loaded) chmodSync(options.stateFile!, 0o600);
  if (loaded) holder.state = loaded;
  else {
    createInitialState(runtime, holder, seed, options.management);
    persist();
  }
  const quotaLimiter = (q: boolean | QuotaOverrides | undefined) => (q ? new QuotaLimiter(q === true ? undefined : q, options.quotaClock) : undefined);
  const listeners = new Set<(entry: RequestLogEntry) => void>();
  const core: SandboxCore = {
    state: () => holder.state,
    runtime,
    services: serviceRegistry(options.services),
    faults: new FaultInjector(options.faults),
    quotas: quotaLimiter(options.quotas),
    readOnlyPrincipals: new Set(options.readOnlyPrincipals ?? []),
    log: [],
    listeners,
    persist,
  };
  const server = createSandboxServer(core);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  lock?.setEndpoint(`http://${host}:${port}`);
  const state = holder.state;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    managementAccountId: state.managementAccountId,
    // A fresh object per read: the SDK decorates the credentials objects it is given.
    get managementCredentials() {
      return managementKey(holder.state);
    },
    state,
    runtime,
    requests: () => [...core.log],
    clearRequests: () => {
      core.log.length = 0;
    },
    onRequest: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    advanceTime: (ms) => runtime.advanceTime(ms),
    setFaults: (faults) => {
      core.faults = new FaultInjector(faults);
    },
    setQuotas: (quotas) => {
      core.quotas = quotaLimiter(quotas);
    },
    setReadOnlyPrincipals: (principals) => {
      core.readOnlyPrincipals = new Set(principals);
    },
    persist,
    addStandaloneAccount: ({ name, email }) => {
      const id = runtime.newAccountId();
      const account = newAccountRecord(id, name, email, runtime.now().toISOString());
      holder.state.accounts[id] = account;
      createAdminUser(account, runtime);
      persist();
      return account;
    },
    primaryEmailOtp: (accountId) => pendingPrimaryEmailOtp(holder.state.accounts[accountId], runtime.now()),
    oidcToken: (req) => {
      const had = holder.state.githubOidcKey;
      const token = mintGithubOidcToken(holder.state, runtime.now(), req);
      if (!had) persist();
      return token;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          lock?.release();
          if (err) reject(err);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}
