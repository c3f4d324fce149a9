import { reqString, validationError } from '../../input.js';
import type { AccessKeyRecord, SandboxState } from '../../state.js';
import type { SandboxRuntime } from '../../types.js';
import { mintAccessKeyId, mintSecret } from '../iam/index.js';

/** What the AssumeRole family shares: the role ARN and session name checks, and minting a session's keys. */

const ROLE_ARN_RE = /^arn:aws:iam::(\d{12}):role(\/(?:[\u0021-\u007E]+\/)?)?([\w+=,.@-]+)$/;
const SESSION_NAME_RE = /^[\w+=,.@-]*$/;
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export interface RoleRequest {
  roleArn: string;
  sessionName: string;
  accountId: string;
  /** The role's path as the ARN names it ('/' when none). */
  path: string;
  roleName: string;
}

/** RoleArn and RoleSessionName, checked as STS checks them (ValidationError). */
export function roleRequest(input: Record<string, unknown>): RoleRequest {
  const roleArn = reqString(input, 'RoleArn');
  const sessionName = reqString(input, 'RoleSessionName');
  if (roleArn.length < 20 || roleArn.length > 2048) {
    throw validationError(`1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`);
  }
  if (sessionName.length < 2 || sessionName.length > 64) {
    throw validationError(`1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length ${sessionName.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 64'}`);
  }
  if (!SESSION_NAME_RE.test(sessionName)) {
    throw validationError(`1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  }
  const m = ROLE_ARN_RE.exec(roleArn);
  if (!m) throw validationError(`${roleArn} is invalid`);
  return { roleArn, sessionName, accountId: m[1]!, path: m[2] ?? '/', roleName: m[3]! };
}

/** How long an expired session's keys are kept before a prune drops them, and how often one runs. */
const SESSION_AFTERLIFE_MS = 3_600_000;
const PRUNE_EVERY_MS = 600_000;

/** When each state's sessions were last pruned. */
const lastPruned = new WeakMap<SandboxState, number>();

/**
 * Drops session credentials that expired more than an hour ago, so the state file stays small. At most every
 * ten minutes of the sandbox's clock: a scan of every key on each AssumeRole made a plan of N accounts cost
 * the sandbox N² (23 % of its CPU at 3,000 accounts).
 */
function pruneSessions(state: SandboxState, now: number): void {
  if (now - (lastPruned.get(state) ?? -Infinity) < PRUNE_EVERY_MS) return;
  lastPruned.set(state, now);
  for (const [id, k] of Object.entries(state.accessKeys)) {
    if (k.expiration && Date.parse(k.expiration) + SESSION_AFTERLIFE_MS < now) delete state.accessKeys[id];
  }
}

/**
 * New session credentials for `who`, valid `seconds`, registered for the core to authenticate. Persisted at
 * once: STS's operations count as read-only (they change no resource), but a session must survive a restart.
 */
export function mintSession(
  state: SandboxState,
  runtime: SandboxRuntime,
  who: Pick<AccessKeyRecord, 'accountId' | 'arn' | 'kind' | 'principalName' | 'taskPolicyArn'>,
  seconds: number,
): AccessKeyRecord {
  const now = runtime.now();
  pruneSessions(state, now.getTime());
  let keyId = mintAccessKeyId(runtime, 'ASIA');
  while (state.accessKeys[keyId]) keyId = mintAccessKeyId(runtime, 'ASIA');
  const key: AccessKeyRecord = {
    accessKeyId: keyId,
    secretAccessKey: mintSecret(runtime),
    sessionToken: `IQoJb3JpZ2luX2VjE${runtime.randomId(140, TOKEN_ALPHABET)}`,
    ...who,
    status: 'Active',
    createDate: now.toISOString(),
    expiration: new Date(now.getTime() + seconds * 1000).toISOString(),
  };
  if (key.taskPolicyArn === undefined) delete key.taskPolicyArn;
  state.accessKeys[keyId] = key;
  runtime.persist();
  return key;
}

/** The Credentials member of an AssumeRole-family answer. */
export function credentialsOf(key: AccessKeyRecord): Record<string, unknown> {
  return { AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, SessionToken: key.sessionToken, Expiration: new Date(key.expiration!) };
}
