import { accountStatus } from '../../accounts.js';
import { optInt, reqString, validationError } from '../../input.js';
import { evaluate } from '../../policy/evaluate.js';
import { stsNotYetActive } from '../../settling.js';
import { AwsError } from '../../types.js';
import type { OperationHandler } from '../../types.js';
import { oidcProviderForIssuer } from '../iam/index.js';
import { settleCreateAccountRequests } from '../organizations/index.js';
import { GITHUB_ISSUER, parseJwt, signedByGithubKey } from './github-issuer.js';
import { credentialsOf, mintSession, roleRequest } from './sessions.js';

/**
 * STS AssumeRoleWithWebIdentity for OIDC tokens, checked in AWS's order: a JWT; an IAM OIDC provider for its
 * issuer in the role's account; its audience among the provider's client ids; its signature (the sandbox can
 * verify GitHub's issuer only, github-issuer.ts); not expired; then the role's trust policy must allow
 * sts:AssumeRoleWithWebIdentity for the provider as a Federated principal, with the provider's `aud` and `sub`
 * condition keys, evaluated by the sandbox's policy engine.
 */

const invalidToken = (message: string) => new AwsError('InvalidIdentityToken', message, 400);
const notAuthorized = () => new AwsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

export const assumeRoleWithWebIdentity: OperationHandler = (ctx, input) => {
  const { state, runtime } = ctx;
  const { sessionName, accountId, path, roleName } = roleRequest(input);
  const token = reqString(input, 'WebIdentityToken');
  if (token.length < 4 || token.length > 20_000) {
    throw validationError(`1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length ${token.length < 4 ? 'greater than or equal to 4' : 'less than or equal to 20000'}`);
  }
  const jwt = parseJwt(token);
  if (!jwt) throw invalidToken('The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
  const { iss, sub, exp } = jwt.payload;

  settleCreateAccountRequests(state, runtime);
  const target = state.accounts[accountId];
  const provider = target && typeof iss === 'string' ? oidcProviderForIssuer(target, iss) : undefined;
  if (!provider) throw invalidToken(`No OpenIDConnect provider found in your account for ${String(iss)}`);
  const aud = audiences(jwt.payload.aud);
  const audience = aud.find((a) => provider.clientIds.includes(a));
  if (!audience) throw invalidToken('Incorrect token audience');
  if (iss !== GITHUB_ISSUER) {
    throw invalidToken("Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements");
  }
  if (!signedByGithubKey(state, jwt)) throw invalidToken('The ID Token provided could not be verified: its signature does not match the identity provider\'s keys');
  const nowSeconds = Math.floor(runtime.now().getTime() / 1000);
  if (typeof exp !== 'number' || nowSeconds >= exp) {
    throw new AwsError('ExpiredTokenException', `Token expired: current date/time ${nowSeconds} must be before the expiration date/time${String(exp)}`, 400);
  }
  if (typeof sub !== 'string' || sub === '') throw new AwsError('IDPRejectedClaim', 'The token has no sub claim', 403);

  const role = target!.iam.roles[roleName];
  if (!role || role.path !== path) throw notAuthorized();
  const context = new Map<string, string[]>([
    [`${provider.url}:aud`, [audience]],
    [`${provider.url}:sub`, [sub]],
    ['aws:federatedprovider', [provider.arn]],
  ]);
  const decision = evaluate([{ content: role.assumeRolePolicyDocument }], {
    action: 'sts:AssumeRoleWithWebIdentity',
    resource: role.arn,
    principal: { type: 'Federated', id: provider.arn },
    context,
  });
  if (decision.effect !== 'Allow') throw notAuthorized();
  if (accountStatus(target!, runtime.now()) !== 'ACTIVE') throw notAuthorized();
  const inactive = stsNotYetActive(state, runtime, accountId);
  if (inactive) throw inactive;
  if (role.assumableAfter && Date.parse(role.assumableAfter) > runtime.now().getTime()) throw notAuthorized();

  const requested = optInt(input, 'DurationSeconds', 900, 43200) ?? 3600;
  if (requested > role.maxSessionDuration) throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  const arn = `arn:aws:sts::${accountId}:assumed-role/${role.roleName}/${sessionName}`;
  const key = mintSession(state, runtime, { accountId, arn, kind: 'assumed-role', principalName: role.roleName }, requested);
  return {
    Credentials: credentialsOf(key),
    SubjectFromWebIdentityToken: sub,
    AssumedRoleUser: { AssumedRoleId: `${role.roleId}:${sessionName}`, Arn: arn },
    PackedPolicySize: 0,
    Provider: iss,
    Audience: audience,
  };
};
