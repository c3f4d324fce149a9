/**
 * Region opt-in (ListRegions, GetRegionOptStatus, EnableRegion, DisableRegion), as AWS runs it: Regions
 * launched before 20 March 2019 are ENABLED_BY_DEFAULT and can be neither enabled nor disabled; the others
 * are opt-in, DISABLED until EnableRegion. Enabling and disabling are asynchronous: the Region is ENABLING
 * (DISABLING) for `delays.regionOptIn`, then ENABLED (DISABLED), and may not be switched again meanwhile.
 * AWS allows 6 such requests in flight per account and 50 per organization ("Quotas for AWS Account
 * Management").
 */
import type { OperationContext, OperationHandler } from '../../types.js';
import { AwsError } from '../../types.js';
import type { AccountRecord } from '../../state.js';
import { paginate } from '../../paginate.js';
import { regionOptInState } from './state.js';
import { ValidationError, targetAccount, type Input } from './target.js';

/** The commercial partition's Regions: opt-in ones (launched after 20 March 2019) are `true`. */
export const COMMERCIAL_REGIONS: Readonly<Record<string, boolean>> = {
  'af-south-1': true,
  'ap-east-1': true,
  'ap-east-2': true,
  'ap-northeast-1': false,
  'ap-northeast-2': false,
  'ap-northeast-3': false,
  'ap-south-1': false,
  'ap-south-2': true,
  'ap-southeast-1': false,
  'ap-southeast-2': false,
  'ap-southeast-3': true,
  'ap-southeast-4': true,
  'ap-southeast-5': true,
  'ap-southeast-6': true,
  'ap-southeast-7': true,
  'ca-central-1': false,
  'ca-west-1': true,
  'eu-central-1': false,
  'eu-central-2': true,
  'eu-north-1': false,
  'eu-south-1': true,
  'eu-south-2': true,
  'eu-west-1': false,
  'eu-west-2': false,
  'eu-west-3': false,
  'il-central-1': true,
  'me-central-1': true,
  'me-south-1': true,
  'mx-central-1': true,
  'sa-east-1': false,
  'us-east-1': false,
  'us-east-2': false,
  'us-west-1': false,
  'us-west-2': false,
};

const STATUSES = ['ENABLED', 'ENABLING', 'DISABLING', 'DISABLED', 'ENABLED_BY_DEFAULT'] as const;
type RegionOptStatus = (typeof STATUSES)[number];

/** In flight at once (AWS: "Number of concurrent region-opt requests per account / per organization"). */
const MAX_IN_FLIGHT_PER_ACCOUNT = 6;
const MAX_IN_FLIGHT_PER_ORGANIZATION = 50;

export const REGION_OPERATIONS: Record<string, string> = {
  '/listRegions': 'ListRegions',
  '/getRegionOptStatus': 'GetRegionOptStatus',
  '/enableRegion': 'EnableRegion',
  '/disableRegion': 'DisableRegion',
};

/** A ValidationException about the Region itself (not a shape constraint): AWS's plain message and reason. */
class RegionError extends AwsError {
  readonly fields: Record<string, unknown>;
  constructor(message: string, reason: 'fieldValidationFailed' | 'invalidRegionOptTarget') {
    super('ValidationException', message, 400);
    this.fields = { reason, fieldList: [{ name: 'regionName', message }] };
  }
}

/** The Region's status in the account now: a finished request has settled by the clock. */
function statusOf(account: AccountRecord, region: string, now: Date): RegionOptStatus {
  if (!COMMERCIAL_REGIONS[region]) return 'ENABLED_BY_DEFAULT';
  const record = account.regionOptIn?.[region];
  if (!record) return 'DISABLED';
  if (now.getTime() < Date.parse(record.settlesAt)) return record.status;
  return record.status === 'ENABLING' ? 'ENABLED' : 'DISABLED';
}

const inFlight = (account: AccountRecord, now: Date) =>
  Object.keys(account.regionOptIn ?? {}).filter((r) => ['ENABLING', 'DISABLING'].includes(statusOf(account, r, now))).length;

