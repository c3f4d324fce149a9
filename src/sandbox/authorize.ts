/**
 * Authorization of a request, after authentication and before its handler, as AWS evaluates policies for a
 * principal in its own account: an explicit Deny in any policy wins; then the organization's service control
 * policies must allow the action at every level from the root down to the account; then, for IAM users and
 * roles, an identity-based policy must allow it. Root users have no identity-based policies (only SCPs bind
 * them). Resource control policies bind the S3 buckets and IAM roles (for sts:AssumeRole) of member accounts,
 * whoever calls. Resource-based, session (other than AssumeRoot's task policies, see withRootSessionPolicy),
 * permissions-boundary and VPC endpoint policies are not evaluated (docs/sandbox.md).
 */
import type { AccountRecord, SandboxState } from './state.js';
import { evaluate } from './policy/evaluate.js';
import type { Decision, PolicyRequest } from './policy/evaluate.js';
import { identityPolicies, iamResourceTags, principalTags, roleArnOf, rolePathOf } from './services/iam/identity-policies.js';
import { policiesByLevel } from './services/organizations/policy-path.js';
import type { PolicyType } from './services/organizations/state.js';
import { findBucket } from './services/s3/index.js';
import { AwsError } from './types.js';
import type { Caller, OperationContext, SandboxService } from './types.js';

/** The IAM action of an operation: the service's own mapping, or signingName:Operation. */
export function actionOf(service: SandboxService, operation: string): string {
  return service.actionOf ? service.actionOf(operation) : `${service.signingName}:${operation}`;
}

const PRINCIPAL_TYPE: Record<Caller['kind'], string> = { user: 'User', 'assumed-role': 'AssumedRole', root: 'Account', anonymous: 'Anonymous' };

function addTags(context: Map<string, string[]>, prefix: string, tags: { Key: string; Value: string }[]): void {
  for (const t of tags) context.set(`${prefix}${t.Key.toLowerCase()}`, [t.Value]);
}

/** The global condition keys the sandbox knows for a request (lower-cased, as conditions compare them). */
function requestContext(state: SandboxState, account: AccountRecord | undefined, ctx: OperationContext, operation: string, input: Record<string, unknown>, service: SandboxService): Map<string, string[]> {
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
  if (caller.kind !== 'anonymous') context.set('aws:principalarn', [principalArn]);
  if (caller.kind === 'user') context.set('aws:username', [caller.principalName]);
  // Present only in a privileged session sts:AssumeRoot started (AWS's sample SCPs exempt those with Null).
  if (caller.kind === 'root' && state.accessKeys[caller.accessKeyId]?.taskPolicyArn) context.set('aws:assumedroot', ['true']);
  const org = state.organization;
  if (org?.members[caller.accountId]) context.set('aws:principalorgid', [org.id]);
  if (account) addTags(context, 'aws:principaltag/', principalTags(account, caller));
  if (service.signingName === 'iam') addTags(context, 'aws:resourcetag/', iamResourceTags(account, input));
  for (const [key, values] of Object.entries(service.conditionKeysOf?.(operation, input) ?? {})) context.set(key, values);
  return context;
}

/**
 * The decision of an organization policy type (SCPs, RCPs) for a member account: an Allow must hold at every
 * level from the root down to the account, and a Deny at any level wins. Undefined when none applies (the type
 * is not enabled, or the account is the management account or no member: neither SCPs nor RCPs bind those).
 */
function organizationDecision(state: SandboxState, accountId: string, type: PolicyType, req: PolicyRequest): Decision | undefined {
  const org = state.organization;
  if (!org || accountId === org.managementAccountId || !org.members[accountId]) return undefined;
  const levels = policiesByLevel(org, accountId, type);
  if (!levels) return undefined;
  let implicit: Decision | undefined;
  for (const level of levels) {
    const d = evaluate(
      level.map((p) => ({ content: p.content, arn: p.arn })),
      req,
    );
    if (d.effect === 'Deny') return d;
    if (d.effect === 'None') implicit ??= d;
  }
  return implicit ?? { effect: 'Allow', by: { content: '' } };
}

/** The services whose resources RCPs govern (AWS: S3, STS, KMS, SQS, Secrets Manager; the sandbox serves the first two). */
const RCP_SERVICES = new Set(['s3', 'sts', 'kms', 'sqs', 'secretsmanager']);

/** The account that owns the resource a request acts on, when the sandbox knows it. */
function resourceAccount(state: SandboxState, resource: string): string | undefined {
  const s3 = /^arn:aws:s3:::([^/]+)/.exec(resource);
  if (s3) return findBucket(state, s3[1]!)?.owner.id;
  return /^arn:aws:[\w-]+:[\w-]*:(\d{12}):/.exec(resource)?.[1];
}

function refusal(service: SandboxService, caller: Caller, req: PolicyRequest, reason: string): AwsError {
  // S3 quotes the resource ARN in its messages; the other services do not.
  const resource = service.signingName === 's3' ? `"${req.resource}"` : req.resource;
  const on = req.resource === '*' ? '' : ` on resource: ${resource}`;
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
  const req: PolicyRequest = { action, resource, context: requestContext(state, account, ctx, operation, input, service) };
  // Service-linked roles are bound by neither SCPs nor RCPs.
  const serviceLinked = caller.kind === 'assumed-role' && rolePathOf(account, caller).startsWith('/aws-service-role/');
  const scp = serviceLinked ? undefined : organizationDecision(state, caller.accountId, 'SERVICE_CONTROL_POLICY', req);
  const owner = !serviceLinked && RCP_SERVICES.has(action.slice(0, action.indexOf(':'))) ? resourceAccount(state, resource) : undefined;
  const rcp = owner ? organizationDecision(state, owner, 'RESOURCE_CONTROL_POLICY', req) : undefined;
  const identity = account ? identityPolicies(account, caller) : undefined;
  const id = identity ? evaluate(identity, req) : undefined;
  if (scp?.effect === 'Deny') return refusal(service, caller, req, `with an explicit deny in a service control policy: ${scp.by.arn}`);
  if (rcp?.effect === 'Deny') return refusal(service, caller, req, `with an explicit deny in a resource control policy: ${rcp.by.arn}`);
  if (id?.effect === 'Deny') return refusal(service, caller, req, `with an explicit deny in an identity-based policy${id.by.arn ? `: ${id.by.arn}` : ''}`);
  if (scp?.effect === 'None') return refusal(service, caller, req, `because no service control policy allows the ${action} action`);
  if (rcp?.effect === 'None') return refusal(service, caller, req, `because no resource control policy allows the ${action} action`);
  if (id?.effect === 'None') return refusal(service, caller, req, `because no identity-based policy allows the ${action} action`);
  return undefined;
}
