import { optInt, reqString, validationError } from '../../input.js';
import type { IamRole } from '../iam/state.js';
import { AwsError } from '../../types.js';
import type { Caller, OperationHandler, SandboxService } from '../../types.js';
import { credentialsOf, mintSession, roleRequest } from './sessions.js';
import { assumeRoleWithWebIdentity } from './web-identity.js';
import { settleCreateAccountRequests } from '../organizations/index.js';
import { stsNotYetActive } from '../../settling.js';
import { accountStatus } from '../../accounts.js';
import { ROOT_SESSIONS, ROOT_TASK_POLICIES, organizationFeatureEnabled } from '../iam/organizations-features.js';

/**
 * STS: GetCallerIdentity, AssumeRole with trust-policy checks, IAM propagation delay and expiry, AssumeRoot, and
 * AssumeRoleWithWebIdentity (web-identity.ts), the one operation AWS serves unsigned.
 */

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

function accessDenied(caller: Caller, roleArn: string): AwsError {
  return new AwsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
}

function asArray(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function actionMatches(pattern: unknown): boolean {
  return asArray(pattern).some((a) => typeof a === 'string' && /^(\*|sts:\*|sts:assumerole)$/i.test(a));
}

/** The principal strings that name `caller` in a trust policy. */
function callerPrincipals(caller: Caller): Set<string> {
  const names = new Set([caller.accountId, `arn:aws:iam::${caller.accountId}:root`, caller.arn, '*']);
  if (caller.kind === 'assumed-role') names.add(`arn:aws:iam::${caller.accountId}:role/${caller.principalName}`);
  return names;
}

/** Does the role's trust policy allow `caller` to assume it? (Allow statements only; a Deny wins.) */
export function trustAllows(role: IamRole, caller: Caller): boolean {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(role.assumeRolePolicyDocument) as { Statement?: unknown };
  } catch {
    return false;
  }
  const names = callerPrincipals(caller);
  let allowed = false;
  for (const s of asArray(doc.Statement) as { Effect?: string; Action?: unknown; Principal?: unknown }[]) {
    if (!s || !actionMatches(s.Action)) continue;
    const principal = s.Principal;
    const aws = principal === '*' ? ['*'] : asArray((principal as { AWS?: unknown } | undefined)?.AWS);
    if (!aws.some((p) => typeof p === 'string' && names.has(p))) continue;
    if (s.Effect === 'Deny') return false;
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

const operations: Record<string, OperationHandler> = {
  GetCallerIdentity: (ctx) => {
    const { caller, state } = ctx;
    const account = state.accounts[caller.accountId];
    let userId = caller.accountId;
    if (caller.kind === 'user') userId = account?.iam.users[caller.principalName]?.userId ?? caller.accessKeyId;
    if (caller.kind === 'assumed-role') {
      const role = account?.iam.roles[caller.principalName];
      const session = caller.arn.split('/').pop() ?? '';
      userId = `${role?.roleId ?? caller.accessKeyId}:${session}`;
    }
    return { UserId: userId, Account: caller.accountId, Arn: caller.arn };
  },

  AssumeRole: (ctx, input) => {
    const { caller, state, runtime } = ctx;
    const { roleArn, sessionName, accountId, path, roleName } = roleRequest(input);
    // An account whose CreateAccount request has completed exists from then on, whoever asks first.
    settleCreateAccountRequests(state, runtime);
    const target = state.accounts[accountId];
    const role = target?.iam.roles[roleName];
    if (!role || role.path !== path || !trustAllows(role, caller)) throw accessDenied(caller, roleArn);
    // An account being closed (PENDING_CLOSURE) or closed (SUSPENDED) can't be entered: AWS answers as for a role it won't let you assume.
    if (accountStatus(target!, runtime.now()) !== 'ACTIVE') throw accessDenied(caller, roleArn);
    const inactive = stsNotYetActive(state, runtime, accountId);
    if (inactive) throw inactive;
    const now = runtime.now();
    if (role.assumableAfter && Date.parse(role.assumableAfter) > now.getTime()) throw accessDenied(caller, roleArn);

    const chaining = caller.kind === 'assumed-role';
    const requested = optInt(input, 'DurationSeconds', 900, 43200) ?? 3600;
    if (chaining && requested > 3600) {
      throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    }
    if (requested > role.maxSessionDuration) throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');

    const arn = `arn:aws:sts::${accountId}:assumed-role/${role.roleName}/${sessionName}`;
    const key = mintSession(state, runtime, { accountId, arn, kind: 'assumed-role', principalName: role.roleName }, requested);
    return {
      Credentials: credentialsOf(key),
      AssumedRoleUser: { AssumedRoleId: `${role.roleId}:${sessionName}`, Arn: arn },
      PackedPolicySize: 0,
    };
  },

  /**
   * AssumeRoot: from the management account (not its root user), with centralized root sessions enabled
   * (IAM EnableOrganizationsRootSessions), into a member account; the session is the member's root user,
   * scoped by the root-task policy (see withRootSessionPolicy) for at most 900 seconds.
   */
  AssumeRoot: (ctx, input) => {
    const { caller, state, runtime } = ctx;
    const target = reqString(input, 'TargetPrincipal');
    const policyArn = (input.TaskPolicyArn as { arn?: unknown } | undefined)?.arn;
    if (typeof policyArn !== 'string' || policyArn === '') {
      throw validationError("1 validation error detected: Value null at 'taskPolicyArn' failed to satisfy constraint: Member must not be null");
    }
    const duration = optInt(input, 'DurationSeconds', 0, 900) ?? 900;
    const denied = (why: string) => new AwsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRoot on resource: ${target}: ${why}`, 403);
    if (!ROOT_TASK_POLICIES[policyArn]) throw validationError(`The TaskPolicyArn ${policyArn} is not a root task policy (arn:aws:iam::aws:policy/root-task/...).`);
    const m = /^(?:arn:aws:iam::)?(\d{12})(?::root)?$/.exec(target);
    if (!m) throw validationError(`1 validation error detected: Value '${target}' at 'targetPrincipal' failed to satisfy constraint: Member must be an account id or the ARN of an account's root user`);
    const accountId = m[1]!;
    if (caller.kind === 'root') throw denied('root user credentials cannot call AssumeRoot');
    settleCreateAccountRequests(state, runtime);
    const org = state.organization;
    if (!org || org.managementAccountId !== caller.accountId) throw denied('only the management account of an organization can call AssumeRoot');
    if (!organizationFeatureEnabled(org, ROOT_SESSIONS)) throw denied('centralized root sessions (RootSessions) are not enabled for the organization');
    if (accountId === org.managementAccountId || !org.members[accountId] || !state.accounts[accountId]) throw denied('the target is not a member account of the organization');

    const key = mintSession(state, runtime, { accountId, arn: `arn:aws:iam::${accountId}:root`, kind: 'root', principalName: accountId, taskPolicyArn: policyArn }, duration);
    return { Credentials: credentialsOf(key) };
  },

  AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
};

export const stsService: SandboxService = {
  signingName: 'sts',
  protocol: 'awsQuery',
  xmlNamespace: STS_NAMESPACE,
  operations,
  // The AssumeRole family acts on the role it names (SCPs and RCPs may name it).
  resourceOf: (operation, input) => (operation.startsWith('AssumeRole') && typeof input.RoleArn === 'string' ? input.RoleArn : '*'),
  // IAM's documented key for AssumeRoot: policies grant it for named task policies only.
  conditionKeysOf: (operation, input): Record<string, string[]> => {
    const arn = (input.TaskPolicyArn as { arn?: unknown } | undefined)?.arn;
    return operation === 'AssumeRoot' && typeof arn === 'string' ? { 'sts:taskpolicyarn': [arn] } : {};
  },
  // The SDK sends it without a signature: the web identity token is the credential.
  unsignedOperations: ['AssumeRoleWithWebIdentity'],
  // Nothing STS does changes a resource: a plan may assume roles.
  isReadOnly: () => true,
};
