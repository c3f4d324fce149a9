import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import * as z from 'zod';
import { httpStatus, ignoreCodes, isError } from '../aws/aws-errors.js';
import { defineOrganizationKind, type ApplyContext, type OrganizationReadContext } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import { accountAddress } from '../core/organization.js';
import type { Change, FieldChange, Unmanaged } from '../core/plan.js';
import { MANAGED_BY_TAG, fieldDiff } from '../core/reconcile.js';
import { sameValue } from '../core/values.js';
import { LzError } from '../errors.js';
import {
  ORGANIZATION_ID_PLACEHOLDER,
  logArchiveSection,
  policyDocumentSchema,
  type PolicyDocument,
  bucketPolicy,
  defaultExportBucket,
  defaultTrailBucket,
  normalizePolicy,
  readModel,
  servicesModel,
  statementsBySid,
  tolerantRead,
  type BucketModel,
  type ServicesModel,
} from './organization-services.js';

/**
 * The buckets the organization's services deliver to: the log archive bucket (the organization trail's) and
 * the cost export's bucket, which is the log archive bucket when that is the management account's and a
 * bucket of its own otherwise. Two kinds share one read of them: the bucket (`bucket:<name>`) and its policy
 * (`bucket-policy:<name>`), a change of its own so that a trail or an export can wait for exactly it.
 */

export const bucketAddress = (name: string) => `bucket:${name}`;
export const bucketPolicyAddress = (name: string) => `bucket-policy:${name}`;
/** The value of lz's tag on every bucket it makes here (the cost export's too), by which it finds them again. */
export const LOG_ARCHIVE_TAG_VALUE = 'log-archive';


// ------------------------------------------------------------------------------------------ shapes


const publicAccessBlockSchema = z.strictObject({
  BlockPublicAcls: z.boolean(),
  IgnorePublicAcls: z.boolean(),
  BlockPublicPolicy: z.boolean(),
  RestrictPublicBuckets: z.boolean(),
});
type PublicAccessBlock = z.output<typeof publicAccessBlockSchema>;

const bucketSettingsSchema = z.strictObject({
  publicAccessBlock: publicAccessBlockSchema,
  /** Default encryption algorithm (AES256 = SSE-S3, aws:kms, aws:kms:dsse); null = none configured. */
  encryption: z.string().nullable(),
  /** Enabled, Suspended, or Off (never set). */
  versioning: z.string(),
  /** The value of lz's tag; null when the bucket does not carry it. */
  managedBy: z.string().nullable(),
});
export type BucketSettings = z.output<typeof bucketSettingsSchema>;

/** Where a bucket lives: the owner's manifest name, and its id unless it is created in the same run (learnt at apply). */
const bucketPlace = z.strictObject({ bucket: z.string(), account: z.string(), accountId: z.string().optional() });

/** Apply's instruction: create the bucket if needed and make its settings these, or delete an empty leftover. */
const bucketPayload = z.union([
  z.strictObject({ put: bucketPlace.extend({ region: z.string(), settings: bucketSettingsSchema }) }),
  z.strictObject({ delete: bucketPlace.extend({ accountId: z.string() }) }),
]);
type BucketPayload = z.output<typeof bucketPayload>;

/** Apply's instruction: put this policy (the organization id filled in once apply knows it). */
const policyPayload = bucketPlace.extend({ document: policyDocumentSchema });
type PolicyPayload = z.output<typeof policyPayload>;

// ------------------------------------------------------------------------------------------ read

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
  buckets: BucketRead[];
}

const ALL_BLOCKED: PublicAccessBlock = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

