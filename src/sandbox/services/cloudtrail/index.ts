import { list, optBool, optString } from '../../input.js';
import type { AccountRecord } from '../../state.js';
import type { OrganizationRecord } from '../organizations/state.js';
import { cloudtrailState } from './state.js';
import type { TrailRecord } from './state.js';
import { AwsError } from '../../types.js';
import type { OperationContext, OperationHandler, SandboxService } from '../../types.js';
import { findBucket } from '../s3/index.js';
import { lookupEvents } from './events.js';

/**
 * CloudTrail (awsJson1_1): trails per account with a home region. The S3 bucket must exist (in any account)
 * and its policy must let `cloudtrail.amazonaws.com` call s3:GetBucketAcl and s3:PutObject, as AWS checks.
 * An organization trail needs the management account, an organization with all features and trusted
 * access for `cloudtrail.amazonaws.com`; member accounts then see it in DescribeTrails / GetTrail.
 * LookupEvents reads the event history (events.ts).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON, validated member by member
type Input = Record<string, any>;

export const CLOUDTRAIL_PRINCIPAL = 'cloudtrail.amazonaws.com';

const err = {
  notFound: (ctx: OperationContext, name: string) =>
    new AwsError('TrailNotFoundException', `Unknown trail: ${name.startsWith('arn:') ? name : `arn:aws:cloudtrail:${ctx.region}:${ctx.caller.accountId}:trail/${name}`} for the user: ${ctx.caller.accountId}`, 404),
  invalidName: (message: string) => new AwsError('InvalidTrailNameException', message, 400),
  invalidArn: (arn: string) => new AwsError('CloudTrailARNInvalidException', `Invalid trail ARN: ${arn}`, 400),
};

const TRAIL_ARN_RE = /^arn:aws[\w-]*:cloudtrail:([\w-]+):(\d{12}):trail\/(.+)$/;

function checkTrailName(name: string): void {
  if (name.length < 3) throw err.invalidName(`Trail name too short. Minimum allowed length: 3 characters. Specified name length: ${name.length} characters.`);
  if (name.length > 128) throw err.invalidName(`Trail name too long. Maximum allowed length: 128 characters. Specified name length: ${name.length} characters.`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$/.test(name)) {
    throw err.invalidName('Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).');
  }
  if (/[._-]{2}/.test(name)) throw err.invalidName('Trail name cannot have adjacent periods (.), hyphens (-), or underscores (_).');
}

function accountOf(ctx: OperationContext): AccountRecord {
  const account = ctx.state.accounts[ctx.caller.accountId];
  if (!account) throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
  return account;
}

function trailsOf(account: AccountRecord): Record<string, TrailRecord> {
  return cloudtrailState(account);
}

/** The organization trails of the caller's organization owned by another (the management) account. */
function orgTrailsVisibleTo(ctx: OperationContext): TrailRecord[] {
  const org = ctx.state.organization;
  if (!org || !org.members[ctx.caller.accountId] || org.managementAccountId === ctx.caller.accountId) return [];
  return Object.values(ctx.state.accounts[org.managementAccountId]?.cloudtrail ?? {}).filter((t) => t.isOrganizationTrail);
}

/** A trail by name (the caller's) or ARN (the caller's, or an organization trail shown to a member). */
function findTrail(ctx: OperationContext, nameOrArn: string): TrailRecord | undefined {
  if (nameOrArn.startsWith('arn:')) {
    const m = TRAIL_ARN_RE.exec(nameOrArn);
    if (!m) throw err.invalidArn(nameOrArn);
    const own = ctx.state.accounts[ctx.caller.accountId]?.cloudtrail?.[m[3]!];
    if (own && own.arn === nameOrArn) return own;
    return orgTrailsVisibleTo(ctx).find((t) => t.arn === nameOrArn);
  }
  checkTrailName(nameOrArn);
  const trail = ctx.state.accounts[ctx.caller.accountId]?.cloudtrail?.[nameOrArn];
  // A single-region trail is found by name only in its home region.
  if (trail && (trail.isMultiRegionTrail || trail.homeRegion === ctx.region)) return trail;
  return undefined;
}