function regionName(input: Input): string {
  const v: unknown = input.RegionName;
  if (v === undefined || v === null) throw new ValidationError('regionName', 'Member must not be null');
  if (typeof v !== 'string') throw new ValidationError('regionName', 'Member must be a string');
  if (v.length < 1 || v.length > 50) throw new ValidationError('regionName', 'Member must have length between 1 and 50');
  if (!(v in COMMERCIAL_REGIONS)) throw new RegionError(`${v} is not a valid region for opt-in or opt-out.`, 'fieldValidationFailed');
  return v;
}

function statusFilter(input: Input): RegionOptStatus[] | undefined {
  const v: unknown = input.RegionOptStatusContains;
  if (v === undefined || v === null) return undefined;
  const valid = Array.isArray(v) && v.every((s) => (STATUSES as readonly unknown[]).includes(s));
  if (!valid) throw new ValidationError('regionOptStatusContains', `Member must satisfy enum value set: [${STATUSES.join(', ')}]`);
  return v as RegionOptStatus[];
}

/** EnableRegion and DisableRegion: only from the settled opposite state, within AWS's in-flight limits. */
function switchRegion(ctx: OperationContext, input: Input, operation: 'EnableRegion' | 'DisableRegion'): Record<string, never> {
  const region = regionName(input);
  const account = targetAccount(ctx, input, operation);
  const now = ctx.runtime.now();
  const current = statusOf(account, region, now);
  if (current === 'ENABLING' || current === 'DISABLING') {
    throw new AwsError('ConflictException', `Account ${account.id} and region ${region} is currently being enabled or disabled. Please wait until it finishes and then try again.`, 409);
  }
  const from = operation === 'EnableRegion' ? 'DISABLED' : 'ENABLED';
  if (current !== from) throw new RegionError('Unable to switch region status because of its current opt-in status.', 'invalidRegionOptTarget');
  if (inFlight(account, now) >= MAX_IN_FLIGHT_PER_ACCOUNT) {
    throw new AwsError('ConflictException', `Account ${account.id} already has ${MAX_IN_FLIGHT_PER_ACCOUNT} region opt-in or opt-out requests in progress. Please wait until one finishes and then try again.`, 409);
  }
  const org = ctx.state.organization;
  if (org?.members[account.id]) {
    const orgInFlight = Object.keys(org.members).reduce((n, id) => n + (ctx.state.accounts[id] ? inFlight(ctx.state.accounts[id], now) : 0), 0);
    if (orgInFlight >= MAX_IN_FLIGHT_PER_ORGANIZATION) {
      throw new AwsError('ConflictException', `The organization already has ${MAX_IN_FLIGHT_PER_ORGANIZATION} region opt-in or opt-out requests in progress. Please wait until one finishes and then try again.`, 409);
    }
  }
  regionOptInState(account)[region] = {
    status: operation === 'EnableRegion' ? 'ENABLING' : 'DISABLING',
    settlesAt: new Date(now.getTime() + ctx.runtime.delays.regionOptIn).toISOString(),
  };
  return {};
}

export const regionHandlers: Record<string, OperationHandler> = {
  ListRegions(ctx, input: Input) {
    const filter = statusFilter(input);
    if (typeof input.NextToken === 'string' && input.NextToken.length > 1000) {
      throw new ValidationError('nextToken', 'Member must have length less than or equal to 1000');
    }
    const account = targetAccount(ctx, input, 'ListRegions');
    const now = ctx.runtime.now();
    const regions = Object.keys(COMMERCIAL_REGIONS)
      .sort()
      .map((name) => ({ RegionName: name, RegionOptStatus: statusOf(account, name, now) }))
      .filter((r) => !filter || filter.includes(r.RegionOptStatus));
    const page = paginate(regions, {
      token: input.NextToken,
      limit: input.MaxResults,
      maxPage: 50,
      limitName: 'maxResults',
      invalid: (message) => new AwsError('ValidationException', message, 400),
    });
    return { Regions: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  },

  GetRegionOptStatus(ctx, input: Input) {
    const region = regionName(input);
    const account = targetAccount(ctx, input, 'GetRegionOptStatus');
    return { RegionName: region, RegionOptStatus: statusOf(account, region, ctx.runtime.now()) };
  },

  EnableRegion: (ctx, input: Input) => switchRegion(ctx, input, 'EnableRegion'),
  DisableRegion: (ctx, input: Input) => switchRegion(ctx, input, 'DisableRegion'),
};
