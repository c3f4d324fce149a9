import {
  DescribePolicyCommand,
  ListRootsCommand,
  paginateListPolicies,
  paginateListTagsForResource,
  paginateListTargetsForPolicy,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { ORGANIZATIONS_PAGE } from '../../aws/quotas.js';
import type { OrganizationReadContext } from '../../core/module.js';
import { hasManagedByTag } from '../../core/reconcile.js';
import type { PolicyType, PolicyTypeFacts } from './policy-types.js';

/** A policy as Organizations holds it. */
export interface LivePolicy {
  id: string;
  name: string;
  description: string;
  awsManaged: boolean;
  /** The document as AWS returns it (absent for AWS's managed policy, whose document is AWS's). */
  content?: string;
  /** The root, OU and account ids it is attached to (read for AWS's allow-all policy only when the file manages it). */
  targetIds?: string[];
  /** Made by lz (its managed-by tag): only such a policy is ever deleted, and only with --prune. */
  madeByLz: boolean;
}

export interface LivePolicies {
  /** The type's status on the root; undefined while there is no organization. */
  status?: 'ENABLED' | 'PENDING_ENABLE' | 'PENDING_DISABLE' | 'DISABLED';
  policies: LivePolicy[];
}

/** The root's policy types, read once per plan whichever policy kind asks first. */
function rootPolicyTypes(ctx: OrganizationReadContext): Promise<Map<string, string>> {
  return ctx.memo('organizations:root-policy-types', async () => {
    const out = await ctx.aws.management.organizations.send(new ListRootsCommand({}));
    const root = out.Roots?.find((r) => r.Id === ctx.snapshot.organization?.rootId) ?? out.Roots?.[0];
    return new Map((root?.PolicyTypes ?? []).map((t) => [t.Type ?? '', t.Status ?? '']));
  });
}

/**
 * A type's policies: listed once (ListPolicies by type), then each customer policy's document and targets
 * (DescribePolicy, ListTargetsForPolicy) and, for one the file does not name, its tags (was it lz's?). Reads
 * are per policy, never per account. AWS's allow-all policy is attached to every OU and account, so its
 * targets are read only when the file manages its attachments.
 */
export async function readPolicies(ctx: OrganizationReadContext, facts: PolicyTypeFacts, declared: { names: Set<string>; allowAll: boolean }): Promise<LivePolicies> {
  if (!ctx.snapshot.organization) return { policies: [] };
  const status = (await rootPolicyTypes(ctx)).get(facts.type) as LivePolicies['status'] | undefined;
  // A type neither enabled nor used by the file has nothing lz would plan.
  if (!status && declared.names.size === 0 && !declared.allowAll) return { status: 'DISABLED', policies: [] };
  const client = ctx.aws.management.organizations;
  const summaries = await listPolicies(client, facts.type);
  const policies = await Promise.all(
    summaries.map(async (s): Promise<LivePolicy> => {
      if (s.awsManaged) return { ...s, madeByLz: false, ...(declared.allowAll && s.name === facts.allowAll?.name ? { targetIds: await targetsOf(client, s.id) } : {}) };
      const [described, targetIds, madeByLz] = await Promise.all([
        client.send(new DescribePolicyCommand({ PolicyId: s.id })),
        targetsOf(client, s.id),
        declared.names.has(s.name) ? Promise.resolve(false) : madeByLzTag(client, s.id),
      ]);
      return { ...s, content: described.Policy?.Content ?? '', targetIds, madeByLz };
    }),
  );
  return { status: status ?? 'DISABLED', policies };
}

async function listPolicies(client: OrganizationsClient, type: PolicyType) {
  const out: { id: string; name: string; description: string; awsManaged: boolean }[] = [];
  for await (const page of paginateListPolicies({ client, pageSize: ORGANIZATIONS_PAGE }, { Filter: type })) {
    for (const p of page.Policies ?? []) if (p.Id) out.push({ id: p.Id, name: p.Name ?? '', description: p.Description ?? '', awsManaged: Boolean(p.AwsManaged) });
  }
  return out;
}

export async function targetsOf(client: OrganizationsClient, policyId: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of paginateListTargetsForPolicy({ client, pageSize: ORGANIZATIONS_PAGE }, { PolicyId: policyId })) {
    for (const t of page.Targets ?? []) if (t.TargetId) out.push(t.TargetId);
  }
  return out;
}

async function madeByLzTag(client: OrganizationsClient, policyId: string): Promise<boolean> {
  for await (const page of paginateListTagsForResource({ client }, { ResourceId: policyId })) if (hasManagedByTag(page.Tags)) return true;
  return false;
}
