/**
 * Which policies of a type apply to an account: the ones attached to the root, to each OU on the way down, and
 * to the account itself. Organizations' own handlers and the sandbox's SCP evaluation both read it.
 */
import type { OrganizationRecord, PolicyRecord, PolicyType } from './state.js';

/** Whether a policy type is enabled on the root (only then are its policies in force). */
export function policyTypeEnabled(org: OrganizationRecord, type: PolicyType): boolean {
  return org.policyTypes?.[type] === 'ENABLED';
}

/** The ids from the root down to the account: root, each OU, the account. Empty when it is no member. */
export function pathToAccount(org: OrganizationRecord, accountId: string): string[] {
  const member = org.members[accountId];
  if (!member) return [];
  const chain: string[] = [accountId];
  for (let id: string | undefined = member.parentId; id; id = id === org.rootId ? undefined : org.units[id]?.parentId) chain.unshift(id);
  return chain;
}

/**
 * Each policy's targets as a set, made again when the list changes. FullAWSAccess targets every account and
 * every request's SCP evaluation asks about it, so a search of the list made the sandbox's work per request
 * grow with the organization. Attaching pushes onto the list and detaching replaces it, so the same list
 * of the same length holds the same targets.
 */
const targetSets = new WeakMap<readonly string[], { length: number; set: ReadonlySet<string> }>();

function targets(policy: PolicyRecord): ReadonlySet<string> {
  let known = targetSets.get(policy.targets);
  if (known?.length !== policy.targets.length) {
    known = { length: policy.targets.length, set: new Set(policy.targets) };
    targetSets.set(policy.targets, known);
  }
  return known.set;
}

/** The policies of `type` attached to `targetId`. */
export function policiesAttachedTo(org: OrganizationRecord, targetId: string, type: PolicyType): PolicyRecord[] {
  return Object.values(org.policies ?? {}).filter((p) => p.type === type && targets(p).has(targetId));
}

/**
 * The policies of `type` in force for an account, one list per level (root first, the account last); undefined
 * when the type is not enabled or the account is no member (nothing of that type applies).
 */
export function policiesByLevel(org: OrganizationRecord, accountId: string, type: PolicyType): PolicyRecord[][] | undefined {
  if (!policyTypeEnabled(org, type)) return undefined;
  const path = pathToAccount(org, accountId);
  if (path.length === 0) return undefined;
  return path.map((id) => policiesAttachedTo(org, id, type));
}
