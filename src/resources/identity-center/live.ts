import { DescribeGroupCommand, DescribeUserCommand, GetGroupIdCommand, GetUserIdCommand, type IdentitystoreClient } from '@aws-sdk/client-identitystore';
import {
  DescribePermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  GetPermissionsBoundaryForPermissionSetCommand,
  paginateListAccountAssignments,
  paginateListAccountsForProvisionedPermissionSet,
  paginateListCustomerManagedPolicyReferencesInPermissionSet,
  paginateListInstances,
  paginateListManagedPoliciesInPermissionSet,
  paginateListPermissionSets,
  paginateListTagsForResource,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import pLimit, { type LimitFunction } from 'p-limit';
import { NOT_FOUND, ignoreCodes } from '../../aws/aws-errors.js';
import type { AccountClients } from '../../aws/context.js';
import { MANAGED_BY_TAG } from '../../core/reconcile.js';
import type { PolicyRef, PrincipalType } from './section.js';

/** IAM Identity Center as lz reads it: the instance, its permission sets, and the principals the file names. */

export interface Instance {
  arn: string;
  identityStoreId: string;
}

export interface LiveAssignment {
  accountId: string;
  principalType: PrincipalType;
  principalId: string;
}

export interface LiveSet {
  arn: string;
  name: string;
  /** Tagged lz:managed: lz made it (or adopted it), so its assignments are lz's. */
  madeByLz: boolean;
  /** Read only for sets the file names or lz made; a set someone else made is only named. */
  details?: SetDetails;
}

export interface SetDetails {
  description?: string;
  sessionDuration?: string;
  relayState?: string;
  managedPolicies: string[];
  customerManagedPolicies: PolicyRef[];
  /** As AWS returns it (a JSON string); absent when none. */
  inline?: string;
  boundary?: { managedPolicy?: string; customerManagedPolicy?: PolicyRef };
  tags: Record<string, string>;
  assignments: LiveAssignment[];
}

export interface IdentityCenterLive {
  /** The Region it was read in (Identity Center's home Region as lz was told it). */
  region: string;
  /** undefined: no instance in that Region (or no organization yet). */
  instance?: Instance;
  sets: LiveSet[];
  /** `GROUP:name` / `USER:name` of the principals the file names → their id; null when the store has none. */
  principals: Record<string, string | null>;
  /** Ids of principals met in assignments → their names (`GROUP:name`), for messages and import. */
  names: Record<string, string>;
}

/**
 * How many assignment listings are in flight at once, over all sets: one per (set, provisioned account) adds
 * up to thousands at 1,000 accounts. AWS documents no rate for Identity Center's API; beyond what it allows,
 * the SDK's retry strategy backs off on ThrottlingException.
 */
const ASSIGNMENT_READS = 32;

export const principalKey = (type: PrincipalType, name: string) => `${type}:${name}`;

/** The instance in `region` (there is at most one per organization), read once per run. */
export function findInstance(clients: AccountClients, region: string, memo: <T>(key: string, read: () => Promise<T>) => Promise<T>): Promise<Instance | undefined> {
  return memo(`sso:instance:${region}`, async () => {
    for await (const page of paginateListInstances({ client: clients.ssoAdminIn(region) }, {})) {
      const found = page.Instances?.find((i) => i.InstanceArn && i.IdentityStoreId && (i.Status === undefined || i.Status === 'ACTIVE'));
      if (found) return { arn: found.InstanceArn!, identityStoreId: found.IdentityStoreId! };
    }
    return undefined;
  });
}

/** A principal's id by its DisplayName (group) or UserName (user); null when the store has no such principal. */
export function principalId(store: IdentitystoreClient, identityStoreId: string, type: PrincipalType, name: string, memo: <T>(key: string, read: () => Promise<T>) => Promise<T>): Promise<string | null> {
  return memo(`identitystore:${identityStoreId}:${principalKey(type, name)}`, async () => {
    const UniqueAttribute = { AttributePath: type === 'GROUP' ? 'displayName' : 'userName', AttributeValue: name };
    const out =
      type === 'GROUP'
        ? await ignoreCodes(store.send(new GetGroupIdCommand({ IdentityStoreId: identityStoreId, AlternateIdentifier: { UniqueAttribute } })), NOT_FOUND).then((r) => r?.GroupId)
        : await ignoreCodes(store.send(new GetUserIdCommand({ IdentityStoreId: identityStoreId, AlternateIdentifier: { UniqueAttribute } })), NOT_FOUND).then((r) => r?.UserId);
    return out ?? null;
  });
}

async function principalName(store: IdentitystoreClient, identityStoreId: string, type: PrincipalType, id: string): Promise<string> {
  const out =
    type === 'GROUP'
      ? await ignoreCodes(store.send(new DescribeGroupCommand({ IdentityStoreId: identityStoreId, GroupId: id })), NOT_FOUND).then((r) => r?.DisplayName)
      : await ignoreCodes(store.send(new DescribeUserCommand({ IdentityStoreId: identityStoreId, UserId: id })), NOT_FOUND).then((r) => r?.UserName);
  return out ?? id;
}

export interface ReadInput {
  clients: AccountClients;
  region: string;
  memo: <T>(key: string, read: () => Promise<T>) => Promise<T>;
  /** Permission set names the file declares: read in full. */
  declared: Set<string>;
  /** Principals the file names. */
  principals: { type: PrincipalType; name: string }[];
}

/**
 * Reads per permission set, never per account per set: ListPermissionSets, then for each set its description
 * and tags and, for a set lz keeps, its policies and the accounts it is provisioned to
 * (ListAccountsForProvisionedPermissionSet); assignments are listed only where it is provisioned.
 */
export async function readIdentityCenter(input: ReadInput): Promise<IdentityCenterLive> {
  const instance = await findInstance(input.clients, input.region, input.memo);
  if (!instance) return { region: input.region, sets: [], principals: {}, names: {} };
  const sso = input.clients.ssoAdminIn(input.region);
  const store = input.clients.identityStoreIn(input.region);
  const arns: string[] = [];
  for await (const page of paginateListPermissionSets({ client: sso, pageSize: 100 }, { InstanceArn: instance.arn })) arns.push(...(page.PermissionSets ?? []));
  const listings = pLimit(ASSIGNMENT_READS);
  const [sets, principalIds] = await Promise.all([
    Promise.all(arns.map((arn) => readSet(sso, instance.arn, arn, input.declared, listings))),
    Promise.all(input.principals.map(async (p) => [principalKey(p.type, p.name), await principalId(store, instance.identityStoreId, p.type, p.name, input.memo)] as const)),
  ]);
  const principals = Object.fromEntries(principalIds);
  const known = new Map(principalIds.flatMap(([key, id]) => (id ? [[id, key] as const] : [])));
  const names: Record<string, string> = {};
  const unknown = new Map<string, PrincipalType>();
  for (const s of sets) for (const a of s.details?.assignments ?? []) if (!known.has(a.principalId)) unknown.set(a.principalId, a.principalType);
  await Promise.all(
    [...unknown].map(async ([id, type]) => {
      names[id] = principalKey(type, await input.memo(`identitystore:${instance.identityStoreId}:name:${id}`, () => principalName(store, instance.identityStoreId, type, id)));
    }),
  );
  for (const [id, key] of known) names[id] = key;
  return { region: input.region, instance, sets, principals, names };
}

async function readSet(sso: SSOAdminClient, instanceArn: string, arn: string, declared: Set<string>, limit: LimitFunction): Promise<LiveSet> {
  const [described, tags] = await Promise.all([sso.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn })), listTags(sso, instanceArn, arn)]);
  const ps = described.PermissionSet;
  const name = ps?.Name ?? arn;
  const madeByLz = MANAGED_BY_TAG in tags;
  if (!declared.has(name) && !madeByLz) return { arn, name, madeByLz };
  const ref = { InstanceArn: instanceArn, PermissionSetArn: arn };
  const [managedPolicies, customerManagedPolicies, inline, boundary, assignments] = await Promise.all([
    collect(paginateListManagedPoliciesInPermissionSet({ client: sso, pageSize: 100 }, ref), (p) => p.AttachedManagedPolicies?.map((m) => m.Arn ?? '')),
    collect(paginateListCustomerManagedPolicyReferencesInPermissionSet({ client: sso, pageSize: 100 }, ref), (p) => p.CustomerManagedPolicyReferences?.map((c) => ({ name: c.Name ?? '', path: c.Path ?? '/' }))),
    sso.send(new GetInlinePolicyForPermissionSetCommand(ref)).then((r) => r.InlinePolicy || undefined),
    ignoreCodes(sso.send(new GetPermissionsBoundaryForPermissionSetCommand(ref)), NOT_FOUND).then((r) => r?.PermissionsBoundary),
    readAssignments(sso, instanceArn, arn, limit),
  ]);
  const cm = boundary?.CustomerManagedPolicyReference;
  return {
    arn,
    name,
    madeByLz,
    details: {
      ...(ps?.Description ? { description: ps.Description } : {}),
      ...(ps?.SessionDuration ? { sessionDuration: ps.SessionDuration } : {}),
      ...(ps?.RelayState ? { relayState: ps.RelayState } : {}),
      managedPolicies,
      customerManagedPolicies,
      ...(inline ? { inline } : {}),
      ...(boundary?.ManagedPolicyArn ? { boundary: { managedPolicy: boundary.ManagedPolicyArn } } : cm ? { boundary: { customerManagedPolicy: { name: cm.Name ?? '', path: cm.Path ?? '/' } } } : {}),
      tags,
      assignments,
    },
  };
}

