import { paginate } from '../../paginate.js';
import type { OperationContext, OperationHandler, SandboxService } from '../../types.js';
import type { Input } from './access.js';
import { constraintMessage, directoryErrors } from './errors.js';
import { addDirectoryGroup, identityCenter } from './state.js';
import type { DirectoryGroup, DirectoryUser, IdentityCenterState } from './state.js';

/**
 * Identity Store (awsJson1_1, signing name `identitystore`, `AWSIdentityStore.*`): the users and groups of
 * the Identity Center instance's own directory (an external identity source and SCIM are not modelled).
 * Errors carry the RequestId, and ResourceNotFoundException the ResourceType and ResourceId, as AWS's do.
 */

const IDENTITY_STORE_ID_RE = /^d-[0-9a-f]{10}$|^[0-9a-f]{8}\b-[0-9a-f]{4}\b-[0-9a-f]{4}\b-[0-9a-f]{4}\b-[0-9a-f]{12}$|^d-[0-9a-z]{10}$/;
const RESOURCE_ID_RE = /^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/;
const DISPLAY_NAME_RE = /^[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r\u00a0 \u3000]+$/u;

function str(ctx: OperationContext, input: Input, name: string, opts: { required?: boolean; min?: number; max?: number; pattern?: RegExp } = {}): string | undefined {
  const v: unknown = input[name];
  const path = name.charAt(0).toLowerCase() + name.slice(1);
  if (v === undefined || v === null) {
    if (opts.required) throw directoryErrors.validation(constraintMessage(undefined, path, ''), ctx.requestId);
    return undefined;
  }
  if (typeof v !== 'string') throw directoryErrors.validation(`Value at '${path}' must be a string`, ctx.requestId);
  const min = opts.min ?? 1;
  const max = opts.max ?? 1024;
  if (v.length < min || v.length > max) throw directoryErrors.validation(constraintMessage(v, path, `Member must have length between ${min} and ${max}`), ctx.requestId);
  if (opts.pattern && !opts.pattern.test(v)) throw directoryErrors.validation(constraintMessage(v, path, `Member must satisfy regular expression pattern: ${opts.pattern.source}`), ctx.requestId);
  return v;
}

/** The identity store the request names, once the caller may read it (the management account, the instance's Region). */
function storeOf(ctx: OperationContext, input: Input): IdentityCenterState {
  const id = str(ctx, input, 'IdentityStoreId', { required: true, min: 1, max: 36, pattern: IDENTITY_STORE_ID_RE })!;
  const ic = identityCenter(ctx.state, ctx.runtime.now());
  if (ic && ic.identityStoreId === id && ctx.caller.accountId !== ic.ownerAccountId) {
    throw directoryErrors.accessDenied(`User: ${ctx.caller.arn} is not authorized to perform this action on identity store ${id}.`, ctx.requestId);
  }
  if (!ic || ic.identityStoreId !== id || ctx.region !== ic.region) throw directoryErrors.notFound('IDENTITY_STORE', id, `Identity store ${id} not found.`, ctx.requestId);
  return ic;
}

function userShape(ic: IdentityCenterState, u: DirectoryUser) {
  return { IdentityStoreId: ic.identityStoreId, UserId: u.UserId, UserName: u.UserName, DisplayName: u.DisplayName, Name: u.Name, Emails: u.Emails };
}

function groupShape(ic: IdentityCenterState, g: DirectoryGroup) {
  return { IdentityStoreId: ic.identityStoreId, GroupId: g.GroupId, DisplayName: g.DisplayName, Description: g.Description };
}

function page<T>(ctx: OperationContext, items: readonly T[], input: Input): { items: T[]; NextToken?: string } {
  const p = paginate(items, { token: input.NextToken, limit: input.MaxResults, maxPage: 100, limitName: 'maxResults', invalid: (m) => directoryErrors.validation(m, ctx.requestId) });
  return { items: p.items, NextToken: p.nextToken };
}

/**
 * The value an AlternateIdentifier's UniqueAttribute names (`displayName` for groups, `userName` for
 * users); an ExternalId finds nothing, the directory holding no external ids.
 */
function uniqueAttribute(ctx: OperationContext, input: Input, expectedPath: string): string | undefined {
  const alt = input.AlternateIdentifier as Input | undefined;
  if (!alt || typeof alt !== 'object') throw directoryErrors.validation(constraintMessage(undefined, 'alternateIdentifier', ''), ctx.requestId);
  if (alt.ExternalId) return undefined;
  const unique = alt.UniqueAttribute as Input | undefined;
  if (!unique || typeof unique !== 'object') throw directoryErrors.validation('AlternateIdentifier must be an ExternalId or a UniqueAttribute.', ctx.requestId);
  const path = str(ctx, unique, 'AttributePath', { required: true, max: 255 })!;
  if (path.toLowerCase() !== expectedPath.toLowerCase()) {
    throw directoryErrors.validation(`Invalid attribute path ${path}: the unique attribute must be ${expectedPath}.`, ctx.requestId);
  }
  const value: unknown = unique.AttributeValue;
  if (typeof value !== 'string') throw directoryErrors.validation('AttributeValue must be a string.', ctx.requestId);
  return value;
}

