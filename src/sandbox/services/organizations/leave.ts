/**
 * LeaveOrganization: a member account removes itself. As on AWS the management account can't (it deletes the
 * organization instead), and an account Organizations created can't leave until it has what a standalone
 * account needs (a verified phone, a payment method, the customer agreement), which only its root user can
 * add in the console: the sandbox models none of that, so a created account is always refused.
 * An invited account leaves, and with it its tags and its policy attachments.
 */
import { AwsError } from '../../types.js';
import type { OperationContext } from '../../types.js';
import { ERRORS, callerOrg } from './model.js';

export function leaveOrganization(ctx: OperationContext): Record<string, never> {
  const org = callerOrg(ctx);
  const accountId = ctx.caller.accountId;
  if (accountId === org.managementAccountId) {
    throw new AwsError(
      'MasterCannotLeaveOrganizationException',
      "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account.",
      400,
    );
  }
  if (org.members[accountId]!.joinedMethod === 'CREATED') {
    throw ERRORS.constraint(
      'ACCOUNT_CANNOT_LEAVE_WITHOUT_PHONE_VERIFICATION',
      "You attempted to remove an account from the organization that doesn't yet have enough information to exist as a standalone account. This account requires you to first complete phone verification.",
    );
  }
  delete org.members[accountId];
  delete org.tags[accountId];
  for (const policy of Object.values(org.policies ?? {})) policy.targets = policy.targets.filter((t) => t !== accountId);
  return {};
}
