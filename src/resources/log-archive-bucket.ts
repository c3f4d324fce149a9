import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
  ListBucketsCommand,
} from '@aws-sdk/client-s3';
import { errorName, isError } from '../aws/aws-errors.js';
import type { AccountClients } from '../aws/context.js';
import { fieldDiff, sameValue } from '../engine/fields.js';
import type { Change, FieldChange, Unmanaged } from '../engine/plan.js';
import { LzError } from '../errors.js';
import { accountAddress } from './accounts.js';
import {
  LZ_TAG_KEY,
  bucketPolicy,
  defaultExportBucket,
  defaultTrailBucket,
  modelFor,
  normalizePolicy,
  resolvePlaceholders,
  statementsBySid,
  tolerantRead,
  type BucketModel,
  type PolicyDocument,
} from './organization-services.js';
import type { ApplyContext, OrganizationReadContext, OrganizationResource } from './types.js';

export const bucketAddress = (name: string) => `bucket:${name}`;
export const bucketPolicyAddress = (name: string) => `bucket-policy:${name}`;
export const LOG_ARCHIVE_TAG_VALUE = 'log-archive';

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface BucketSettings {
  publicAccessBlock: PublicAccessBlock;
  /** Default encryption algorithm (AES256 = SSE-S3, aws:kms, aws:kms:dsse); null = none configured. */
  encryption: string | null;
  /** Enabled, Suspended, or Off (never set). */
  versioning: string;
  /** The lz tag; null when the bucket does not carry it. */
  managedBy: string | null;
}

/** One bucket as read in its owner account. */
export interface BucketRead {
  name: string;
  ownerId: string;
  exists: boolean;
  /** Another account owns the name (HeadBucket 403). */
  foreign?: boolean;
  settings?: BucketSettings;
  /** The policy as JSON, undefined when there is none. */
  policy?: unknown;
  /** Only read for buckets lz may delete (--prune): does it hold objects? */
  empty?: boolean;
}

export interface BucketsRead {
  /** The run's region (plan is pure and has no AwsContext; trail ARNs need it). */
  region: string;
  buckets: BucketRead[];
}

export interface BucketAfter {
  bucket: string;
  /** Manifest name of the owner account; its id is learnt at apply when it is created in the same run. */
  account: string;
  accountId?: string;
  region: string;
  settings: BucketSettings;
}

export interface BucketPolicyAfter {
  bucket: string;
  account: string;
  accountId?: string;
  document: PolicyDocument;
}

export interface BucketDeleteBefore {
  bucket: string;
  account: string;
  accountId: string;
}

const ALL_BLOCKED: PublicAccessBlock = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

async function readBucket(s3: S3Client, name: string, ownerId: string, withEmptiness: boolean): Promise<BucketRead> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: name }));
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || isError(err, 'NotFound', 'NoSuchBucket')) return { name, ownerId, exists: false };
    if (status !== 403 && !isError(err, 'Forbidden')) throw err;
    // 403 means both "another account owns this name" and "lz may not look at it": ask which, once.
    const mine = await s3.send(new ListBucketsCommand({})).then(
      (out) => Boolean(out.Buckets?.some((b) => b.Name === name)),
      () => undefined,
    );
    if (mine === false) return { name, ownerId, exists: false, foreign: true };
    throw new LzError('bucket-access-denied', `S3 refused to show bucket ${name} to lz in account ${ownerId} (403), although it is not known to belong to another account.`, {
      hint: 'Grant the principal lz uses there the S3 read actions in docs/permissions.md (s3:ListBucket, s3:ListAllMyBuckets, s3:GetBucket*).',
    });
  }
  const orNull = async <T>(read: () => Promise<T>, ...missing: string[]): Promise<T | null> => {
    try {
      return await read();
    } catch (err) {
      if (isError(err, ...missing)) return null;
      throw err;
    }
  };
  const [pab, enc, ver, pol, tags, listed] = await Promise.all([
    orNull(async () => (await s3.send(new GetPublicAccessBlockCommand({ Bucket: name }))).PublicAccessBlockConfiguration, 'NoSuchPublicAccessBlockConfiguration'),
    orNull(async () => (await s3.send(new GetBucketEncryptionCommand({ Bucket: name }))).ServerSideEncryptionConfiguration, 'ServerSideEncryptionConfigurationNotFoundError'),
    s3.send(new GetBucketVersioningCommand({ Bucket: name })),
    orNull(async () => (await s3.send(new GetBucketPolicyCommand({ Bucket: name }))).Policy, 'NoSuchBucketPolicy'),
    orNull(async () => (await s3.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet, 'NoSuchTagSet'),
    withEmptiness ? s3.send(new ListObjectsV2Command({ Bucket: name, MaxKeys: 1 })) : Promise.resolve(undefined),
  ]);
  const settings: BucketSettings = {
    publicAccessBlock: {
      BlockPublicAcls: pab?.BlockPublicAcls ?? false,
      IgnorePublicAcls: pab?.IgnorePublicAcls ?? false,
      BlockPublicPolicy: pab?.BlockPublicPolicy ?? false,
      RestrictPublicBuckets: pab?.RestrictPublicBuckets ?? false,
    },
    encryption: enc?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null,
    versioning: ver.Status ?? 'Off',
    managedBy: tags?.find((t) => t.Key === LZ_TAG_KEY)?.Value ?? null,
  };
  let policy: unknown;
  if (pol) {
    try {
      policy = JSON.parse(pol);
    } catch {
      policy = pol;
    }
  }
  return { name, ownerId, exists: true, settings, ...(policy !== undefined ? { policy } : {}), ...(listed ? { empty: (listed.KeyCount ?? listed.Contents?.length ?? 0) === 0 } : {}) };
}

