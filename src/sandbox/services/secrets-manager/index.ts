import { list, optBool, optInt, optString, reqString, validationError } from '../../input.js';
import type { AccountRecord } from '../../state.js';
import { AwsError } from '../../types.js';
import type { OperationContext, OperationHandler, SandboxService } from '../../types.js';
import { secretsIn } from './state.js';
import type { SecretRecord, SecretVersion } from './state.js';

/**
 * AWS Secrets Manager (awsJson1_1, `secretsmanager.*`): secrets per account and Region, each with versions
 * made by ClientRequestToken and moved between by staging labels (AWSCURRENT, AWSPREVIOUS). A secret is
 * addressed by name or ARN (`arn:aws:secretsmanager:REGION:ACCT:secret:NAME-XXXXXX`, six random
 * characters AWS appends). DeleteSecret schedules the deletion (7-30 days, default 30): until then
 * DescribeSecret shows it with DeletedDate, the value is refused, and its name cannot be taken again;
 * ForceDeleteWithoutRecovery ends it after a short delay, as AWS's background deletion does.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON, validated member by member
type Input = Record<string, any>;

const DAY_MS = 24 * 60 * 60 * 1000;
/** AWS deletes a force-deleted secret in the background: its name is not free again at once. */
export const FORCE_DELETE_PURGE_MS = 2_000;
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const ARN_RE = /^arn:aws[-a-z]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;
const NAME_RE = /^[A-Za-z0-9/_+=.@-]+$/;
const ARN_SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const err = {
  notFound: () => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.", 400),
  markedForDeletion: () => new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.", 400),
  invalidParameter: (message: string) => new AwsError('InvalidParameterException', message, 400),
};

function accountOf(ctx: OperationContext): AccountRecord {
  const account = ctx.state.accounts[ctx.caller.accountId];
  if (!account) throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 400);
  return account;
}

/** The caller's secrets in the request's Region, less those whose deletion has come due. */
function secretsOf(ctx: OperationContext): Record<string, SecretRecord> {
  const secrets = secretsIn(accountOf(ctx), ctx.region);
  const now = ctx.runtime.now().toISOString();
  for (const [name, s] of Object.entries(secrets)) if (s.deletion && s.deletion.purgeAt <= now) delete secrets[name];
  return secrets;
}

/** A secret by name, full ARN, or partial ARN (without the six-character suffix), in the caller's account and Region. */
function findSecret(ctx: OperationContext, id: string): SecretRecord | undefined {
  const secrets = secretsOf(ctx);
  const arn = ARN_RE.exec(id);
  if (!arn) return secrets[id];
  if (arn[1] !== ctx.region || arn[2] !== ctx.caller.accountId) return undefined;
  return Object.values(secrets).find((s) => s.arn === id) ?? secrets[arn[3]!];
}

function secretId(input: Input): string {
  const id = reqString(input, 'SecretId', 'ValidationException');
  if (id.length > 2048) throw validationError("1 validation error detected: Value at 'secretId' failed to satisfy constraint: Member must have length less than or equal to 2048", 'ValidationException');
  return id;
}

function requireSecret(ctx: OperationContext, input: Input): SecretRecord {
  const secret = findSecret(ctx, secretId(input));
  if (!secret) throw err.notFound();
  return secret;
}

function checkName(name: string): void {
  if (name.length > 512) throw validationError("1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or equal to 512", 'ValidationException');
  if (!NAME_RE.test(name)) throw err.invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
}

function requestToken(ctx: OperationContext, input: Input): string {
  const token = optString(input, 'ClientRequestToken');
  // The SDKs fill the token in; a raw request without one gets a fresh version id.
  if (token === undefined) return ctx.runtime.randomId(32, '0123456789abcdef');
  if (token.length < 32 || token.length > 64) {
    throw validationError(`1 validation error detected: Value '${token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64`, 'ValidationException');
  }
  return token;
}

/** The value of a new version: SecretString or SecretBinary, never both. */
function secretValue(input: Input): Pick<SecretVersion, 'secretString' | 'secretBinary'> | undefined {
  const text = optString(input, 'SecretString');
  const binary = optString(input, 'SecretBinary');
  if (text !== undefined && binary !== undefined) throw err.invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.");
  if ((text ?? binary ?? '').length > 65536) throw validationError("1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536", 'ValidationException');
  if (text !== undefined) return { secretString: text };
  if (binary !== undefined) return { secretBinary: binary };
  return undefined;
}

