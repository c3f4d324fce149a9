import * as z from 'zod';
import type { OrganizationPlanInput } from '../../core/module.js';
import { accountAddress } from '../../core/organization.js';
import type { Change, FieldChange, PlanOutput, Unmanaged } from '../../core/plan.js';
import { MANAGED_BY_TAG, tagDiff } from '../../core/reconcile.js';
import { canonical, parsedJson, sameValue } from '../../core/values.js';
import { LzError, LzErrors } from '../../errors.js';
import { principalKey, type IdentityCenterLive, type LiveSet } from './live.js';
import { desiredAssignments, desiredSets, identityCenterOf, type DesiredAssignment, type DesiredSet, type PrincipalType } from './section.js';

export const KIND = 'identity-center';
/** The value of lz's managed-by tag on the permission sets it makes. */
export const SET_TAG_VALUE = 'identity-center';

const ref = z.strictObject({ name: z.string(), path: z.string() });
const principalType = z.enum(['GROUP', 'USER']);
const spec = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  sessionDuration: z.string(),
  relayState: z.string().optional(),
  managedPolicies: z.array(z.string()),
  customerManagedPolicies: z.array(ref),
  inline: z.string().optional(),
  boundary: z.strictObject({ managedPolicy: z.string().optional(), customerManagedPolicy: ref.optional() }).optional(),
  tags: z.record(z.string(), z.string()),
});
export type SetSpec = z.output<typeof spec>;

/** Apply's instruction for one Identity Center change; the Region is Identity Center's home Region. */
export const identityCenterPayload = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('create-group'), region: z.string(), name: z.string(), description: z.string().optional() }),
  z.strictObject({ op: z.literal('create-set'), region: z.string(), spec }),
  z.strictObject({
    op: z.literal('update-set'),
    region: z.string(),
    arn: z.string(),
    spec,
    detachManaged: z.array(z.string()),
    detachCustomer: z.array(ref),
    removeInline: z.boolean(),
    removeBoundary: z.boolean(),
    untag: z.array(z.string()),
    /** Whether the roles in accounts change (anything but tags): then it is provisioned again where it is. */
    provision: z.boolean(),
  }),
  z.strictObject({
    op: z.literal('delete-set'),
    region: z.string(),
    arn: z.string(),
    name: z.string(),
    assignments: z.array(z.strictObject({ accountId: z.string(), principalType, principalId: z.string() })),
  }),
  // A set, group or account made in the same apply has no id in the plan: apply finds it by name.
  z.strictObject({
    op: z.literal('assign'),
    region: z.string(),
    permissionSet: z.string(),
    permissionSetArn: z.string().optional(),
    principalType,
    principal: z.string(),
    principalId: z.string().optional(),
    account: z.string(),
    accountId: z.string().optional(),
  }),
  z.strictObject({ op: z.literal('unassign'), region: z.string(), permissionSetArn: z.string(), principalType, principalId: z.string(), accountId: z.string() }),
]);
export type IdentityCenterPayload = z.output<typeof identityCenterPayload>;

export const setAddress = (name: string) => `permission-set:${name}`;
export const groupAddress = (name: string) => `identity-group:${name}`;
const principalLabel = (type: PrincipalType, name: string) => `${type === 'GROUP' ? 'group' : 'user'}:${name}`;
export const assignmentAddress = (set: string, type: PrincipalType, principal: string, account: string) => `assignment:${set}@${principalLabel(type, principal)}@${account}`;

/** The region Identity Center is planned and applied in: the file's, else the run's. */
export const identityCenterRegion = (input: Pick<OrganizationPlanInput, 'manifest' | 'region'>) => identityCenterOf(input.manifest.manifest)?.region ?? input.region;

/** What the file wants a set to be, as apply sends it. */
function specOf(d: DesiredSet): SetSpec {
  return {
    name: d.name,
    ...(d.description !== undefined ? { description: d.description } : {}),
    sessionDuration: d.sessionDuration,
    ...(d.relayState !== undefined ? { relayState: d.relayState } : {}),
    managedPolicies: d.managedPolicies,
    customerManagedPolicies: d.customerManagedPolicies,
    ...(d.inline ? { inline: d.inline.content } : {}),
    ...(d.boundary ? { boundary: d.boundary } : {}),
    tags: { ...d.tags, [MANAGED_BY_TAG]: SET_TAG_VALUE },
  };
}

