import { accounts } from './accounts.js';
import { accountAlias } from './account-alias.js';
import { alternateContacts } from './alternate-contacts.js';
import { billingAccess } from './billing-access.js';
import { budget } from './budget.js';
import { contactInformation } from './contact-information.js';
import { costExport } from './cost-export.js';
import { consoleMfa } from './console-mfa.js';
import { iamAdminGroup } from './iam-admin-group.js';
import { iamAdminUser } from './iam-admin-user.js';
import { logArchiveBucket, logArchiveBucketPolicy } from './log-archive-bucket.js';
import { mfaPolicy } from './mfa-policy.js';
import { organization } from './organization.js';
import { organizationTrail } from './organization-trail.js';
import { organizationalUnits } from './organizational-units.js';
import { passwordPolicy } from './password-policy.js';
import { rootAccess } from './root-access.js';
import { rootCredentials } from './root-credentials.js';
import { rootUser } from './root-user.js';
import { trustedAccess } from './trusted-access.js';
import type { AccountResource, OrganizationResource, ResourceKind } from './types.js';

/**
 * Every kind lz manages. Adding a baseline item is one module file plus one line here; the planner,
 * executor, renderer and drift code do not change. Order matters only for display.
 */
export interface Registry {
  organization: OrganizationResource[];
  account: AccountResource[];
}

export const defaultRegistry: Registry = {
  organization: [organization, organizationalUnits, accounts, trustedAccess, logArchiveBucket, logArchiveBucketPolicy, organizationTrail, costExport, rootAccess],
  account: [iamAdminGroup, mfaPolicy, iamAdminUser, consoleMfa, passwordPolicy, accountAlias, budget, alternateContacts, contactInformation, rootUser, billingAccess, rootCredentials],
};

export function moduleFor(registry: Registry, kind: string): ResourceKind {
  const found = [...registry.organization, ...registry.account].find((m) => m.kind === kind);
  if (!found) throw new Error(`No resource module for kind ${kind}`);
  return found;
}