async function readBucket(s3: S3Client, name: string, ownerId: string, withEmptiness: boolean): Promise<BucketRead> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: name }));
  } catch (err) {
    const status = httpStatus(err);
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
  const [pab, enc, ver, pol, tags, listed] = await Promise.all([
    ignoreCodes(s3.send(new GetPublicAccessBlockCommand({ Bucket: name })), ['NoSuchPublicAccessBlockConfiguration']),
    ignoreCodes(s3.send(new GetBucketEncryptionCommand({ Bucket: name })), ['ServerSideEncryptionConfigurationNotFoundError']),
    s3.send(new GetBucketVersioningCommand({ Bucket: name })),
    ignoreCodes(s3.send(new GetBucketPolicyCommand({ Bucket: name })), ['NoSuchBucketPolicy']),
    ignoreCodes(s3.send(new GetBucketTaggingCommand({ Bucket: name })), ['NoSuchTagSet']),
    withEmptiness ? s3.send(new ListObjectsV2Command({ Bucket: name, MaxKeys: 1 })) : Promise.resolve(undefined),
  ]);
  const block = pab?.PublicAccessBlockConfiguration;
  const settings: BucketSettings = {
    publicAccessBlock: {
      BlockPublicAcls: block?.BlockPublicAcls ?? false,
      IgnorePublicAcls: block?.IgnorePublicAcls ?? false,
      BlockPublicPolicy: block?.BlockPublicPolicy ?? false,
      RestrictPublicBuckets: block?.RestrictPublicBuckets ?? false,
    },
    encryption: enc?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null,
    versioning: ver.Status ?? 'Off',
    managedBy: tags?.TagSet?.find((t) => t.Key === MANAGED_BY_TAG)?.Value ?? null,
  };
  const policy = pol?.Policy ? parsePolicy(pol.Policy) : undefined;
  return { name, ownerId, exists: true, settings, ...(policy !== undefined ? { policy } : {}), ...(listed ? { empty: (listed.KeyCount ?? listed.Contents?.length ?? 0) === 0 } : {}) };
}

