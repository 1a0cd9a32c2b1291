import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import type { CheckoutSession } from '../core/session.js';
import { assertValidCatalog, CatalogError, priceItems, type CartItem, type Catalog } from './catalog.js';
import {
  ProviderError,
  ProviderInputError,
  WebhookVerificationError,
  type CustomerInput,
  type PaymentProvider,
  type PricedLine,
  type ProviderCharge,
  type VerifiedWebhook,
} from './providers/types.js';
import {
  createSessionBodySchema,
  describeIssues,
  toRequestIssues,
  type CreateSessionBody,
  type RequestIssue,
} from './request-schema.js';
import {
  providerParams,
  REFERENCE_QUERY_PARAM,
  renderReturnBridge,
  RETURN_RESULTS,
  sessionIdFromQuery,
  shopReturnUrl,
  type ReturnResult,
} from './return-bridge.js';
import { JobRunner, type RetryPolicy } from './job-runner.js';
import { createMemoryStore } from './store/memory.js';
import type { CheckoutStore, Job, JobKind, ListOrdersQuery, Order, OrderLine, OrderStatus, SessionRecord, StoredResponse } from './store/types.js';

export const DEFAULT_BASE_PATH = '/api/checkout';
/** Replaced by each provider adapter with its own placeholder syntax or the session id. */
export const SESSION_ID_PLACEHOLDER = '{SESSION_ID}';

const MAX_CREATE_BODY_BYTES = 64 * 1024;
const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Node's own HTTP server refuses more (16 KiB); edge runtimes and in-process callers must not differ. */
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_URL_LENGTH = 8 * 1024;
// Provider ids seen so far: cs_…, cs_test_…, AW-kLcRRC5P8U68CYe0kVA, sbx_…
const SESSION_ID_PATTERN = /^[A-Za-z0-9_\-.:]{1,255}$/;

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

