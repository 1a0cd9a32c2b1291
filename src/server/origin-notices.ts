import type { MiddlewareHandler } from 'hono';
import { httpOrigin, ownOrigin } from './origins.js';
import type { CheckoutEnv } from './routes/context.js';

/** How many refused origins one handler remembers (and so logs); past that it logs no new ones. */
export const MAX_NOTICED_ORIGINS = 100;

/**
 * Two set-up mistakes that otherwise fail in silence, each logged once (per origin, in bounded
 * memory) with the option that fixes it:
 * - `cors.origin_refused`: a page on another origin calls the session routes, and that origin is
 *   not in `allowedOrigins`; the browser then sees no CORS headers and the widget only
 *   `endpoint_unreachable`.
 * - `config.origin_mismatch`: no `publicUrl`, and the page's own origin (a same-origin request's
 *   `Origin`/`Referer`, as `Sec-Fetch-Site: same-origin` vouches) or the proxy's `X-Forwarded-Host`
 *   differs from the origin the handler derived: return and webhook URLs would point at the wrong place.
 * One per handler: each `createCheckoutHandler` has its own memory.
 */
export function noticeOrigins(): MiddlewareHandler<CheckoutEnv> {
  const told = new Set<string>();
  const once = (key: string): boolean => {
    if (told.has(key) || told.size >= MAX_NOTICED_ORIGINS) return false;
    told.add(key);
    return true;
  };
  return async (c, next) => {
    const { config } = c.get('checkout');
    const request = c.req.raw;
    const headers = request.headers;
    const derived = ownOrigin(config, request);
    const site = headers.get('sec-fetch-site');
    const origin = httpOrigin(headers.get('origin'));
    const forwarded = forwardedOriginOf(request);
    if (!config.publicUrl) {
      const page = site === 'same-origin' ? (origin ?? httpOrigin(headers.get('referer'))) : undefined;
      const seen = page ?? forwarded;
      if (seen && seen !== derived && once(`mismatch ${seen}`)) {
        const trust = forwarded && !config.trustProxy ? ` (or trustProxy: true: your proxy sends X-Forwarded-Host ${new URL(forwarded).host})` : '';
        c.get('log').warn(
          'config.origin_mismatch',
          `the page is on ${seen}, but with no publicUrl this handler derived its origin as ${derived} (from the request's ${config.trustProxy ? 'X-Forwarded-* headers' : 'Host'}), so its return and webhook URLs would point there. Behind a proxy set createCheckoutHandler({ publicUrl: '${seen}' })${trust}.`,
          { origin: seen, derived },
        );
      }
    }
    const sessions = new URL(request.url).pathname.startsWith(`${config.basePath}/sessions`);
    if (sessions && origin && site !== 'same-origin' && origin !== derived && origin !== forwarded && !config.allowedOrigins?.has(origin) && once(`cors ${origin}`)) {
      c.get('log').warn(
        'cors.origin_refused',
        `a page on ${origin} called ${request.method} ${new URL(request.url).pathname}, but ${origin} is not in allowedOrigins, so the browser refuses the answer (CORS) and the widget reports endpoint_unreachable. If the page is yours: createCheckoutHandler({ allowedOrigins: ['${origin}'] })`,
        { origin },
      );
    }
    await next();
  };
}

/** The origin a proxy says the browser used, when it says (a proxied same-origin call is no CORS call). */
function forwardedOriginOf(request: Request): string | undefined {
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'http' ? 'http' : 'https';
  return host ? httpOrigin(`${proto}://${host}`) : undefined;
}