/** A policy that is not JSON is kept as its text, which then differs from lz's. */
function parsePolicy(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The buckets the file wants, in their owner accounts, and the ones lz made under its default names that
 * the file no longer uses (reported, and deleted with --prune): read once for both kinds.
 */
function readBuckets(ctx: OrganizationReadContext): Promise<BucketsRead> {
  return ctx.memo('s3:delivery-buckets', async () => {
    const model = readModel(ctx);
    const wanted = model.buckets.length > 0;
    const targets: { name: string; ownerId: string; leftover: boolean }[] = [];
    for (const b of model.buckets) if (b.owner.id) targets.push({ name: b.name, ownerId: b.owner.id, leftover: false });
    const owners = [model.managementId, ...(model.logArchive?.id && model.logArchive.id !== model.managementId ? [model.logArchive.id] : [])];
    for (const name of [defaultTrailBucket(model.managementId), defaultExportBucket(model.managementId)]) {
      if (model.buckets.some((b) => b.name === name)) continue;
      for (const ownerId of owners) targets.push({ name, ownerId, leftover: true });
    }
    const buckets = await Promise.all(
      targets.map((t) => {
        const absent: BucketRead = { name: t.name, ownerId: t.ownerId, exists: false };
        const s3 = ctx.aws.forAccount(t.ownerId, model.managementId).s3;
        return tolerantRead(ctx, !t.leftover && wanted, `s3 bucket ${t.name}`, () => readBucket(s3, t.name, t.ownerId, t.leftover && ctx.prune), absent);
      }),
    );
    return { buckets };
  });
}

/** What was read of a bucket the file wants, in the account that should own it. */
function readOf(bucket: BucketModel, live: BucketsRead | undefined): BucketRead | undefined {
  return bucket.owner.id ? live?.buckets.find((b) => b.name === bucket.name && b.ownerId === bucket.owner.id) : undefined;
}

function s3For(ctx: ApplyContext, account: string, accountId: string | undefined): S3Client {
  const id = accountId ?? ctx.index.accountIds.get(account);
  if (!id) throw new LzError('unknown-account', `Account ${account} has no id yet; it was not created.`);
  return ctx.aws.forAccount(id, ctx.index.managementAccountId).s3;
}

// ------------------------------------------------------------------------------------------ bucket

/**
 * Each delivery bucket: public access blocked (all four settings), default encryption, versioning and lz's
 * tag. It lives in the log archive account when the file names one (reached through the access role), else
 * in the management account; the cost export's own bucket always in the management account.
 */
/** A delivery bucket lives in the account the file names for it (the log archive, say), reached through its access role. */
const BUCKET_READS = reads(
  's3:ListBucket',
  's3:ListAllMyBuckets',
  's3:GetBucketPublicAccessBlock',
  's3:GetEncryptionConfiguration',
  's3:GetBucketVersioning',
  's3:GetBucketPolicy',
  's3:GetBucketTagging',
);

export const deliveryBuckets = defineOrganizationKind<BucketsRead, BucketPayload>({
  kind: 'bucket',
  permissions: {
    account: [
      BUCKET_READS,
      writes('s3:CreateBucket', 's3:PutBucketPublicAccessBlock', 's3:PutEncryptionConfiguration', 's3:PutBucketVersioning', 's3:PutBucketTagging', 's3:DeleteBucket'),
    ],
  },
  sections: [logArchiveSection],
  payload: bucketPayload,
  read: readBuckets,

  plan(input, live) {
    const model = servicesModel(input);
    const changes: Change<BucketPayload>[] = [];
    const unmanaged: Unmanaged[] = [];
    for (const bucket of model.buckets) {
      const have = readOf(bucket, live);
      if (have?.foreign) {
        throw new LzError('bucket-taken', `S3 bucket ${bucket.name} belongs to another AWS account than ${bucket.owner.name} (${bucket.owner.id}); bucket names are global across AWS.`, {
          hint: 'Name another bucket in accounts.yaml (organization.trail.bucket or organization.costExport.bucket).',
        });
      }
      changes.push(...planBucket(bucket, have, input.region));
    }
    for (const left of live?.buckets ?? []) {
      if (!left.exists || model.buckets.some((b) => b.name === left.name)) continue;
      if (left.settings?.managedBy !== LOG_ARCHIVE_TAG_VALUE) continue;
      const account = input.manifest.accounts.find((a) => (a.management ? model.managementId === left.ownerId : input.matches.find((m) => m.declared.name === a.name)?.live?.id === left.ownerId))?.name ?? left.ownerId;
      if (input.prune && left.empty) {
        const before = { bucket: left.name, account, accountId: left.ownerId };
        changes.push({ address: bucketAddress(left.name), kind: 'bucket', action: 'delete', before, after: null, payload: { delete: before } });
        continue;
      }
      unmanaged.push({
        address: bucketAddress(left.name),
        kind: 'bucket',
        description:
          input.prune && left.empty === false
            ? `S3 bucket ${left.name} in account ${account} (made by lz; accounts.yaml no longer uses it) holds objects: lz never deletes a bucket with logs in it. Empty and delete it yourself if it is no longer needed.`
            : `S3 bucket ${left.name} in account ${account} (made by lz; accounts.yaml no longer uses it; --prune deletes it if it is empty)`,
        ...(input.prune ? {} : { prunable: true }),
      });
    }
    return { changes, unmanaged };
  },

  // logArchive is not written by import: S3 does not say which account owns a bucket, and finding out
  // would take a call in every account. A delivery bucket under lz's name that the management account
  // does not own (the log archive in a member account) is named for the person instead.
  importNotes(live) {
    return (live?.buckets ?? [])
      .filter((b) => b.foreign)
      .map((b) => `S3 bucket ${b.name} exists but not in the management account: if it is your log archive account's, write organization.logArchive: <that account's name> (lz import cannot tell which account owns a bucket)`);
  },

  async apply(ctx, { action, payload: p }) {
    if ('delete' in p) {
      const { bucket, accountId } = p.delete;
      const s3 = ctx.aws.forAccount(accountId, ctx.index.managementAccountId).s3;
      try {
        await ignoreCodes(s3.send(new DeleteBucketCommand({ Bucket: bucket })), ['NoSuchBucket', 'NotFound']);
      } catch (err) {
        if (isError(err, 'BucketNotEmpty')) {
          throw new LzError('bucket-not-empty', `S3 bucket ${bucket} is not empty (objects or object versions); lz never deletes logs.`, { hint: 'Empty it yourself if it is no longer needed, then run apply again.' });
        }
        throw err;
      }
      return;
    }
    const { bucket, account, accountId, region, settings } = p.put;
    await applyBucket(s3For(ctx, account, accountId), bucket, action === 'create' ? region : undefined, settings);
  },
});

function desiredSettings(have: BucketSettings | undefined): BucketSettings {
  return {
    publicAccessBlock: ALL_BLOCKED,
    // Any default encryption will do (SSE-KMS is stronger); SSE-S3 when there is none.
    encryption: have?.encryption ?? 'AES256',
    versioning: 'Enabled',
    managedBy: LOG_ARCHIVE_TAG_VALUE,
  };
}

function planBucket(bucket: BucketModel, have: BucketRead | undefined, region: string): Change<BucketPayload>[] {
  const settings = desiredSettings(have?.settings);
  const put = { bucket: bucket.name, account: bucket.owner.name, ...(bucket.owner.id ? { accountId: bucket.owner.id } : {}), region, settings };
  const dependsOn = bucket.owner.id ? [] : [accountAddress(bucket.owner.name)];
  if (!have?.exists || !have.settings) {
    return [{ address: bucketAddress(bucket.name), kind: 'bucket', action: 'create', before: null, after: put, payload: { put }, dependsOn }];
  }
  const fields: FieldChange[] = [
    ...fieldDiff(settings.publicAccessBlock, have.settings.publicAccessBlock, 'publicAccessBlock.'),
    ...fieldDiff({ encryption: settings.encryption, versioning: settings.versioning }, { encryption: have.settings.encryption, versioning: have.settings.versioning }),
    ...(have.settings.managedBy === settings.managedBy ? [] : [{ field: `tag ${MANAGED_BY_TAG}`, before: have.settings.managedBy, after: settings.managedBy }]),
  ];
  if (fields.length === 0) return [];
  return [{ address: bucketAddress(bucket.name), kind: 'bucket', action: 'update', before: have.settings, after: put, fields, payload: { put }, dependsOn }];
}

/**
 * `createIn`: the Region to make the bucket in (a create); none for a bucket that exists, which may be in
 * another Region than lz runs in, where a CreateBucket for this Region is refused.
 */
async function applyBucket(s3: S3Client, bucket: string, createIn: string | undefined, settings: BucketSettings): Promise<void> {
  if (createIn) await createBucket(s3, bucket, createIn);
  await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: settings.publicAccessBlock }));
  if (settings.encryption === 'AES256') {
    await s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }));
  }
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  // PutBucketTagging replaces the whole set: keep the tags someone else put on it.
  const tagged = await ignoreCodes(s3.send(new GetBucketTaggingCommand({ Bucket: bucket })), ['NoSuchTagSet']);
  const tags = (tagged?.TagSet ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
  const managedBy = settings.managedBy ?? LOG_ARCHIVE_TAG_VALUE;
  if (!tags.some((t) => t.Key === MANAGED_BY_TAG && t.Value === settings.managedBy)) {
    await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [...tags.filter((t) => t.Key !== MANAGED_BY_TAG), { Key: MANAGED_BY_TAG, Value: managedBy }] } }));
  }
}