const sameValue = (a: Pick<SecretVersion, 'secretString' | 'secretBinary'>, b: Pick<SecretVersion, 'secretString' | 'secretBinary'>) =>
  a.secretString === b.secretString && a.secretBinary === b.secretBinary;

function checkTags(tags: { Key: string; Value: string }[]): { Key: string; Value: string }[] {
  return tags.map((t, i) => {
    const key = typeof t?.Key === 'string' ? t.Key : '';
    const value = typeof t?.Value === 'string' ? t.Value : '';
    if (key.length < 1 || key.length > 128) throw validationError(`1 validation error detected: Value at 'tags.${i + 1}.member.key' failed to satisfy constraint: Member must have length between 1 and 128`, 'ValidationException');
    if (value.length > 256) throw validationError(`1 validation error detected: Value at 'tags.${i + 1}.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`, 'ValidationException');
    if (key.toLowerCase().startsWith('aws:')) throw err.invalidParameter('Invalid tag key: the aws: prefix is reserved for AWS use.');
    return { Key: key, Value: value };
  });
}

function mergeTags(have: { Key: string; Value: string }[], add: { Key: string; Value: string }[]): { Key: string; Value: string }[] {
  const merged = [...have.filter((t) => !add.some((a) => a.Key === t.Key)), ...add];
  if (merged.length > 50) throw err.invalidParameter('Number of tags exceeds the maximum of 50 tags per secret.');
  return merged;
}

/** Makes `versionId` the current version: the old current one becomes AWSPREVIOUS. */
function promote(secret: SecretRecord, versionId: string): void {
  for (const [id, v] of Object.entries(secret.versions)) {
    v.stages = v.stages.filter((s) => s !== PREVIOUS);
    if (v.stages.includes(CURRENT) && id !== versionId) v.stages = [...v.stages.filter((s) => s !== CURRENT), PREVIOUS];
  }
  const version = secret.versions[versionId]!;
  if (!version.stages.includes(CURRENT)) version.stages.push(CURRENT);
  // Versions without a label are deprecated; AWS removes them in the background.
  for (const [id, v] of Object.entries(secret.versions)) if (v.stages.length === 0) delete secret.versions[id];
}

const versionIdsToStages = (secret: SecretRecord) => Object.fromEntries(Object.entries(secret.versions).map(([id, v]) => [id, v.stages]));