function clientsFor(aws: OrganizationReadContext['aws'], accountId: string, managementId: string): AccountClients {
  return aws.forAccount(accountId, managementId);
}

/**
 * The log archive bucket (and the cost export's bucket when it has its own): public access blocked (all
 * four settings), default encryption, versioning, the lz tag, and the bucket policy CloudTrail and Data
 * Exports need, compared statement by statement. It lives in the log archive account when the file names
 * one (reached through the access role), else in the management account.
 */
export const logArchiveBucket: OrganizationResource = {
  kind: 'bucket',
  scope: 'organization',

  async read(ctx): Promise<BucketsRead> {
    const model = modelFor(ctx, ctx.aws.options.region);
    const wanted = model.buckets.length > 0;
    const targets: { name: string; ownerId: string; leftover: boolean }[] = [];
    for (const b of model.buckets) if (b.owner.id) targets.push({ name: b.name, ownerId: b.owner.id, leftover: false });
    // Buckets lz made under its default names that the file no longer uses: reported, and deleted with --prune.
    const owners = [model.managementId, ...(model.logArchive?.id && model.logArchive.id !== model.managementId ? [model.logArchive.id] : [])];
    for (const name of [defaultTrailBucket(model.managementId), defaultExportBucket(model.managementId)]) {
      if (model.buckets.some((b) => b.name === name)) continue;
      for (const ownerId of owners) targets.push({ name, ownerId, leftover: true });
    }
    const buckets = await Promise.all(
      targets.map((t) =>
        tolerantRead(ctx, !t.leftover && wanted, `s3 bucket ${t.name}`, () => readBucket(clientsFor(ctx.aws, t.ownerId, model.managementId).s3, t.name, t.ownerId, t.leftover && ctx.prune), {
          name: t.name,
          ownerId: t.ownerId,
          exists: false,
        } as BucketRead),
      ),
    );
    return { region: ctx.aws.options.region, buckets };
  },

  plan(input) {
    const read = (input.live?.get('bucket') as BucketsRead | undefined) ?? { region: 'us-east-1', buckets: [] };
    const region = read.region;
    const model = modelFor(input, region);
    const changes: Change[] = [];
    const unmanaged: Unmanaged[] = [];
    for (const bucket of model.buckets) {
      const have = bucket.owner.id ? read.buckets.find((b) => b.name === bucket.name && b.ownerId === bucket.owner.id) : undefined;
      if (have?.foreign) {
        throw new LzError('bucket-taken', `S3 bucket ${bucket.name} belongs to another AWS account than ${bucket.owner.name} (${bucket.owner.id}); bucket names are global across AWS.`, {
          hint: 'Name another bucket in accounts.yaml (organization.trail.bucket or organization.costExport.bucket).',
        });
      }
      changes.push(...planBucket(bucket, have, region));
      changes.push(...planPolicy(bucket, have, model));
    }
    for (const left of read.buckets) {
      if (!left.exists || model.buckets.some((b) => b.name === left.name)) continue;
      if (left.settings?.managedBy !== LOG_ARCHIVE_TAG_VALUE) continue;
      const account = input.manifest.accounts.find((a) => (a.management ? model.managementId === left.ownerId : input.matches.find((m) => m.declared.name === a.name)?.live?.id === left.ownerId))?.name ?? left.ownerId;
      if (input.prune && left.empty) {
        const before: BucketDeleteBefore = { bucket: left.name, account, accountId: left.ownerId };
        changes.push({ address: bucketAddress(left.name), kind: 'bucket', action: 'delete', before, after: null });
        continue;
      }
      unmanaged.push({
        address: bucketAddress(left.name),
        kind: 'bucket',
        description:
          input.prune && left.empty === false
            ? `S3 bucket ${left.name} in account ${account} (made by lz; accounts.yaml no longer uses it) holds objects: lz never deletes a bucket with logs in it. Empty and delete it yourself if it is no longer needed.`
            : `S3 bucket ${left.name} in account ${account} (made by lz; accounts.yaml no longer uses it; --prune deletes it if it is empty)`,
      });
    }
    return { changes, unmanaged };
  },

  async apply(ctx, change) {
    if (change.kind === 'bucket' && change.action === 'delete') {
      const before = change.before as BucketDeleteBefore;
      const s3 = clientsFor(ctx.aws, before.accountId, ctx.index.managementAccountId).s3;
      try {
        await s3.send(new DeleteBucketCommand({ Bucket: before.bucket }));
      } catch (err) {
        if (isError(err, 'NoSuchBucket', 'NotFound')) return;
        if (isError(err, 'BucketNotEmpty')) {
          throw new LzError('bucket-not-empty', `S3 bucket ${before.bucket} is not empty (objects or object versions); lz never deletes logs.`, { hint: 'Empty it yourself if it is no longer needed, then run apply again.' });
        }
        throw err;
      }
      return;
    }
    const after = change.after as BucketAfter;
    const s3 = s3For(ctx, after.account, after.accountId);
    await applyBucket(s3, after);
  },
};

