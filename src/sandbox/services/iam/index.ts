import type { SandboxService } from '../../types.js';
import { accountSettingsOperations } from './account-settings.js';
import { authorizationDetailsOperations } from './authorization-details.js';
import { IAM_NAMESPACE } from './common.js';
import { iamResourceOf } from './identity-policies.js';
import { credentialReportOperations } from './credential-report.js';
import { credentialOperations } from './credentials.js';
import { groupOperations } from './groups.js';
import { iamOrganizationsFeatures, withRootUserBranch } from './organizations-features.js';
import { oidcProviderOperations } from './oidc-providers.js';
import { policyOperations } from './policies.js';
import { roleOperations } from './roles.js';
import { userCredentialOperations } from './user-credentials.js';
import { userOperations } from './users.js';

/**
 * IAM, per account (the caller's). Semantics follow AWS: case-insensitive unique names, DeleteConflict
 * while an entity still has dependants, five policy versions, two access keys per user, one account alias
 * (globally unique), a password policy that UpdateAccountPasswordPolicy replaces as a whole, and policy
 * documents returned URL-encoded as AWS returns them.
 */

export { ADMINISTRATOR_ACCESS_ARN } from './managed-policies.js';
export { mintAccessKeyId, mintSecret } from './common.js';
export { createRole, trustPolicyFor } from './roles.js';
export { createUser } from './users.js';
export { createGroup } from './groups.js';
export { createAccessKey } from './credentials.js';
export { oidcProviderForIssuer } from './oidc-providers.js';
export type { OidcProvider } from './oidc-providers.js';
export { CREDENTIAL_REPORT_COLUMNS, CREDENTIAL_REPORT_MAX_AGE_MS } from './credential-report.js';

export const iamService: SandboxService = {
  signingName: 'iam',
  protocol: 'awsQuery',
  xmlNamespace: IAM_NAMESPACE,
  resourceOf: iamResourceOf,
  operations: withRootUserBranch({
    ...userOperations,
    ...credentialOperations,
    ...userCredentialOperations,
    ...credentialReportOperations,
    ...groupOperations,
    ...policyOperations,
    ...roleOperations,
    ...authorizationDetailsOperations,
    ...accountSettingsOperations,
    ...iamOrganizationsFeatures,
    ...oidcProviderOperations,
  }),
  // GenerateCredentialReport changes no configuration (a plan calls it; tests assert a plan makes no write).
  isReadOnly: (operation) => /^(Get|List|Describe|Head)/.test(operation) || operation === 'GenerateCredentialReport',
};
