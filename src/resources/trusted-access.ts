import { EnableAWSServiceAccessCommand, paginateListAWSServiceAccessForOrganization, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { isError } from '../aws/aws-errors.js';
import { ORGANIZATIONS_PAGE } from '../aws/quotas.js';
import type { Change, Unmanaged } from '../engine/plan.js';
import { CLOUDTRAIL_PRINCIPAL, IAM_PRINCIPAL, modelFor } from './organization-services.js';
import type { OrganizationReadContext, OrganizationResource } from './types.js';

export const serviceAccessAddress = (principal: string) => `service-access:${principal}`;

/** The principals lz enables trusted access for, and why (for the unmanaged report). */
const PURPOSE: Record<string, string> = {
  [CLOUDTRAIL_PRINCIPAL]: 'an organization trail (organization.trail)',
  [IAM_PRINCIPAL]: 'centralized root access (organization.rootAccess)',
};

export interface ServiceAccessAfter {
  principal: string;
}

/** The principals with trusted access, read once per plan whichever module asks first. */
export function serviceAccess(ctx: OrganizationReadContext): Promise<Set<string>> {
  return ctx.memo('organizations:service-access', () => readServiceAccess(ctx.aws.management.organizations));
}

/** ListAWSServiceAccessForOrganization: the principals with trusted access. */
async function readServiceAccess(org: OrganizationsClient): Promise<Set<string>> {
  const enabled = new Set<string>();
  try {
    for await (const page of paginateListAWSServiceAccessForOrganization({ client: org, pageSize: ORGANIZATIONS_PAGE }, {})) {
      for (const s of page.EnabledServicePrincipals ?? []) if (s.ServicePrincipal) enabled.add(s.ServicePrincipal);
    }
  } catch (err) {
    if (!isError(err, 'AWSOrganizationsNotInUseException')) throw err;
  }
  return enabled;
}

/**
 * Trusted access (Organizations EnableAWSServiceAccess) for the services the organization-level items
 * need: cloudtrail.amazonaws.com before an organization trail, iam.amazonaws.com before centralized root
 * access. lz never disables trusted access, not even with --prune: other tools (and AWS services set up
 * by hand) may rely on it; one the file no longer needs is reported.
 */
export const trustedAccess: OrganizationResource = {
  kind: 'service-access',
  scope: 'organization',

  async read(ctx) {
    if (!ctx.snapshot.organization) return new Set<string>();
    return serviceAccess(ctx);
  },

  plan(input) {
    const model = modelFor(input, '');
    const enabled = (input.live?.get('service-access') as Set<string> | undefined) ?? new Set<string>();
    const changes: Change[] = [];
    for (const principal of model.serviceAccess) {
      if (enabled.has(principal)) continue;
      const after: ServiceAccessAfter = { principal };
      changes.push({
        address: serviceAccessAddress(principal),
        kind: 'service-access',
        action: 'create',
        before: null,
        after,
        dependsOn: [],
      });
    }
    const unmanaged: Unmanaged[] = Object.keys(PURPOSE)
      .filter((p) => enabled.has(p) && !model.serviceAccess.includes(p))
      .map((p) => ({
        address: serviceAccessAddress(p),
        kind: 'service-access',
        description: `trusted access for ${p} is enabled; accounts.yaml asks for no ${PURPOSE[p]} (lz never disables trusted access)`,
      }));
    return { changes, unmanaged };
  },

  async apply(ctx, change) {
    const { principal } = change.after as ServiceAccessAfter;
    // Enabling what is already enabled succeeds: safe to re-run.
    await ctx.aws.management.organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: principal }));
  },
};
