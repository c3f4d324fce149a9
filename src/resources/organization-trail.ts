import {
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  ListTagsCommand,
  StartLoggingCommand,
  UpdateTrailCommand,
  type CloudTrailClient,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import { isError } from '../aws/aws-errors.js';
import { fieldDiff } from '../engine/fields.js';
import type { Change, Unmanaged } from '../engine/plan.js';
import { LzError } from '../errors.js';
import { bucketAddress, bucketPolicyAddress } from './log-archive-bucket.js';
import { CLOUDTRAIL_PRINCIPAL, LZ_TAG_KEY, lzTagged, modelFor, tolerantRead } from './organization-services.js';
import { serviceAccessAddress } from './trusted-access.js';
import type { AccountReadContext, OrganizationResource } from './types.js';

export const trailAddress = (name: string) => `trail:${name}`;
export const TRAIL_TAG_VALUE = 'organization-trail';

/** The settings lz keeps, in the plan's words. */
export interface TrailSettings {
  bucket: string;
  organizationTrail: boolean;
  multiRegion: boolean;
  globalServiceEvents: boolean;
  logFileValidation: boolean;
  logging: boolean;
}

export interface LiveTrail extends TrailSettings {
  name: string;
  arn: string;
  homeRegion: string;
  /** Carries lz's tag (lz made it). */
  lz: boolean;
}

export interface TrailsRead {
  region: string;
  /** The trail the file names, when it exists. */
  trail?: LiveTrail;
  /** The management account's other trails that lz made. */
  leftovers: LiveTrail[];
}

export interface TrailAfter extends TrailSettings {
  name: string;
}

const WANT = { organizationTrail: true, multiRegion: true, globalServiceEvents: true, logFileValidation: true, logging: true } as const;

function fromAws(t: Trail, logging: boolean, lz: boolean): LiveTrail {
  return {
    name: t.Name ?? '',
    arn: t.TrailARN ?? '',
    homeRegion: t.HomeRegion ?? '',
    bucket: t.S3BucketName ?? '',
    organizationTrail: t.IsOrganizationTrail ?? false,
    multiRegion: t.IsMultiRegionTrail ?? false,
    globalServiceEvents: t.IncludeGlobalServiceEvents ?? false,
    logFileValidation: t.LogFileValidationEnabled ?? false,
    logging,
    lz,
  };
}

async function isLogging(ct: CloudTrailClient, arn: string): Promise<boolean> {
  return (await ct.send(new GetTrailStatusCommand({ Name: arn }))).IsLogging ?? false;
}

async function tagged(ct: CloudTrailClient, arns: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < arns.length; i += 20) {
    const page = await ct.send(new ListTagsCommand({ ResourceIdList: arns.slice(i, i + 20) }));
    for (const r of page.ResourceTagList ?? []) if (r.ResourceId && lzTagged(r.TagsList)) out.add(r.ResourceId);
  }
  return out;
}

/**
 * The organization trail, in the management account: multi-Region, global service events, log file
 * validation, delivering to the log archive bucket, and logging. CreateTrail needs trusted access for
 * cloudtrail.amazonaws.com and the bucket policy first (dependsOn); a trail whose logging was stopped is
 * started again (StartLogging), one whose settings drifted is updated (UpdateTrail).
 */
