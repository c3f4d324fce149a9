import {
  DisableRegionCommand,
  EnableRegionCommand,
  GetRegionOptStatusCommand,
  paginateListRegions,
  type AccountClient,
  type RegionOptStatus,
} from '@aws-sdk/client-account';
import * as z from 'zod';
import { isError } from '../aws/aws-errors.js';
import { defineAccountKind } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import type { Change, InProgress, Unmanaged } from '../core/plan.js';
import { LzError } from '../errors.js';
import { rule } from '../manifest/schema.js';
import { accountSection } from '../manifest/sections.js';
import { regionsAllowedFor } from './organization-policies/region-guardrail.js';
import { suggest } from '../manifest/suggest.js';
import type { ResolvedAccount } from '../manifest/types.js';

export const OPT_IN_REGIONS_KIND = 'opt-in-regions';

/** `Production.opt-in-regions.af-south-1` */
export const optInRegionAddress = (account: string, region: string) => `${account}.${OPT_IN_REGIONS_KIND}.${region}`;

/**
 * The commercial partition's opt-in Regions: those launched after 20 March 2019, disabled in an account
 * until someone enables them (AWS Account Management, "Enable or disable AWS Regions in your account").
 */
export const OPT_IN_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
] as const;

/** The Regions launched before 20 March 2019: enabled in every account, and AWS lets nobody disable them. */
export const DEFAULT_REGIONS = [
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
] as const;

const isOptIn = (region: string) => (OPT_IN_REGIONS as readonly string[]).includes(region);

// ---------------------------------------------------------------------------------------------- the file

const optInRegionName = z
  .string()
  .superRefine((region, ctx) => {
    if (isOptIn(region)) return;
    if ((DEFAULT_REGIONS as readonly string[]).includes(region)) {
      ctx.addIssue({ code: 'custom', message: rule('is enabled by default in every account: it needs no opt-in (and AWS lets nobody disable it)', 'remove it from optInRegions') });
      return;
    }
    const guess = suggest(region, OPT_IN_REGIONS);
    ctx.addIssue({
      code: 'custom',
      message: rule('is not an opt-in Region of the aws partition', guess ? `did you mean ${guess}? The opt-in Regions: ${OPT_IN_REGIONS.join(', ')}` : `use one of ${OPT_IN_REGIONS.join(', ')}`),
    });
  })
  .meta({ enum: [...OPT_IN_REGIONS] });

export const optInRegionsSchema = z
  .array(optInRegionName)
  .superRefine((regions, ctx) => {
    regions.forEach((region, i) => {
      if (regions.indexOf(region) !== i) ctx.addIssue({ code: 'custom', path: [i], input: region, message: rule(`is listed twice (first as entry ${regions.indexOf(region)})`, 'remove the second one') });
    });
  })
  .describe('Opt-in Regions enabled in the account (EnableRegion); others it has enabled are reported, and disabled with --prune.');

/** `optInRegions` under `defaults` or an account; an account's list replaces the defaults', `null` switches it off. */
export const optInRegionsSection = accountSection({
  key: 'optInRegions',
  schema: optInRegionsSchema,
  inherit: 'replace',
  resolve: (regions) => [...regions].sort(),
  factorable: true,
  summary: (regions) => (regions.length > 0 ? [`regions(${regions.length})`] : []),
  // Enabling a Region that the file's own Region guardrail denies opens a Region nobody may use.
  check: ({ accounts, manifest, report }) => {
    for (const account of accounts) {
      const allowed = regionsAllowedFor(manifest, account);
      const denied = (optInRegionsSection.of(account) ?? []).filter((r) => allowed && !allowed.has(r));
      if (denied.length === 0) continue;
      report(account, ['optInRegions'], {
        code: 'regions.denied-by-guardrail',
        message: `${denied.join(', ')} ${denied.length === 1 ? 'is' : 'are'} enabled in ${account.name} but denied there by the allowed-regions guardrail (it allows ${[...allowed!].join(', ') || 'no Region'})`,
        hint: 'add the Region to the guardrail\'s regions, or remove it from optInRegions',
      });
    }
  },
});

/** The opt-in Regions the file enables in `account`, sorted; undefined when it says nothing (or null). */
export function optInRegionsOf(account: ResolvedAccount): string[] | undefined {
  return optInRegionsSection.of(account);
}

// ---------------------------------------------------------------------------------------------- the kind

/** What the account's opt-in Regions are, by name; a Region absent is DISABLED. */
export type RegionStatuses = Record<string, RegionOptStatus>;

/** The statuses read: every opt-in Region not (settled) DISABLED. */
const READ_STATUSES: RegionOptStatus[] = ['ENABLED', 'ENABLING', 'DISABLING'];

const ASYNC = 'AWS completes it asynchronously (minutes, sometimes hours)';
const ASYNC_NOTE = `${ASYNC}; lz does not wait`;

/** Apply's instruction: enable or disable one Region. */
const payload = z.strictObject({ region: z.string(), enable: z.boolean() });
type Payload = z.output<typeof payload>;

/**
 * Opt-in Regions. Read and switched inside each account with its own credentials (no AccountId), so the
 * Account API's quota is the account's own and no trusted access is needed. Read only in accounts whose
 * file entry says `optInRegions` (and in `lz import`): other accounts cost no call. Enabling and disabling
 * are asynchronous on AWS; lz starts them and does not wait, and a Region on its way (ENABLING, DISABLING)
 * is no drift.
 */
