/**
 * CloudTrail's event history: what a service records when it is called (recordManagementEvent) and
 * LookupEvents, which reads it. Only the calls lz needs to look back on are recorded (Organizations'
 * CloseAccount: lz counts the organization's closures over the rolling 30 days with it), and only the
 * accepted ones. Events are kept 90 days, as AWS keeps the event history.
 */
import type { AccountRecord } from '../../state.js';
import type { Caller, OperationContext, OperationHandler } from '../../types.js';
import { AwsError } from '../../types.js';
import { eventHistory, type ManagementEventRecord } from './state.js';

export const EVENT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
const MAX_RESULTS = 50;
const ATTRIBUTE_KEYS = ['EventId', 'EventName', 'ReadOnly', 'Username', 'ResourceType', 'ResourceName', 'EventSource', 'AccessKeyId'] as const;
type AttributeKey = (typeof ATTRIBUTE_KEYS)[number];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON, validated member by member
type Input = Record<string, any>;

export interface ManagementEvent {
  eventName: string;
  eventSource: string;
  requestParameters: Record<string, unknown>;
  resources: { ResourceType: string; ResourceName: string }[];
}

/** The CloudTrail userIdentity of a caller, and the Username LookupEvents shows for it. */
function identityOf(caller: Caller): { userIdentity: Record<string, unknown>; username: string } {
  if (caller.kind === 'root') {
    return { userIdentity: { type: 'Root', principalId: caller.accountId, arn: caller.arn, accountId: caller.accountId, accessKeyId: caller.accessKeyId }, username: 'root' };
  }
  if (caller.kind === 'user') {
    return {
      userIdentity: { type: 'IAMUser', principalId: caller.accessKeyId, arn: caller.arn, accountId: caller.accountId, accessKeyId: caller.accessKeyId, userName: caller.principalName },
      username: caller.principalName,
    };
  }
  const session = caller.arn.split('/').pop() ?? '';
  return {
    userIdentity: {
      type: 'AssumedRole',
      principalId: `${caller.accessKeyId}:${session}`,
      arn: caller.arn,
      accountId: caller.accountId,
      accessKeyId: caller.accessKeyId,
      sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${caller.accountId}:role/${caller.principalName}`, accountId: caller.accountId, userName: caller.principalName } },
    },
    username: session,
  };
}

/**
 * Records a call in `account`'s event history in `region` (a global service such as Organizations logs in
 * us-east-1, whatever Region the client named).
 */
export function recordManagementEvent(ctx: OperationContext, account: AccountRecord, region: string, event: ManagementEvent): void {
  const now = ctx.runtime.now();
  const eventId = [8, 4, 4, 4, 12].map((n) => ctx.runtime.randomId(n, '0123456789abcdef')).join('-');
  const { userIdentity, username } = identityOf(ctx.caller);
  const record = {
    eventVersion: '1.11',
    userIdentity,
    eventTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: event.eventSource,
    eventName: event.eventName,
    awsRegion: region,
    sourceIPAddress: '127.0.0.1',
    userAgent: ctx.headers['user-agent'] ?? '',
    requestParameters: event.requestParameters,
    responseElements: null,
    requestID: ctx.requestId,
    eventID: eventId,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account.id,
    eventCategory: 'Management',
  };
  const history = eventHistory(account, region).filter((e) => now.getTime() - Date.parse(e.eventTime) <= EVENT_RETENTION_MS);
  history.push({
    eventId,
    eventName: event.eventName,
    eventTime: now.toISOString(),
    eventSource: event.eventSource,
    username,
    accessKeyId: ctx.caller.accessKeyId,
    readOnly: false,
    resources: event.resources,
    cloudTrailEvent: JSON.stringify(record),
  });
  account.cloudtrailEvents![region] = history;
}

function attributeValue(e: ManagementEventRecord, key: AttributeKey): string[] {
  switch (key) {
    case 'EventId': return [e.eventId];
    case 'EventName': return [e.eventName];
    case 'ReadOnly': return [String(e.readOnly)];
    case 'Username': return [e.username];
    case 'ResourceType': return e.resources.map((r) => r.ResourceType);
    case 'ResourceName': return e.resources.map((r) => r.ResourceName);
    case 'EventSource': return [e.eventSource];
    case 'AccessKeyId': return [e.accessKeyId];
  }
}

function lookupAttribute(input: Input): { key: AttributeKey; value: string } | undefined {
  const attrs: unknown = input.LookupAttributes;
  if (attrs === undefined || attrs === null) return undefined;
  if (!Array.isArray(attrs)) throw new AwsError('InvalidLookupAttributesException', 'LookupAttributes must be a list.', 400);
  if (attrs.length === 0) return undefined;
  if (attrs.length > 1) throw new AwsError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.', 400);
  const { AttributeKey: key, AttributeValue: value } = (attrs[0] ?? {}) as { AttributeKey?: unknown; AttributeValue?: unknown };
  if (!(ATTRIBUTE_KEYS as readonly unknown[]).includes(key)) {
    throw new AwsError('InvalidLookupAttributesException', `Invalid attribute key: ${String(key)}. Valid keys: ${ATTRIBUTE_KEYS.join(', ')}.`, 400);
  }
  if (typeof value !== 'string' || value.length < 1 || value.length > 2000) {
    throw new AwsError('InvalidLookupAttributesException', 'AttributeValue must be between 1 and 2000 characters.', 400);
  }
  return { key: key as AttributeKey, value };
}

/** A time member (awsJson sends epoch seconds); undefined when absent. */
function time(input: Input, member: string): number | undefined {
  const v: unknown = input[member];
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'number' ? v * 1000 : Date.parse(String(v));
  if (!Number.isFinite(ms)) throw new AwsError('InvalidTimeRangeException', `${member} is not a valid timestamp.`, 400);
  return ms;
}

const TOKEN_PREFIX = 'lzsbxct1.';

/** Tokens carry the offset and the query they belong to: AWS refuses a token sent with other parameters. */
function encodeToken(offset: number, query: string): string {
  return TOKEN_PREFIX + Buffer.from(JSON.stringify({ o: offset, q: query })).toString('base64url');
}

function decodeToken(token: unknown, query: string): number {
  const invalid = new AwsError('InvalidNextTokenException', 'Invalid NextToken. The token is not valid or was issued for a request with different parameters.', 400);
  if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX)) throw invalid;
  try {
    const { o, q } = JSON.parse(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8')) as { o?: unknown; q?: unknown };
    if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || q !== query) throw invalid;
    return o;
  } catch {
    throw invalid;
  }
}

export const lookupEvents: OperationHandler = (ctx, input: Input) => {
  const attribute = lookupAttribute(input);
  const start = time(input, 'StartTime');
  const end = time(input, 'EndTime');
  if (start !== undefined && end !== undefined && start > end) {
    throw new AwsError('InvalidTimeRangeException', 'Start time must not be after end time.', 400);
  }
  if (input.EventCategory !== undefined && input.EventCategory !== null && input.EventCategory !== 'insight') {
    throw new AwsError('InvalidEventCategoryException', `Invalid event category: ${String(input.EventCategory)}.`, 400);
  }
  let limit = MAX_RESULTS;
  if (input.MaxResults !== undefined && input.MaxResults !== null) {
    const n = Number(input.MaxResults);
    if (!Number.isInteger(n) || n < 1 || n > MAX_RESULTS) throw new AwsError('InvalidMaxResultsException', `MaxResults must be between 1 and ${MAX_RESULTS}.`, 400);
    limit = n;
  }
  const query = JSON.stringify([attribute, start, end, input.EventCategory ?? null]);
  const offset = input.NextToken === undefined || input.NextToken === null ? 0 : decodeToken(input.NextToken, query);

  const now = ctx.runtime.now().getTime();
  const account = ctx.state.accounts[ctx.caller.accountId];
  // No Insights events are modelled: asking for them finds none.
  const history = account && input.EventCategory !== 'insight' ? (account.cloudtrailEvents?.[ctx.region] ?? []) : [];
  const matching = history
    .filter((e) => {
      const t = Date.parse(e.eventTime);
      if (now - t > EVENT_RETENTION_MS) return false;
      if (start !== undefined && t < start) return false;
      if (end !== undefined && t > end) return false;
      return !attribute || attributeValue(e, attribute.key).includes(attribute.value);
    })
    .reverse();
  const page = matching.slice(offset, offset + limit);
  return {
    Events: page.map((e) => ({
      EventId: e.eventId,
      EventName: e.eventName,
      ReadOnly: String(e.readOnly),
      AccessKeyId: e.accessKeyId,
      EventTime: new Date(e.eventTime),
      EventSource: e.eventSource,
      Username: e.username,
      Resources: e.resources,
      CloudTrailEvent: e.cloudTrailEvent,
    })),
    NextToken: offset + limit < matching.length ? encodeToken(offset + limit, query) : undefined,
  };
};
