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
import * as z from 'zod';
import { ignoreCodes } from '../aws/aws-errors.js';
import type { AccountClients } from '../aws/context.js';
import { defineOrganizationKind, postureOutcome, type AccountReadContext, type PostureCheck, type PostureOutcome } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import type { Change, Unmanaged } from '../core/plan.js';
import { MANAGED_BY_TAG, fieldDiff, hasManagedByTag } from '../core/reconcile.js';
import { LzError } from '../errors.js';
import { bucketAddress, bucketPolicyAddress } from './delivery-buckets.js';
import { CLOUDTRAIL_PRINCIPAL, readModel, servicesModel, tolerantRead, trailSection } from './organization-services.js';
import { serviceAccessAddress } from './trusted-access.js';

export const trailAddress = (name: string) => `trail:${name}`;
export const TRAIL_TAG_VALUE = 'organization-trail';

/** `organization.trail`. */

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
  /** The trail the file names, when it exists. */
  trail?: LiveTrail;
  /** The management account's other trails that lz made. */
  leftovers: LiveTrail[];
  /** The management account's trails lz did not make (no `lz:managed` tag), by name: never lz's to touch. */
  others?: { name: string; bucket: string }[];
}

/** What CreateTrail and UpdateTrail are sent. */
const trailConfig = z.strictObject({
  name: z.string(),
  bucket: z.string(),
  organizationTrail: z.boolean(),
  multiRegion: z.boolean(),
  globalServiceEvents: z.boolean(),
  logFileValidation: z.boolean(),
});

/**
 * Apply's instruction. `put`: CreateTrail (adopting one an interrupted run made), UpdateTrail, or neither
 * when only logging is off; then StartLogging either way (the file always wants it logging, and starting
 * a logging trail is harmless). `delete`: DeleteTrail of a leftover lz made.
 */
const payload = z.union([
  z.strictObject({ put: trailConfig, settings: z.enum(['create', 'update', 'unchanged']) }),
  z.strictObject({ delete: z.strictObject({ arn: z.string() }) }),
]);
type Payload = z.output<typeof payload>;

const WANT: Omit<TrailSettings, 'bucket'> = { organizationTrail: true, multiRegion: true, globalServiceEvents: true, logFileValidation: true, logging: true };

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

/** The Region in a trail's ARN: its home Region. */
const arnRegion = (arn: string) => arn.split(':')[3] ?? '';

/**
 * The trails among `arns` that carry lz's tag. ListTags answers only for trails homed in the Region it is
 * asked in (CloudTrailARNInvalidException for the others, which DescribeTrails shows everywhere when they
 * are multi-Region), so each trail's tags are read in its home Region.
 */
async function tagged(clients: AccountClients, arns: string[]): Promise<Set<string>> {
  const byRegion = new Map<string, string[]>();
  for (const arn of arns) byRegion.set(arnRegion(arn), [...(byRegion.get(arnRegion(arn)) ?? []), arn]);
  const out = new Set<string>();
  await Promise.all(
    [...byRegion].map(async ([region, inRegion]) => {
      const ct = clients.cloudtrailIn(region);
      for (let i = 0; i < inRegion.length; i += 20) {
        const page = await ct.send(new ListTagsCommand({ ResourceIdList: inRegion.slice(i, i + 20) }));
        for (const r of page.ResourceTagList ?? []) if (r.ResourceId && hasManagedByTag(r.TagsList)) out.add(r.ResourceId);
      }
    }),
  );
  return out;
}

/**
 * The organization trail, in the management account: multi-Region, global service events, log file
 * validation, delivering to the log archive bucket, and logging. CreateTrail needs trusted access for
 * cloudtrail.amazonaws.com and the bucket policy first (dependsOn); a trail whose logging was stopped is
 * started again (StartLogging), one whose settings drifted is updated (UpdateTrail).
 */
