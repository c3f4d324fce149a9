import { isError } from '../../aws/aws-errors.js';
import { defineOrganizationKind, postureOutcome, type PostureCheck } from '../../core/module.js';
import { reads, writes } from '../../core/permissions.js';
import { iamAdminSection } from '../iam-admin-user.js';
import { AUTHORIZATION_DETAILS_READ, CREDENTIAL_REPORT_READ, authorizationDetails, credentialReport, findUser, sameName } from '../iam-reads.js';
import { applyIdentityCenterChange } from './apply.js';
import { importIdentityCenter, importNotes } from './import.js';
import { readIdentityCenter, type IdentityCenterLive } from './live.js';
import { KIND, identityCenterPayload, identityCenterRegion, planIdentityCenter, type IdentityCenterPayload } from './plan.js';
import { desiredAssignments, identityCenterOf, identityCenterSection } from './section.js';

/**
 * People come in through IAM Identity Center once an account has assignments: any IAM user with a console
 * password there other than the break-glass administrator lz keeps (iamAdmin.user) is a way around it.
 */
const consoleUsersBesideIdentityCenter: PostureCheck<undefined> = {
  id: 'identity-center-console-users',
  title: 'Where Identity Center assigns access, no IAM user but the break-glass administrator has a console password',
  async evaluate({ account, manifest, ctx }) {
    const config = identityCenterOf(manifest.manifest);
    if (!desiredAssignments(config, [account]).length) return undefined;
    const breakGlass = iamAdminSection.of(account)?.user;
    const [report, details] = await Promise.all([credentialReport(ctx), authorizationDetails(ctx)]);
    const users = report.users
      .filter((r) => r.passwordEnabled === true && findUser(details, r.user) && !(breakGlass && sameName(r.user, breakGlass)))
      .map((r) => r.user)
      .sort();
    return postureOutcome(users, 'only the break-glass administrator signs in with a password', `IAM users with console passwords beside Identity Center: ${users.join(', ')}`);
  },
};

/** IAM Identity Center: permission sets, groups lz creates, and account assignments (docs/identity-center.md). */
export const identityCenter = defineOrganizationKind<IdentityCenterLive | undefined, IdentityCenterPayload>({
  kind: KIND,
  permissions: {
    management: [
      reads(
        'sso:ListInstances',
        'sso:ListPermissionSets',
        'sso:DescribePermissionSet',
        'sso:ListTagsForResource',
        'sso:ListManagedPoliciesInPermissionSet',
        'sso:ListCustomerManagedPolicyReferencesInPermissionSet',
        'sso:GetInlinePolicyForPermissionSet',
        'sso:GetPermissionsBoundaryForPermissionSet',
        'sso:ListAccountsForProvisionedPermissionSet',
        'sso:ListAccountAssignments',
        'sso:ListAccountAssignmentsForPrincipal',
        'sso:DescribeAccountAssignmentCreationStatus',
        'sso:DescribeAccountAssignmentDeletionStatus',
        'sso:DescribePermissionSetProvisioningStatus',
        'identitystore:GetGroupId',
        'identitystore:GetUserId',
        'identitystore:DescribeGroup',
        'identitystore:DescribeUser',
      ),
      writes(
        'sso:CreatePermissionSet',
        'sso:UpdatePermissionSet',
        'sso:DeletePermissionSet',
        'sso:AttachManagedPolicyToPermissionSet',
        'sso:DetachManagedPolicyFromPermissionSet',
        'sso:AttachCustomerManagedPolicyReferenceToPermissionSet',
        'sso:DetachCustomerManagedPolicyReferenceFromPermissionSet',
        'sso:PutInlinePolicyToPermissionSet',
        'sso:DeleteInlinePolicyFromPermissionSet',
        'sso:PutPermissionsBoundaryToPermissionSet',
        'sso:DeletePermissionsBoundaryFromPermissionSet',
        'sso:TagResource',
        'sso:UntagResource',
        'sso:ProvisionPermissionSet',
        'sso:CreateAccountAssignment',
        'sso:DeleteAccountAssignment',
        'identitystore:CreateGroup',
      ),
      {
        ...writes('iam:CreateRole', 'iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:GetRole'),
        resource: 'arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*',
        madeByAws: "provisioning a permission set in the management account creates its role with the caller's permissions (IAM Identity Center User Guide, \"Permission sets for the management account\")",
      },
    ],
    // The posture check: console users in the accounts the file assigns access in.
    account: [AUTHORIZATION_DETAILS_READ, CREDENTIAL_REPORT_READ],
  },
  sections: [identityCenterSection],
  payload: identityCenterPayload,

  async read(ctx) {
    if (!ctx.snapshot.organization) return undefined;
    const config = identityCenterOf(ctx.manifest.manifest);
    // Without the section only --prune and import look for what lz made; a role without sso:* then means none.
    if (!config && !ctx.prune) return undefined;
    const principals = new Map((config?.assignments ?? []).map((a) => [`${a.group !== undefined ? 'GROUP' : 'USER'}:${a.group ?? a.user}`, { type: a.group !== undefined ? ('GROUP' as const) : ('USER' as const), name: (a.group ?? a.user)! }]));
    const read = readIdentityCenter({
      clients: ctx.aws.management,
      region: identityCenterRegion({ manifest: ctx.manifest, region: ctx.aws.options.region }),
      memo: ctx.memo,
      declared: new Set((config?.permissionSets ?? []).map((s) => s.name)),
      principals: [...principals.values()],
    });
    if (config) return read;
    return read.catch((err: unknown) => {
      if (isError(err, 'AccessDeniedException')) return undefined;
      throw err;
    });
  },

  plan: (input, live) => planIdentityCenter(input, live),
  apply: (ctx, change) => applyIdentityCenterChange(ctx, change.payload),
  posture: [consoleUsersBesideIdentityCenter],
  toManifest: (live, input) => importIdentityCenter(live, input),
  importNotes: (live) => importNotes(live),
});