/** The caller's own trail, to change it: TrailNotFoundException, InvalidHomeRegionException, member org-trail checks. */
function ownTrail(ctx: OperationContext, nameOrArn: string): TrailRecord {
  const trail = findTrail(ctx, nameOrArn);
  if (!trail) throw err.notFound(ctx, nameOrArn);
  if (!trail.arn.includes(`:${ctx.caller.accountId}:`)) {
    throw new AwsError('NotOrganizationMasterAccountException', 'This operation is only available for the management account of an organization.', 400);
  }
  if (trail.homeRegion !== ctx.region) {
    throw new AwsError('InvalidHomeRegionException', `This operation must be called from the trail's home region (${trail.homeRegion}).`, 400);
  }
  return trail;
}

function asArray(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Does the bucket policy let CloudTrail write: Allow for the service principal on s3:GetBucketAcl and s3:PutObject. */
export function bucketPolicyAllowsService(policy: string | undefined, servicePrincipal: string, actions: string[]): boolean {
  if (!policy) return false;
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(policy) as { Statement?: unknown };
  } catch {
    return false;
  }
  const granted = new Set<string>();
  for (const s of asArray(doc.Statement) as { Effect?: unknown; Principal?: unknown; Action?: unknown }[]) {
    if (!s || s.Effect !== 'Allow') continue;
    const p = s.Principal;
    const services = p === '*' ? ['*'] : asArray((p as { Service?: unknown } | undefined)?.Service);
    const aws = p && typeof p === 'object' ? asArray((p as { AWS?: unknown }).AWS) : [];
    if (!services.includes(servicePrincipal) && !services.includes('*') && !aws.includes('*')) continue;
    for (const a of asArray(s.Action)) {
      if (typeof a !== 'string') continue;
      const lower = a.toLowerCase();
      for (const want of actions) if (lower === want.toLowerCase() || lower === 's3:*' || lower === '*') granted.add(want);
    }
  }
  return actions.every((a) => granted.has(a));
}

function checkBucket(ctx: OperationContext, bucketName: string): void {
  const found = findBucket(ctx.state, bucketName);
  if (!found) throw new AwsError('S3BucketDoesNotExistException', `S3 bucket ${bucketName} does not exist.`, 404);
  if (!bucketPolicyAllowsService(found.bucket.policy, CLOUDTRAIL_PRINCIPAL, ['s3:GetBucketAcl', 's3:PutObject'])) {
    throw new AwsError('InsufficientS3BucketPolicyException', `Incorrect S3 bucket policy is detected for bucket: ${bucketName}`, 403);
  }
}

/** The checks an organization trail needs; returns the organization. */
function checkOrganizationTrail(ctx: OperationContext): OrganizationRecord {
  const org = ctx.state.organization;
  if (!org || !org.members[ctx.caller.accountId]) {
    throw new AwsError('OrganizationsNotInUseException', 'This request is not valid because the account is not in an organization. Create an organization, and then try again.', 404);
  }
  if (org.managementAccountId !== ctx.caller.accountId) {
    throw new AwsError('NotOrganizationMasterAccountException', `The account ${ctx.caller.accountId} is not the management account for the organization.`, 400);
  }
  if (org.featureSet !== 'ALL') {
    throw new AwsError('OrganizationNotInAllFeaturesModeException', 'This operation requires that all features are enabled in your organization.', 400);
  }
  if (!org.serviceAccess[CLOUDTRAIL_PRINCIPAL]) {
    throw new AwsError('CloudTrailAccessNotEnabledException', 'Trusted access for CloudTrail is not enabled in AWS Organizations. Enable trusted access for CloudTrail and try again.', 400);
  }
  return org;
}

function trailShape(t: TrailRecord, forCreate = false): Record<string, unknown> {
  return {
    Name: t.name,
    S3BucketName: t.s3BucketName,
    S3KeyPrefix: t.s3KeyPrefix,
    SnsTopicName: t.snsTopicName,
    IncludeGlobalServiceEvents: t.includeGlobalServiceEvents,
    IsMultiRegionTrail: t.isMultiRegionTrail,
    HomeRegion: forCreate ? undefined : t.homeRegion,
    TrailARN: t.arn,
    LogFileValidationEnabled: t.logFileValidationEnabled,
    CloudWatchLogsLogGroupArn: t.cloudWatchLogsLogGroupArn,
    CloudWatchLogsRoleArn: t.cloudWatchLogsRoleArn,
    KmsKeyId: t.kmsKeyId,
    HasCustomEventSelectors: forCreate ? undefined : false,
    HasInsightSelectors: forCreate ? undefined : false,
    IsOrganizationTrail: t.isOrganizationTrail,
  };
}