const refKey = (r: { name: string; path: string }) => `${r.path}${r.name}`;
const sameSet = (a: readonly string[], b: readonly string[]) => canonical([...a].sort()) === canonical([...b].sort());

/** How a set is shown in the plan. */
function shown(s: SetSpec | undefined) {
  if (!s) return null;
  return {
    ...(s.description !== undefined ? { description: s.description } : {}),
    sessionDuration: s.sessionDuration,
    ...(s.relayState !== undefined ? { relayState: s.relayState } : {}),
    managedPolicies: s.managedPolicies,
    customerManagedPolicies: s.customerManagedPolicies,
    inlinePolicy: parsedJson(s.inline),
    ...(s.boundary ? { permissionsBoundary: s.boundary } : {}),
  };
}

function setChange(d: DesiredSet, have: LiveSet | undefined, region: string, prune: boolean): { change?: Change<IdentityCenterPayload>; unmanagedTags: string[] } {
  const want = specOf(d);
  const address = setAddress(d.name);
  if (!have?.details) return { change: { address, kind: KIND, action: 'create', before: null, after: shown(want), payload: { op: 'create-set', region, spec: want } }, unmanagedTags: [] };
  const h = have.details;
  const fields: FieldChange[] = [];
  const differs = (field: string, before: unknown, after: unknown) => {
    if (!sameValue(before, after)) fields.push({ field, before: before ?? null, after: after ?? null });
  };
  if (want.description !== undefined) differs('description', h.description, want.description);
  differs('sessionDuration', h.sessionDuration ?? 'PT1H', want.sessionDuration);
  if (want.relayState !== undefined) differs('relayState', h.relayState, want.relayState);
  if (!sameSet(h.managedPolicies, want.managedPolicies)) fields.push({ field: 'managedPolicies', before: h.managedPolicies, after: want.managedPolicies });
  if (!sameSet(h.customerManagedPolicies.map(refKey), want.customerManagedPolicies.map(refKey))) fields.push({ field: 'customerManagedPolicies', before: h.customerManagedPolicies, after: want.customerManagedPolicies });
  differs('inlinePolicy', parsedJson(h.inline), parsedJson(want.inline));
  differs('permissionsBoundary', h.boundary, want.boundary);
  const provision = fields.length > 0;
  const tags = tagDiff(want.tags, h.tags, prune);
  fields.push(...tags.fields);
  if (fields.length === 0) return { unmanagedTags: tags.unmanaged };
  const wanted = new Set(want.customerManagedPolicies.map(refKey));
  return {
    unmanagedTags: tags.unmanaged,
    change: {
      address,
      kind: KIND,
      action: 'update',
      before: shown({ ...h, name: d.name, sessionDuration: h.sessionDuration ?? 'PT1H' }),
      after: shown(want),
      fields,
      payload: {
        op: 'update-set',
        region,
        arn: have.arn,
        spec: want,
        detachManaged: h.managedPolicies.filter((p) => !want.managedPolicies.includes(p)),
        detachCustomer: h.customerManagedPolicies.filter((r) => !wanted.has(refKey(r))),
        removeInline: h.inline !== undefined && want.inline === undefined,
        removeBoundary: h.boundary !== undefined && want.boundary === undefined,
        untag: tags.unset,
        provision,
      },
    },
  };
}

/**
 * Pure: the changes that make Identity Center match the file. Permission sets are matched by name. An
 * assignment's (set, principal) pair the file declares is exact: lz makes it in the accounts the file says and
 * removes it from the other accounts the file names (that is how an account moving between units moves its
 * assignments). Any other assignment of a set lz made (tagged lz:managed) is reported and removed with --prune;
 * assignments of sets someone else made are not lz's and are not read.
 */
