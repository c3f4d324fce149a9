/**
 * Authorization of a request, after authentication and before its handler, as AWS evaluates policies for a
 * principal in its own account: an explicit Deny in any policy wins; then the organization's service control
 * policies must allow the action at every level from the root down to the account; then, for IAM users and
 * roles, an identity-based policy must allow it. Root users have no identity-based policies (only SCPs bind
 * them). Resource-based, session (other than AssumeRoot's task policies, see withRootSessionPolicy),
 * permissions-boundary and VPC endpoint policies are not evaluated (docs/sandbox.md).
 */
import type { AccountRecord, SandboxState } from './state.js';
import { evaluate } from './policy/evaluate.js';
import type { Decision, PolicyRequest, PolicySource } from './policy/evaluate.js';
import { identityPolicies, iamResourceTags, principalTags, roleArnOf, rolePathOf } from './services/iam/identity-policies.js';
import { policiesByLevel } from './services/organizations/policy-path.js';
import { AwsError } from './types.js';
import type { Caller, OperationContext, SandboxService } from './types.js';

/** The IAM action of an operation: the service's own mapping, or signingName:Operation. */
export function actionOf(service: SandboxService, operation: string): string {
  return service.actionOf ? service.actionOf(operation) : `${service.signingName}:${operation}`;
}

const PRINCIPAL_TYPE: Record<Caller['kind'], string> = { user: 'User', 'assumed-role': 'AssumedRole', root: 'Account' };

function addTags(context: Map<string, string[]>, prefix: string, tags: { Key: string; Value: string }[]): void {
  for (const t of tags) context.set(`${prefix}${t.Key.toLowerCase()}`, [t.Value]);
}

/** The global condition keys the sandbox knows for a request (lower-cased, as conditions compare them). */
function requestContext(state: SandboxState, account: AccountRecord | undefined, ctx: OperationContext, input: Record<string, unknown>, service: SandboxService): Map<string, string[]> {
  const { caller } = ctx;
  const now = ctx.runtime.now();
  const context = new Map<string, string[]>([
    ['aws:requestedregion', [ctx.region]],
    ['aws:principalaccount', [caller.accountId]],
    ['aws:principaltype', [PRINCIPAL_TYPE[caller.kind]]],
    ['aws:principalisawsservice', ['false']],
    ['aws:currenttime', [now.toISOString()]],
    ['aws:epochtime', [String(Math.floor(now.getTime() / 1000))]],
  ]);
  const principalArn = caller.kind === 'assumed-role' ? roleArnOf(account, caller) : caller.arn;
  context.set('aws:principalarn', [principalArn]);
  if (caller.kind === 'user') context.set('aws:username', [caller.principalName]);
  const org = state.organization;
  if (org?.members[caller.accountId]) context.set('aws:principalorgid', [org.id]);
  if (account) addTags(context, 'aws:principaltag/', principalTags(account, caller));
  if (service.signingName === 'iam') addTags(context, 'aws:resourcetag/', iamResourceTags(account, input));
  return context;
}

/** The SCPs' decision for a caller in a member account; undefined when none bind it. */
function scpDecision(state: SandboxState, account: AccountRecord | undefined, caller: Caller, req: PolicyRequest): Decision | undefined {
  const org = state.organization;
  // SCPs never bind the management account, nor service-linked roles.
  if (!org || caller.accountId === org.managementAccountId || !org.members[caller.accountId]) return undefined;
  if (caller.kind === 'assumed-role' && rolePathOf(account, caller).startsWith('/aws-service-role/')) return undefined;
  const levels = policiesByLevel(org, caller.accountId, 'SERVICE_CONTROL_POLICY');
  if (!levels) return undefined;
  let implicit: Decision | undefined;
  for (const level of levels) {
    const sources: PolicySource[] = level.map((p) => ({ content: p.content, arn: p.arn }));
    const d = evaluate(sources, req);
    if (d.effect === 'Deny') return d;
    if (d.effect === 'None') implicit ??= d;
  }
  return implicit ?? { effect: 'Allow', by: { content: '' } };
}

function refusal(service: SandboxService, caller: Caller, req: PolicyRequest, reason: string): AwsError {
  const on = req.resource === '*' ? '' : ` on resource: ${req.resource}`;
  const json = service.protocol === 'awsJson1_1' || service.protocol === 'restJson1';
  return new AwsError(json ? 'AccessDeniedException' : 'AccessDenied', `User: ${caller.arn} is not authorized to perform: ${req.action}${on} ${reason}`, 403);
}

/** Why the request is refused (an AccessDenied in the service's protocol), or undefined when it is allowed. */
export function authorize(service: SandboxService, operation: string, input: Record<string, unknown>, ctx: OperationContext): AwsError | undefined {
  const action = actionOf(service, operation);
  // No policy can deny GetCallerIdentity (AWS: "no permissions are required").
  if (action === 'sts:GetCallerIdentity') return undefined;
  const { state, caller } = ctx;
  const account = state.accounts[caller.accountId];
  const resource = service.resourceOf?.(operation, input, ctx) ?? '*';
  const req: PolicyRequest = { action, resource, context: requestContext(state, account, ctx, input, service) };
  const scp = scpDecision(state, account, caller, req);
  const identity = account ? identityPolicies(account, caller) : undefined;
  const id = identity ? evaluate(identity, req) : undefined;
  if (scp?.effect === 'Deny') return refusal(service, caller, req, `with an explicit deny in a service control policy: ${scp.by.arn}`);
  if (id?.effect === 'Deny') return refusal(service, caller, req, `with an explicit deny in an identity-based policy${id.by.arn ? `: ${id.by.arn}` : ''}`);
  if (scp?.effect === 'None') return refusal(service, caller, req, `because no service control policy allows the ${action} action`);
  if (id?.effect === 'None') return refusal(service, caller, req, `because no identity-based policy allows the ${action} action`);
  return undefined;
}