/** Assignments of one set: listed only in the accounts it is provisioned to (the role exists only there). */
async function readAssignments(sso: SSOAdminClient, instanceArn: string, arn: string, limit: LimitFunction): Promise<LiveAssignment[]> {
  const accounts = await collect(paginateListAccountsForProvisionedPermissionSet({ client: sso, pageSize: 100 }, { InstanceArn: instanceArn, PermissionSetArn: arn }), (p) => p.AccountIds);
  const perAccount = await Promise.all(
    accounts.map((accountId) =>
      limit(() =>
        collect(paginateListAccountAssignments({ client: sso, pageSize: 100 }, { InstanceArn: instanceArn, PermissionSetArn: arn, AccountId: accountId }), (p) =>
        p.AccountAssignments?.map((a) => ({ accountId: a.AccountId ?? accountId, principalType: a.PrincipalType as PrincipalType, principalId: a.PrincipalId ?? '' })),
        ),
      ),
    ),
  );
  return perAccount.flat();
}

async function listTags(sso: SSOAdminClient, instanceArn: string, arn: string): Promise<Record<string, string>> {
  const tags = await collect(paginateListTagsForResource({ client: sso }, { InstanceArn: instanceArn, ResourceArn: arn }), (p) => p.Tags?.map((t) => [t.Key ?? '', t.Value ?? ''] as const));
  return Object.fromEntries(tags);
}

async function collect<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}
