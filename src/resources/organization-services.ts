import { errorName } from '../aws/aws-errors.js';
import type { AccountMatch } from '../engine/match-accounts.js';
import type { OrganizationSnapshot } from '../engine/organization-snapshot.js';
import type { LoadedManifest } from '../manifest/index.js';
import { LzError } from '../errors.js';
import type { ApplyContext, OrganizationReadContext } from './types.js';

/**
 * The organization-level services (log archive bucket, organization trail, cost export, centralized root
 * access) as the file asks for them: one pure model that every one of their modules plans from, so that
 * the bucket's policy, the trail and the export always agree on names, ARNs and owners.
 */

/** Tag that marks what lz made (buckets, trails, exports), so that it can be found once the file drops it. */
export const LZ_TAG_KEY = 'lz:managed';
export const CLOUDTRAIL_PRINCIPAL = 'cloudtrail.amazonaws.com';
export const IAM_PRINCIPAL = 'iam.amazonaws.com';
/** Stands for the organization id in a planned bucket policy while the organization does not exist yet. */
export const ORGANIZATION_ID_PLACEHOLDER = '<organization-id>';
export const COST_EXPORT_PREFIX = 'cost-export';

export interface OwnerAccount {
  /** The manifest's name for it. */
  name: string;
  /** Undefined while the account is still to be created. */
  id?: string;
  management: boolean;
}

export interface BucketModel {
  name: string;
  owner: OwnerAccount;
  /** Who writes to it; each adds its statements to the bucket policy. */
  trail?: { arn: string };
  costExport?: boolean;
}

export interface ServicesModel {
  managementId: string;
  organizationId?: string;
  region: string;
  trail?: { name: string; arn: string; bucket: string };
  costExport?: { name: string; bucket: string; prefix: string };
  buckets: BucketModel[];
  /** Trusted access lz enables (service principals). */
  serviceAccess: string[];
  rootAccess: boolean;
  /** The log archive account, when the file names one. */
  logArchive?: OwnerAccount;
}

export const defaultTrailBucket = (managementId: string) => `lz-log-archive-${managementId}`;
export const defaultExportBucket = (managementId: string) => `lz-cost-export-${managementId}`;
export const trailArn = (region: string, managementId: string, name: string) => `arn:aws:cloudtrail:${region}:${managementId}:trail/${name}`;

/** Resolves a manifest account to its live id: through the plan's matches, else the snapshot (e.g. with --target). */
function ownerOf(manifest: LoadedManifest, snapshot: OrganizationSnapshot, matches: AccountMatch[], name: string): OwnerAccount {
  const declared = manifest.accounts.find((a) => a.name === name);
  const managementId = snapshot.organization?.managementAccountId ?? snapshot.callerAccountId;
  if (!declared || declared.management) return { name: declared?.name ?? manifest.management.name, id: managementId, management: true };
  const live = matches.find((m) => m.declared.name === name)?.live ?? snapshot.accounts.find((a) => a.email.toLowerCase() === declared.email.toLowerCase());
  return { name, ...(live ? { id: live.id } : {}), management: live?.id === managementId };
}

export function servicesModel(manifest: LoadedManifest, snapshot: OrganizationSnapshot, matches: AccountMatch[], region: string): ServicesModel {
  const org = manifest.manifest.organization;
  const managementId = snapshot.organization?.managementAccountId ?? snapshot.callerAccountId;
  const management: OwnerAccount = { name: manifest.management.name, id: managementId, management: true };
  const logArchive = org.logArchive ? ownerOf(manifest, snapshot, matches, org.logArchive) : undefined;
  const archiveOwner = logArchive ?? management;
  const model: ServicesModel = {
    managementId,
    ...(snapshot.organization ? { organizationId: snapshot.organization.id } : {}),
    region,
    buckets: [],
    serviceAccess: [],
    rootAccess: Boolean(org.rootAccess?.centralized),
    ...(logArchive ? { logArchive } : {}),
  };
  const bucket = (name: string, owner: OwnerAccount): BucketModel => {
    let found = model.buckets.find((b) => b.name === name);
    if (!found) {
      found = { name, owner };
      model.buckets.push(found);
    }
    return found;
  };
  if (org.trail?.enabled) {
    const arn = trailArn(region, managementId, org.trail.name);
    const name = org.trail.bucket ?? defaultTrailBucket(managementId);
    model.trail = { name: org.trail.name, arn, bucket: name };
    bucket(name, archiveOwner).trail = { arn };
    model.serviceAccess.push(CLOUDTRAIL_PRINCIPAL);
  }
  if (org.costExport?.enabled) {
    // Data Exports delivers to a bucket of the account that creates the export (the management account):
    // the log archive bucket when that is the management account's, else a bucket of its own.
    const shared = archiveOwner.management ? (org.trail?.enabled ? (org.trail.bucket ?? defaultTrailBucket(managementId)) : defaultTrailBucket(managementId)) : defaultExportBucket(managementId);
    const name = org.costExport.bucket ?? shared;
    const existing = model.buckets.find((b) => b.name === name);
    if (existing && !existing.owner.management) {
      throw new LzError(
        'cost-export-bucket',
        `organization.costExport.bucket ${name} is the log archive bucket, which lives in account ${existing.owner.name}; Data Exports delivers only to a bucket of the management account, which creates the export.`,
        { hint: 'Remove costExport.bucket (lz then makes lz-cost-export-<management id>), or name another bucket.', location: manifest.locate(['organization', 'costExport', 'bucket']) },
      );
    }
    bucket(name, existing?.owner ?? management).costExport = true;
    model.costExport = { name: org.costExport.name, bucket: name, prefix: COST_EXPORT_PREFIX };
  }
  if (model.rootAccess) model.serviceAccess.push(IAM_PRINCIPAL);
  return model;
}

