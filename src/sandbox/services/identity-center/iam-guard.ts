import type { OperationHandler, SandboxService } from '../../types.js';
import { AwsError } from '../../types.js';
import { RESERVED_ROLE_PATH } from './provisioning.js';
import { settlingFirst } from './sso-admin.js';

/**
 * What Identity Center changes in IAM: IAM's calls settle its due requests first (a reader of a reserved
 * role needs no SSO Admin poll), and the reserved roles are AWS's alone. AWS refuses any change to them
 * through IAM, whoever asks: "Cannot perform the operation on the protected role 'AWSReservedSSO_…' - this
 * role is only modifiable by AWS" (UnmodifiableEntity).
 */

const ROLE_WRITES = new Set([
  'DeleteRole',
  'UpdateRole',
  'UpdateRoleDescription',
  'UpdateAssumeRolePolicy',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'PutRolePolicy',
  'DeleteRolePolicy',
  'TagRole',
  'UntagRole',
  'PutRolePermissionsBoundary',
  'DeleteRolePermissionsBoundary',
]);

function protectingReservedRoles(operation: string, handler: OperationHandler): OperationHandler {
  if (!ROLE_WRITES.has(operation)) return handler;
  return (ctx, input) => {
    const name = typeof input.RoleName === 'string' ? input.RoleName.toLowerCase() : undefined;
    const roles = ctx.state.accounts[ctx.caller.accountId]?.iam.roles ?? {};
    const role = Object.values(roles).find((r) => r.roleName.toLowerCase() === name);
    if (role?.path.startsWith(RESERVED_ROLE_PATH)) {
      throw new AwsError('UnmodifiableEntity', `Cannot perform the operation on the protected role '${role.roleName}' - this role is only modifiable by AWS`, 400);
    }
    return handler(ctx, input);
  };
}

export function withIdentityCenterRoles(iam: SandboxService): SandboxService {
  return {
    ...iam,
    operations: Object.fromEntries(Object.entries(iam.operations).map(([name, handler]) => [name, settlingFirst(protectingReservedRoles(name, handler))])),
  };
}
