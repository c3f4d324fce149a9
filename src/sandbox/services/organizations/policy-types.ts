/**
 * Enabling and disabling a policy type on the root, and AWS's managed policies that come with it: enabling
 * SCPs attaches FullAWSAccess, enabling RCPs attaches RCPFullAWSAccess, to the root, every OU and every
 * account; while the type stays enabled every new OU and account gets it too. Disabling a type detaches
 * every policy of that type (the policies stay). Shared by CreateOrganization, CreateOrganizationalUnit,
 * CreateAccount's completion and the policy handlers.
 */
import type { OrganizationRecord, PolicyRecord, PolicyType } from './state.js';
import { policyTypeEnabled } from './policy-path.js';

const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const ALLOW_ALL_RESOURCES = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] };

/** AWS's managed policy per type that has one: fixed ids and ARNs in the `aws` account, the same in every organization. */
const MANAGED: Partial<Record<PolicyType, Omit<PolicyRecord, 'targets'>>> = {
  SERVICE_CONTROL_POLICY: {
    id: 'p-FullAWSAccess',
    arn: 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
    name: 'FullAWSAccess',
    description: 'Allows access to every operation',
    type: 'SERVICE_CONTROL_POLICY',
    awsManaged: true,
    content: JSON.stringify(ALLOW_ALL, null, 2),
  },
  RESOURCE_CONTROL_POLICY: {
    id: 'p-RCPFullAWSAccess',
    arn: 'arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess',
    name: 'RCPFullAWSAccess',
    description: 'Allows access to every resource',
    type: 'RESOURCE_CONTROL_POLICY',
    awsManaged: true,
    content: JSON.stringify(ALLOW_ALL_RESOURCES, null, 2),
  },
};

/** The id of AWS's managed policy for RCPs: AWS refuses to detach it ("You cannot detach this policy"). */
export const NON_DETACHABLE_POLICY_IDS: readonly string[] = [MANAGED.RESOURCE_CONTROL_POLICY!.id];

/** Every root, OU and account id of the organization: the targets a managed policy goes to on enabling. */
function allTargets(org: OrganizationRecord): string[] {
  return [org.rootId, ...Object.keys(org.units), ...Object.keys(org.members)];
}

/** Enables `type` on the root; for SCPs and RCPs AWS's managed policy is attached everywhere. */
export function enablePolicyType(org: OrganizationRecord, type: PolicyType): void {
  (org.policyTypes ??= {})[type] = 'ENABLED';
  const managed = MANAGED[type];
  if (!managed) return;
  const policies = (org.policies ??= {});
  const record = (policies[managed.id] ??= { ...managed, targets: [] });
  record.targets = allTargets(org);
}

/** Disables `type`: every policy of the type is detached from everything, and none is deleted. */
export function disablePolicyType(org: OrganizationRecord, type: PolicyType): void {
  for (const policy of Object.values(org.policies ?? {})) if (policy.type === type) policy.targets = [];
  delete org.policyTypes?.[type];
}

/** A new OU or account gets the managed policy of every enabled type that has one. */
export function attachManagedPolicies(org: OrganizationRecord, targetId: string): void {
  for (const [type, managed] of Object.entries(MANAGED) as [PolicyType, PolicyRecord][]) {
    const record = org.policies?.[managed.id];
    if (record && policyTypeEnabled(org, type) && !record.targets.includes(targetId)) record.targets.push(targetId);
  }
}
