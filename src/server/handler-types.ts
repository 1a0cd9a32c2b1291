import type { CheckoutSession } from '../core/protocol.js';
import type { CartItem, Catalog, PricedCart } from './catalog.js';
import type { RetryPolicy } from './job-runner.js';
import type { CheckoutLogger } from './log.js';
import type { RateLimitOptions, SuspiciousActivity } from './rate-limit-options.js';
import type { CustomerInput, PaymentProvider, ProviderCharge, VerifiedWebhook } from './provider-api/types.js';
import type { CheckoutStore, Job, ListJobsQuery, ListOrdersQuery, Order } from './store/types.js';
import type { BreakerPolicy, ProviderBreakers } from './breaker.js';

/**
 * What `onWebhook` gets besides the event: the session or charge it names, re-read from the
 * provider rather than taken from the payload.
 */
export interface WebhookContext {
  /** The session the event names, re-read from the provider; absent when it names none or the provider does not know it. */
  session?: CheckoutSession;
  /** The charge the event names, re-read from the provider. */
  charge?: ProviderCharge;
}

/** What the shop's `shopper` hook knows of the signed-in shopper. */
export interface Shopper {
  customer?: CustomerInput;
  /** Existing unpaid invoices this shopper may pay through the create body's `invoice`. */
  invoices?: readonly string[];
}

/** One candidate `route` returns: a method at a provider. */
export interface RouteCandidate {
  /** One of the provider's method ids (`card`, `blik`, …). */
  method: string;
  /** A configured provider's `name`. */
  provider: string;
}

/** What `route` is given for one cart. */
export interface RouteInput {
  /** Priced by the server catalog. */
  cart: PricedCart;
  /** What the shop's `shopper` hook said (undefined: a guest, or no hook). */
  shopper: Shopper | undefined;
  /** ISO 3166 alpha-2, upper case: the shopper's customer country, else the create body's; undefined when neither names one. */
  country: string | undefined;
  /** The browser's request (headers such as `CF-IPCountry`, for a shop that trusts its edge). */
  request: Request;
}

/** `createCheckoutHandler({ route })`: the ordered candidates for a cart; the first of a method is tried first. */
export type Route = (input: RouteInput) => readonly RouteCandidate[] | Promise<readonly RouteCandidate[]>;

/** `handler.charge(…)`: a saved payment method charged without a checkout (refills, on-demand billing). */
export interface ChargeRequest {
  /** Default: the handler's default provider. */
  provider?: string;
  /** The saved payment method: `order.paymentMethod` of the recurring checkout that saved it. */
  paymentMethod: string;
  /** Priced from the catalog, like a checkout. */
  items: CartItem[];
  customer?: CustomerInput;
  /** Required: the same key never charges twice, on any instance. */
  idempotencyKey: string;
}

