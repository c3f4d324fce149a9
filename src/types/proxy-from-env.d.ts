// proxy-from-env ships no types: the one function lz uses.
declare module 'proxy-from-env' {
  /** The proxy for `url` from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY (either case), '' when NO_PROXY excludes it or none is set. */
  export function getProxyForUrl(url: string | URL): string;
}
