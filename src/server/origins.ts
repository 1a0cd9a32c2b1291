import { RETURN_RESULT_PARAM, RETURN_SESSION_PARAM } from '../core/protocol.js';

/** The origin of an http(s) URL, or undefined for anything else (including the `null` origin). */
export function httpOrigin(value: string | null): string | undefined {
  if (!value || value === 'null') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** An http(s) page URL (a `Referer`) without its fragment and without an earlier checkout outcome. */
export function httpUrl(value: string | null): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    url.hash = '';
    // A reloaded return page still carries the last outcome: it must not come back twice.
    url.searchParams.delete(RETURN_SESSION_PARAM);
    url.searchParams.delete(RETURN_RESULT_PARAM);
    return url.href;
  } catch {
    return undefined;
  }
}

/** What the origin checks read of the handler's configuration (`HandlerConfig`, options.ts, has it). */
interface OriginConfig {
  publicUrl: string | undefined;
  allowedOrigins: ReadonlySet<string> | undefined;
  allowedHosts: ReadonlySet<string> | undefined;
  development: boolean;
  trustProxy: boolean;
}

/**
 * Where browsers reach this handler: `publicUrl`, else (`trustProxy`) the proxy's forwarded origin,
 * else the request's. The last two come from the client (its `Host`), so they are used only when
 * `hostAllowed` passes them; `refuseUntrustedHost` turns every other request away first.
 */
export function ownOrigin(config: OriginConfig, request: Request): string {
  if (config.publicUrl) return new URL(config.publicUrl).origin;
  if (config.trustProxy) {
    const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
    const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
    const forwarded = host && (proto === 'http' || proto === 'https') ? httpOrigin(`${proto}://${host}`) : undefined;
    if (forwarded) return forwarded;
  }
  return new URL(request.url).origin;
}

/** `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]`: a browser on this machine. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === '[::1]';
}

/**
 * May this request's own origin (derived from its `Host` or forwarded host) be used for return and
 * webhook URLs? Always with `publicUrl` (nothing is derived) or `development`; else only a host in
 * `allowedHosts`, or without that list a loopback one: a client's `Host` never picks where a
 * shopper is sent.
 */
export function hostAllowed(config: OriginConfig, request: Request): boolean {
  if (config.publicUrl || config.development) return true;
  const { host, hostname } = new URL(ownOrigin(config, request));
  if (config.allowedHosts) return config.allowedHosts.has(host) || config.allowedHosts.has(hostname);
  return isLoopback(hostname);
}

/** The handler's own absolute URL: its origin and base path. */
export function baseUrl(config: OriginConfig & { basePath: string }, request: Request): string {
  return `${config.publicUrl ?? ownOrigin(config, request)}${config.basePath}`;
}

/** The shop's origin as this request claims it, when it is one the handler may return to. */
export function claimedShopOrigin(config: OriginConfig, request: Request, claimed: string | undefined): string | undefined {
  if (!claimed) return undefined;
  if (config.allowedOrigins) return config.allowedOrigins.has(claimed) ? claimed : undefined;
  // Only the origin `ownOrigin` vouches for: with `publicUrl`, a request's own `Host` is not one.
  return claimed === ownOrigin(config, request) ? claimed : undefined;
}

/** The `returnPage` option on the shop's origin (default its `/`). */
export function defaultReturnPage(config: { returnPage: string }, shopOrigin: string): string {
  return new URL(config.returnPage, `${shopOrigin}/`).href;
}