/** The bucket policy is its own change (`bucket-policy:<name>`), so a trail can wait for exactly it. */
export const logArchiveBucketPolicy: OrganizationResource = {
  kind: 'bucket-policy',
  scope: 'organization',
  // Planned by logArchiveBucket together with the bucket; this module only applies.
  plan: () => ({ changes: [], unmanaged: [] }),
  async apply(ctx, change) {
    const after = change.after as BucketPolicyAfter;
    const s3 = s3For(ctx, after.account, after.accountId);
    const document = resolvePlaceholders(after.document, ctx);
    await s3.send(new PutBucketPolicyCommand({ Bucket: after.bucket, Policy: JSON.stringify(document) }));
  },
};

function s3For(ctx: ApplyContext, account: string, accountId: string | undefined): S3Client {
  const id = accountId ?? ctx.index.accountIds.get(account);
  if (!id) throw new LzError('unknown-account', `Account ${account} has no id yet; it was not created.`);
  return ctx.aws.forAccount(id, ctx.index.managementAccountId).s3;
}

function desiredSettings(have: BucketSettings | undefined): BucketSettings {
  return {
    publicAccessBlock: ALL_BLOCKED,
    // Any default encryption will do (SSE-KMS is stronger); SSE-S3 when there is none.
    encryption: have?.encryption ?? 'AES256',
    versioning: 'Enabled',
    managedBy: LOG_ARCHIVE_TAG_VALUE,
  };
}

function planBucket(bucket: BucketModel, have: BucketRead | undefined, region: string): Change[] {
  const settings = desiredSettings(have?.settings);
  const after: BucketAfter = { bucket: bucket.name, account: bucket.owner.name, ...(bucket.owner.id ? { accountId: bucket.owner.id } : {}), region, settings };
  const dependsOn = bucket.owner.id ? [] : [accountAddress(bucket.owner.name)];
  if (!have?.exists || !have.settings) {
    return [{ address: bucketAddress(bucket.name), kind: 'bucket', action: 'create', before: null, after, dependsOn }];
  }
  const fields: FieldChange[] = [
    ...fieldDiff(settings.publicAccessBlock as unknown as Record<string, unknown>, have.settings.publicAccessBlock as unknown as Record<string, unknown>, 'publicAccessBlock.'),
    ...fieldDiff({ encryption: settings.encryption, versioning: settings.versioning }, { encryption: have.settings.encryption, versioning: have.settings.versioning }),
    ...(have.settings.managedBy === settings.managedBy ? [] : [{ field: `tag ${LZ_TAG_KEY}`, before: have.settings.managedBy, after: settings.managedBy }]),
  ];
  if (fields.length === 0) return [];
  return [{ address: bucketAddress(bucket.name), kind: 'bucket', action: 'update', before: have.settings, after, fields, dependsOn }];
}