/** Options of `createCheckoutHandler`: its providers and catalog, where it keeps orders, and the shop's hooks. */
export interface CheckoutHandlerOptions {
  providers: PaymentProvider[];
  /** Name of the provider used when the create body names none. Default: the first. */
  defaultProvider?: string;
  /**
   * Routing (docs/protocol.md, "Methods, routing and failover"): the ordered candidates
   * `[{ method, provider }]` for a cart. The chooser offers their methods once each; a create
   * tries the candidates of its method in order, moving on when one fails in a way another can
   * fix. Default: every provider (`defaultProvider` first) with each of its `methods` that takes
   * the cart's currency. A candidate naming no configured provider, or a method it does not
   * offer, is left out (and logged).
   */
  route?: Route;
  /** When a failing provider is skipped by every handler on the store, and for how long. Default 5 failures in 30 s, 30 s. */
  breaker?: BreakerPolicy;
  catalog: Catalog;
  /** Default `/api/checkout`. */
  basePath?: string;
  /**
   * Absolute base URL that browsers and providers reach this handler at (return and webhook URLs).
   * Set it in production. Without it the URLs are derived from each request's `Host` (or, with
   * `trustProxy`, the forwarded host), which a client chooses: that is allowed only for hosts in
   * `allowedHosts`, or, without that list, for loopback hosts (`localhost`, `127.0.0.1`); any other
   * request is answered `400 host_not_allowed`.
   */
  publicUrl?: string;
  /**
   * Without `publicUrl`: the hosts (`shop.example`, or with a port `shop.example:8443`) whose
   * requests may derive return and webhook URLs from their `Host`. Others get `400 host_not_allowed`.
   */
  allowedHosts?: string[];
  /**
   * Trust any request's `Host` for return and webhook URLs (a dev server reached by a LAN address
   * or a tunnel). Never in production: anyone could make a shopper's return go to their own site.
   * Default false.
   */
  development?: boolean;
  /**
   * Behind a reverse proxy that sets `X-Forwarded-Proto` and `X-Forwarded-Host` (and strips them
   * from what clients send): take the handler's public origin from them when `publicUrl` is not
   * set. Off by default: without such a proxy, anyone could send them. Default false.
   */
  trustProxy?: boolean;
  /** Shop page for a top-level return when the create request carried no usable `Referer`. Default `/` of the shop origin. */
  returnPage?: string;
  /**
   * Origins of shop pages the return bridge may send shoppers back to and post its message to.
   * The create request's `Origin`/`Referer` is used only when listed, so nobody can turn the
   * shop's return link into a redirect to another site. The session routes answer these origins'
   * CORS requests too. Default: the handler's own origin (and `publicUrl`'s), no CORS.
   */
  allowedOrigins?: string[];
  /**
   * Where orders, session records, idempotency keys and webhooks live (docs/protocol.md, "State rules"):
   * `createSqliteStore`, `createPostgresStore`. Default: this process's memory, with a warning.
   */
  store?: CheckoutStore;
  /**
   * Called once an order is `paid` (fulfil it here). Retried with backoff while it throws, picked
   * up by another handler on the store when this process dies, never called again once it returned.
   */
  onOrderPaid?: (order: Order) => void | Promise<void>;
  /** Called for each verified webhook event, after it was stored and answered; retried like `onOrderPaid`. */
  onWebhook?: (event: VerifiedWebhook, provider: string, context: WebhookContext) => void | Promise<void>;
  /**
   * Who is buying, from the shop's own login (its session cookie, a token): never from the body.
   * Its `customer` replaces the create body's `customer`; its `invoices` are the only existing
   * invoices the request may pay (a body's `invoice` not listed is refused with 403, so no caller
   * can pay, and so look at, another customer's invoice by name). Undefined: a guest, who may pay
   * no invoice and whose body `customer` is passed on without a `handle`. Without this hook every
   * caller is treated as a guest who may name a handle (no logins: the demo).
   */
  shopper?: (request: Request) => Shopper | undefined | Promise<Shopper | undefined>;
  /**
   * A job (a stored webhook, `onOrderPaid`, `onWebhook`) given up as a dead letter after
   * `hookRetry.maxAttempts` failed attempts or `hookRetry.maxAgeMs`: it is `dead`, logged at error
   * level, and stays in the store until `handler.jobs.retry(id)`. Called once, by the handler that
   * gave it up, for the shop's own alerting; a throw is logged, not retried (the dead job is still
   * listed by `handler.jobs.list({ status: 'dead' })`).
   */
  onDeadLetter?: (job: Job) => void | Promise<void>;
  /**
   * Backoff of hook retries, and when a job is given up (`dead`). Default: first after 1 s,
   * doubling up to 5 min; dead on the 20th failed attempt or a failure 3 days after it was enqueued.
   */
  hookRetry?: RetryPolicy;
  /**
   * How long a process holds a hook (or webhook) it runs, renewed while it runs; after a crash
   * another handler on the store takes it over this much later. Default 20 000 ms.
   */
  hookLeaseMs?: number;
  /**
   * Card-testing defence (README, "Security"), counted on the store so it holds across instances:
   * creates and card-token posts per client address and in total per minute (over it: `429
   * rate_limited` with `Retry-After`), and declined cards per session (the last allowed one fails
   * the session). Each limit can be changed or turned off (`false`); `false` here turns all off.
   */
  rateLimits?: RateLimitOptions | false;
  /**
   * Called when a limit refuses for the first time in its minute (once per client address or
   * total), and when a session is failed by its declines: for the shop's own alerting. Not
   * retried (it is an alert, not work): a throw is logged; it is not awaited by the answer.
   */
  onSuspiciousActivity?: (activity: SuspiciousActivity) => void | Promise<void>;
  /**
   * The client's address for the per-client limits when neither `trustProxy` (the last
   * `X-Forwarded-For` entry) nor Node's socket gives it, e.g. `(request) =>
   * request.headers.get('cf-connecting-ip') ?? undefined` on Cloudflare Workers. Read a header only
   * if your platform sets it and strips what clients send.
   */
  clientAddress?: (request: Request) => string | undefined;
  /** A provider call that takes longer fails with 502. Default 20 000 ms. */
  providerTimeoutMs?: number;
  /** Edge runtimes: hand background work (webhooks, hooks) to the platform's `waitUntil`. */
  waitUntil?: (work: Promise<unknown>) => void;
  /** Where the handler logs (see `CheckoutLogger`): a pino logger as it is, or `console` (the default) as JSON lines. */
  logger?: CheckoutLogger;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export type { CheckoutLogger } from './log.js';

/** What one `handler.reconcile()` run did. */
export interface ReconcileSummary {
  /** Pending orders of the window it looked at. */
  checked: number;
  /** Of those, how many moved on what their provider said (paid, failed, expired, …). */
  moved: number;
  /** Of those, how many could not be read from their provider (logged one by one). */
  failed: number;
  /** True when it reached the newest order of the window; false when it stopped on its budget. */
  complete: boolean;
}

/** `handler.orders`: read-only access to the orders the handler wrote, for a shop's back office or reports. */
export interface OrderLedger {
  get(reference: string): Promise<Order | undefined>;
  /**
   * Newest first (or `oldestFirst`), of one `status` and a `createdFrom`/`createdBefore` window if
   * given; `limit` default 50, at most 500. The next page: `after` the last order of this one.
   */
  list(query?: ListOrdersQuery): Promise<Order[]>;
}

/** `handler.jobs`: the durable jobs (webhooks, hooks), for an operator to find dead letters and run them again. */
export interface JobLedger {
  /** Jobs of one status (`dead`: the dead letters), newest first; `limit` default 50, at most 500. */
  list(query?: ListJobsQuery): Promise<Job[]>;
  /**
   * Runs a `dead` job again: pending and due now, its attempts and deadline anew (its `lastError`
   * stays until the next attempt), on whichever handler on the store leases it first. False when
   * no dead job has this id.
   */
  retry(id: string): Promise<boolean>;
}

/**
 * What `createCheckoutHandler` returns: a fetch-style `(Request) => Response` to mount at `basePath`,
 * plus the order ledger, charges of saved payment methods and housekeeping.
 */
export type CheckoutHandler = ((request: Request) => Promise<Response>) & {
  /** The order ledger (docs/protocol.md, "State rules"). */
  readonly orders: OrderLedger;
  /** The providers' circuit breakers, shared by every handler on the store (docs/protocol.md, "Methods, routing and failover"). */
  readonly providers: ProviderBreakers;
  /** The durable jobs: dead letters listed and retried. */
  readonly jobs: JobLedger;
  /**
   * Charges a saved payment method: writes the order, charges, and moves the order on the
   * charge the provider reports (`onOrderPaid` as for a checkout). A provider failure throws
   * (`ProviderError`); a retry with the same `idempotencyKey` charges at most once.
   */
  charge(request: ChargeRequest): Promise<Order>;
  /**
   * Re-reads orders still `pending` 10 minutes to 3 days after they were made from their provider,
   * so a lost webhook cannot leave a paid order pending. Housekeeping runs it every 10 minutes.
   * Oldest first, at most 1,000 orders a run: a run that stops there (`complete: false`) is
   * continued by the next one, which starts where it stopped. Logs what it did in one line.
   */
  reconcile(): Promise<ReconcileSummary>;
  /** Resolves when background work (webhooks, hooks) started so far has finished. */
  whenIdle(): Promise<void>;
  /**
   * Graceful shutdown: answers new requests `503 shutting_down` (and `GET /health` 503), waits up
   * to `graceMs` (default 10 000) for requests in flight and then for running jobs, and releases
   * the lease of any job still running so another instance on the store takes it over at once.
   * The store stays open. Calling it again returns the same promise.
   */
  close(graceMs?: number): Promise<void>;
};
