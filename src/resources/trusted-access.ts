import { EnableAWSServiceAccessCommand, paginateListAWSServiceAccessForOrganization, type OrganizationsClient } from '@aws-sdk/client-organizations';
import * as z from 'zod';
import { ignoreCodes } from '../aws/aws-errors.js';
import { ORGANIZATIONS_PAGE } from '../aws/quotas.js';
import { defineOrganizationKind, type OrganizationReadContext } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import type { Change, Unmanaged } from '../core/plan.js';
import { ACCOUNT_PRINCIPAL, identityNeedsTrustedAccess } from './account-identity.js';
import { CLOUDTRAIL_PRINCIPAL, IAM_PRINCIPAL, servicesModel } from './organization-services.js';

export const serviceAccessAddress = (principal: string) => `service-access:${principal}`;


/** The principals lz enables trusted access for, and why (for the unmanaged report). */
const PURPOSE: Record<string, string> = {
  [CLOUDTRAIL_PRINCIPAL]: 'organization trail (organization.trail)',
  [IAM_PRINCIPAL]: 'centralized root access (organization.rootAccess)',
};

/** The principals with trusted access, read once per plan whichever module asks first. */
export function serviceAccess(ctx: OrganizationReadContext): Promise<Set<string>> {
  return ctx.memo('organizations:service-access', () => readServiceAccess(ctx.aws.management.organizations));
}

/** ListAWSServiceAccessForOrganization: the principals with trusted access (none without an organization). */
async function readServiceAccess(org: OrganizationsClient): Promise<Set<string>> {
  const list = async () => {
    const enabled = new Set<string>();
    for await (const page of paginateListAWSServiceAccessForOrganization({ client: org, pageSize: ORGANIZATIONS_PAGE }, {})) {
      for (const s of page.EnabledServicePrincipals ?? []) if (s.ServicePrincipal) enabled.add(s.ServicePrincipal);
    }
    return enabled;
  };
  return (await ignoreCodes(list(), ['AWSOrganizationsNotInUseException'])) ?? new Set<string>();
}

/** Apply's instruction: the service principal to enable trusted access for. */
const payload = z.strictObject({ principal: z.string() });
type Payload = z.output<typeof payload>;

/**
 * Trusted access (Organizations EnableAWSServiceAccess) for the services the organization-level items
 * need: cloudtrail.amazonaws.com before an organization trail, iam.amazonaws.com before centralized root
 * access, account.amazonaws.com before a member account is renamed or its root email changed (only while
 * such a change is planned: it is not reported once done, as nothing in the file asks for it). lz never disables trusted access, not even with --prune: other tools (and AWS services set up
 * by hand) may rely on it; one the file no longer needs is reported.
 */
export const trustedAccess = defineOrganizationKind<Set<string>, Payload>({
  kind: 'service-access',
  permissions: {
    management: [
      reads('organizations:ListAWSServiceAccessForOrganization'),
      writes('organizations:EnableAWSServiceAccess'),
      { ...writes('iam:CreateServiceLinkedRole'), madeByAws: "Organizations and the trusted service create the service's service-linked role with the caller's permissions" },
    ],
  },
  payload,

  async read(ctx) {
    if (!ctx.snapshot.organization) return new Set<string>();
    return serviceAccess(ctx);
  },

  plan(input, live) {
    const managementId = input.snapshot.organization?.managementAccountId ?? input.snapshot.callerAccountId;
    const wanted = [...servicesModel(input).serviceAccess, ...(identityNeedsTrustedAccess(input.matches, managementId, new Date()) ? [ACCOUNT_PRINCIPAL] : [])];
    const enabled = live ?? new Set<string>();
    const changes: Change<Payload>[] = wanted
      .filter((principal) => !enabled.has(principal))
      .map((principal) => ({
        address: serviceAccessAddress(principal),
        kind: 'service-access',
        action: 'create',
        before: null,
        after: { principal },
        payload: { principal },
        dependsOn: [],
      }));
    const unmanaged: Unmanaged[] = Object.keys(PURPOSE)
      .filter((p) => enabled.has(p) && !wanted.includes(p))
      .map((p) => ({
        address: serviceAccessAddress(p),
        kind: 'service-access',
        description: `trusted access for ${p} is enabled; accounts.yaml asks for no ${PURPOSE[p]} (lz never disables trusted access)`,
      }));
    return { changes, unmanaged };
  },

  async apply(ctx, { payload: { principal } }) {
    // Enabling what is already enabled succeeds: safe to re-run.
    await ctx.aws.management.organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: principal }));
  },
});