export const organizationTrail = defineOrganizationKind<TrailsRead, Payload>({
  kind: 'trail',
  permissions: {
    management: [
      reads('cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:ListTags'),
      writes('cloudtrail:CreateTrail', 'cloudtrail:UpdateTrail', 'cloudtrail:StartLogging', 'cloudtrail:DeleteTrail'),
      { ...writes('cloudtrail:AddTags'), madeByAws: 'CreateTrail with TagsList (the lz:managed tag) is also authorized as cloudtrail:AddTags, tag-on-create' },
      {
        ...writes('iam:GetRole', 'iam:CreateServiceLinkedRole'),
        madeByAws: "CreateTrail of an organization trail checks CloudTrail's service-linked role with the caller's permissions (CloudTrail User Guide, \"Prepare for creating a trail for your organization\")",
      },
    ],
    // The posture checks: the trail as each account sees it.
    account: [reads('cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus')],
  },
  sections: [trailSection],
  payload,

  async read(ctx) {
    const model = readModel(ctx);
    const ct = ctx.aws.management.cloudtrail;
    return tolerantRead<TrailsRead>(
      ctx,
      Boolean(model.trail),
      'cloudtrail trails',
      async () => {
        // One DescribeTrails lists every trail of the management account visible here (multi-Region ones from any home region).
        const own = ((await ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? []).filter((t) => t.TrailARN?.includes(`:${model.managementId}:trail/`));
        const lz = await tagged(ctx.aws.management, own.map((t) => t.TrailARN!));
        const named = model.trail ? own.find((t) => t.Name === model.trail!.name) : undefined;
        const leftovers = own.filter((t) => t !== named && lz.has(t.TrailARN!));
        const others = own.filter((t) => t !== named && !lz.has(t.TrailARN!)).map((t) => ({ name: t.Name ?? '', bucket: t.S3BucketName ?? '' }));
        const [trail, ...rest] = await Promise.all(
          [named, ...leftovers].map(async (t) => (t ? fromAws(t, await isLogging(ct, t.TrailARN!), lz.has(t.TrailARN!)) : undefined)),
        );
        return { ...(trail ? { trail } : {}), leftovers: rest.filter((t): t is LiveTrail => Boolean(t)), others };
      },
      { leftovers: [] },
    );
  },

  plan(input, live) {
    const model = servicesModel(input);
    const changes: Change<Payload>[] = [];
    const unmanaged: Unmanaged[] = [];
    if (model.trail) {
      const want = { name: model.trail.name, bucket: model.trail.bucket, ...WANT };
      const { logging: _logging, ...config } = want;
      const dependsOn = [serviceAccessAddress(CLOUDTRAIL_PRINCIPAL), bucketAddress(model.trail.bucket), bucketPolicyAddress(model.trail.bucket)];
      const have = live?.trail;
      if (!have) {
        changes.push({ address: trailAddress(want.name), kind: 'trail', action: 'create', before: null, after: want, payload: { put: config, settings: 'create' }, dependsOn });
      } else {
        if (have.homeRegion && have.homeRegion !== input.region) {
          throw new LzError('trail-home-region', `Trail ${have.name} was made in ${have.homeRegion}; CloudTrail changes it only from its home region.`, {
            hint: `Run lz with --region ${have.homeRegion} (or AWS_REGION=${have.homeRegion}).`,
          });
        }
        const { name: _n, arn: _a, homeRegion: _h, lz: _l, ...settings } = have;
        const { name: _w, ...wantSettings } = want;
        const fields = fieldDiff(wantSettings, settings);
        const onlyLogging = fields.every((f) => f.field === 'logging');
        if (fields.length > 0) {
          const put = { put: config, settings: onlyLogging ? 'unchanged' : 'update' } as const;
          changes.push({ address: trailAddress(want.name), kind: 'trail', action: 'update', before: settings, after: want, fields, payload: put, dependsOn });
        }
      }
    }
    for (const left of live?.leftovers ?? []) {
      if (input.prune) {
        changes.push({ address: trailAddress(left.name), kind: 'trail', action: 'delete', before: { name: left.name, arn: left.arn, bucket: left.bucket }, after: null, payload: { delete: { arn: left.arn } } });
      } else {
        unmanaged.push({ address: trailAddress(left.name), kind: 'trail', description: `CloudTrail trail ${left.name} (made by lz; accounts.yaml asks for no such trail; --prune deletes it, its logs stay in ${left.bucket})`, prunable: true });
      }
    }
    return { changes, unmanaged };
  },

  // Import writes back the trail lz made (tagged): the one the file names, else the first leftover by name
  // (any other is then a leftover --prune deletes, which import reports). A trail lz did not make is left
  // out even when its settings are lz's: writing it would hand its bucket's policy and tags to lz.
  toManifest(live) {
    const mine = live?.trail?.lz ? live.trail : [...(live?.leftovers ?? [])].sort((a, b) => a.name.localeCompare(b.name))[0];
    return mine ? trailSection.fields({ name: mine.name, bucket: mine.bucket }) : undefined;
  },

  importNotes(live) {
    const others = [...(live?.others ?? []), ...(live?.trail && !live.trail.lz ? [live.trail] : [])];
    return others.map(
      (t) =>
        `CloudTrail trail ${t.name} (bucket ${t.bucket}) was not made by lz (no ${MANAGED_BY_TAG} tag), so it is not in the file; ` +
        `to have lz keep it, write organization.trail: { name: ${t.name}, bucket: ${t.bucket} } and review what lz plan would change on it and its bucket`,
    );
  },

  async apply(ctx, { payload: p }) {
    const ct = ctx.aws.management.cloudtrail;
    if ('delete' in p) {
      // A trail is deleted from its home Region only (InvalidHomeRegionException elsewhere).
      await ignoreCodes(ctx.aws.management.cloudtrailIn(arnRegion(p.delete.arn)).send(new DeleteTrailCommand({ Name: p.delete.arn })), ['TrailNotFoundException']);
      return;
    }
    const want = p.put;
    const settings = {
      Name: want.name,
      S3BucketName: want.bucket,
      IsOrganizationTrail: want.organizationTrail,
      IsMultiRegionTrail: want.multiRegion,
      IncludeGlobalServiceEvents: want.globalServiceEvents,
      EnableLogFileValidation: want.logFileValidation,
    };
    if (p.settings === 'create') {
      const created = await ignoreCodes(ct.send(new CreateTrailCommand({ ...settings, TagsList: [{ Key: MANAGED_BY_TAG, Value: TRAIL_TAG_VALUE }] })), ['TrailAlreadyExistsException']);
      // Made by an earlier, interrupted run: bring its settings in line instead.
      if (!created) await ct.send(new UpdateTrailCommand(settings));
    } else if (p.settings === 'update') {
      await ct.send(new UpdateTrailCommand(settings));
    }
    await ct.send(new StartLoggingCommand({ Name: want.name }));
  },

  posture: trailChecks(),
});

/** CIS 3.1 / Security Hub CloudTrail.1 and CloudTrail.4, as one account sees them. */
interface TrailPosture {
  /** Multi-Region trails visible in the account that are logging (an organization trail counts in every member). */
  loggingMultiRegion: { name: string; logFileValidation: boolean }[];
  /** Multi-Region trails visible in the account that are not logging. */
  stopped: string[];
}

/**
 * What CloudTrail looks like from inside one account (DescribeTrails, GetTrailStatus of each multi-Region
 * trail; memoized per account), for `lz drift`'s posture checks.
 */
function trailPosture(ctx: AccountReadContext): Promise<TrailPosture> {
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

/** Evaluated in every account, and only when the file asks for an organization trail. */
function trailChecks(): PostureCheck<undefined>[] {
  const whenTrail = (evaluate: (trails: TrailPosture) => PostureOutcome): PostureCheck<undefined>['evaluate'] =>
    async ({ manifest, ctx }) => (trailSection.of(manifest)?.enabled ? evaluate(await trailPosture(ctx)) : undefined);
  return [
    {
      id: 'cloudtrail',
      cis: '3.1',
      control: 'CloudTrail.1',
      title: 'A multi-Region CloudTrail trail is logging (the organization trail covers every account)',
      evaluate: whenTrail((trails) => {
        const logging = trails.loggingMultiRegion.map((t) => t.name);
        return postureOutcome(
          logging.length > 0 ? [] : ['cloudtrail'],
          `multi-Region trail logging: ${logging.join(', ')}`,
          trails.stopped.length > 0 ? `multi-Region trail not logging: ${trails.stopped.join(', ')}` : 'no multi-Region trail',
        );
      }),
    },
    {
      id: 'cloudtrail-log-file-validation',
      cis: '3.2',
      control: 'CloudTrail.4',
      title: 'CloudTrail log file validation is enabled',
      evaluate: whenTrail((trails) => {
        const logging = trails.loggingMultiRegion.length > 0;
        const unvalidated = trails.loggingMultiRegion.filter((t) => !t.logFileValidation).map((t) => t.name);
        return postureOutcome(
          logging ? unvalidated : ['cloudtrail'],
          'log file validation is on',
          logging ? `trails without log file validation: ${unvalidated.join(', ')}` : 'no multi-Region trail is logging',
        );
      }),
    },
  ];
}