function applySettings(trail: TrailRecord, input: Input): void {
  const include = optBool(input, 'IncludeGlobalServiceEvents');
  if (include !== undefined) trail.includeGlobalServiceEvents = include;
  const multi = optBool(input, 'IsMultiRegionTrail');
  if (multi !== undefined) trail.isMultiRegionTrail = multi;
  const validation = optBool(input, 'EnableLogFileValidation');
  if (validation !== undefined) trail.logFileValidationEnabled = validation;
  for (const [member, field] of [
    ['S3KeyPrefix', 's3KeyPrefix'],
    ['SnsTopicName', 'snsTopicName'],
    ['KmsKeyId', 'kmsKeyId'],
    ['CloudWatchLogsLogGroupArn', 'cloudWatchLogsLogGroupArn'],
    ['CloudWatchLogsRoleArn', 'cloudWatchLogsRoleArn'],
  ] as const) {
    if (input[member] === undefined) continue;
    const v = optString(input, member);
    if (v === undefined) delete trail[field];
    else trail[field] = v;
  }
  if (trail.isMultiRegionTrail && !trail.includeGlobalServiceEvents) {
    throw new AwsError('InvalidParameterCombinationException', 'Multi-Region trail must include global service events.', 400);
  }
}

const operations: Record<string, OperationHandler> = {
  CreateTrail: (ctx, input) => {
    const account = accountOf(ctx);
    const name = optString(input, 'Name');
    if (!name) throw new AwsError('TrailNotProvidedException', 'Trail name not provided.', 404);
    checkTrailName(name);
    const bucketName = optString(input, 'S3BucketName');
    if (!bucketName) throw new AwsError('InvalidS3BucketNameException', 'S3 bucket name not provided.', 400);
    const trails = trailsOf(account);
    if (trails[name]) throw new AwsError('TrailAlreadyExistsException', `Trail ${name} already exists for customer: ${account.id}`, 400);
    const isOrganizationTrail = optBool(input, 'IsOrganizationTrail') ?? false;
    if (isOrganizationTrail) checkOrganizationTrail(ctx);
    checkBucket(ctx, bucketName);
    if (Object.values(trails).filter((t) => t.homeRegion === ctx.region || t.isMultiRegionTrail).length >= 5) {
      throw new AwsError('MaximumNumberOfTrailsExceededException', 'User: ' + account.id + ' already has 5 trails in ' + ctx.region + '.', 400);
    }
    const trail: TrailRecord = {
      name,
      arn: `arn:aws:cloudtrail:${ctx.region}:${account.id}:trail/${name}`,
      homeRegion: ctx.region,
      s3BucketName: bucketName,
      includeGlobalServiceEvents: true,
      isMultiRegionTrail: false,
      isOrganizationTrail,
      logFileValidationEnabled: false,
      isLogging: false,
      tags: list<{ Key: string; Value: string }>(input, 'TagsList'),
    };
    applySettings(trail, input);
    trails[name] = trail;
    return trailShape(trail, true);
  },

  UpdateTrail: (ctx, input) => {
    const trail = ownTrail(ctx, optString(input, 'Name') ?? '');
    const next: TrailRecord = { ...trail, tags: [...trail.tags] };
    const bucketName = optString(input, 'S3BucketName');
    if (bucketName !== undefined && bucketName !== trail.s3BucketName) {
      checkBucket(ctx, bucketName);
      next.s3BucketName = bucketName;
    }
    const org = optBool(input, 'IsOrganizationTrail');
    if (org === true && !trail.isOrganizationTrail) checkOrganizationTrail(ctx);
    if (org !== undefined) next.isOrganizationTrail = org;
    applySettings(next, input);
    Object.assign(trail, next);
    return trailShape(trail, true);
  },

  DeleteTrail: (ctx, input) => {
    const trail = ownTrail(ctx, optString(input, 'Name') ?? '');
    delete ctx.state.accounts[ctx.caller.accountId]!.cloudtrail![trail.name];
    return {};
  },

  DescribeTrails: (ctx, input) => {
    const names = list<string>(input, 'trailNameList');
    const includeShadow = optBool(input, 'includeShadowTrails') ?? true;
    const own = Object.values(ctx.state.accounts[ctx.caller.accountId]?.cloudtrail ?? {});
    let trails = [...own, ...orgTrailsVisibleTo(ctx)].filter((t) => t.homeRegion === ctx.region || (includeShadow && t.isMultiRegionTrail));
    if (names.length > 0) {
      trails = trails.filter((t) => names.includes(t.name) || names.includes(t.arn));
    }
    return { trailList: trails.sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => trailShape(t)) };
  },

  GetTrail: (ctx, input) => {
    const name = optString(input, 'Name') ?? '';
    const trail = findTrail(ctx, name);
    if (!trail) throw err.notFound(ctx, name);
    return { Trail: trailShape(trail) };
  },

  GetTrailStatus: (ctx, input) => {
    const name = optString(input, 'Name') ?? '';
    const trail = findTrail(ctx, name);
    if (!trail) throw err.notFound(ctx, name);
    return {
      IsLogging: trail.isLogging,
      StartLoggingTime: trail.startLoggingTime ? new Date(trail.startLoggingTime) : undefined,
      StopLoggingTime: trail.stopLoggingTime ? new Date(trail.stopLoggingTime) : undefined,
      TimeLoggingStarted: trail.startLoggingTime,
      TimeLoggingStopped: trail.stopLoggingTime,
    };
  },

  StartLogging: (ctx, input) => {
    const trail = ownTrail(ctx, optString(input, 'Name') ?? '');
    if (!trail.isLogging) {
      trail.isLogging = true;
      trail.startLoggingTime = ctx.runtime.now().toISOString();
    }
    return {};
  },

  StopLogging: (ctx, input) => {
    const trail = ownTrail(ctx, optString(input, 'Name') ?? '');
    if (trail.isLogging) {
      trail.isLogging = false;
      trail.stopLoggingTime = ctx.runtime.now().toISOString();
    }
    return {};
  },

  // Tags are read where the trail lives: an ARN of another Region (a multi-Region trail DescribeTrails shows
  // here as a shadow) or of another account (an organization trail shown to a member) is refused.
  ListTags: (ctx, input) => {
    const arns = list<string>(input, 'ResourceIdList');
    return {
      ResourceTagList: arns.map((arn) => {
        const m = TRAIL_ARN_RE.exec(arn);
        if (!m) throw err.invalidArn(arn);
        if (m[1] !== ctx.region) throw new AwsError('CloudTrailARNInvalidException', `Region in ARN is wrong, you can only access resources in region ${ctx.region}.`, 400);
        if (m[2] !== ctx.caller.accountId) {
          throw new AwsError('CloudTrailARNInvalidException', `AccountID in ARN is wrong, you can only access resources with AccountID ${ctx.caller.accountId}.`, 400);
        }
        const trail = ctx.state.accounts[ctx.caller.accountId]?.cloudtrail?.[m[3]!];
        if (!trail || trail.arn !== arn) throw new AwsError('ResourceNotFoundException', `Resource ${arn} not found.`, 400);
        return { ResourceId: arn, TagsList: trail.tags };
      }),
    };
  },

  LookupEvents: lookupEvents,
};

export const cloudtrail: SandboxService = {
  signingName: 'cloudtrail',
  protocol: 'awsJson1_1',
  // The trail a request names, by ARN or by name in the caller's account and Region.
  resourceOf: (_operation, input, ctx) => {
    const name = [input.Name, input.TrailName, input.ResourceId].find((v): v is string => typeof v === 'string');
    if (!name) return '*';
    return TRAIL_ARN_RE.test(name) ? name : `arn:aws:cloudtrail:${ctx.region}:${ctx.caller.accountId}:trail/${name}`;
  },
  targetPrefix: 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101',
  operations,
  isReadOnly: (operation) => /^(Get|List|Describe|Lookup)/.test(operation),
};