export const optInRegions = defineAccountKind<string[], RegionStatuses, Payload>({
  kind: OPT_IN_REGIONS_KIND,
  permissions: { account: [reads('account:ListRegions', 'account:GetRegionOptStatus'), writes('account:EnableRegion', 'account:DisableRegion')] },
  sections: [optInRegionsSection],
  payload,

  desired: (account) => optInRegionsOf(account),

  async read(ctx, want) {
    if (!want && !ctx.importing) return undefined;
    return readStatuses(ctx.clients.account);
  },

  diff(want, have = {}, { account, prune }) {
    if (!want) return { changes: [], unmanaged: [] };
    const changes: Change<Payload>[] = [];
    const unmanaged: Unmanaged[] = [];
    const inProgress: InProgress[] = [];
    const base = (region: string) => ({ address: optInRegionAddress(account.name, region), kind: OPT_IN_REGIONS_KIND, account: account.name });
    const underWay = (region: string) => ({ address: optInRegionAddress(account.name, region), kind: OPT_IN_REGIONS_KIND });
    for (const region of want) {
      const status = have[region];
      if (status === 'ENABLED') continue;
      if (status === 'ENABLING') {
        inProgress.push({ ...underWay(region), description: `opt-in Region ${region} on account ${account.name} is being enabled: ${ASYNC}` });
        continue;
      }
      const after = { region, status: 'ENABLED', note: ASYNC_NOTE };
      if (status === 'DISABLING') {
        // AWS refuses to enable it until the disabling has finished; apply says so if it has not.
        changes.push({ ...base(region), action: 'update', before: { region, status }, after, fields: [{ field: 'status', before: status, after: 'ENABLED' }], payload: { region, enable: true } });
      } else {
        changes.push({ ...base(region), action: 'create', before: null, after, payload: { region, enable: true } });
      }
    }
    for (const [region, status] of Object.entries(have)) {
      if (want.includes(region)) continue;
      if (status === 'DISABLING') {
        inProgress.push({ ...underWay(region), description: `opt-in Region ${region} on account ${account.name} is being disabled; accounts.yaml does not list it` });
        continue;
      }
      const { address } = base(region);
      if (status === 'ENABLING') {
        unmanaged.push({ address, kind: OPT_IN_REGIONS_KIND, description: `opt-in Region ${region} on account ${account.name} is being enabled; accounts.yaml does not list it (once it is ENABLED, --prune disables it)` });
      } else if (prune) {
        changes.push({ ...base(region), action: 'delete', before: { region, status, note: 'AWS disables it asynchronously; its resources become unreachable' }, after: null, payload: { region, enable: false } });
      } else {
        unmanaged.push({ address, kind: OPT_IN_REGIONS_KIND, description: `opt-in Region ${region} is enabled on account ${account.name}; accounts.yaml does not list it`, prunable: true });
      }
    }
    return { changes, unmanaged, ...(inProgress.length > 0 ? { inProgress } : {}) };
  },

  // For `lz import`: the opt-in Regions enabled or on their way.
  toManifest(have) {
    const enabled = Object.entries(have).filter(([, s]) => s === 'ENABLED' || s === 'ENABLING').map(([r]) => r).sort();
    return enabled.length > 0 ? { [optInRegionsSection.key]: enabled } : undefined;
  },

  async apply(ctx, { account, payload: { region, enable } }) {
    const api = ctx.clients.account;
    ctx.progress(account ?? ctx.accountId, `${enable ? 'enabling' : 'disabling'} Region ${region} (${ASYNC_NOTE})`);
    try {
      await api.send(enable ? new EnableRegionCommand({ RegionName: region }) : new DisableRegionCommand({ RegionName: region }));
    } catch (err) {
      // A re-run after a crash: AWS refuses to switch a Region already where we want it, and answers
      // ConflictException while it is on its way. Anything else (on its way the other way, too many
      // switches in flight) is a failure.
      if (isError(err, 'ValidationException') && (err as { reason?: string }).reason === 'invalidRegionOptTarget') return;
      if (!isError(err, 'ConflictException')) throw err;
      const status = (await api.send(new GetRegionOptStatusCommand({ RegionName: region }))).RegionOptStatus;
      if (status === (enable ? 'ENABLING' : 'DISABLING')) return;
      throw new LzError('regions.in-progress', `cannot ${enable ? 'enable' : 'disable'} Region ${region} in account ${account ?? ctx.accountId} now: it is ${status ?? 'changing'} (${(err as Error).message})`, {
        hint: 'AWS lets one switch of a Region finish before the next, and allows 6 in flight per account (50 per organization); run lz apply again later',
        cause: err,
      });
    }
  },
});

async function readStatuses(api: AccountClient): Promise<RegionStatuses> {
  const out: RegionStatuses = {};
  for await (const page of paginateListRegions({ client: api, pageSize: 50 }, { RegionOptStatusContains: READ_STATUSES })) {
    for (const r of page.Regions ?? []) if (r.RegionName && r.RegionOptStatus && isOptIn(r.RegionName)) out[r.RegionName] = r.RegionOptStatus;
  }
  return out;
}