/** The deprecated Filters of ListUsers / ListGroups: at most one, on UserName / DisplayName. */
function filterValue(ctx: OperationContext, input: Input, attribute: string): string | undefined {
  const filters: unknown = input.Filters;
  if (filters === undefined || filters === null) return undefined;
  if (!Array.isArray(filters) || filters.length > 1) throw directoryErrors.validation(constraintMessage('[...]', 'filters', 'Member must have length less than or equal to 1'), ctx.requestId);
  if (filters.length === 0) return undefined;
  const f = filters[0] as Input;
  const path = str(ctx, f, 'AttributePath', { required: true, max: 255 })!;
  if (path !== attribute) throw directoryErrors.validation(`Invalid filter attribute path ${path}: the only filter is ${attribute}.`, ctx.requestId);
  return str(ctx, f, 'AttributeValue', { required: true })!;
}

function groupById(ctx: OperationContext, ic: IdentityCenterState, input: Input): DirectoryGroup {
  const id = str(ctx, input, 'GroupId', { required: true, max: 47, pattern: RESOURCE_ID_RE })!;
  const g = ic.directory.groups[id];
  if (!g) throw directoryErrors.notFound('GROUP', id, `Group with id ${id} not found.`, ctx.requestId);
  return g;
}

const operations: Record<string, OperationHandler> = {
  GetGroupId: (ctx, input) => {
    const ic = storeOf(ctx, input);
    const value = uniqueAttribute(ctx, input, 'displayName');
    const g = value === undefined ? undefined : Object.values(ic.directory.groups).find((x) => x.DisplayName === value);
    if (!g) throw directoryErrors.notFound('GROUP', undefined, 'GROUP not found.', ctx.requestId);
    return { GroupId: g.GroupId, IdentityStoreId: ic.identityStoreId };
  },
  GetUserId: (ctx, input) => {
    const ic = storeOf(ctx, input);
    const value = uniqueAttribute(ctx, input, 'userName');
    const u = value === undefined ? undefined : Object.values(ic.directory.users).find((x) => x.UserName.toLowerCase() === value.toLowerCase());
    if (!u) throw directoryErrors.notFound('USER', undefined, 'USER not found.', ctx.requestId);
    return { UserId: u.UserId, IdentityStoreId: ic.identityStoreId };
  },
  DescribeGroup: (ctx, input) => {
    const ic = storeOf(ctx, input);
    return groupShape(ic, groupById(ctx, ic, input));
  },
  DescribeUser: (ctx, input) => {
    const ic = storeOf(ctx, input);
    const id = str(ctx, input, 'UserId', { required: true, max: 47, pattern: RESOURCE_ID_RE })!;
    const u = ic.directory.users[id];
    if (!u) throw directoryErrors.notFound('USER', id, `User with id ${id} not found.`, ctx.requestId);
    return userShape(ic, u);
  },
  ListGroups: (ctx, input) => {
    const ic = storeOf(ctx, input);
    const name = filterValue(ctx, input, 'DisplayName');
    const groups = Object.values(ic.directory.groups).filter((g) => name === undefined || g.DisplayName === name);
    const p = page(ctx, groups.map((g) => groupShape(ic, g)), input);
    return { Groups: p.items, NextToken: p.NextToken };
  },
  ListUsers: (ctx, input) => {
    const ic = storeOf(ctx, input);
    const name = filterValue(ctx, input, 'UserName');
    const users = Object.values(ic.directory.users).filter((u) => name === undefined || u.UserName.toLowerCase() === name.toLowerCase());
    const p = page(ctx, users.map((u) => userShape(ic, u)), input);
    return { Users: p.items, NextToken: p.NextToken };
  },
  CreateGroup: (ctx, input) => {
    const ic = storeOf(ctx, input);
    const displayName = str(ctx, input, 'DisplayName', { required: true, pattern: DISPLAY_NAME_RE })!;
    const description = str(ctx, input, 'Description', { pattern: DISPLAY_NAME_RE });
    if (Object.values(ic.directory.groups).some((g) => g.DisplayName === displayName)) throw directoryErrors.conflict('Duplicate GroupDisplayName', ctx.requestId);
    return { GroupId: addDirectoryGroup(ic, displayName, description).GroupId, IdentityStoreId: ic.identityStoreId };
  },
  ListGroupMemberships: (ctx, input) => {
    const ic = storeOf(ctx, input);
    const g = groupById(ctx, ic, input);
    const items = ic.directory.memberships
      .filter((m) => m.GroupId === g.GroupId)
      .map((m) => ({ IdentityStoreId: ic.identityStoreId, MembershipId: m.MembershipId, GroupId: m.GroupId, MemberId: { UserId: m.UserId } }));
    const p = page(ctx, items, input);
    return { GroupMemberships: p.items, NextToken: p.NextToken };
  },
};

export const identityStore: SandboxService = {
  signingName: 'identitystore',
  protocol: 'awsJson1_1',
  targetPrefix: 'AWSIdentityStore',
  operations,
};
