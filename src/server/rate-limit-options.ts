/** The `rateLimits` option, its defaults, and what `onSuspiciousActivity` gets (README, "Security"). */

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
