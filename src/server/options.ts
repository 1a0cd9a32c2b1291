import { Breakers, breakerPolicy } from './breaker.js';
import { assertValidCatalog, type Catalog } from './catalog.js';
import type { CheckoutHandlerOptions, Route } from './handler-types.js';
import type { RetryPolicy } from './job-runner.js';
import { Log } from './log.js';
import { httpOrigin } from './origins.js';
import type { PaymentProvider } from './provider-api/types.js';
import { rateLimitsOption, type RateLimits } from './rate-limit-options.js';
import { createMemoryStore } from './store/memory.js';
import { reportingOutages } from './store/outage.js';
import { STORE_TIMES } from './store/rules.js';
import type { CheckoutStore } from './store/types.js';
import { Telemetry } from './telemetry.js';
import { randomHex } from './web-crypto.js';

/** Where the handler answers when `basePath` is not set; the widget's `endpoint` is `{basePath}/sessions`. */
export const DEFAULT_BASE_PATH = '/api/checkout';

/** A job lease outlives a stalled event loop, and a dead process's work is taken over well within 30 s. */
const DEFAULT_PROVIDER_TIMEOUT_MS = 20_000;

/** `CheckoutHandlerOptions` checked, with every default filled in: what the handler's parts share. */
export interface HandlerConfig {
  providers: ReadonlyMap<string, PaymentProvider>;
  defaultProviderName: string;
  basePath: string;
  publicUrl: string | undefined;
  allowedOrigins: ReadonlySet<string> | undefined;
  /** `host` and `host:port` entries; undefined: loopback hosts only (unless `publicUrl` or `development`). */
  allowedHosts: ReadonlySet<string> | undefined;
  development: boolean;
  catalog: Catalog;
  store: CheckoutStore;
  providerTimeoutMs: number;
  jobLeaseMs: number;
  /** Structured records to the shop's `logger` (routes log through the request's own, with its id). */
  log: Log;
  /** Spans and metrics through `@opentelemetry/api`, when installed. */
  telemetry: Telemetry;
  now: () => number;
  isoNow: () => string;
  /** Unique per handler: the owner of the job leases and idempotency claims it takes. */
  instanceId: string;
  /** Take the public origin from `X-Forwarded-*` when there is no `publicUrl`. */
  trustProxy: boolean;
  /** Where a top-level return goes without a usable `Referer`, relative to the shop origin. */
  returnPage: string;
  /** The shop's hooks, as given. */
  shopper: CheckoutHandlerOptions['shopper'];
  onOrderPaid: CheckoutHandlerOptions['onOrderPaid'];
  onWebhook: CheckoutHandlerOptions['onWebhook'];
  onDeadLetter: CheckoutHandlerOptions['onDeadLetter'];
  hookRetry: RetryPolicy | undefined;
  /** The card-testing limits in force; `false`: none. */
  rateLimits: RateLimits | false;
  onSuspiciousActivity: CheckoutHandlerOptions['onSuspiciousActivity'];
  clientAddress: CheckoutHandlerOptions['clientAddress'];
  waitUntil: CheckoutHandlerOptions['waitUntil'];
  /** The shop's routing; undefined: every provider with its methods that take the cart's currency. */
  route: Route | undefined;
  /** The providers' circuit breakers, on the store. */
  breakers: Breakers;
}

