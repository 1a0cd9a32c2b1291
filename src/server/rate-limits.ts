/**
 * Card-testing defence: limits counted on the store (`RateLimitStore`), so they hold across every
 * handler on it. Creates and token posts per client address and in total per fixed minute
 * (`429 rate_limited` with `Retry-After`), and declined cards per session (the last one allowed
 * fails the session). Each limit, the first time it refuses in its window, calls the shop's
 * `onSuspiciousActivity`.
 */
import type { MiddlewareHandler } from 'hono';
import type { HandlerConfig } from './options.js';
import { errorAnswer } from './responses.js';
import type { CheckoutContext, CheckoutEnv } from './routes/context.js';
import type { SuspiciousActivity, SuspiciousActivityKind } from './rate-limit-options.js';

/** The limits' fixed window. */
const WINDOW_MS = 60_000;
/** How long a session's declines are counted: longer than any provider keeps a session open. */
const DECLINES_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The address of the client that sent `request`: with `trustProxy` the last `X-Forwarded-For`
 * entry (the one the proxy in front of the handler added), else the shop's `clientAddress` hook,
 * else the socket's address when Node's server passed it (`serveNode`, `toNodeListener`,
 * `checkoutMiddleware`). Undefined when none is known: the per-client limits then do not apply.
 */
export function clientAddress(c: CheckoutContext): string | undefined {
  const { config } = c.get('checkout');
  if (config.trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  const hooked = config.clientAddress?.(c.req.raw)?.trim();
  if (hooked) return hooked;
  return c.env?.incoming?.socket?.remoteAddress || undefined;
}

/** Refuses a create or a token post over a per-client or total limit with `429 rate_limited` and `Retry-After`. */
export function limitRequests(action: 'create' | 'token'): MiddlewareHandler<CheckoutEnv> {
  const warned = new Set<string>();
  return async (c, next) => {
    const { config } = c.get('checkout');
    const limits = config.rateLimits;
    if (!limits) return next();
    const now = config.now();
    const windowStart = now - (now % WINDOW_MS);
    const address = clientAddress(c);
    const perClient = limits[`${action}sPerClient`];
    const warnOnce = (why: string, message: string) => {
      if (warned.has(why)) return;
      warned.add(why);
      c.get('log').warn('config.rate_limit_address', message);
    };
    if (perClient !== false && !address) {
      warnOnce('no address', `the client address of a ${action} is unknown, so the per-client limit does not apply to it; pass clientAddress (edge runtimes) or trustProxy (behind a proxy)`);
    } else if (perClient !== false && !config.trustProxy && c.req.header('x-forwarded-for')) {
      warnOnce('proxy', 'requests carry X-Forwarded-For but trustProxy is off: the per-client limits count the address that connected (a proxy counts every shopper as one client); behind a proxy set trustProxy');
    }
    const checks: [SuspiciousActivityKind, string, number | false][] = [
      [`${action}s_per_client`, address ?? '', address ? perClient : false],
      [`${action}s_total`, 'total', limits[`${action}sTotal`]],
    ];
    for (const [kind, key, limit] of checks) {
      if (limit === false) continue;
      const count = await config.store.hitRateLimit(`${kind}:${key}`, windowStart, windowStart + 2 * WINDOW_MS);
      if (count <= limit) continue;
      // Once per key and window: a flood is one alert, not one per request.
      if (count === limit + 1) reportSuspicious(config, { kind, key, count, request: c.req.raw });
      const retryAfter = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
      return errorAnswer(c, 429, 'rate_limited', `Too many requests; try again in ${retryAfter} s`, undefined, { 'Retry-After': String(retryAfter) });
    }
    return next();
  };
}

/**
 * Counts a declined card of `sessionId`; true when it reached `declinesPerSession` (the caller fails
 * the session), which is reported to `onSuspiciousActivity`.
 */
export async function countDecline(config: HandlerConfig, sessionId: string, request: Request): Promise<boolean> {
  const limit = config.rateLimits && config.rateLimits.declinesPerSession;
  if (!limit) return false;
  const now = config.now();
  const count = await config.store.hitRateLimit(`declines_per_session:${sessionId}`, 0, now + DECLINES_KEPT_MS);
  if (count < limit) return false;
  if (count === limit) reportSuspicious(config, { kind: 'declines_per_session', key: sessionId, count, request });
  return true;
}

/**
 * Calls `onSuspiciousActivity` without holding up the answer. An alert, not durable work: a throw
 * is logged and it is not called again; a process that dies first does not call it.
 */
function reportSuspicious(config: HandlerConfig, activity: SuspiciousActivity): void {
  config.log.warn('rate_limit.tripped', `rate limit ${activity.kind} tripped by ${activity.key} (${activity.count})`, { count: activity.count });
  const hook = config.onSuspiciousActivity;
  if (!hook) return;
  const call = (async () => hook(activity))().catch((error: unknown) => config.log.error('hook.failed', 'onSuspiciousActivity threw', {}, error));
  config.waitUntil?.(call);
}
