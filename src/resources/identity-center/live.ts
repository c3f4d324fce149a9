import { DescribeGroupCommand, DescribeUserCommand, GetGroupIdCommand, GetUserIdCommand, type IdentitystoreClient } from '@aws-sdk/client-identitystore';
import {
  DescribePermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  GetPermissionsBoundaryForPermissionSetCommand,
  paginateListAccountAssignments,
  paginateListAccountAssignmentsForPrincipal,
  paginateListAccountsForProvisionedPermissionSet,
  paginateListCustomerManagedPolicyReferencesInPermissionSet,
  paginateListInstances,
  paginateListManagedPoliciesInPermissionSet,
  paginateListPermissionSets,
  paginateListTagsForResource,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
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
  /** The accounts it is provisioned to (where its role exists). */
  provisionedTo: string[];
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
 * Reads per permission set and per principal, never per account per set: ListPermissionSets, then for each set
 * its description and tags and, for a set lz keeps, its policies and the accounts it is provisioned to; the
 * assignments of the principals the file names with ListAccountAssignmentsForPrincipal (a few pages each);
 * and ListAccountAssignments only where a set is provisioned but none of those principals holds it (someone
 * else does). SSO Admin allows 20 calls a second in all: one listing per set per account would be 2,668 calls
 * (133 s) for five sets at 1,000 accounts.
 */
export async function readIdentityCenter(input: ReadInput): Promise<IdentityCenterLive> {
  const instance = await findInstance(input.clients, input.region, input.memo);
  if (!instance) return { region: input.region, sets: [], principals: {}, names: {} };
  const sso = input.clients.ssoAdminIn(input.region);
  const store = input.clients.identityStoreIn(input.region);
  const arns: string[] = [];
  for await (const page of paginateListPermissionSets({ client: sso, pageSize: 100 }, { InstanceArn: instance.arn })) arns.push(...(page.PermissionSets ?? []));
  const [sets, principalIds] = await Promise.all([
    Promise.all(arns.map((arn) => readSet(sso, instance.arn, arn, input.declared))),
    Promise.all(input.principals.map(async (p) => [principalKey(p.type, p.name), await principalId(store, instance.identityStoreId, p.type, p.name, input.memo)] as const)),
  ]);
  const principals = Object.fromEntries(principalIds);
  const known = new Map(principalIds.flatMap(([key, id]) => (id ? [[id, key] as const] : [])));
  await readAssignments(sso, instance.arn, sets, known);
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

async function readSet(sso: SSOAdminClient, instanceArn: string, arn: string, declared: Set<string>): Promise<LiveSet> {
  const [described, tags] = await Promise.all([sso.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn })), listTags(sso, instanceArn, arn)]);
  const ps = described.PermissionSet;
  const name = ps?.Name ?? arn;
  const madeByLz = MANAGED_BY_TAG in tags;
  if (!declared.has(name) && !madeByLz) return { arn, name, madeByLz };
  const ref = { InstanceArn: instanceArn, PermissionSetArn: arn };
  const [managedPolicies, customerManagedPolicies, inline, boundary, provisionedTo] = await Promise.all([
    collect(paginateListManagedPoliciesInPermissionSet({ client: sso, pageSize: 100 }, ref), (p) => p.AttachedManagedPolicies?.map((m) => m.Arn ?? '')),
    collect(paginateListCustomerManagedPolicyReferencesInPermissionSet({ client: sso, pageSize: 100 }, ref), (p) => p.CustomerManagedPolicyReferences?.map((c) => ({ name: c.Name ?? '', path: c.Path ?? '/' }))),
    sso.send(new GetInlinePolicyForPermissionSetCommand(ref)).then((r) => r.InlinePolicy || undefined),
    ignoreCodes(sso.send(new GetPermissionsBoundaryForPermissionSetCommand(ref)), NOT_FOUND).then((r) => r?.PermissionsBoundary),
    collect(paginateListAccountsForProvisionedPermissionSet({ client: sso, pageSize: 100 }, ref), (p) => p.AccountIds),
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
      provisionedTo,
      assignments: [],
    },
  };
}

/**
 * Fills in the assignments of the sets read in full: every assignment of the file's principals, then, where a
 * set is provisioned and none of them holds it, whoever does. (A hand-made assignment beside one of the file's
 * own, same set and account, is the one thing this does not see: docs/identity-center.md.)
 */
async function readAssignments(sso: SSOAdminClient, instanceArn: string, sets: LiveSet[], principals: Map<string, string>): Promise<void> {
  const byArn = new Map(sets.flatMap((s) => (s.details ? [[s.arn, s.details] as const] : [])));
  if (byArn.size === 0) return;
  const perPrincipal = await Promise.all(
    [...principals].map(([id, key]) =>
      collect(paginateListAccountAssignmentsForPrincipal({ client: sso, pageSize: 100 }, { InstanceArn: instanceArn, PrincipalId: id, PrincipalType: key.split(':')[0] as PrincipalType }), (p) => p.AccountAssignments),
    ),
  );
  for (const a of perPrincipal.flat()) {
    const details = byArn.get(a.PermissionSetArn ?? '');
    if (details && a.AccountId && a.PrincipalId) details.assignments.push({ accountId: a.AccountId, principalType: a.PrincipalType as PrincipalType, principalId: a.PrincipalId });
  }
  const orphans = [...byArn].flatMap(([arn, d]) => {
    const held = new Set(d.assignments.map((a) => a.accountId));
    return d.provisionedTo.filter((accountId) => !held.has(accountId)).map((accountId) => ({ arn, d, accountId }));
  });
  await Promise.all(
    orphans.map(async ({ arn, d, accountId }) => {
      const found = await collect(paginateListAccountAssignments({ client: sso, pageSize: 100 }, { InstanceArn: instanceArn, PermissionSetArn: arn, AccountId: accountId }), (p) => p.AccountAssignments);
      for (const a of found) d.assignments.push({ accountId: a.AccountId ?? accountId, principalType: a.PrincipalType as PrincipalType, principalId: a.PrincipalId ?? '' });
    }),
  );
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
