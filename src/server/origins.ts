import type { HandlerConfig } from './options.js';

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
    url.searchParams.delete('checkout_session');
    url.searchParams.delete('checkout_result');
    return url.href;
  } catch {
    return undefined;
  }
}

type OriginConfig = Pick<HandlerConfig, 'publicUrl' | 'allowedOrigins' | 'options'>;

/** Where browsers reach this handler: `publicUrl`, else (`trustProxy`) the proxy's forwarded origin, else the request's. */
export function ownOrigin(config: OriginConfig, request: Request): string {
  if (config.publicUrl) return new URL(config.publicUrl).origin;
  if (config.options.trustProxy) {
    const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
    const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
    const forwarded = host && (proto === 'http' || proto === 'https') ? httpOrigin(`${proto}://${host}`) : undefined;
    if (forwarded) return forwarded;
  }
  return new URL(request.url).origin;
}

/** The handler's own absolute URL: its origin and base path. */
export function baseUrl(config: OriginConfig & Pick<HandlerConfig, 'basePath'>, request: Request): string {
  return `${config.publicUrl ?? ownOrigin(config, request)}${config.basePath}`;
}

/** The shop's origin as this request claims it, when it is one the handler may return to. */
export function claimedShopOrigin(config: OriginConfig, request: Request, claimed: string | undefined): string | undefined {
  if (!claimed) return undefined;
  if (config.allowedOrigins) return config.allowedOrigins.has(claimed) ? claimed : undefined;
  const own = [new URL(request.url).origin, ownOrigin(config, request)];
  return own.includes(claimed) ? claimed : undefined;
}

/** The `returnPage` option on the shop's origin (default its `/`). */
export function defaultReturnPage(config: OriginConfig, shopOrigin: string): string {
  return new URL(config.options.returnPage ?? '/', `${shopOrigin}/`).href;
}