function planPolicy(bucket: BucketModel, have: BucketRead | undefined, model: { managementId: string; organizationId?: string }): Change[] {
  const document = bucketPolicy(bucket, model);
  const after: BucketPolicyAfter = { bucket: bucket.name, account: bucket.owner.name, ...(bucket.owner.id ? { accountId: bucket.owner.id } : {}), document };
  const dependsOn = [bucketAddress(bucket.name)];
  const exists = Boolean(have?.exists);
  if (!exists || have?.policy === undefined) {
    return [{ address: bucketPolicyAddress(bucket.name), kind: 'bucket-policy', action: 'create', before: null, after, dependsOn }];
  }
  if (sameValue(normalizePolicy(have.policy), normalizePolicy(document))) return [];
  return [{ address: bucketPolicyAddress(bucket.name), kind: 'bucket-policy', action: 'update', before: have.policy, after, fields: policyFields(document, have.policy), dependsOn }];
}

/** Statement by statement (by Sid): `~ statement AWSCloudTrailWrite: ...`, `- statement Extra = ...`. */
export function policyFields(want: unknown, have: unknown): FieldChange[] {
  const fields: FieldChange[] = [];
  const w = statementsBySid(want);
  const h = statementsBySid(have);
  const version = (d: unknown) => (d && typeof d === 'object' ? ((d as { Version?: unknown }).Version ?? null) : null);
  if (version(want) !== version(have)) fields.push({ field: 'Version', before: version(have), after: version(want) });
  for (const [sid, statement] of w) {
    const before = h.get(sid);
    if (before === undefined) fields.push({ field: `statement ${sid}`, before: null, after: statement });
    else if (!sameValue(before, statement)) fields.push({ field: `statement ${sid}`, before, after: statement });
  }
  for (const [sid, statement] of h) if (!w.has(sid)) fields.push({ field: `statement ${sid}`, before: statement, after: null });
  if (fields.length === 0 && typeof have === 'string') fields.push({ field: 'policy', before: have, after: '(lz\'s policy)' });
  return fields;
}

async function applyBucket(s3: S3Client, after: BucketAfter): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: after.bucket, ...(after.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: after.region as never } }) }));
  } catch (err) {
    // Made by an earlier, interrupted run: carry on with its settings.
    if (!isError(err, 'BucketAlreadyOwnedByYou')) {
      if (isError(err, 'BucketAlreadyExists')) {
        throw new LzError('bucket-taken', `S3 bucket name ${after.bucket} is taken by another AWS account; bucket names are global across AWS.`, { hint: 'Name another bucket in accounts.yaml.' });
      }
      throw err;
    }
  }
  const s = after.settings;
  await s3.send(new PutPublicAccessBlockCommand({ Bucket: after.bucket, PublicAccessBlockConfiguration: s.publicAccessBlock }));
  if (s.encryption === 'AES256') {
    await s3.send(new PutBucketEncryptionCommand({ Bucket: after.bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }));
  }
  await s3.send(new PutBucketVersioningCommand({ Bucket: after.bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  // PutBucketTagging replaces the whole set: keep the tags someone else put on it.
  let tags: { Key: string; Value: string }[] = [];
  try {
    tags = ((await s3.send(new GetBucketTaggingCommand({ Bucket: after.bucket }))).TagSet ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
  } catch (err) {
    if (errorName(err) !== 'NoSuchTagSet') throw err;
  }
  if (!tags.some((t) => t.Key === LZ_TAG_KEY && t.Value === s.managedBy)) {
    tags = [...tags.filter((t) => t.Key !== LZ_TAG_KEY), { Key: LZ_TAG_KEY, Value: s.managedBy ?? LOG_ARCHIVE_TAG_VALUE }];
    await s3.send(new PutBucketTaggingCommand({ Bucket: after.bucket, Tagging: { TagSet: tags } }));
  }
}
