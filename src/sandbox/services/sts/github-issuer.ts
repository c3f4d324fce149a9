import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import type { SandboxState } from '../../state.js';

/**
 * GitHub Actions' OIDC issuer, as the sandbox plays it. AWS verifies a GitHub token against the keys GitHub
 * publishes; the sandbox cannot fetch them, so it holds its own RS256 key for that issuer (made on first use,
 * kept in the state file with the other secrets) and mints the tokens a workflow would get. A token signed
 * with any other key fails verification as a forged one would on AWS.
 */

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
/** The audience GitHub's token request names for AWS (aws-actions/configure-aws-credentials' default). */
export const STS_AUDIENCE = 'sts.amazonaws.com';

declare module '../../state.js' {
  interface SandboxState {
    /** The signing key of GitHub's issuer (PKCS#8 PEM) and its key id; absent until first used. */
    githubOidcKey?: { kid: string; privateKeyPem: string };
  }
}

export interface OidcTokenRequest {
  /** e.g. repo:OWNER/REPO:pull_request, repo:OWNER/REPO:ref:refs/heads/main */
  sub: string;
  /** Default sts.amazonaws.com. */
  aud?: string;
  /** Lifetime from now (default 300 s). Negative values mint an expired token. */
  expiresInSeconds?: number;
  /** Other claims (repository, ref, ...), added as given. */
  claims?: Record<string, unknown>;
}

export interface JwtParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signed: string;
  signature: Buffer;
}

/** The issuer's key, made (about 0.3 s of CPU) and stored in the state the first time it is needed. */
export function githubOidcKey(state: SandboxState): { kid: string; privateKeyPem: string } {
  if (!state.githubOidcKey) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = publicKey.export({ type: 'spki', format: 'der' });
    state.githubOidcKey = {
      kid: createHash('sha256').update(der).digest('hex').slice(0, 40),
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  }
  return state.githubOidcKey;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** A token as GitHub would issue it to a workflow run, signed with the sandbox's key for GitHub's issuer. */
export function mintGithubOidcToken(state: SandboxState, now: Date, req: OidcTokenRequest): string {
  const key = githubOidcKey(state);
  const iat = Math.floor(now.getTime() / 1000);
  const repository = /^repo:([^:]+):/.exec(req.sub)?.[1];
  const payload = {
    jti: randomUUID(),
    sub: req.sub,
    aud: req.aud ?? STS_AUDIENCE,
    ...(repository ? { repository, repository_owner: repository.split('/')[0] } : {}),
    ...req.claims,
    iss: GITHUB_ISSUER,
    nbf: iat - 5,
    iat,
    exp: iat + (req.expiresInSeconds ?? 300),
  };
  const signed = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: key.kid }))}.${b64url(JSON.stringify(payload))}`;
  return `${signed}.${b64url(sign('sha256', Buffer.from(signed), createPrivateKey(key.privateKeyPem)))}`;
}

function jsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A compact JWS's three parts, or undefined when the text is not one. */
export function parseJwt(token: string): JwtParts | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  const header = jsonPart(parts[0]!);
  const payload = jsonPart(parts[1]!);
  if (!header || !payload) return undefined;
  return { header, payload, signed: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
}

/** Whether the sandbox's GitHub key signed the token (RS256 only, as GitHub signs). */
export function signedByGithubKey(state: SandboxState, jwt: JwtParts): boolean {
  if (jwt.header.alg !== 'RS256' || !state.githubOidcKey) return false;
  const publicKey = createPublicKey(createPrivateKey(state.githubOidcKey.privateKeyPem));
  return verify('sha256', Buffer.from(jwt.signed), publicKey, jwt.signature);
}
