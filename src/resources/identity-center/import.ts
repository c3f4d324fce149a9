import type { ManifestOrganizationFields, OrganizationPlanInput } from '../../core/module.js';
import { MANAGED_BY_TAG } from '../../core/reconcile.js';
import type { IdentityCenterLive, LiveSet } from './live.js';
import { identityCenterSection, inUnit } from './section.js';

/**
 * `lz import`: the permission sets lz made (tagged lz:managed) and their assignments, so that a plan on the
 * written file has no change. An assignment covering exactly the accounts of a unit is written as the unit
 * (the topmost such unit), one covering every account as `all: true`, the rest account by account.
 */
export function importIdentityCenter(live: IdentityCenterLive | undefined, input: OrganizationPlanInput): ManifestOrganizationFields | undefined {
  const sets = (live?.sets ?? []).filter((s): s is LiveSet & { details: NonNullable<LiveSet['details']> } => s.madeByLz && s.details !== undefined);
  if (!live || sets.length === 0) return undefined;
  const names = new Map(input.matches.flatMap((m) => (m.live ? [[m.live.id, m.declared.name] as const] : [])));
  const open = input.manifest.accounts.filter((a) => !a.closed);
  const permissionSets = sets.map((s) => {
    const d = s.details;
    const tags = Object.fromEntries(Object.entries(d.tags).filter(([k]) => k !== MANAGED_BY_TAG));
    return {
      name: s.name,
      ...(d.description ? { description: d.description } : {}),
      ...(d.sessionDuration && d.sessionDuration !== 'PT1H' ? { sessionDuration: d.sessionDuration } : {}),
      ...(d.managedPolicies.length ? { managedPolicies: d.managedPolicies } : {}),
      ...(d.customerManagedPolicies.length ? { customerManagedPolicies: d.customerManagedPolicies } : {}),
      ...(d.inline ? { inlinePolicy: JSON.parse(d.inline) as Record<string, unknown> } : {}),
      ...(d.boundary ? { permissionsBoundary: d.boundary } : {}),
      ...(d.relayState ? { relayState: d.relayState } : {}),
      ...(Object.keys(tags).length ? { tags } : {}),
    };
  });
  const pairs = new Map<string, { permissionSet: string; type: 'group' | 'user'; principal: string; accounts: Set<string> }>();
  for (const s of sets) {
    for (const a of s.details.assignments) {
      const account = names.get(a.accountId);
      if (!account) continue;
      const principal = (live.names[a.principalId] ?? a.principalId).replace(/^(GROUP|USER):/, '');
      const type = a.principalType === 'GROUP' ? 'group' : 'user';
      const key = `${s.name}|${type}|${principal}`;
      const pair = pairs.get(key) ?? { permissionSet: s.name, type, principal, accounts: new Set<string>() };
      pair.accounts.add(account);
      pairs.set(key, pair);
    }
  }
  const assignments = [...pairs.values()].map((p) => {
    const where = p.accounts.size === open.length ? { all: true } : coverage(p.accounts, input);
    return { [p.type]: p.principal, permissionSet: p.permissionSet, ...where };
  });
  const region = live.region !== input.region ? { region: live.region } : {};
  return identityCenterSection.fields({ ...region, permissionSets, ...(assignments.length ? { assignments } : {}) });
}

/** Units whose accounts are all in `accounts` (topmost first), and the accounts no such unit covers. */
function coverage(accounts: Set<string>, input: OrganizationPlanInput): { units?: string[]; accounts?: string[] } {
  const open = input.manifest.accounts.filter((a) => !a.closed);
  const left = new Set(accounts);
  const units: string[] = [];
  const byDepth = [...input.manifest.units].sort((a, b) => a.split('/').length - b.split('/').length);
  for (const unit of byDepth) {
    const members = open.filter((a) => inUnit(a, unit)).map((a) => a.name);
    if (members.length === 0 || !members.every((m) => left.has(m))) continue;
    units.push(unit);
    for (const m of members) left.delete(m);
  }
  return { ...(units.length ? { units } : {}), ...(left.size ? { accounts: [...left] } : {}) };
}

/** Sets someone else made are not written back: lz would adopt (tag) them on the next apply. */
export function importNotes(live: IdentityCenterLive | undefined): string[] {
  const others = (live?.sets ?? []).filter((s) => !s.madeByLz).map((s) => s.name);
  if (others.length === 0) return [];
  return [
    `IAM Identity Center permission sets not made by lz were left out: ${others.join(', ')}. Declare one under organization.identityCenter.permissionSets (with its assignments) for lz to manage it; the next apply then tags it lz:managed (docs/identity-center.md).`,
  ];
}