export const organizationTrail: OrganizationResource = {
  kind: 'trail',
  scope: 'organization',

  async read(ctx): Promise<TrailsRead> {
    const region = ctx.aws.options.region;
    const model = modelFor(ctx, region);
    const ct = ctx.aws.management.cloudtrail;
    return tolerantRead(
      ctx,
      Boolean(model.trail),
      'cloudtrail trails',
      async () => {
        // One DescribeTrails lists every trail of the management account visible here (multi-Region ones from any home region).
        const own = ((await ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? []).filter((t) => t.TrailARN?.includes(`:${model.managementId}:trail/`));
        const lz = await (own.length > 0 ? tagged(ct, own.map((t) => t.TrailARN!)) : Promise.resolve(new Set<string>()));
        const named = model.trail ? own.find((t) => t.Name === model.trail!.name) : undefined;
        const leftovers = own.filter((t) => t !== named && lz.has(t.TrailARN!));
        const [trail, ...rest] = await Promise.all(
          [named, ...leftovers].map(async (t) => (t ? fromAws(t, await isLogging(ct, t.TrailARN!), lz.has(t.TrailARN!)) : undefined)),
        );
        return { region, ...(trail ? { trail } : {}), leftovers: rest.filter((t): t is LiveTrail => Boolean(t)) };
      },
      { region, leftovers: [] },
    );
  },

  plan(input) {
    const read = (input.live?.get('trail') as TrailsRead | undefined) ?? { region: 'us-east-1', leftovers: [] };
    const model = modelFor(input, read.region);
    const changes: Change[] = [];
    const unmanaged: Unmanaged[] = [];
    if (model.trail) {
      const want: TrailAfter = { name: model.trail.name, bucket: model.trail.bucket, ...WANT };
      const dependsOn = [
        serviceAccessAddress(CLOUDTRAIL_PRINCIPAL),
        bucketAddress(model.trail.bucket),
        bucketPolicyAddress(model.trail.bucket),
      ];
      const have = read.trail;
      if (!have) {
        changes.push({ address: trailAddress(want.name), kind: 'trail', action: 'create', before: null, after: want, dependsOn });
      } else {
        if (have.homeRegion && have.homeRegion !== read.region) {
          throw new LzError('trail-home-region', `Trail ${have.name} was made in ${have.homeRegion}; CloudTrail changes it only from its home region.`, {
            hint: `Run lz with --region ${have.homeRegion} (or AWS_REGION=${have.homeRegion}).`,
          });
        }
        const { name: _n, arn: _a, homeRegion: _h, lz: _l, ...settings } = have;
        const fields = fieldDiff({ ...want, name: undefined } as unknown as Record<string, unknown>, settings as unknown as Record<string, unknown>);
        if (fields.length > 0) changes.push({ address: trailAddress(want.name), kind: 'trail', action: 'update', before: settings, after: want, fields, dependsOn });
      }
    }
    for (const left of read.leftovers) {
      if (input.prune) {
        changes.push({ address: trailAddress(left.name), kind: 'trail', action: 'delete', before: { name: left.name, arn: left.arn, bucket: left.bucket }, after: null });
      } else {
        unmanaged.push({ address: trailAddress(left.name), kind: 'trail', description: `CloudTrail trail ${left.name} (made by lz; accounts.yaml asks for no such trail; --prune deletes it, its logs stay in ${left.bucket})` });
      }
    }
    return { changes, unmanaged };
  },

  async apply(ctx, change) {
    const ct = ctx.aws.management.cloudtrail;
    if (change.action === 'delete') {
      const { arn } = change.before as { arn: string };
      try {
        await ct.send(new DeleteTrailCommand({ Name: arn }));
      } catch (err) {
        if (!isError(err, 'TrailNotFoundException')) throw err;
      }
      return;
    }
    const want = change.after as TrailAfter;
    const settings = {
      Name: want.name,
      S3BucketName: want.bucket,
      IsOrganizationTrail: want.organizationTrail,
      IsMultiRegionTrail: want.multiRegion,
      IncludeGlobalServiceEvents: want.globalServiceEvents,
      EnableLogFileValidation: want.logFileValidation,
    };
    const onlyLogging = change.action === 'update' && (change.fields ?? []).every((f) => f.field === 'logging');
    if (change.action === 'create') {
      try {
        await ct.send(new CreateTrailCommand({ ...settings, TagsList: [{ Key: LZ_TAG_KEY, Value: TRAIL_TAG_VALUE }] }));
      } catch (err) {
        // Made by an earlier, interrupted run: bring its settings in line instead.
        if (!isError(err, 'TrailAlreadyExistsException')) throw err;
        await ct.send(new UpdateTrailCommand(settings));
      }
    } else if (!onlyLogging) {
      await ct.send(new UpdateTrailCommand(settings));
    }
    if (want.logging) await ct.send(new StartLoggingCommand({ Name: want.name }));
  },
};

/** CIS 3.1 / Security Hub CloudTrail.1 and CloudTrail.4, as one account sees them. */
export interface TrailPosture {
  /** Multi-Region trails visible in the account that are logging (an organization trail counts in every member). */
  loggingMultiRegion: { name: string; logFileValidation: boolean }[];
  /** Multi-Region trails visible in the account that are not logging. */
  stopped: string[];
}

/**
 * What CloudTrail looks like from inside one account (DescribeTrails, GetTrailStatus of each multi-Region
 * trail; memoized per account), for `lz drift`'s posture checks.
 */
export function trailPosture(ctx: AccountReadContext): Promise<TrailPosture> {
  return ctx.memo('cloudtrail:posture', async () => {
    const ct = ctx.clients.cloudtrail;
    const trails = ((await ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? []).filter((t) => t.IsMultiRegionTrail && t.TrailARN);
    const status = await Promise.all(trails.map((t) => isLogging(ct, t.TrailARN!)));
    return {
      loggingMultiRegion: trails.filter((_t, i) => status[i]).map((t) => ({ name: t.Name ?? '', logFileValidation: t.LogFileValidationEnabled ?? false })),
      stopped: trails.filter((_t, i) => !status[i]).map((t) => t.Name ?? ''),
    };
  });
}
