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

/** The `rateLimits` option: each limit a number, or `false` to turn it off. */
export interface RateLimitOptions {
  /**
   * Declined cards one card-token session may have: the decline that reaches it fails the session
   * (its order `failed`, that post and every later one answered `409 session_closed`). Default 5.
   */
  declinesPerSession?: number | false;
  /** Creates (`POST /sessions`) one client address may make per minute. Default 20. */
  createsPerClient?: number | false;
  /** Card-token posts (`POST /sessions/:id/token`) one client address may make per minute. Default 20. */
  tokensPerClient?: number | false;
  /** Creates per minute from all clients together (one instance or many). Default 1200. */
  createsTotal?: number | false;
  /** Card-token posts per minute from all clients together. Default 1200. */
  tokensTotal?: number | false;
}

/** The limits in force, every default filled in. */
export type RateLimits = { [Name in keyof RateLimitOptions]-?: number | false };

/** The defaults of `rateLimits` (README, "Security"). */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  declinesPerSession: 5,
  createsPerClient: 20,
  tokensPerClient: 20,
  createsTotal: 1200,
  tokensTotal: 1200,
};

/** What tripped, for `onSuspiciousActivity`. */
export type SuspiciousActivityKind = 'declines_per_session' | 'creates_per_client' | 'tokens_per_client' | 'creates_total' | 'tokens_total';

/** What `onSuspiciousActivity` gets: a limit refused for the first time in its window, or a session failed by its declines. */
export interface SuspiciousActivity {
  kind: SuspiciousActivityKind;
  /** The session id (`declines_per_session`), the client address (`…_per_client`) or `total`. */
  key: string;
  /** The count that tripped the limit: the limit plus one for a refused request, the limit for declines. */
  count: number;
  /** The request that tripped it (read its headers only: its body may be consumed). */
  request: Request;
}

const WINDOW_MS = 60_000;
/** How long a session's declines are counted: longer than any provider keeps a session open. */
const DECLINES_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

/** `rateLimits` checked, with the defaults filled in; `false`: every limit off. */
export function rateLimitsOption(option: RateLimitOptions | false | undefined): RateLimits | false {
  if (option === false) return false;
  const limits = { ...DEFAULT_RATE_LIMITS };
  for (const [name, value] of Object.entries(option ?? {}) as [keyof RateLimits, number | false | undefined][]) {
    if (!(name in DEFAULT_RATE_LIMITS)) throw new TypeError(`rateLimits.${name} is not a limit (use ${Object.keys(DEFAULT_RATE_LIMITS).join(', ')})`);
    if (value === undefined) continue;
    if (value !== false && !(Number.isInteger(value) && value >= 1)) throw new TypeError(`rateLimits.${name} must be a whole number of at least 1, or false (got ${value})`);
    limits[name] = value;
  }
  return limits;
}

/**
 * The address of the client that sent `request`: with `trustProxy` the last `X-Forwarded-For`
 * entry (the one the proxy in front of the handler added), else the shop's `clientAddress` hook,
 * else the socket's address when Node's server passed it (`serveNode`, `toNodeListener`,
 * `checkoutMiddleware`). Undefined when none is known: the per-client limits then do not apply.
 */
export function clientAddress(c: CheckoutContext): string | undefined {
  const { config } = c.var.checkout;
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
  let warnedOfNoAddress = false;
  return async (c, next) => {
    const { config } = c.var.checkout;
    const limits = config.rateLimits;
    if (!limits) return next();
    const now = config.now();
    const windowStart = now - (now % WINDOW_MS);
    const address = clientAddress(c);
    const perClient = limits[`${action}sPerClient`];
    if (perClient !== false && !address && !warnedOfNoAddress) {
      warnedOfNoAddress = true;
      config.logger.warn(
        `checkout: the client address of a ${action} is unknown, so the per-client limit does not apply to it; pass clientAddress (edge runtimes) or trustProxy (behind a proxy)`,
      );
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
  config.logger.warn(`checkout: rate limit ${activity.kind} tripped by ${activity.key} (${activity.count})`);
  const hook = config.onSuspiciousActivity;
  if (!hook) return;
  const call = (async () => hook(activity))().catch((error: unknown) => config.logger.error('checkout: onSuspiciousActivity threw', error));
  config.waitUntil?.(call);
}
