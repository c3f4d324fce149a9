import { errorName, httpStatus, isError } from '../aws/aws-errors.js';
import type { OrganizationPlanInput, OrganizationReadContext } from '../core/module.js';
import type { OrganizationSnapshot } from '../core/organization.js';
import * as z from 'zod';
import { LzError } from '../errors.js';
import { accountNameSchema, bucketNameSchema, rule, TRAIL_NAME } from '../manifest/schema.js';
import { organizationSection } from '../manifest/sections.js';

/**
 * The organization-level services (delivery buckets, organization trail, cost export, centralized root
 * access) as the file asks for them: one pure model that every one of their modules plans from, so that
 * the bucket's policy, the trail and the export always agree on names, ARNs and owners. Their slices of
 * `organization:` are declared here, beside the model that reads them all, and each kind lists its own.
 */

// ------------------------------------------------------------------------------------------ the file's slices

export const CLOUDTRAIL_PRINCIPAL = 'cloudtrail.amazonaws.com';
export const IAM_PRINCIPAL = 'iam.amazonaws.com';

/** `organization.logArchive`: the account the delivery buckets live in (the management account when absent). */
export const logArchiveSection = organizationSection({
  key: 'logArchive',
  schema: accountNameSchema.optional().describe('Account that holds organization-level logs; must be listed in `accounts`.'),
  namesAccount: 'log archive account',
});

export const trailSection = organizationSection({
  key: 'trail',
  schema: z
    .strictObject({
      name: z.string().regex(TRAIL_NAME, rule('must be 3-128 letters, digits, . _ -, starting and ending with a letter or digit (CloudTrail names)')).default('lz-organization-trail').describe('Trail name.'),
      bucket: bucketNameSchema.optional().describe('S3 bucket for the trail; lz names one when absent.'),
      enabled: z.boolean().default(true).describe('Whether the trail should exist.'),
    })
    .optional()
    .describe('An organization CloudTrail trail.'),
});

