import { accounts } from './accounts.js';
import { accountClosure } from './account-closure.js';
import { accountAlias } from './account-alias.js';
import { alternateContacts } from './alternate-contacts.js';
import { billingAccess } from './billing-access.js';
import { budget } from './budget.js';
import { contactInformation } from './contact-information.js';
import { costExport } from './cost-export.js';
import { consoleMfa } from './console-mfa.js';
import { iamAdminGroup } from './iam-admin-group.js';
import { iamAdminUser } from './iam-admin-user.js';
import { deliveryBucketPolicies, deliveryBuckets } from './delivery-buckets.js';
import { mfaPolicy } from './mfa-policy.js';
import { organization } from './organization.js';
import { organizationTrail } from './organization-trail.js';
import { organizationalUnits } from './organizational-units.js';
import {
  aiServicesOptOutPolicies,
  backupPolicies,
  chatbotPolicies,
  declarativePolicies,
  resourceControlPolicies,
  serviceControlPolicies,
  tagPolicies,
} from './organization-policies/kinds.js';
import { identityCenter } from './identity-center/index.js';
import { passwordPolicy } from './password-policy.js';
import { optInRegions } from './regions.js';
import { rootAccess } from './root-access.js';
import { rootCredentials } from './root-credentials.js';
import { rootUser } from './root-user.js';
import { s3PublicAccessBlock } from './s3-public-access-block.js';
import { trustedAccess } from './trusted-access.js';
import { sectionsOf, type Registry } from '../core/module.js';

/**
 * Every kind lz manages. Adding a kind is one module file plus one line here; the planner, executor,
 * renderers, drift, import and the manifest loader iterate over this list and name no kind. The order is
 * the order the plan, the checklist and the drift report show them in, and the order of the sections in
 * accounts.yaml's schema.
 */
export const defaultRegistry: Registry = {
  organization: [
    organization,
    organizationalUnits,
    accounts,
    serviceControlPolicies,
    resourceControlPolicies,
    tagPolicies,
    backupPolicies,
    aiServicesOptOutPolicies,
    declarativePolicies,
    chatbotPolicies,
    accountClosure,
    trustedAccess,
    deliveryBuckets,
    deliveryBucketPolicies,
    organizationTrail,
    costExport,
    rootAccess,
    identityCenter,
  ],
  account: [iamAdminGroup, mfaPolicy, iamAdminUser, consoleMfa, passwordPolicy, accountAlias, s3PublicAccessBlock, budget, alternateContacts, contactInformation, optInRegions, rootUser, billingAccess, rootCredentials],
};

/** The manifest sections of every kind lz manages, for the loader. */
export const defaultSections = sectionsOf(defaultRegistry);
