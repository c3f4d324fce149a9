import { createHash } from 'node:crypto';
import { optString, validationError } from '../../input.js';
import type { AccessKeyRecord, AccountRecord, SandboxState } from '../../state.js';
import { AwsError } from '../../types.js';
import type { OperationContext, SandboxRuntime } from '../../types.js';
import { AWS_MANAGED_POLICIES } from './managed-policies.js';
import type { IamAccountState, IamGroup, IamManagedPolicy, IamRole, IamUser } from './state.js';

/** What every area of IAM shares: its errors, name and document checks, id minting and lookups. */

export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

export const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

// ---- errors ------------------------------------------------------------------------------------------------

export const iamErrors = {
  noSuchEntity: (message: string) => new AwsError('NoSuchEntity', message, 404),
  alreadyExists: (message: string) => new AwsError('EntityAlreadyExists', message, 409),
  limitExceeded: (message: string) => new AwsError('LimitExceeded', message, 409),
  deleteConflict: (message: string) => new AwsError('DeleteConflict', message, 409),
  invalidInput: (message: string) => new AwsError('InvalidInput', message, 400),
  malformedPolicy: (message: string) => new AwsError('MalformedPolicyDocument', message, 400),
  passwordPolicy: (message: string) => new AwsError('PasswordPolicyViolation', message, 400),
};

/** AWS returns policy documents URL-encoded (RFC 3986) in IAM responses; the SDK does not decode them. */
export function encodePolicyDocument(doc: string): string {
  return encodeURIComponent(doc);
}

export function byName<T>(items: T[], name: (t: T) => string): T[] {
  return [...items].sort((a, b) => {
    const x = name(a).toLowerCase();
    const y = name(b).toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** IAM names are unique case-insensitively; lookups find the entity whatever the case. */
export function findKey<T>(map: Record<string, T>, name: string): string | undefined {
  if (Object.hasOwn(map, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(map).find((k) => k.toLowerCase() === lower);
}

export function accountOf(ctx: OperationContext): AccountRecord {
  const account = ctx.state.accounts[ctx.caller.accountId];
  if (!account) throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  return account;
}

export function checkName(kind: string, name: string, max: number, pattern = /^[\w+=,.@-]+$/): void {
  if (name.length < 1 || name.length > max) {
    throw validationError(`1 validation error detected: Value '${name}' at '${kind}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
  }
  if (!pattern.test(name)) {
    throw validationError(`1 validation error detected: Value '${name}' at '${kind}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`);
  }
}

export function checkPath(path: string): string {
  if (!/^\/$|^\/[\u0021-\u007E]+\/$/.test(path) || path.length > 512) {
    throw validationError(`1 validation error detected: Value '${path}' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)`);
  }
  return path;
}

export function checkPolicyDocument(doc: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc);
  } catch {
    throw iamErrors.malformedPolicy('Syntax errors in policy.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw iamErrors.malformedPolicy('Syntax errors in policy.');
  const statement = (parsed as { Statement?: unknown }).Statement;
  if (statement === undefined) throw iamErrors.malformedPolicy('Missing required field Statement');
  const statements = Array.isArray(statement) ? statement : [statement];
  for (const s of statements) {
    const st = s as { Effect?: unknown; Action?: unknown; NotAction?: unknown };
    if (!st || typeof st !== 'object') throw iamErrors.malformedPolicy('Syntax errors in policy.');
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw iamErrors.malformedPolicy('Missing required field Effect');
    if (st.Action === undefined && st.NotAction === undefined) throw iamErrors.malformedPolicy('Policy statement must contain actions.');
  }
  if (doc.length > 6144) throw iamErrors.limitExceeded('Cannot exceed quota for PolicySize: 6144');
  return doc;
}

export function mintId(runtime: SandboxRuntime, prefix: string): string {
  return prefix + runtime.randomId(17, UPPER_DIGITS);
}

export function mintAccessKeyId(runtime: SandboxRuntime, prefix: 'AKIA' | 'ASIA'): string {
  return prefix + runtime.randomId(16, UPPER_DIGITS);
}

export function mintSecret(runtime: SandboxRuntime): string {
  return runtime.randomId(40, SECRET_ALPHABET);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// ---- lookups -----------------------------------------------------------------------------------------------

export function getUserRecord(iam: IamAccountState, name: string): IamUser {
  const key = findKey(iam.users, name);
  if (!key) throw iamErrors.noSuchEntity(`The user with name ${name} cannot be found.`);
  return iam.users[key]!;
}

export function getGroupRecord(iam: IamAccountState, name: string): IamGroup {
  const key = findKey(iam.groups, name);
  if (!key) throw iamErrors.noSuchEntity(`The group with name ${name} cannot be found.`);
  return iam.groups[key]!;
}

export function getRoleRecord(iam: IamAccountState, name: string): IamRole {
  const key = findKey(iam.roles, name);
  if (!key) throw iamErrors.noSuchEntity(`The role with name ${name} cannot be found.`);
  return iam.roles[key]!;
}

/** A managed policy by ARN: the account's own or an AWS-managed one. */
export function findPolicy(iam: IamAccountState, arn: string): IamManagedPolicy | undefined {
  return AWS_MANAGED_POLICIES[arn] ?? iam.policies[arn];
}

export function getPolicyRecord(iam: IamAccountState, arn: string): IamManagedPolicy {
  if (!/^arn:aws:iam::(aws|\d{12}):policy\//.test(arn)) throw iamErrors.invalidInput(`ARN ${arn} is not valid.`);
  const p = findPolicy(iam, arn);
  if (!p) throw iamErrors.noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  return p;
}

/** The user a user-scoped call is about: the named one, else the calling user. */
export function targetUserName(ctx: OperationContext, input: Record<string, unknown>): string {
  const name = optString(input, 'UserName');
  if (name) return name;
  if (ctx.caller.kind === 'user') return ctx.caller.principalName;
  throw validationError('Must specify userName when calling with non-User credentials');
}

export function userAccessKeys(state: SandboxState, accountId: string, userName: string): AccessKeyRecord[] {
  return Object.values(state.accessKeys).filter((k) => k.accountId === accountId && k.kind === 'user' && k.principalName === userName);
}

export function attachmentCount(account: AccountRecord, arn: string): number {
  const iam = account.iam;
  let n = 0;
  for (const u of Object.values(iam.users)) if (u.attachedPolicies.includes(arn)) n++;
  for (const g of Object.values(iam.groups)) if (g.attachedPolicies.includes(arn)) n++;
  for (const r of Object.values(iam.roles)) if (r.attachedPolicies.includes(arn)) n++;
  return n;
}
