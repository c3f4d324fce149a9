import { list, reqString, validationError } from '../../input.js';
import type { AccountRecord } from '../../state.js';
import type { OperationHandler } from '../../types.js';
import { accountOf, iamErrors } from './common.js';

/**
 * IAM OpenID Connect identity providers (CreateOpenIDConnectProvider and its Get/List/Delete), per account,
 * keyed by ARN. A provider is the principal a web-identity trust policy names; STS's
 * AssumeRoleWithWebIdentity looks the token's issuer up here (services/sts-web-identity.ts).
 */

export interface OidcProvider {
  arn: string;
  /** As registered, without https:// (GetOpenIDConnectProvider answers it that way). */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  createDate: string;
  tags: { Key: string; Value: string }[];
}

declare module './state.js' {
  interface IamAccountState {
    /** Absent in state files written before OIDC providers existed. */
    oidcProviders?: Record<string, OidcProvider>;
  }
}

/** IAM's quota: 100 OIDC providers per account. */
const MAX_PROVIDERS = 100;
const MAX_CLIENT_IDS = 100;
const MAX_THUMBPRINTS = 5;

export function oidcProviders(account: AccountRecord): Record<string, OidcProvider> {
  return (account.iam.oidcProviders ??= {});
}

/** The provider registered in `account` for an issuer URL (`https://host/path`), if any. */
export function oidcProviderForIssuer(account: AccountRecord, issuer: string): OidcProvider | undefined {
  const url = issuer.replace(/^https:\/\//, '').replace(/\/$/, '');
  return Object.values(oidcProviders(account)).find((p) => p.url === url);
}

function providerArnInput(input: Record<string, unknown>): string {
  const arn = reqString(input, 'OpenIDConnectProviderArn');
  if (arn.length < 20 || arn.length > 2048) {
    throw validationError(`1 validation error detected: Value '${arn}' at 'openIDConnectProviderArn' failed to satisfy constraint: Member must have length greater than or equal to 20`);
  }
  if (!/^arn:aws:iam::\d{12}:oidc-provider\/.+$/.test(arn)) throw iamErrors.invalidInput(`ARN ${arn} is not valid.`);
  return arn;
}

function getProvider(account: AccountRecord, arn: string): OidcProvider {
  const p = oidcProviders(account)[arn];
  if (!p) throw iamErrors.noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
  return p;
}

/** The URL AWS accepts: https, no query string, fragment or port, at most 255 characters. */
function checkUrl(url: string): string {
  if (url.length > 255) throw validationError(`1 validation error detected: Value '${url}' at 'url' failed to satisfy constraint: Member must have length less than or equal to 255`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw iamErrors.invalidInput(`Invalid Openid Connect Provider URL`);
  }
  if (parsed.protocol !== 'https:' || parsed.search || parsed.hash || parsed.port || parsed.username) throw iamErrors.invalidInput('Invalid Openid Connect Provider URL');
  return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/$/, '')}`;
}

function checkClientIds(ids: string[]): string[] {
  if (ids.length > MAX_CLIENT_IDS) throw iamErrors.limitExceeded(`Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${MAX_CLIENT_IDS}`);
  for (const id of ids) {
    if (id.length < 1 || id.length > 255) throw validationError(`1 validation error detected: Value '${id}' at 'clientIDList' failed to satisfy constraint: Member must have length less than or equal to 255`);
  }
  return [...new Set(ids)];
}

function checkThumbprints(prints: string[]): string[] {
  if (prints.length > MAX_THUMBPRINTS) throw iamErrors.limitExceeded(`Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: ${MAX_THUMBPRINTS}`);
  for (const t of prints) {
    if (t.length !== 40) throw validationError(`1 validation error detected: Value '${t}' at 'thumbprintList' failed to satisfy constraint: Member must have length greater than or equal to 40`);
  }
  return prints;
}

export const oidcProviderOperations: Record<string, OperationHandler> = {
  CreateOpenIDConnectProvider: (ctx, input) => {
    const account = accountOf(ctx);
    const url = checkUrl(reqString(input, 'Url'));
    const clientIds = checkClientIds(list<string>(input, 'ClientIDList'));
    // Optional since IAM verifies well-known issuers (GitHub's among them) through its trusted CAs.
    const thumbprints = checkThumbprints(list<string>(input, 'ThumbprintList'));
    const tags = list<{ Key: string; Value: string }>(input, 'Tags');
    if (tags.length > 50) throw iamErrors.limitExceeded('Cannot exceed quota for TagsPerOpenIdConnectProvider: 50');
    const providers = oidcProviders(account);
    const arn = `arn:aws:iam::${account.id}:oidc-provider/${url}`;
    if (providers[arn]) throw iamErrors.alreadyExists(`Provider with url https://${url} already exists.`);
    if (Object.keys(providers).length >= MAX_PROVIDERS) throw iamErrors.limitExceeded(`Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${MAX_PROVIDERS}`);
    providers[arn] = { arn, url, clientIds, thumbprints, createDate: ctx.runtime.now().toISOString(), tags };
    return { OpenIDConnectProviderArn: arn, Tags: tags.length > 0 ? tags : undefined };
  },
  GetOpenIDConnectProvider: (ctx, input) => {
    const p = getProvider(accountOf(ctx), providerArnInput(input));
    return { Url: p.url, ClientIDList: p.clientIds, ThumbprintList: p.thumbprints, CreateDate: new Date(p.createDate), Tags: p.tags.length > 0 ? p.tags : undefined };
  },
  ListOpenIDConnectProviders: (ctx) => ({
    OpenIDConnectProviderList: Object.keys(oidcProviders(accountOf(ctx)))
      .sort()
      .map((Arn) => ({ Arn })),
  }),
  // AWS: "This operation is idempotent; it does not fail or return an error if you call the operation for a
  // provider that does not exist."
  DeleteOpenIDConnectProvider: (ctx, input) => {
    delete oidcProviders(accountOf(ctx))[providerArnInput(input)];
    return {};
  },
};