export function modelFor(input: { manifest: LoadedManifest; snapshot: OrganizationSnapshot; matches: AccountMatch[] }, region: string): ServicesModel {
  return servicesModel(input.manifest, input.snapshot, input.matches, region);
}

// ------------------------------------------------------------------------------------------ bucket policy

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/**
 * The bucket policy lz keeps on a log archive bucket: AWS's statements for an organization trail
 * (CloudTrail User Guide, "Amazon S3 bucket policy for CloudTrail", organization trail variant) and for
 * Data Exports (Data Exports User Guide, "Setting up an Amazon S3 bucket for data exports"), plus a deny
 * of requests not made over TLS (Security Hub S3.5).
 */
export function bucketPolicy(bucket: BucketModel, model: Pick<ServicesModel, 'managementId' | 'organizationId'>): PolicyDocument {
  const arn = `arn:aws:s3:::${bucket.name}`;
  const mgmt = model.managementId;
  const statements: PolicyStatement[] = [];
  if (bucket.trail) {
    const source = { 'aws:SourceArn': bucket.trail.arn };
    const write = { 's3:x-amz-acl': 'bucket-owner-full-control', ...source };
    statements.push(
      { Sid: 'AWSCloudTrailAclCheck', Effect: 'Allow', Principal: { Service: CLOUDTRAIL_PRINCIPAL }, Action: 's3:GetBucketAcl', Resource: arn, Condition: { StringEquals: source } },
      { Sid: 'AWSCloudTrailWrite', Effect: 'Allow', Principal: { Service: CLOUDTRAIL_PRINCIPAL }, Action: 's3:PutObject', Resource: `${arn}/AWSLogs/${mgmt}/*`, Condition: { StringEquals: write } },
      {
        Sid: 'AWSCloudTrailOrganizationWrite',
        Effect: 'Allow',
        Principal: { Service: CLOUDTRAIL_PRINCIPAL },
        Action: 's3:PutObject',
        Resource: `${arn}/AWSLogs/${model.organizationId ?? ORGANIZATION_ID_PLACEHOLDER}/*`,
        Condition: { StringEquals: write },
      },
    );
  }
  if (bucket.costExport) {
    statements.push({
      Sid: 'EnableAWSDataExportsToWriteToS3AndCheckPolicy',
      Effect: 'Allow',
      Principal: { Service: ['billingreports.amazonaws.com', 'bcm-data-exports.amazonaws.com'] },
      Action: ['s3:PutObject', 's3:GetBucketPolicy'],
      Resource: [`${arn}/*`, arn],
      Condition: {
        StringLike: {
          'aws:SourceAccount': mgmt,
          'aws:SourceArn': [`arn:aws:cur:us-east-1:${mgmt}:definition/*`, `arn:aws:bcm-data-exports:us-east-1:${mgmt}:export/*`],
        },
      },
    });
  }
  statements.push({
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [arn, `${arn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  });
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * A policy in a form where equal policies compare equal: one-element lists as their element, lists of
 * strings sorted, booleans and numbers in conditions as strings (IAM compares them as strings), keys sorted
 * by `canonical` later. S3 stores what it was given, so this is what makes "someone edited it" and "AWS
 * wrote it back differently" two different things.
 */
export function normalizePolicy(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalizePolicy);
    if (items.length === 1) return items[0];
    return items.every((i) => typeof i === 'string') ? [...(items as string[])].sort() : items;
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, k === 'Statement' ? (Array.isArray(v) ? v : [v]).map(normalizePolicy) : normalizePolicy(v)]));
  }
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return value;
}

/** Statements by Sid (`#n` for one without a Sid), normalized. */
export function statementsBySid(document: unknown): Map<string, unknown> {
  const doc = normalizePolicy(document) as { Statement?: unknown[] } | undefined;
  const out = new Map<string, unknown>();
  (doc?.Statement ?? []).forEach((s, i) => {
    const sid = s && typeof s === 'object' && typeof (s as { Sid?: unknown }).Sid === 'string' ? (s as { Sid: string }).Sid : `#${i + 1}`;
    out.set(sid, s);
  });
  return out;
}

/** Replaces the organization id placeholder now that apply knows it. */
export function resolvePlaceholders(document: PolicyDocument, ctx: ApplyContext): PolicyDocument {
  const text = JSON.stringify(document);
  if (!text.includes(ORGANIZATION_ID_PLACEHOLDER)) return document;
  const id = ctx.index.organizationId;
  if (!id) throw new Error('The organization id is not known yet; was the organization created?');
  return JSON.parse(text.split(ORGANIZATION_ID_PLACEHOLDER).join(id)) as PolicyDocument;
}

// ------------------------------------------------------------------------------------------ reads

/** Errors that mean "lz may not read this here": tolerated when the file does not ask for the item. */
export function isAccessDenied(err: unknown): boolean {
  const name = errorName(err) ?? '';
  return ['AccessDenied', 'AccessDeniedException', 'Forbidden', 'UnauthorizedOperation', 'AuthorizationError'].includes(name) || (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 403;
}

/**
 * Runs a read; when the file does not ask for the item, a refused read (lz's role may lack the service's
 * permissions) counts as "nothing there" and is logged, so a plan of an unrelated file never fails on it.
 */
export async function tolerantRead<T>(ctx: OrganizationReadContext, wanted: boolean, what: string, read: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (wanted || !isAccessDenied(err)) throw err;
    ctx.aws.logger.debug({ what, err: errorName(err) }, 'read refused; not in accounts.yaml, so skipped');
    return fallback;
  }
}

export function lzTagged(tags: { Key?: string; Value?: string }[] | undefined): boolean {
  return Boolean(tags?.some((t) => t.Key === LZ_TAG_KEY));
}