const operations: Record<string, OperationHandler> = {
  CreateSecret: (ctx, input) => {
    const name = reqString(input, 'Name', 'ValidationException');
    checkName(name);
    const token = requestToken(ctx, input);
    const value = secretValue(input);
    const tags = checkTags(list(input, 'Tags'));
    const description = optString(input, 'Description');
    if (optString(input, 'KmsKeyId') !== undefined) throw err.invalidParameter('The sandbox encrypts with the aws/secretsmanager key only; KmsKeyId is not supported.');
    if (list(input, 'AddReplicaRegions').length > 0) throw err.invalidParameter('The sandbox does not replicate secrets; AddReplicaRegions is not supported.');
    const secrets = secretsOf(ctx);
    const existing = secrets[name];
    if (existing?.deletion) throw new AwsError('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.", 400);
    if (existing) {
      // The request made already (a retry whose first answer was lost): AWS ignores it.
      const version = existing.versions[token];
      if (version && value && sameValue(version, value)) return { ARN: existing.arn, Name: existing.name, VersionId: token };
      throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`, 400);
    }
    const now = ctx.runtime.now().toISOString();
    const secret: SecretRecord = {
      arn: `arn:aws:secretsmanager:${ctx.region}:${ctx.caller.accountId}:secret:${name}-${ctx.runtime.randomId(6, ARN_SUFFIX)}`,
      name,
      ...(description !== undefined ? { description } : {}),
      createdDate: now,
      lastChangedDate: now,
      tags: mergeTags([], tags),
      versions: value ? { [token]: { ...value, createdDate: now, stages: [CURRENT] } } : {},
    };
    secrets[name] = secret;
    return { ARN: secret.arn, Name: name, ...(value ? { VersionId: token } : {}) };
  },

  PutSecretValue: (ctx, input) => {
    const secret = requireSecret(ctx, input);
    const token = requestToken(ctx, input);
    const value = secretValue(input);
    if (!value) throw err.invalidParameter('You must provide either SecretString or SecretBinary.');
    if (secret.deletion) throw err.markedForDeletion();
    const stages = list<string>(input, 'VersionStages');
    const existing = secret.versions[token];
    if (existing) {
      if (!sameValue(existing, value)) throw new AwsError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.", 400);
      return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: existing.stages };
    }
    const now = ctx.runtime.now().toISOString();
    secret.versions[token] = { ...value, createdDate: now, stages: stages.filter((s) => s !== CURRENT) };
    if (stages.length === 0 || stages.includes(CURRENT)) promote(secret, token);
    secret.lastChangedDate = now;
    return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: secret.versions[token]!.stages };
  },

  GetSecretValue: (ctx, input) => {
    const secret = requireSecret(ctx, input);
    if (secret.deletion) throw err.markedForDeletion();
    const versionId = optString(input, 'VersionId');
    const stage = optString(input, 'VersionStage');
    const entry = Object.entries(secret.versions).find(([id, v]) => (versionId === undefined || id === versionId) && v.stages.includes(stage ?? (versionId === undefined ? CURRENT : v.stages[0] ?? '')));
    if (!entry) {
      throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for ${versionId !== undefined ? `VersionId: ${versionId}` : `staging label: ${stage ?? CURRENT}`}`, 400);
    }
    const [id, version] = entry;
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: id,
      ...(version.secretString !== undefined ? { SecretString: version.secretString } : { SecretBinary: version.secretBinary }),
      VersionStages: version.stages,
      CreatedDate: new Date(version.createdDate),
    };
  },

  DescribeSecret: (ctx, input) => {
    const secret = requireSecret(ctx, input);
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description !== undefined ? { Description: secret.description } : {}),
      CreatedDate: new Date(secret.createdDate),
      LastChangedDate: new Date(secret.lastChangedDate),
      ...(secret.deletion ? { DeletedDate: new Date(secret.deletion.deletedDate) } : {}),
      ...(secret.tags.length > 0 ? { Tags: secret.tags } : {}),
      VersionIdsToStages: versionIdsToStages(secret),
      PrimaryRegion: ctx.region,
    };
  },

  DeleteSecret: (ctx, input) => {
    const id = secretId(input);
    const window = optInt(input, 'RecoveryWindowInDays');
    const force = optBool(input, 'ForceDeleteWithoutRecovery') ?? false;
    if (force && window !== undefined) throw err.invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    if (window !== undefined && (window < 7 || window > 30)) throw err.invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    const secret = findSecret(ctx, id);
    const now = ctx.runtime.now();
    if (!secret) {
      // AWS: forcing the deletion of a secret that does not exist (or is gone already) is no error.
      if (force) return { Name: id, DeletionDate: now };
      throw err.notFound();
    }
    if (secret.deletion && !force) throw err.markedForDeletion();
    const purgeAt = new Date(now.getTime() + (force ? FORCE_DELETE_PURGE_MS : (window ?? 30) * DAY_MS));
    secret.deletion = { deletedDate: secret.deletion?.deletedDate ?? now.toISOString(), purgeAt: purgeAt.toISOString() };
    return { ARN: secret.arn, Name: secret.name, DeletionDate: force ? now : purgeAt };
  },

  TagResource: (ctx, input) => {
    const secret = requireSecret(ctx, input);
    if (!Array.isArray(input.Tags)) throw validationError("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null", 'ValidationException');
    if (secret.deletion) throw err.markedForDeletion();
    secret.tags = mergeTags(secret.tags, checkTags(input.Tags as { Key: string; Value: string }[]));
    return {};
  },
};

/**
 * The secret an operation acts on, as policies see it: its ARN once it exists; for CreateSecret the ARN it
 * will have, with `*` for the suffix not drawn yet (a policy on `...:secret:lz/*` covers it, as on AWS).
 */
function resourceOf(operation: string, input: Input, ctx: OperationContext): string {
  const id: unknown = operation === 'CreateSecret' ? input.Name : input.SecretId;
  if (typeof id !== 'string' || id === '') return '*';
  const found = operation === 'CreateSecret' ? undefined : ctx.state.accounts[ctx.caller.accountId] && findSecret(ctx, id);
  if (found) return found.arn;
  if (ARN_RE.test(id)) return id;
  return `arn:aws:secretsmanager:${ctx.region}:${ctx.caller.accountId}:secret:${id}-??????`;
}

export const secretsManager: SandboxService = {
  signingName: 'secretsmanager',
  protocol: 'awsJson1_1',
  targetPrefix: 'secretsmanager',
  resourceOf,
  operations,
};

