/** The Organizations resource an operation names (an account, OU, root or policy), as policies see its ARN. */
import type { OperationContext } from '../../types.js';
import { PATTERNS, accountArn, ouArn } from './model.js';

export function organizationsResourceOf(_operation: string, input: Record<string, unknown>, ctx: OperationContext): string {
  const org = ctx.state.organization;
  if (!org) return '*';
  const id = [input.AccountId, input.OrganizationalUnitId, input.PolicyId, input.TargetId, input.ResourceId].find((v): v is string => typeof v === 'string');
  if (!id) return '*';
  if (PATTERNS.accountId.test(id)) return accountArn(org, id);
  if (PATTERNS.ouId.test(id)) return ouArn(org, id);
  if (id === org.rootId) return org.rootArn;
  return org.policies?.[id]?.arn ?? '*';
}