export interface CheckoutHandlerOptions {
  providers: PaymentProvider[];
  /** Name of the provider used when the create body names none. Default: the first. */
  defaultProvider?: string;
  catalog: Catalog;
  /** Default `/api/checkout`. */
  basePath?: string;
  /** Absolute base URL that browsers and providers reach this handler at (return and webhook URLs). Default: the request's origin. */
  publicUrl?: string;
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
   * Where orders, session records, idempotency keys and webhooks live (contract section 6):
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
  /** Backoff of hook retries. Default: first after 1 s, doubling up to 5 min. */
  hookRetry?: RetryPolicy;
  /**
   * How long a process holds a hook (or webhook) it runs, renewed while it runs; after a crash
   * another handler on the store takes it over this much later. Default 20 000 ms.
   */
  hookLeaseMs?: number;
  /** A provider call that takes longer fails with 502. Default 20 000 ms. */
  providerTimeoutMs?: number;
  /** Edge runtimes: hand background work (webhooks, hooks) to the platform's `waitUntil`. */
  waitUntil?: (work: Promise<unknown>) => void;
  /** Default `console`. */
  logger?: Pick<Console, 'error' | 'warn'>;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export interface OrderLedger {
  get(reference: string): Promise<Order | undefined>;
  /** Newest first; `limit` default 50, at most 500. */
  list(query?: ListOrdersQuery): Promise<Order[]>;
}

export type CheckoutHandler = ((request: Request) => Promise<Response>) & {
  /** The order ledger (contract section 6). */
  readonly orders: OrderLedger;
  /**
   * Charges a saved payment method: writes the order, charges, and moves the order on the
   * charge the provider reports (`onOrderPaid` as for a checkout). A provider failure throws
   * (`ProviderError`); a retry with the same `idempotencyKey` charges at most once.
   */
  charge(request: ChargeRequest): Promise<Order>;
  /**
   * Re-reads orders still `pending` 10 minutes to 3 days after they were made from their provider,
   * so a lost webhook cannot leave a paid order pending. Housekeeping runs it every 10 minutes.
   */
  reconcile(): Promise<void>;
  /** Resolves when background work (webhooks, hooks) started so far has finished. */
  whenIdle(): Promise<void>;
  /** Stops looking for due hooks (tests, graceful shutdown); the store stays open. */
  close(): Promise<void>;
};

/** A job lease outlives a stalled event loop, and a dead process's work is taken over well within 30 s. */
const JOB_LEASE_MS = 20_000;
const MAX_JOB_POLL_MS = 2_000;
/** `Idempotency-Key`s are kept a day, like Stripe's; a retry later is a new checkout. */
const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** Handled webhooks are remembered for dedupe this long: providers resend for up to a few days. */
const WEBHOOK_DEDUPE_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const HOUSEKEEPING_EVERY_MS = 10 * 60 * 1000;
/** Pending orders older than this are re-read from the provider by housekeeping … */
const RECONCILE_AFTER_MS = 10 * 60 * 1000;
/** … until they are this old (providers expire sessions within a day or two). */
const RECONCILE_FOR_MS = 3 * 24 * 60 * 60 * 1000;
/** How long a waiting retry polls for another caller's create with the same key. */
const IDEMPOTENCY_POLL_MS = 50;
const MAX_IDEMPOTENCY_POLL_MS = 500;

type ErrorBody = { error: { code: string; message: string; issues?: RequestIssue[] } };

function errorJson(status: number, code: string, message: string, issues?: RequestIssue[]): Response {
  const body: ErrorBody = { error: { code, message, ...(issues && { issues }) } };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

function normaliseBasePath(basePath: string | undefined): string {
  const path = (basePath ?? DEFAULT_BASE_PATH).replace(/\/+$/, '');
  if (path !== '' && !path.startsWith('/')) throw new TypeError(`basePath must start with "/" (got "${basePath}")`);
  return path;
}

function normalisePublicUrl(publicUrl: string | undefined): string | undefined {
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

/** Secrets that look like API keys never go into an answer, even if a provider echoes one. */
export function redactSecrets(text: string): string {
  return text.replace(/\b(sk|rk|whsec|priv|sbx_sk|sbx_whsec)_[A-Za-z0-9_]{6,}/g, '$1_[redacted]');
}

function originOption(value: string): string {
  const origin = httpOrigin(value);
  if (!origin) throw new TypeError(`allowedOrigins must hold http(s) origins (got "${value}")`);
  return origin;
}

function httpOrigin(value: string | null): string | undefined {
  if (!value || value === 'null') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

function httpUrl(value: string | null): string | undefined {
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

class ProviderTimeoutError extends Error {
  override readonly name = 'ProviderTimeoutError';
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number, provider: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProviderTimeoutError(`Payment provider "${provider}" did not answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function providerFailureMessage(error: unknown, provider: string): string {
  if (error instanceof ProviderTimeoutError) return error.message;
  if (error instanceof ProviderError) return redactSecrets(`Payment provider "${provider}" failed: ${error.message}`);
  // Anything else may carry internals: name the provider, not the details (they go to the log).
  return `Payment provider "${provider}" failed unexpectedly`;
}

async function readLimitedText(request: Request, limit: number): Promise<string | undefined> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) return undefined;
  if (!request.body) return '';
  // Counted while it streams in: a chunked body (no Content-Length) must not be buffered whole first.
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  // Decoded exactly as `request.text()` would (UTF-8, leading BOM dropped).
  return new TextDecoder().decode(bytes);
}

// Web Crypto rather than node:crypto, so the handler runs in edge runtimes as well as Node.
function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

async function sha256(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

function newReference(): string {
  return `ord_${toHex(crypto.getRandomValues(new Uint8Array(10)))}`;
}

function newOwnerId(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(8)));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Statuses an order may leave for each provider status; `paid` and `mismatch` are final. */
const MOVES_TO: Record<Exclude<OrderStatus, 'pending'>, readonly OrderStatus[]> = {
  // Money taken after a cancel or an expiry (a late 3-D Secure, a race) still counts.
  paid: ['pending', 'failed', 'cancelled', 'expired'],
  mismatch: ['pending', 'failed', 'cancelled', 'expired'],
  failed: ['pending'],
  cancelled: ['pending'],
  expired: ['pending'],
};

function storedResponse(response: StoredResponse): Response {
  return json(response.status, response.body);
}

function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * The thin backend (contract section 5) as a Web-standard fetch handler: create and read
 * sessions priced from the server catalog, the return bridge, and verified webhooks.
 */
export function createCheckoutHandler(options: CheckoutHandlerOptions): CheckoutHandler {
  if (!options || !Array.isArray(options.providers) || options.providers.length === 0) {
    throw new TypeError('createCheckoutHandler needs at least one provider in options.providers');
  }
  assertValidCatalog(options.catalog);
  const providers = new Map<string, PaymentProvider>();
  for (const provider of options.providers) {
    if (providers.has(provider.name)) throw new TypeError(`Two providers are named "${provider.name}"`);
    providers.set(provider.name, provider);
  }
  const defaultProviderName = options.defaultProvider ?? options.providers[0]!.name;
  if (!providers.has(defaultProviderName)) {
    throw new TypeError(
      `defaultProvider "${defaultProviderName}" is not among the providers (${[...providers.keys()].join(', ')})`,
    );
  }
  const basePath = normaliseBasePath(options.basePath);
  const publicUrl = normalisePublicUrl(options.publicUrl);
  const allowedOrigins = options.allowedOrigins && new Set(options.allowedOrigins.map(originOption));
  const catalog = options.catalog;
  const providerTimeoutMs = options.providerTimeoutMs ?? 20_000;
  const logger = options.logger ?? console;
  const now = options.now ?? Date.now;
  const isoNow = () => new Date(now()).toISOString();
  if (!options.store) {
    logger.warn(
      'checkout: NO STORE GIVEN. Orders, idempotency keys and webhooks live only in this process\'s memory: a restart or a second instance loses payments. Pass `store: createSqliteStore({ path })` or `createPostgresStore({ connectionString })`.',
    );
  }
  const store = options.store ?? createMemoryStore();
  const instanceId = newOwnerId();
  let claimCounter = 0;
  // Longer than the provider call it guards, so a live create is not taken over (and if it were,
  // the provider's idempotency key would still make it one session).
  const claimLeaseMs = providerTimeoutMs + 5_000;
  const jobLeaseMs = options.hookLeaseMs ?? JOB_LEASE_MS;
  // Past 25 s a dead process's hook would not be picked up within the contract's 30 s.
  if (!(jobLeaseMs >= 500 && jobLeaseMs <= 25_000)) throw new TypeError(`hookLeaseMs must be from 500 to 25 000 ms (got ${options.hookLeaseMs})`);
  // A handler leases only the work it can do: one without a hook leaves that hook's items to one that has it.
  const jobKinds: JobKind[] = [
    'webhook',
    ...(options.onWebhook ? (['on_webhook'] as const) : []),
    ...(options.onOrderPaid ? (['order_paid'] as const) : []),
  ];

  const runner = new JobRunner({
    store,
    run: runJob,
    kinds: jobKinds,
    owner: instanceId,
    leaseMs: jobLeaseMs,
    pollMs: Math.min(MAX_JOB_POLL_MS, Math.max(50, Math.floor(jobLeaseMs / 10))),
    now,
    logger,
    ...(options.hookRetry && { retry: options.hookRetry }),
    ...(options.waitUntil && { waitUntil: options.waitUntil }),
    housekeeping: {
      everyMs: HOUSEKEEPING_EVERY_MS,
      run: async () => {
        await store.pruneExpired({
          idempotencyBefore: now() - IDEMPOTENCY_KEY_TTL_MS,
          jobsDoneBefore: now() - WEBHOOK_DEDUPE_TTL_MS,
          now: now(),
        });
        await reconcilePending();
      },
    },
  });
  // Picks up what a process that died left (and, on edge runtimes that refuse timers at start-up, starts with the first request).
  let runnerStarted = runner.start();

  /** Moves the order of a session the handler has just read from the provider. */
  async function settleOrder(reference: string, session: CheckoutSession): Promise<void> {
    await settle(reference, { ...session, sessionId: session.id, what: `session ${session.id}` }, async (order) => {
      // Where a recurring checkout saved a card, the ledger keeps it for later charges (read from the provider, never the browser).
      const provider = providers.get(order.provider);
      return provider?.savedPaymentMethod ? provider.savedPaymentMethod(session.id) : undefined;
    });
  }

  /** Moves the order of a charge the handler has just read from the provider. */
  async function settleCharge(reference: string, charge: ProviderCharge): Promise<void> {
    const status = charge.status === 'succeeded' ? 'complete' : charge.status === 'failed' ? 'failed' : 'open';
    await settle(reference, {
      status,
      ...(charge.amount !== undefined && { amount: charge.amount }),
      ...(charge.currency !== undefined && { currency: charge.currency }),
      what: `charge ${charge.id}`,
    });
  }

  async function settle(
    reference: string,
    report: { status: CheckoutSession['status']; amount?: number; currency?: string; sessionId?: string; what: string },
    savedPaymentMethod?: (order: Order) => Promise<string | undefined>,
  ): Promise<void> {
    const order = await store.getOrder(reference);
    if (!order) return;
    const final = order.status === 'paid' || order.status === 'mismatch';
    if (final && report.status === 'complete' && report.sessionId && order.sessionId && order.sessionId !== report.sessionId) {
      logger.error(
        `checkout: order ${reference} is ${order.status} through session ${order.sessionId}, and ${order.provider} reports session ${report.sessionId} for it complete too: a SECOND PAYMENT. Refund one.`,
      );
      return;
    }
    let to: Exclude<OrderStatus, 'pending'>;
    switch (report.status) {
      case 'open':
        return;
      case 'complete': {
        const amountDiffers = report.amount !== undefined && report.amount !== order.amount;
        const currencyDiffers = report.currency !== undefined && report.currency.toUpperCase() !== order.currency.toUpperCase();
        to = amountDiffers || currencyDiffers ? 'mismatch' : 'paid';
        break;
      }
      default:
        to = report.status;
    }
    if (!MOVES_TO[to].includes(order.status)) return;
    const paymentMethod = to === 'paid' ? await savedPaymentMethod?.(order) : undefined;
    const moved = await store.transitionOrder({
      reference,
      from: MOVES_TO[to],
      to,
      at: isoNow(),
      ...(paymentMethod && { paymentMethod }),
      ...(to === 'paid' && {
        job: { id: `order_paid:${reference}`, kind: 'order_paid', payload: { reference }, runAt: now() },
      }),
    });
    if (!moved) return;
    if (to === 'mismatch') {
      logger.error(
        `checkout: order ${reference} is a MISMATCH: ${order.provider} reports ${report.amount ?? '?'} ${report.currency ?? '?'} for ${report.what}, the order is ${order.amount} ${order.currency}. Not fulfilled; check it by hand.`,
      );
    }
    if (to === 'paid') void runner.kick();
  }

  /** Claims an idempotency key, waiting while another caller (any instance) holds it. */
  async function claimKey(key: string, bodyHash: string, order: Order, owner: string) {
    for (let wait = IDEMPOTENCY_POLL_MS; ; wait = Math.min(MAX_IDEMPOTENCY_POLL_MS, wait * 1.5)) {
      // The order goes in with the claim (one transaction): written before the provider is called.
      const claim = await store.claimIdempotencyKey({ key, bodyHash, reference: order.reference, order, owner, leaseUntil: now() + claimLeaseMs, now: now() });
      if (claim.outcome !== 'busy') return claim;
      // Jittered, so many waiting retries do not ask the store in step.
      await sleep(wait * (0.5 + Math.random()));
    }
  }

  /** A charge of a saved payment method, without a checkout: an order like any other. */
  async function charge(request: ChargeRequest): Promise<Order> {
    const providerName = request.provider ?? defaultProviderName;
    const provider = providers.get(providerName);
    if (!provider) throw new TypeError(`Unknown provider "${providerName}"; this shop offers: ${[...providers.keys()].join(', ')}`);
    if (!provider.charge) throw new TypeError(`Provider "${providerName}" cannot charge a saved payment method`);
    if (typeof request.paymentMethod !== 'string' || request.paymentMethod === '') throw new TypeError('charge needs a paymentMethod');
    if (typeof request.idempotencyKey !== 'string' || request.idempotencyKey === '' || request.idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new TypeError(`charge needs an idempotencyKey of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters: the same key never charges twice`);
    }
    const priced = priceItems(catalog, request.items);
    const key = `charge:${request.idempotencyKey}`;
    const owner = `${instanceId}:${++claimCounter}`;
    const bodyHash = await sha256(JSON.stringify([providerName, request.paymentMethod, request.items, request.customer ?? {}]));
    const createdAt = isoNow();
    const claim = await claimKey(
      key,
      bodyHash,
      {
        // Derived from the key, not random: long after the key itself was pruned, a retry still
        // names the same order, which the provider charges once.
        reference: `ord_${(await sha256(key)).slice(0, 20)}`,
        provider: providerName,
        status: 'pending',
        amount: priced.amount,
        currency: priced.currency,
        lines: orderLines(priced.lines),
        customer: request.customer ?? {},
        paymentMethod: request.paymentMethod,
        createdAt,
        updatedAt: createdAt,
      },
      owner,
    );
    if (claim.outcome === 'conflict') throw new TypeError('This idempotencyKey was already used for another charge');
    if (claim.outcome === 'done') {
      const earlier = claim.response.body as { reference?: string; error?: string };
      if (earlier.error) throw new ProviderInputError(providerName, earlier.error);
      return (await store.getOrder(earlier.reference ?? ''))!;
    }
    const reference = claim.reference;
    let result: ProviderCharge;
    try {
      result = await withTimeout(
        provider.charge({
          reference,
          paymentMethod: request.paymentMethod,
          ...(request.customer && { customer: request.customer }),
          lines: priced.lines,
          amount: priced.amount,
          currency: priced.currency,
          idempotencyKey: request.idempotencyKey,
          ...(publicUrl && { webhookUrl: `${publicUrl}${basePath}/webhooks/${encodeURIComponent(providerName)}` }),
        }),
        providerTimeoutMs,
        providerName,
      );
    } catch (error) {
      if (error instanceof ProviderInputError) {
        await store.transitionOrder({ reference, from: ['pending'], to: 'failed', at: isoNow() });
        await store.finishIdempotencyKey(key, owner, { status: 400, body: { reference, error: redactSecrets(error.message) } });
      } else {
        await store.releaseIdempotencyKey(key, owner);
      }
      throw error;
    }
    await store.setOrderCharge(reference, result.id, isoNow());
    await settleCharge(reference, result);
    await store.finishIdempotencyKey(key, owner, { status: 201, body: { reference } });
    return (await store.getOrder(reference))!;
  }

  async function runJob(job: Job): Promise<void> {
    switch (job.kind) {
      case 'order_paid':
        return fulfil(job.payload as { reference: string });
      case 'on_webhook': {
        const { provider, event, context } = job.payload as { provider: string; event: VerifiedWebhook; context: WebhookContext };
        return options.onWebhook?.(event, provider, context);
      }
      case 'webhook':
        return handleWebhook(job.payload as { provider: string; event: VerifiedWebhook });
    }
  }

  async function fulfil({ reference }: { reference: string }): Promise<void> {
    const order = await store.getOrder(reference);
    if (!order || order.status !== 'paid' || order.fulfilledAt || !options.onOrderPaid) return;
    await options.onOrderPaid(order);
    // The hook returned: from here on only the record is retried, never the hook.
    await retrying(() => store.markFulfilled(reference, isoNow()), `recording the fulfilment of ${reference}`);
  }

  /** A stored webhook: re-read what it names, move the order, then hand it to `onWebhook` as its own job. */
  async function handleWebhook({ provider: name, event }: { provider: string; event: VerifiedWebhook }): Promise<void> {
    const provider = providers.get(name);
    // Another handler on the store may offer it (a rolling deploy): leave it for that one.
    if (!provider) throw new Error(`webhook for provider "${name}", which this handler does not have`);
    const context: WebhookContext = {};
    if (event.sessionId) {
      // The event's own fields are only a hint: the status comes from the provider, read here.
      try {
        context.session = await withTimeout(provider.getSession(event.sessionId), providerTimeoutMs, name);
      } catch (error) {
        if (!(error instanceof ProviderError && error.providerStatus === 404)) throw error;
        logger.warn(`checkout: a ${name} webhook names session "${event.sessionId}", which ${name} does not know`);
      }
      const record = context.session && (await store.getSession(event.sessionId));
      if (record && context.session && record.provider === name) await settleOrder(record.reference, context.session);
    }
    if (event.chargeId && provider.getCharge) {
      try {
        context.charge = await withTimeout(provider.getCharge(event.chargeId), providerTimeoutMs, name);
      } catch (error) {
        // Unknown to the provider (an unsigned field pointed elsewhere): nothing to move, like an unknown session.
        if (!(error instanceof ProviderError && error.providerStatus === 404)) throw error;
        logger.warn(`checkout: a ${name} webhook names charge "${event.chargeId}", which ${name} does not know`);
      }
      const order = context.charge?.reference ? await store.getOrder(context.charge.reference) : undefined;
      if (order && context.charge && order.provider === name && order.chargeId === context.charge.id) {
        await settleCharge(order.reference, context.charge);
      }
    }
    await store.enqueueJob({
      id: `on_webhook:${name}:${event.eventId}`,
      kind: 'on_webhook',
      payload: { provider: name, event, context },
      runAt: now(),
    });
    if (options.onWebhook) void runner.kick();
  }

  /**
   * Orders still pending a while after their checkout, re-read from the provider: a webhook that
   * never came, or a re-read that was too early, does not leave a paid order pending.
   */
  async function reconcilePending(): Promise<void> {
    const cutoff = now() - RECONCILE_AFTER_MS;
    const horizon = now() - RECONCILE_FOR_MS;
    for (const order of await store.listOrders({ status: 'pending', limit: 500 })) {
      const createdAt = Date.parse(order.createdAt);
      if (createdAt > cutoff || createdAt < horizon) continue;
      const provider = providers.get(order.provider);
      if (!provider) continue;
      try {
        if (order.sessionId) await settleOrder(order.reference, await withTimeout(provider.getSession(order.sessionId), providerTimeoutMs, provider.name));
        else if (order.chargeId && provider.getCharge) await settleCharge(order.reference, await withTimeout(provider.getCharge(order.chargeId), providerTimeoutMs, provider.name));
      } catch (error) {
        logger.warn(`checkout: could not re-read pending order ${order.reference} at "${provider.name}"`, error);
      }
    }
  }

  /** A store write retried a few times in this process (a brief outage), then given up. */
  async function retrying(write: () => Promise<void>, what: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= 6) throw error;
        logger.warn(`checkout: ${what} failed (attempt ${attempt}); trying again`, error);
        await sleep(Math.min(5000, 200 * 2 ** attempt));
      }
    }
  }

  /** The shop's origin as this request claims it, when it is one the handler may return to. */
  function claimedShopOrigin(request: Request, claimed: string | undefined): string | undefined {
    if (!claimed) return undefined;
    if (allowedOrigins) return allowedOrigins.has(claimed) ? claimed : undefined;
    const own = [new URL(request.url).origin, ownOrigin(request)];
    return own.includes(claimed) ? claimed : undefined;
  }

  /** Where browsers reach this handler: `publicUrl`, else (`trustProxy`) the proxy's forwarded origin, else the request's. */
  function ownOrigin(request: Request): string {
    if (publicUrl) return new URL(publicUrl).origin;
    if (options.trustProxy) {
      const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
      const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
      const forwarded = host && (proto === 'http' || proto === 'https') ? httpOrigin(`${proto}://${host}`) : undefined;
      if (forwarded) return forwarded;
    }
    return new URL(request.url).origin;
  }

  function baseUrl(request: Request): string {
    return `${publicUrl ?? ownOrigin(request)}${basePath}`;
  }

  async function createSession(c: Context): Promise<Response> {
    const request = c.req.raw;
    const raw = await readLimitedText(request, MAX_CREATE_BODY_BYTES);
    if (raw === undefined) return errorJson(413, 'invalid_request', `Request body is larger than ${MAX_CREATE_BODY_BYTES} bytes`);
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return errorJson(400, 'invalid_request', 'Request body is not valid JSON', [
        { code: 'invalid_json', path: [], message: 'Request body is not valid JSON' },
      ]);
    }
    const parsed = createSessionBodySchema.safeParse(data);
    if (!parsed.success) {
      const issues = toRequestIssues(parsed.error);
      return errorJson(400, 'invalid_request', describeIssues(issues), issues);
    }
    const body = parsed.data;

    const providerName = body.provider ?? defaultProviderName;
    const provider = providers.get(providerName);
    if (!provider) {
      const message = `Unknown provider "${providerName}"; this shop offers: ${[...providers.keys()].join(', ')}`;
      return errorJson(400, 'invalid_request', message, [{ code: 'unknown_provider', path: ['provider'], message }]);
    }

    let priced;
    try {
      priced = priceItems(catalog, body.items);
    } catch (error) {
      if (!(error instanceof CatalogError)) throw error;
      const index = body.items.findIndex((item) => item.sku === error.sku);
      const issue: RequestIssue = {
        code: 'unknown_sku',
        path: index >= 0 ? ['items', index, 'sku'] : ['items'],
        message: error.message,
      };
      return errorJson(400, 'invalid_request', `Invalid request: ${error.message}`, [issue]);
    }

    const idempotencyKey = request.headers.get('idempotency-key')?.trim() || undefined;
    if (idempotencyKey && idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      return errorJson(400, 'invalid_request', `Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    const shopper = await options.shopper?.(request);
    if (body.invoice && !shopper?.invoices?.includes(body.invoice)) {
      return errorJson(403, 'forbidden', 'This shopper may not pay that invoice');
    }
    // A shop with logins (a `shopper` hook) has guests too: a guest may not name a customer handle,
    // which at Reepay is an existing customer and their saved cards.
    const customer = shopper?.customer ?? (options.shopper ? guestCustomer(body.customer) : body.customer);
    const owner = `${instanceId}:${++claimCounter}`;
    // Its own namespace: a browser's key can never claim one of the server's charge keys.
    const createKey = `create:${idempotencyKey}`;
    const referer = httpUrl(request.headers.get('referer'));
    const shopOrigin =
      claimedShopOrigin(request, httpOrigin(request.headers.get('origin'))) ??
      claimedShopOrigin(request, httpOrigin(referer ?? null)) ??
      ownOrigin(request);
    const returnPage =
      (referer && httpOrigin(referer) === shopOrigin ? referer : undefined) ??
      new URL(options.returnPage ?? '/', `${shopOrigin}/`).href;
    const base = baseUrl(request);
    const createdAt = isoNow();
    const order: Order = {
      reference: newReference(),
      provider: provider.name,
      status: 'pending',
      amount: priced.amount,
      currency: priced.currency,
      lines: orderLines(priced.lines),
      customer: customer ?? {},
      createdAt,
      updatedAt: createdAt,
    };
    let reference = order.reference;
    if (idempotencyKey) {
      // The shopper is part of the request: another shopper's retry of this key is a conflict, never their session.
      const bodyHash = await sha256(shopper?.customer ? `${raw}\u0000${JSON.stringify(shopper.customer)}` : raw);
      // The key's first caller creates; the others (any instance) wait for its answer, or take
      // over with the same order reference when its lease runs out (it died mid-create).
      const claim = await claimKey(createKey, bodyHash, order, owner);
      if (claim.outcome === 'conflict') {
        return errorJson(
          409,
          'idempotency_conflict',
          'This Idempotency-Key was already used with a different request body; use a new key for a new checkout',
        );
      }
      if (claim.outcome === 'done') return storedResponse(claim.response);
      reference = claim.reference;
    } else {
      // Written before the provider is called, so no payment can exist without its order.
      await store.insertOrder(order);
    }

    try {
      let session: CheckoutSession;
      try {
        session = await withTimeout(
          provider.createSession({
            reference,
            lines: priced.lines,
            amount: priced.amount,
            currency: priced.currency,
            ...optionalFields(body),
            ...(customer && { customer }),
            ...(idempotencyKey && { idempotencyKey }),
            acceptUrl: returnUrl(base, 'accept', reference),
            cancelUrl: returnUrl(base, 'cancel', reference),
            webhookUrl: `${base}/webhooks/${encodeURIComponent(provider.name)}`,
          }),
          providerTimeoutMs,
          provider.name,
        );
      } catch (error) {
        logger.error(`checkout: creating a session at "${provider.name}" failed`, error);
        if (error instanceof ProviderInputError) {
          // The provider will refuse this body every time: the order failed, and a retry gets the same answer.
          const answer = { status: 400, body: errorBody('invalid_request', redactSecrets(error.message)) };
          await store.transitionOrder({ reference, from: ['pending'], to: 'failed', at: isoNow() });
          if (idempotencyKey) await store.finishIdempotencyKey(createKey, owner, answer);
          return storedResponse(answer);
        }
        // A retry may succeed: it takes the key over at once, with the same order reference.
        if (idempotencyKey) await store.releaseIdempotencyKey(createKey, owner);
        return errorJson(502, 'provider_error', providerFailureMessage(error, provider.name));
      }
      // The session record, its order's link and the key's answer commit together.
      await store.saveSession(
        { sessionId: session.id, provider: provider.name, reference, shopOrigin, returnPage },
        idempotencyKey ? { key: createKey, owner, response: { status: 201, body: session } } : undefined,
      );
      return json(201, session);
    } catch (error) {
      // The store failed mid-create (the provider's failures are answered above): let a retry take the key over at once.
      if (idempotencyKey) await store.releaseIdempotencyKey(createKey, owner).catch(() => {});
      throw error;
    }
  }

  async function providerForSession(record: SessionRecord | undefined): Promise<PaymentProvider | undefined> {
    if (record) return providers.get(record.provider);
    // A session no handler on this store created (made before the store, or by hand): unambiguous only with one provider.
    return providers.size === 1 ? options.providers[0] : undefined;
  }

  async function readSession(c: Context): Promise<Response> {
    const id = c.req.param('id') ?? '';
    const notFound = () => errorJson(404, 'not_found', `No checkout session "${id}"`);
    if (!SESSION_ID_PATTERN.test(id)) return notFound();
    const record = await store.getSession(id);
    const provider = await providerForSession(record);
    if (!provider) return notFound();
    let session: CheckoutSession;
    try {
      session = await withTimeout(provider.getSession(id), providerTimeoutMs, provider.name);
    } catch (error) {
      if (error instanceof ProviderError && error.providerStatus === 404) return notFound();
      logger.error(`checkout: reading session "${id}" at "${provider.name}" failed`, error);
      return errorJson(502, 'provider_error', providerFailureMessage(error, provider.name));
    }
    // The widget's confirming read moves the order before the widget hears `complete`.
    if (record) await settleOrder(record.reference, session);
    return json(200, session);
  }

  async function returnBridge(c: Context): Promise<Response> {
    const result = c.req.param('result') as ReturnResult;
    if (!RETURN_RESULTS.includes(result)) return errorJson(404, 'not_found', 'Not found');
    const request = c.req.raw;
    const query = new URL(request.url).searchParams;
    const reference = query.get(REFERENCE_QUERY_PARAM);
    const sessionId =
      sessionIdFromQuery(query) ?? (reference ? (await store.getSessionByReference(reference))?.sessionId : undefined);
    if (!sessionId || !SESSION_ID_PATTERN.test(sessionId)) {
      return new Response(
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Missing session</title><h1>Missing session</h1><p>This return link names no valid checkout session.</p></html>',
        { status: 400, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'" } },
      );
    }
    const record = await store.getSession(sessionId);
    const shopOrigin = record?.shopOrigin ?? ownOrigin(request);
    const returnPage = record?.returnPage ?? new URL(options.returnPage ?? '/', `${shopOrigin}/`).href;
    const params = providerParams(query);
    const page = renderReturnBridge({
      result,
      sessionId,
      params,
      shopOrigin,
      redirectUrl: shopReturnUrl(returnPage, result, sessionId, params),
    });
    return new Response(page.html, { status: 200, headers: page.headers });
  }

  async function webhook(c: Context): Promise<Response> {
    const name = c.req.param('provider') ?? '';
    const provider = providers.get(name);
    if (!provider?.verifyWebhook) return errorJson(404, 'not_found', `No webhook endpoint for provider "${name}"`);
    const raw = await readLimitedText(c.req.raw, MAX_WEBHOOK_BODY_BYTES);
    if (raw === undefined) return errorJson(413, 'invalid_request', 'Webhook body is too large');
    let event: VerifiedWebhook;
    try {
      event = await provider.verifyWebhook(raw, c.req.raw.headers);
    } catch (error) {
      const message =
        error instanceof WebhookVerificationError ? error.message : 'The webhook could not be verified';
      logger.warn(`checkout: refused a webhook for "${name}": ${message}`);
      return errorJson(400, 'invalid_signature', message);
    }
    // Stored before the answer: once the provider hears 2xx the event is safe, whatever happens here next.
    const added = await store.enqueueJob({
      id: `webhook:${name}:${event.eventId}`,
      kind: 'webhook',
      payload: { provider: name, event },
      runAt: now(),
    });
    void runner.kick();
    return json(200, added ? { received: true } : { received: true, duplicate: true });
  }

  function methodNotAllowed(allowed: string) {
    return () => {
      const response = errorJson(405, 'method_not_allowed', `Method not allowed; use ${allowed}`);
      response.headers.set('allow', allowed);
      return response;
    };
  }

  const app = new Hono();
  const api = basePath ? app.basePath(basePath) : app;
  if (allowedOrigins) {
    // A widget on another listed origin (shop.example calling api.shop.example) may call the
    // session routes; nobody else gets CORS headers.
    const sessionCors = cors({
      origin: (origin) => (allowedOrigins.has(origin) ? origin : null),
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['Content-Type', 'Accept', 'Idempotency-Key'],
      maxAge: 600,
    });
    api.use('/sessions', sessionCors);
    api.use('/sessions/*', sessionCors);
  }
  api.post('/sessions', createSession);
  api.all('/sessions', methodNotAllowed('POST'));
  api.get('/sessions/:id', readSession);
  api.all('/sessions/:id', methodNotAllowed('GET'));
  api.get('/return/:result', returnBridge);
  api.all('/return/:result', methodNotAllowed('GET'));
  api.post('/webhooks/:provider', webhook);
  api.all('/webhooks/:provider', methodNotAllowed('POST'));
  app.notFound(() => errorJson(404, 'not_found', 'Not found'));
  app.onError((error) => {
    logger.error('checkout: request failed', error);
    return errorJson(500, 'internal_error', 'Internal error');
  });

  const handler = (request: Request) => {
    if (!runnerStarted) runnerStarted = runner.start();
    if (request.url.length > MAX_URL_LENGTH) {
      return Promise.resolve(errorJson(414, 'invalid_request', `The URL is longer than ${MAX_URL_LENGTH} characters`));
    }
    if (headerBytes(request.headers) > MAX_HEADER_BYTES) {
      return Promise.resolve(errorJson(431, 'invalid_request', `The request headers are larger than ${MAX_HEADER_BYTES} bytes`));
    }
    return Promise.resolve(app.fetch(request));
  };
  const orders: OrderLedger = {
    get: (reference) => store.getOrder(reference),
    list: (query) => store.listOrders(query),
  };
  return Object.assign(handler, {
    orders,
    charge,
    reconcile: reconcilePending,
    whenIdle: () => runner.whenIdle(),
    close: () => runner.close(),
  });
}

/**
 * The return bridge URL a provider sends the shopper to. `{SESSION_ID}` is filled in by providers
 * that can; `checkout_ref` (our order reference) finds the session for those that cannot.
 */
function returnUrl(base: string, result: ReturnResult, reference: string): string {
  const ref = encodeURIComponent(reference);
  return `${base}/return/${result}?checkout_session=${SESSION_ID_PLACEHOLDER}&${REFERENCE_QUERY_PARAM}=${ref}`;
}

function guestCustomer(customer: CustomerInput | undefined): CustomerInput | undefined {
  if (!customer) return undefined;
  const { handle: _handle, ...rest } = customer;
  return rest;
}

function headerBytes(headers: Headers): number {
  let total = 0;
  // name + ": " + value + CRLF, as on the wire (characters, close enough to bytes for a limit).
  for (const [name, value] of headers) total += name.length + value.length + 4;
  return total;
}

function orderLines(lines: readonly PricedLine[]): OrderLine[] {
  return lines.map(({ sku, name, quantity, unitAmount }) => ({ sku, name, quantity, unitAmount }));
}

function optionalFields(body: CreateSessionBody) {
  return {
    ...(body.customer && { customer: body.customer }),
    ...(body.recurring !== undefined && { recurring: body.recurring }),
    ...(body.invoice && { invoice: body.invoice }),
    ...(body.locale && { locale: body.locale }),
    ...(body.metadata && { metadata: body.metadata }),
  };
}
