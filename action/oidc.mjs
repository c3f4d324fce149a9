/**
 * GitHub's OIDC token for STS, and the file the AWS SDK reads it from (AWS_WEB_IDENTITY_TOKEN_FILE). GitHub's
 * tokens expire five minutes after they are issued; the SDK reads the file again whenever the role's
 * credentials near their end (an hour), so a run longer than that needs the file kept fresh (oidc-refresh.mjs).
 */
import { chmodSync, renameSync, writeFileSync } from 'node:fs';

/** A new token (audience sts.amazonaws.com); throws saying what GitHub answered instead. */
export async function requestToken(requestUrl, requestToken) {
  const url = new URL(requestUrl);
  url.searchParams.set('audience', 'sts.amazonaws.com');
  const res = await fetch(url, { headers: { authorization: `bearer ${requestToken}`, accept: 'application/json' } });
  if (!res.ok) throw new Error(`GitHub's OIDC token request returned HTTP ${res.status}.`);
  const token = (await res.json()).value;
  if (typeof token !== 'string' || token.split('.').length !== 3) throw new Error("GitHub's OIDC token request returned no token.");
  return token;
}

/** Replaces the token file in one step (written beside it, then renamed): the SDK may read it at any moment. */
export function writeTokenFile(file, token) {
  const next = `${file}.next`;
  writeFileSync(next, token, { mode: 0o600 });
  chmodSync(next, 0o600);
  renameSync(next, file);
}