/** Checks `options` (throwing a `TypeError` on a bad one) and fills in the defaults. */
export function resolveOptions(options: CheckoutHandlerOptions): HandlerConfig {
  if (!options || !Array.isArray(options.providers) || options.providers.length === 0) {
    throw new TypeError('createCheckoutHandler needs at least one provider in options.providers');
  }
  assertValidCatalog(options.catalog);
  const providers = providersByName(options.providers);
  const defaultProviderName = options.defaultProvider ?? options.providers[0]!.name;
  if (!providers.has(defaultProviderName)) {
    throw new TypeError(
      `defaultProvider "${defaultProviderName}" is not among the providers (${[...providers.keys()].join(', ')})`,
    );
  }
  const basePath = normaliseBasePath(options.basePath);
  const publicUrl = normalisePublicUrl(options.publicUrl);
  const allowedOrigins = options.allowedOrigins && new Set(options.allowedOrigins.map(originOption));
  const allowedHosts = options.allowedHosts && new Set(options.allowedHosts.map(hostOption));
  const development = options.development === true;
  const now = options.now ?? Date.now;
  const log = new Log(options.logger ?? console, now);
  if (!publicUrl) warnOfDerivedOrigin(log, allowedHosts, development);
  const telemetry = new Telemetry();
  if (options.route !== undefined && typeof options.route !== 'function') throw new TypeError('route must be a function');
  const store = reportingOutages(storeOption(options.store, log), telemetry);
  const providerTimeoutMs = options.providerTimeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
  const breakers = new Breakers({
    store,
    now,
    log,
    policy: breakerPolicy(options.breaker),
    probeLeaseMs: providerTimeoutMs + STORE_TIMES.claimLeaseBeyondProviderMs,
  });
  return {
    providers,
    defaultProviderName,
    basePath,
    publicUrl,
    allowedOrigins,
    allowedHosts,
    development,
    catalog: options.catalog,
    store,
    providerTimeoutMs,
    jobLeaseMs: jobLeaseOption(options.hookLeaseMs),
    log,
    telemetry,
    now,
    isoNow: () => new Date(now()).toISOString(),
    instanceId: randomHex(8),
    trustProxy: Boolean(options.trustProxy),
    returnPage: options.returnPage ?? '/',
    // Bound: a hook written as a method of the options still sees them as `this`.
    shopper: options.shopper?.bind(options),
    onOrderPaid: options.onOrderPaid?.bind(options),
    onWebhook: options.onWebhook?.bind(options),
    onDeadLetter: options.onDeadLetter?.bind(options),
    hookRetry: retryOption(options.hookRetry),
    rateLimits: rateLimitsOption(options.rateLimits),
    onSuspiciousActivity: options.onSuspiciousActivity?.bind(options),
    clientAddress: options.clientAddress?.bind(options),
    waitUntil: options.waitUntil,
    route: options.route?.bind(options),
    breakers,
  };
}

function providersByName(list: readonly PaymentProvider[]): Map<string, PaymentProvider> {
  const providers = new Map<string, PaymentProvider>();
  for (const provider of list) {
    if (providers.has(provider.name)) throw new TypeError(`Two providers are named "${provider.name}"`);
    providers.set(provider.name, provider);
  }
  return providers;
}

export function normaliseBasePath(basePath: string | undefined): string {
  const path = (basePath ?? DEFAULT_BASE_PATH).replace(/\/+$/, '');
  if (path !== '' && !path.startsWith('/')) throw new TypeError(`basePath must start with "/" (got "${basePath}")`);
  return path;
}

export function normalisePublicUrl(publicUrl: string | undefined): string | undefined {
  if (publicUrl === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new TypeError(`publicUrl must be an absolute URL (got "${publicUrl}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('publicUrl must be http or https');
  return url.href.replace(/\/+$/, '');
}

function originOption(value: string): string {
  const origin = httpOrigin(value);
  if (!origin) throw new TypeError(`allowedOrigins must hold http(s) origins (got "${value}")`);
  return origin;
}

function hostOption(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(`http://${value}`);
  } catch {
    url = undefined;
  }
  if (!url || url.host !== value.toLowerCase() || value === '') {
    throw new TypeError(`allowedHosts must hold host names, optionally with a port, such as "shop.example" or "shop.example:8443" (got "${value}")`);
  }
  return url.host;
}

/** Said once at start: where return and webhook URLs come from when `publicUrl` is not set. */
function warnOfDerivedOrigin(log: Log, allowedHosts: ReadonlySet<string> | undefined, development: boolean): void {
  if (development) {
    log.warn('config.development', 'development: return and webhook URLs follow each request\'s Host header. Never run production like this: set publicUrl.');
  } else if (!allowedHosts) {
    log.warn(
      'config.no_public_url',
      'no publicUrl: answering only requests to localhost/127.0.0.1 (other Hosts get 400 host_not_allowed). In production set publicUrl (or allowedHosts).',
    );
  }
}

function jobLeaseOption(hookLeaseMs: number | undefined): number {
  const leaseMs = hookLeaseMs ?? STORE_TIMES.jobLeaseMs;
  // Past 25 s a dead process's hook would not be picked up within the contract's 30 s.
  if (!(leaseMs >= 500 && leaseMs <= 25_000)) throw new TypeError(`hookLeaseMs must be from 500 to 25 000 ms (got ${hookLeaseMs})`);
  return leaseMs;
}

function retryOption(retry: RetryPolicy | undefined): RetryPolicy | undefined {
  for (const name of ['maxAttempts', 'maxAgeMs'] as const) {
    const value = retry?.[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw new TypeError(`hookRetry.${name} must be a whole number of at least 1 (got ${value})`);
  }
  return retry;
}

function storeOption(store: CheckoutStore | undefined, log: Log): CheckoutStore {
  if (store) return store;
  log.warn(
    'config.memory_store',
    'NO STORE GIVEN. Orders, idempotency keys and webhooks live only in this process\'s memory: a restart or a second instance loses payments. Pass `store: createSqliteStore({ path })` or `createPostgresStore({ connectionString })`.',
  );
  return createMemoryStore();
}