export const costExportSection = organizationSection({
  key: 'costExport',
  schema: z
    .strictObject({
      name: z.string().regex(/^[0-9A-Za-z!_.*'()-]{1,128}$/, rule("must be 1-128 letters, digits and ! - _ . * ' ( ) (Data Exports names)")).default('lz-cost-export').describe('Export name.'),
      bucket: bucketNameSchema.optional().describe('S3 bucket for the export; lz names one when absent.'),
      enabled: z.boolean().default(true).describe('Whether the export should exist.'),
    })
    .optional()
    .describe('A cost and usage data export.'),
});

export const rootAccessSection = organizationSection({
  key: 'rootAccess',
  schema: z
    .strictObject({ centralized: z.boolean().default(true).describe("Manage member accounts' root users centrally.") })
    .optional()
    .describe('Centralized root access for member accounts.'),
});

// ------------------------------------------------------------------------------------------ policy documents

const stringOrList = z.union([z.string(), z.array(z.string())]);

const policyStatementSchema = z.strictObject({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Principal: z.union([z.literal('*'), z.record(z.string(), stringOrList)]),
  Action: stringOrList,
  Resource: stringOrList,
  Condition: z.record(z.string(), z.record(z.string(), stringOrList)).optional(),
});
export const policyDocumentSchema = z.strictObject({ Version: z.string(), Statement: z.array(policyStatementSchema) });
export type PolicyStatement = z.output<typeof policyStatementSchema>;
export type PolicyDocument = z.output<typeof policyDocumentSchema>;


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

/** What the model is made from: the plan's input, or a module's read context with the run's Region. */
export type ModelInput = Pick<OrganizationPlanInput, 'manifest' | 'snapshot' | 'matches' | 'region'>;

export const defaultTrailBucket = (managementId: string) => `lz-log-archive-${managementId}`;
export const defaultExportBucket = (managementId: string) => `lz-cost-export-${managementId}`;
export const trailArn = (region: string, managementId: string, name: string) => `arn:aws:cloudtrail:${region}:${managementId}:trail/${name}`;

/** Resolves a manifest account to its live id: through the plan's matches, else the snapshot (e.g. with --target). */
function ownerOf({ manifest, snapshot, matches }: ModelInput, name: string): OwnerAccount {
  const declared = manifest.accounts.find((a) => a.name === name);
  const managementId = managementIdOf(snapshot);
  if (!declared || declared.management) return { name: declared?.name ?? manifest.management.name, id: managementId, management: true };
  const live = matches.find((m) => m.declared.name === name)?.live ?? snapshot.accounts.find((a) => a.email.toLowerCase() === declared.email.toLowerCase());
  return { name, ...(live ? { id: live.id } : {}), management: live?.id === managementId };
}

const managementIdOf = (snapshot: OrganizationSnapshot) => snapshot.organization?.managementAccountId ?? snapshot.callerAccountId;

export function servicesModel(input: ModelInput): ServicesModel {
  const { manifest, snapshot, region } = input;
  const logArchiveName = logArchiveSection.of(manifest);
  const trail = trailSection.of(manifest);
  const costExport = costExportSection.of(manifest);
  const managementId = managementIdOf(snapshot);
  const management: OwnerAccount = { name: manifest.management.name, id: managementId, management: true };
  const logArchive = logArchiveName ? ownerOf(input, logArchiveName) : undefined;
  const archiveOwner = logArchive ?? management;
  const model: ServicesModel = {
    managementId,
    ...(snapshot.organization ? { organizationId: snapshot.organization.id } : {}),
    region,
    buckets: [],
    serviceAccess: [],
    rootAccess: Boolean(rootAccessSection.of(manifest)?.centralized),
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
  if (trail?.enabled) {
    const arn = trailArn(region, managementId, trail.name);
    const name = trail.bucket ?? defaultTrailBucket(managementId);
    model.trail = { name: trail.name, arn, bucket: name };
    bucket(name, archiveOwner).trail = { arn };
    model.serviceAccess.push(CLOUDTRAIL_PRINCIPAL);
  }
  if (costExport?.enabled) {
    // Data Exports delivers to a bucket of the account that creates the export (the management account):
    // the log archive bucket when that is the management account's, else a bucket of its own.
    const shared = archiveOwner.management ? (trail?.enabled ? (trail.bucket ?? defaultTrailBucket(managementId)) : defaultTrailBucket(managementId)) : defaultExportBucket(managementId);
    const name = costExport.bucket ?? shared;
    const existing = model.buckets.find((b) => b.name === name);
    if (existing && !existing.owner.management) {
      throw new LzError(
        'cost-export-bucket',
        `organization.costExport.bucket ${name} is the log archive bucket, which lives in account ${existing.owner.name}; Data Exports delivers only to a bucket of the management account, which creates the export.`,
        { hint: 'Remove costExport.bucket (lz then makes lz-cost-export-<management id>), or name another bucket.', location: manifest.locate(['organization', 'costExport', 'bucket']) },
      );
    }
    bucket(name, existing?.owner ?? management).costExport = true;
    model.costExport = { name: costExport.name, bucket: name, prefix: COST_EXPORT_PREFIX };
  }
  if (model.rootAccess) model.serviceAccess.push(IAM_PRINCIPAL);
  return model;
}

/** The model as a module's read sees it: the run's Region. */
export const readModel = (ctx: OrganizationReadContext): ServicesModel => servicesModel({ ...ctx, region: ctx.aws.options.region });

// ------------------------------------------------------------------------------------------ bucket policy

/**
 * The bucket policy lz keeps on a delivery bucket: AWS's statements for an organization trail
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

// ------------------------------------------------------------------------------------------ reads

/** Errors that mean "lz may not read this here": tolerated when the file does not ask for the item. */
const isAccessDenied = (err: unknown): boolean => isError(err, 'AccessDenied', 'AccessDeniedException', 'Forbidden', 'UnauthorizedOperation', 'AuthorizationError') || httpStatus(err) === 403;

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