async function createBucket(s3: S3Client, bucket: string, region: string): Promise<void> {
  try {
    // Made by an earlier, interrupted run: carry on with its settings.
    await ignoreCodes(
      s3.send(new CreateBucketCommand({ Bucket: bucket, ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }) })),
      ['BucketAlreadyOwnedByYou'],
    );
  } catch (err) {
    if (isError(err, 'BucketAlreadyExists')) {
      throw new LzError('bucket-taken', `S3 bucket name ${bucket} is taken by another AWS account; bucket names are global across AWS.`, { hint: 'Name another bucket in accounts.yaml.' });
    }
    throw err;
  }
}

// ------------------------------------------------------------------------------------------ bucket policy

/** The bucket policy CloudTrail and Data Exports need on each delivery bucket, compared statement by statement. */
export const deliveryBucketPolicies = defineOrganizationKind<BucketsRead, PolicyPayload>({
  kind: 'bucket-policy',
  permissions: { account: [BUCKET_READS, writes('s3:PutBucketPolicy')] },
  payload: policyPayload,
  read: readBuckets,

  plan(input, live) {
    const model = servicesModel(input);
    return { changes: model.buckets.flatMap((bucket) => planPolicy(bucket, readOf(bucket, live), model)), unmanaged: [] };
  },

  async apply(ctx, { payload: { bucket, account, accountId, document } }) {
    await s3For(ctx, account, accountId).send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policyText(document, ctx) }));
  },
});

function planPolicy(bucket: BucketModel, have: BucketRead | undefined, model: ServicesModel): Change<PolicyPayload>[] {
  const document = bucketPolicy(bucket, model);
  const put: PolicyPayload = { bucket: bucket.name, account: bucket.owner.name, ...(bucket.owner.id ? { accountId: bucket.owner.id } : {}), document };
  const dependsOn = [bucketAddress(bucket.name)];
  if (!have?.exists || have.policy === undefined) {
    return [{ address: bucketPolicyAddress(bucket.name), kind: 'bucket-policy', action: 'create', before: null, after: put, payload: put, dependsOn }];
  }
  if (sameValue(normalizePolicy(have.policy), normalizePolicy(document))) return [];
  return [{ address: bucketPolicyAddress(bucket.name), kind: 'bucket-policy', action: 'update', before: have.policy, after: put, fields: policyFields(document, have.policy), payload: put, dependsOn }];
}

/** The policy as S3 takes it, with the organization id in place of the placeholder a plan made before the organization existed. */
function policyText(document: PolicyDocument, ctx: ApplyContext): string {
  const text = JSON.stringify(document);
  if (!text.includes(ORGANIZATION_ID_PLACEHOLDER)) return text;
  const id = ctx.index.organizationId;
  if (!id) throw new Error('The organization id is not known yet; was the organization created?');
  return text.split(ORGANIZATION_ID_PLACEHOLDER).join(id);
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