export function planIdentityCenter(input: OrganizationPlanInput, live: IdentityCenterLive | undefined): PlanOutput<IdentityCenterPayload> {
  const config = identityCenterOf(input.manifest.manifest);
  const changes: Change<IdentityCenterPayload>[] = [];
  const unmanaged: Unmanaged[] = [];
  if (!config && !live?.sets.some((s) => s.madeByLz)) return { changes, unmanaged };
  const region = identityCenterRegion(input);
  if (input.snapshot.organization && !live?.instance && config) {
    throw new LzError('identity-center.no-instance', `IAM Identity Center has no instance in ${region}, where accounts.yaml manages it.`, {
      hint: `enable IAM Identity Center in the management account (console, ${region}), or set organization.identityCenter.region to its home Region`,
      location: input.manifest.locate(['organization', 'identityCenter']),
    });
  }
  const sets = desiredSets(config, input.manifest.dir);
  // Access is for open accounts; a targeted plan (--target, lz onboard) plans the accounts it targets only.
  const open = input.manifest.accounts.filter((a) => !a.closed);
  const declaredAssignments = desiredAssignments(config, open);
  const inScope = new Set(input.matches.map((m) => m.declared.name));
  const wanted = declaredAssignments.filter((a) => inScope.has(a.account));
  const liveSets = new Map((live?.sets ?? []).map((s) => [s.name, s]));
  const declaredGroups = new Map((config?.groups ?? []).map((g) => [g.name, g]));

  // Principals: a name the store does not have is an error, unless the file asks lz to create the group.
  const creatingGroups = new Set<string>();
  if (live?.instance) {
    const missing: LzError[] = [];
    (config?.assignments ?? []).forEach((a, i) => {
      const type: PrincipalType = a.group !== undefined ? 'GROUP' : 'USER';
      const name = (a.group ?? a.user)!;
      if (live.principals[principalKey(type, name)] !== null) return;
      const group = type === 'GROUP' ? declaredGroups.get(name) : undefined;
      if (group?.create) {
        if (!creatingGroups.has(name)) {
          creatingGroups.add(name);
          changes.push({ address: groupAddress(name), kind: KIND, action: 'create', before: null, after: { displayName: name, ...(group.description ? { description: group.description } : {}) }, payload: { op: 'create-group', region, name, ...(group.description ? { description: group.description } : {}) } });
        }
        return;
      }
      missing.push(
        new LzError('identity-center.unknown-principal', `${type === 'GROUP' ? 'group' : 'user'} "${name}" is not in IAM Identity Center's identity store (${live.instance!.identityStoreId})`, {
          hint: type === 'GROUP' ? `create the group in the identity source, or declare it in identityCenter.groups with create: true (Identity Center's own directory only)` : 'create the user in the identity source, or fix the UserName',
          location: input.manifest.locate(['organization', 'identityCenter', 'assignments', i, type === 'GROUP' ? 'group' : 'user']),
          path: `organization.identityCenter.assignments[${i}]`,
        }),
      );
    });
    if (missing.length === 1) throw missing[0]!;
    if (missing.length > 1) throw new LzErrors(missing);
  }

  const changedSets = new Set<string>();
  for (const d of sets) {
    const { change, unmanagedTags } = setChange(d, liveSets.get(d.name), region, input.prune);
    if (change) {
      changes.push(change);
      changedSets.add(d.name);
    }
    if (unmanagedTags.length) unmanaged.push({ address: setAddress(d.name), kind: KIND, description: `tags on permission set ${d.name} that accounts.yaml does not name: ${unmanagedTags.join(', ')}`, prunable: true });
  }

  const accountIds = new Map(input.matches.flatMap((m) => (m.live ? [[m.declared.name, m.live.id] as const] : [])));
  const accountNames = new Map([...accountIds].map(([name, id]) => [id, name]));
  const otherAccounts = new Map(input.unmatched.map((a) => [a.id, a.name]));
  const idOf = (type: PrincipalType, name: string) => live?.principals[principalKey(type, name)] ?? undefined;
  const liveKey = (setName: string, type: PrincipalType, principalId: string, accountId: string) => `${setName}|${type}|${principalId}|${accountId}`;
  const want = new Set<string>();
  for (const a of wanted) {
    const setArn = liveSets.get(a.permissionSet)?.arn;
    const principalId = idOf(a.principalType, a.principal);
    const accountId = accountIds.get(a.account);
    if (setArn && principalId && accountId) {
      want.add(liveKey(a.permissionSet, a.principalType, principalId, accountId));
      if (liveSets.get(a.permissionSet)?.details?.assignments.some((l) => l.accountId === accountId && l.principalType === a.principalType && l.principalId === principalId)) continue;
    }
    changes.push(assignChange(a, region, { setArn, principalId, accountId }, [
      ...(changedSets.has(a.permissionSet) ? [setAddress(a.permissionSet)] : []),
      ...(creatingGroups.has(a.principal) && a.principalType === 'GROUP' ? [groupAddress(a.principal)] : []),
      ...(accountId ? [] : [accountAddress(a.account)]),
    ]));
  }

  const declaredPairs = new Set(declaredAssignments.map((a) => `${a.permissionSet}|${a.principalType}|${a.principal}`));
  const closed = new Set(input.manifest.accounts.filter((a) => a.closed).map((a) => a.name));
  const declaredSets = new Set(sets.map((s) => s.name));
  for (const s of live?.sets ?? []) {
    if (!declaredSets.has(s.name)) {
      if (s.madeByLz && input.prune) {
        changes.push({ address: setAddress(s.name), kind: KIND, action: 'delete', before: { assignments: s.details?.assignments.length ?? 0 }, after: null, payload: { op: 'delete-set', region, arn: s.arn, name: s.name, assignments: s.details?.assignments ?? [] } });
      } else {
        unmanaged.push({
          address: setAddress(s.name),
          kind: KIND,
          description: s.madeByLz ? `permission set ${s.name} that lz made and accounts.yaml no longer names (${s.details?.assignments.length ?? 0} assignments)` : `permission set ${s.name}: not made by lz, never changed or deleted by it`,
          ...(s.madeByLz ? { prunable: true } : {}),
        });
      }
      continue;
    }
    for (const l of s.details?.assignments ?? []) {
      if (want.has(liveKey(s.name, l.principalType, l.principalId, l.accountId))) continue;
      const account = accountNames.get(l.accountId);
      // An account the file names but this plan does not target, or one being closed: not this plan's to change.
      if ((account === undefined && !otherAccounts.has(l.accountId)) || (account !== undefined && closed.has(account))) continue;
      const principal = live?.names[l.principalId]?.replace(/^(GROUP|USER):/, '') ?? l.principalId;
      const address = assignmentAddress(s.name, l.principalType, principal, account ?? l.accountId);
      const unassign: Change<IdentityCenterPayload> = {
        address,
        kind: KIND,
        action: 'delete',
        ...(account ? { account } : {}),
        before: { permissionSet: s.name, [l.principalType === 'GROUP' ? 'group' : 'user']: principal, account: account ?? `${otherAccounts.get(l.accountId) ?? '?'} (${l.accountId})` },
        after: null,
        payload: { op: 'unassign', region, permissionSetArn: s.arn, principalType: l.principalType, principalId: l.principalId, accountId: l.accountId },
      };
      // The file's pair, in another account the file names: the file says exactly where the pair goes.
      const exact = account !== undefined && declaredPairs.has(`${s.name}|${l.principalType}|${principal}`);
      if (exact || (s.madeByLz && input.prune)) {
        changes.push(unassign);
        continue;
      }
      const where = account ?? `${otherAccounts.get(l.accountId) ?? 'an account the file does not name'} (${l.accountId})`;
      unmanaged.push({
        address,
        kind: KIND,
        description: `${principalLabel(l.principalType, principal)} has permission set ${s.name} in ${where}, which accounts.yaml does not say${s.madeByLz ? '' : ' (the set is not tagged lz:managed yet: apply tags it)'}`,
        ...(s.madeByLz ? { prunable: true } : {}),
      });
    }
  }
  return { changes, unmanaged };
}

function assignChange(a: DesiredAssignment, region: string, ids: { setArn?: string; principalId?: string; accountId?: string }, dependsOn: string[]): Change<IdentityCenterPayload> {
  const label = a.principalType === 'GROUP' ? 'group' : 'user';
  return {
    address: assignmentAddress(a.permissionSet, a.principalType, a.principal, a.account),
    kind: KIND,
    action: 'create',
    account: a.account,
    before: null,
    after: { permissionSet: a.permissionSet, [label]: a.principal, account: a.account },
    payload: {
      op: 'assign',
      region,
      permissionSet: a.permissionSet,
      ...(ids.setArn ? { permissionSetArn: ids.setArn } : {}),
      principalType: a.principalType,
      principal: a.principal,
      ...(ids.principalId ? { principalId: ids.principalId } : {}),
      account: a.account,
      ...(ids.accountId ? { accountId: ids.accountId } : {}),
    },
    ...(dependsOn.length ? { dependsOn } : {}),
  };
}
