import type { OperationContext, OperationHandler, SandboxService } from '../../types.js';
import { instanceOf, ssoPage, type Input } from './access.js';
import { assignmentOperations } from './assignments.js';
import { permissionSetOperations } from './permission-sets.js';
import { settleIdentityCenter } from './provisioning.js';
import { identityCenter } from './state.js';
import type { IdentityCenterState } from './state.js';

/**
 * SSO Admin (awsJson1_1, signing name `sso`, `SWBExternalService.*`): the organization's IAM Identity Center
 * instance, its permission sets, provisioning and account assignments. Only the management account, in the
 * instance's Region, may administer it (delegated administrators are not modelled).
 */

function instanceShape(ic: IdentityCenterState) {
  return { InstanceArn: ic.instanceArn, IdentityStoreId: ic.identityStoreId, OwnerAccountId: ic.ownerAccountId, CreatedDate: new Date(ic.createdDate), Status: 'ACTIVE' };
}

function listInstances(ctx: OperationContext, input: Input) {
  const ic = identityCenter(ctx.state, ctx.runtime.now());
  // Other accounts and other Regions see no instance of their own (account instances are not modelled).
  const visible = ic && ic.ownerAccountId === ctx.caller.accountId && ic.region === ctx.region ? [instanceShape(ic)] : [];
  const page = ssoPage(visible, input);
  return { Instances: page.items, NextToken: page.NextToken };
}

/** Every call first settles the requests whose time has come, so what it reads is what AWS would show by then. */
export function settlingFirst(handler: OperationHandler): OperationHandler {
  return (ctx, input) => {
    if (settleIdentityCenter(ctx.state, ctx.runtime)) ctx.runtime.persist();
    return handler(ctx, input);
  };
}

const operations: Record<string, OperationHandler> = {
  ListInstances: listInstances,
  DescribeInstance: (ctx, input) => instanceShape(instanceOf(ctx, input)),
  ...permissionSetOperations,
  ...assignmentOperations,
};

export const ssoAdmin: SandboxService = {
  signingName: 'sso',
  protocol: 'awsJson1_1',
  targetPrefix: 'SWBExternalService',
  operations: Object.fromEntries(Object.entries(operations).map(([name, handler]) => [name, settlingFirst(handler)])),
};
