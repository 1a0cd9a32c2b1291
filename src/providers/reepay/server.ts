/**
 * Reepay / Frisbii Checkout adapter.
 *
 * Creates sessions with the Checkout API (`POST {checkoutApi}/v1/session/charge` or
 * `/v1/session/recurring`, HTTP Basic with the private key as user name) and renders them
 * with the Reepay renderer (`kind: 'reepay'`).
 *
 * Reading the state: the Checkout API has no documented way to read a session (only create and
 * `DELETE /v1/session/{id}`). The payment's truth lives in the invoice, so `getSession` reads
 * `GET {api}/v1/invoice/{handle}` with the order handle (our `reference`) or the invoice handle
 * that was paid. The session id → handle link is remembered in a `ReepaySessionStore` (in
 * memory by default: pass a shared store when several server processes answer, or after a
 * restart the session is unknown). A recurring session (save a card, no payment) creates no
 * invoice: `getSession` reads the customer's saved payment methods
 * (`GET {api}/v1/customer/{handle}/payment_method`) and calls it complete once an active card
 * created after the session is listed.
 *
 * Webhooks: Reepay signs only `timestamp + id`. Everything else in the body (`event_type`,
 * `invoice`, `customer`) can be changed by anyone holding one signed webhook, so it only says
 * which session to re-read; no webhook field moves any state here.
 */
import { z } from 'zod';
import { providerRecordsOn } from '../../server/store/provider-records.js';
import type { ProviderContext } from '../../server/provider-api/types.js';
import type { CheckoutSession, SessionStatus } from '../../core/protocol.js';
import { TtlMap } from '../../server/ttl-map.js';
import {
  assertFreshTimestamp,
  basicAuth,
  DEFAULT_TIMEOUT_MS,
  dropSessionPlaceholder,
  globalFetch,
  joinUrl,
  keyOption,
  parseAnswer,
  parseWebhookJson,
  positiveNumber,
  requestJson,
  verifyReepaySignature,
  webhookToleranceOption,
  type FetchLike,
} from '../../server/adapter-kit/index.js';
import {
  ProviderError,
  ProviderInputError,
  WebhookVerificationError,
  type ChargeStatus,
  type CreateSessionInput,
  type PaymentProvider,
  type ProviderCharge,
  type VerifiedWebhook,
} from '../../server/provider-api/types.js';
import { REEPAY_API_URL, REEPAY_CHECKOUT_API_URL, REEPAY_PRIVATE_KEY } from './api.js';

export { REEPAY_API_URL, REEPAY_CHECKOUT_API_URL } from './api.js';
export { createReepayBilling } from './on-demand.js';
export type * from './on-demand.js';

const PROVIDER = 'reepay';

/** What `getSession` needs to find a session's payment again. */
export interface ReepaySessionRecord {
  sessionId: string;
  /** `charge`: our order; `invoice`: an existing invoice; `recurring`: save a payment method. */
  type: 'charge' | 'invoice' | 'recurring';
  /** Invoice (order) handle: set for `charge` and `invoice`. */
  invoiceHandle?: string;
  /** Customer handle: set for `recurring` and `charge`. */
  customerHandle?: string;
  /** A `charge` that also saves the payment method (`recurring: true`). */
  recurring?: boolean;
  url: string;
  amount?: number;
  currency?: string;
  /**
   * When the session was created (taken before asking Reepay): only a payment method created
   * after it was saved by this session. Missing on records written before it existed.
   */
  createdAt?: string;
  expiresAt: string;
}

/**
 * Where session records live. Keys are session ids, `invoice:<handle>` and
 * `customer:<handle>` (for webhooks, which name the invoice or customer, not the session).
 */
export interface ReepaySessionStore {
  get(key: string): ReepaySessionRecord | undefined | Promise<ReepaySessionRecord | undefined>;
  set(key: string, record: ReepaySessionRecord): void | Promise<void>;
}

/** A bounded in-memory store: fine for one server process. */
export function createMemoryReepayStore(maxEntries = 10_000): ReepaySessionStore {
  // Bounded by count only: a record is still needed after its session expires (to report it
  // expired, or a late payment of its invoice).
  const entries = new TtlMap<string, ReepaySessionRecord>({ ttlMs: Number.POSITIVE_INFINITY, maxEntries });
  return {
    get: (key) => entries.get(key),
    set(key, record) {
      entries.set(key, record);
    },
  };
}

/**
 * Options of `createReepayProvider`; pass a shared `store` when several processes answer, or
 * sessions are lost on restart.
 */
export interface ReepayProviderOptions {
  /** `priv_…`: never leaves the server. */
  privateKey: string;
  /** Webhook secret from the Reepay administration; without it `verifyWebhook` rejects all. */
  webhookSecret?: string;
  /** Default `https://checkout-api.reepay.com`. */
  checkoutApiUrl?: string;
  /** Default `https://api.reepay.com`. */
  apiUrl?: string;
  /** Session lifetime, sent as an ISO-8601 `ttl`. Default 1800 (30 minutes). */
  ttlSeconds?: number;
  /** Default 15000. */
  timeoutMs?: number;
  /** Default 300. */
  webhookToleranceSeconds?: number;
  store?: ReepaySessionStore;
  fetch?: FetchLike;
  /** Clock, for tests. */
  now?: () => number;
}

const sessionAnswer = z.object({ id: z.string().min(1), url: z.string().url() });

const invoiceAnswer = z.object({
  state: z.string(),
  amount: z.number().int().optional(),
  currency: z.string().optional(),
});

const chargeAnswer = z.object({
  handle: z.string().min(1),
  state: z.string(),
  amount: z.number().int().optional(),
  currency: z.string().optional(),
  error: z.string().nullish(),
});

/** Charge (invoice) states → what the handler's ledger needs to know. */
const CHARGE_STATES: Record<string, ChargeStatus> = {
  created: 'pending',
  pending: 'pending',
  dunning: 'pending',
  authorized: 'succeeded',
  settled: 'succeeded',
  failed: 'failed',
  cancelled: 'failed',
};

/**
 * `GET /v1/customer/{handle}/payment_method`. The shared provider documents do not describe this
 * answer. An unofficial client generated from Reepay's API spec (oscar-team/reepay-php-api,
 * `PaymentMethods` and `Card`) gives `{ cards: Card[], mps_subscriptions: [...] }` with
 * `Card = { id: 'ca_…', state: 'active' | 'inactivated' | 'failed', customer, created, … }`; not
 * checked against Reepay's own reference. So it is read defensively: `{ cards }` or a plain
 * array, each entry checked on its own, and only an entry with a `ca_…` id, `state === 'active'`,
 * a parseable `created` and (when given) this customer counts.
 */
const paymentMethodsAnswer = z.union([
  z.array(z.unknown()),
  z.object({ cards: z.array(z.unknown()).nullish() }).passthrough(),
]);

const savedCard = z.object({
  id: z.string().regex(/^ca_\S+$/),
  state: z.literal('active'),
  created: z.string().min(1),
  customer: z.string().optional(),
});

const webhookBody = z.object({
  id: z.string().min(1),
  event_id: z.string().optional(),
  event_type: z.string().min(1),
  // Strict ISO 8601 with time and zone: the signature covers `timestamp + id` with no separator,
  // so a looser date (`2028-11-21`) would let a forger move the split and mint a new event id.
  timestamp: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/),
  signature: z.string().min(1),
  invoice: z.string().optional(),
  customer: z.string().optional(),
});

/** Invoice states from the Reepay API → contract statuses. */
const INVOICE_STATES: Record<string, SessionStatus> = {
  created: 'open',
  pending: 'open',
  dunning: 'open',
  authorized: 'complete',
  settled: 'complete',
  failed: 'failed',
  cancelled: 'cancelled',
};

/**
 * Reepay (Frisbii) Checkout as a provider for `createCheckoutHandler({ providers })`: charge,
 * invoice and recurring sessions.
 */
export function createReepayProvider(options: ReepayProviderOptions): PaymentProvider {
  const privateKey = keyOption(PROVIDER, 'privateKey', options.privateKey, REEPAY_PRIVATE_KEY, 'a private API key (priv_…)');
  const checkoutApiUrl = options.checkoutApiUrl ?? REEPAY_CHECKOUT_API_URL;
  const apiUrl = options.apiUrl ?? REEPAY_API_URL;
  const ttlSeconds = Math.round(positiveNumber(PROVIDER, 'ttlSeconds', options.ttlSeconds, 1800));
  const timeoutMs = positiveNumber(PROVIDER, 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const tolerance = webhookToleranceOption(PROVIDER, options.webhookToleranceSeconds);
  const store = options.store ?? createMemoryReepayStore();
  const fetchImpl = options.fetch ?? globalFetch;
  const now = options.now ?? Date.now;
  const headers = {
    Authorization: basicAuth(privateKey),
    Accept: 'application/json',
    'Content-Type': 'application/json',
  };

  async function remember(record: ReepaySessionRecord): Promise<void> {
    await store.set(record.sessionId, record);
    if (record.invoiceHandle) await store.set(`invoice:${record.invoiceHandle}`, record);
    // Webhooks name a customer, not a session: remember which save-a-card session to re-read.
    if (record.type === 'recurring' && record.customerHandle) await store.set(`customer:${record.customerHandle}`, record);
  }

  /** When the session started, for comparing with a payment method's `created`. */
  function sessionStart(record: ReepaySessionRecord): number {
    const created = record.createdAt ? Date.parse(record.createdAt) : NaN;
    if (Number.isFinite(created)) return created;
    // A record from before `createdAt` was kept: its expiry minus the configured lifetime.
    return Date.parse(record.expiresAt) - ttlSeconds * 1000;
  }

  /**
   * The customer's active cards created at or after the session started, newest first, as
   * Reepay's API lists them (read here, never taken from a webhook or the browser). A customer
   * Reepay does not know (404) has none.
   */
  async function cardsSavedSince(record: ReepaySessionRecord): Promise<string[]> {
    const customer = record.customerHandle;
    if (!customer) return [];
    const answer = await requestJson({
      provider: PROVIDER,
      action: 'read payment methods',
      fetch: fetchImpl,
      url: joinUrl(apiUrl, `/v1/customer/${encodeURIComponent(customer)}/payment_method`),
      method: 'GET',
      headers: { Authorization: headers.Authorization, Accept: 'application/json' },
      timeoutMs,
      acceptStatuses: [404],
    });
    if (answer.status === 404) return [];
    const listed = parseAnswer(PROVIDER, 'read payment methods', paymentMethodsAnswer, answer.body);
    const entries = Array.isArray(listed) ? listed : (listed.cards ?? []);
    const since = sessionStart(record);
    const cards: Array<{ id: string; created: number }> = [];
    for (const entry of entries) {
      const card = savedCard.safeParse(entry);
      if (!card.success) continue;
      if (card.data.customer !== undefined && card.data.customer !== customer) continue;
      const created = Date.parse(card.data.created);
      if (!Number.isFinite(created) || !(since <= created)) continue;
      cards.push({ id: card.data.id, created });
    }
    return cards.sort((a, b) => b.created - a.created).map((card) => card.id);
  }

  function toSession(record: ReepaySessionRecord, status: SessionStatus): CheckoutSession {
    const expired = status === 'open' && now() > Date.parse(record.expiresAt);
    return {
      id: record.sessionId,
      provider: PROVIDER,
      kind: 'reepay',
      status: expired ? 'expired' : status,
      url: record.url,
      frameable: true,
      ...(record.amount === undefined ? {} : { amount: record.amount }),
      ...(record.currency === undefined ? {} : { currency: record.currency }),
      expires_at: record.expiresAt,
    };
  }

  function toCharge(answer: z.infer<typeof chargeAnswer>): ProviderCharge {
    const status = CHARGE_STATES[answer.state];
    if (!status) throw new ProviderError(PROVIDER, `reepay: charge ${answer.handle} has unknown state "${answer.state}"`);
    return {
      id: answer.handle,
      // Our reference is the charge's handle.
      reference: answer.handle,
      status,
      ...(answer.amount === undefined ? {} : { amount: answer.amount }),
      ...(answer.currency === undefined ? {} : { currency: answer.currency.toUpperCase() }),
      ...(status === 'failed' && answer.error ? { failureReason: answer.error } : {}),
    };
  }

  return {
    name: PROVIDER,
    label: 'Frisbii / Reepay',
    /** Cards, in the Reepay checkout window. */
    methods: [{ id: 'card', kind: 'reepay' }],

    /**
     * A merchant-initiated charge of a saved payment method (`ca_…`), as Reepay documents it:
     * `POST /v1/charge` with `handle` (our order reference, so a repeat charges once), `amount`, `source`.
     */
    async charge(input) {
      if (!/^ca_\S+$/.test(input.paymentMethod)) {
        throw new ProviderInputError(PROVIDER, `reepay: paymentMethod must be a saved payment method (ca_…), got "${input.paymentMethod}"`);
      }
      const answer = await requestJson({
        provider: PROVIDER,
        action: 'create charge',
        fetch: fetchImpl,
        url: joinUrl(apiUrl, '/v1/charge'),
        method: 'POST',
        headers,
        body: JSON.stringify({
          handle: input.reference,
          amount: input.amount,
          currency: input.currency.toUpperCase(),
          source: input.paymentMethod,
        }),
        timeoutMs,
      });
      return toCharge(parseAnswer(PROVIDER, 'create charge', chargeAnswer, answer.body));
    },

    /** A charge is an invoice at Reepay: read back by its handle. */
    async getCharge(id) {
      const answer = await requestJson({
        provider: PROVIDER,
        action: 'read charge',
        fetch: fetchImpl,
        url: joinUrl(apiUrl, `/v1/invoice/${encodeURIComponent(id)}`),
        method: 'GET',
        headers: { Authorization: headers.Authorization, Accept: 'application/json' },
        timeoutMs,
      });
      return toCharge(parseAnswer(PROVIDER, 'read charge', chargeAnswer, answer.body));
    },

    async createSession(input) {
      // Reepay appends its own `id` (and invoice, customer, …) to both URLs, so a placeholder
      // parameter is dropped rather than sent literally.
      const acceptUrl = dropSessionPlaceholder(PROVIDER, input.acceptUrl);
      const cancelUrl = dropSessionPlaceholder(PROVIDER, input.cancelUrl);
      const ttl = isoDuration(ttlSeconds);
      // Before Reepay is asked: a card saved in this session is created after this instant.
      const createdAt = new Date(now()).toISOString();
      const locale = reepayLocale(input.locale);
      const type: ReepaySessionRecord['type'] = input.invoice
        ? 'invoice'
        : input.recurring && input.amount === 0
          ? 'recurring'
          : 'charge';

      let path: string;
      let body: Record<string, unknown>;
      let customerHandle: string | undefined;
      if (type === 'invoice') {
        path = '/v1/session/charge';
        body = { invoice: input.invoice, accept_url: acceptUrl, cancel_url: cancelUrl, ttl, locale };
      } else if (type === 'recurring') {
        path = '/v1/session/recurring';
        const customer = reepayCustomer(input);
        customerHandle = customer.handle;
        body = { create_customer: customer, accept_url: acceptUrl, cancel_url: cancelUrl, ttl, locale };
      } else {
        path = '/v1/session/charge';
        const customer = reepayCustomer(input);
        customerHandle = customer.handle;
        body = {
          order: {
            handle: input.reference,
            ...(input.lines.length > 0
              ? {
                  order_lines: input.lines.map((line) => ({
                    amount: line.unitAmount,
                    quantity: line.quantity,
                    ordertext: line.name,
                    vat: line.vatRate,
                    amount_incl_vat: true,
                  })),
                }
              : { amount: input.amount }),
            currency: input.currency.toUpperCase(),
            customer,
          },
          ...(input.recurring ? { recurring: true } : {}),
          accept_url: acceptUrl,
          cancel_url: cancelUrl,
          ttl,
          locale,
        };
      }
      if (locale === undefined) delete body['locale'];

      const created = parseAnswer(
        PROVIDER,
        'create session',
        sessionAnswer,
        (
          await requestJson({
            provider: PROVIDER,
            action: 'create session',
            fetch: fetchImpl,
            url: joinUrl(checkoutApiUrl, path),
            method: 'POST',
            headers,
            body: JSON.stringify(body),
            timeoutMs,
          })
        ).body,
      );

      const record: ReepaySessionRecord = {
        sessionId: created.id,
        type,
        url: created.url,
        createdAt,
        expiresAt: new Date(now() + ttlSeconds * 1000).toISOString(),
        ...(type === 'charge' ? { invoiceHandle: input.reference } : {}),
        ...(type === 'charge' && input.recurring ? { recurring: true } : {}),
        ...(type === 'invoice' && input.invoice ? { invoiceHandle: input.invoice } : {}),
        ...(customerHandle ? { customerHandle } : {}),
        // An existing invoice's amount is Reepay's, not ours: read it back in getSession.
        ...(type === 'charge'
          ? { amount: input.amount, currency: input.currency.toUpperCase() }
          : {}),
      };
      await remember(record);
      return toSession(record, 'open');
    },

    async getSession(id) {
      const record = await recordOf(id);
      if (record.type === 'recurring' || !record.invoiceHandle) {
        // No invoice to read: complete once Reepay lists a card this session saved.
        return toSession(record, (await cardsSavedSince(record)).length > 0 ? 'complete' : 'open');
      }
      return readInvoiceSession(record);
    },

    /**
     * The card a complete `recurring` session, or a paid `charge` with `recurring: true`, saved:
     * the customer's newest active card created after the session started, read from Reepay's
     * API. Undefined for any other session.
     */
    async savedPaymentMethod(sessionId) {
      const record = await recordOf(sessionId);
      if (record.type === 'charge') {
        if (!record.recurring || (await readInvoiceSession(record)).status !== 'complete') return undefined;
      } else if (record.type !== 'recurring') {
        return undefined;
      }
      return (await cardsSavedSince(record))[0];
    },

    async verifyWebhook(rawBody) {
      if (!options.webhookSecret) {
        throw new WebhookVerificationError('reepay: no webhook secret configured');
      }
      const json = parseWebhookJson(rawBody, 'reepay: webhook body is not JSON');
      const parsed = webhookBody.safeParse(json);
      if (!parsed.success) {
        throw new WebhookVerificationError('reepay: webhook body lacks id, event_type, timestamp or signature');
      }
      const event = parsed.data;
      if (!(await verifyReepaySignature(options.webhookSecret, event.timestamp, event.id, event.signature))) {
        throw new WebhookVerificationError('reepay: webhook signature does not match');
      }
      assertFreshTimestamp(Date.parse(event.timestamp), now(), tolerance);

      // Only `timestamp` and `id` are signed. `event_type`, `invoice` and `customer` are hints
      // that pick which session the handler re-reads through getSession (which asks Reepay's
      // API); nothing here is stored or changed because of them.
      let sessionId: string | undefined;
      if (event.invoice) {
        sessionId = (await store.get(`invoice:${event.invoice}`))?.sessionId;
      }
      if (!sessionId && event.customer) {
        sessionId = (await store.get(`customer:${event.customer}`))?.sessionId;
      }
      const verified: VerifiedWebhook = {
        // `id` (the webhook) is signed; `event_id` is not, so a forger could vary it.
        eventId: event.id,
        type: event.event_type,
        payload: json,
      };
      if (sessionId) verified.sessionId = sessionId;
      // An invoice no checkout made here: a charge of a saved card, which the handler re-reads.
      else if (event.invoice) verified.chargeId = event.invoice;
      return verified;
    },
  };

  async function recordOf(id: string): Promise<ReepaySessionRecord> {
    const record = await store.get(id);
    if (!record) {
      throw new ProviderError(
        PROVIDER,
        `reepay: session ${id} is unknown to this server (the Checkout API cannot be asked for it; it was created by another process or before a restart)`,
        404,
      );
    }
    return record;
  }

  /** A session that pays an invoice: its state, amount and currency as Reepay reports the invoice. */
  async function readInvoiceSession(record: ReepaySessionRecord): Promise<CheckoutSession> {
    if (!record.invoiceHandle) return toSession(record, 'open');
    const answer = await requestJson({
      provider: PROVIDER,
      action: 'read invoice',
      fetch: fetchImpl,
      url: joinUrl(apiUrl, `/v1/invoice/${encodeURIComponent(record.invoiceHandle)}`),
      method: 'GET',
      headers: { Authorization: headers.Authorization, Accept: 'application/json' },
      timeoutMs,
      // No invoice yet: the shopper has not paid (or even opened the page).
      acceptStatuses: [404],
    });
    if (answer.status === 404) return toSession(record, 'open');
    const invoice = parseAnswer(PROVIDER, 'read invoice', invoiceAnswer, answer.body);
    const status = INVOICE_STATES[invoice.state];
    if (!status) {
      throw new ProviderError(PROVIDER, `reepay: invoice ${record.invoiceHandle} has unknown state "${invoice.state}"`);
    }
    return toSession(
      {
        ...record,
        ...(invoice.amount === undefined ? {} : { amount: invoice.amount }),
        ...(invoice.currency === undefined ? {} : { currency: invoice.currency.toUpperCase() }),
      },
      status,
    );
  }
}

/** Reepay wants a customer handle; without one, each order gets its own customer. */
function reepayCustomer(input: CreateSessionInput): Record<string, string> {
  const customer = input.customer ?? {};
  const handle = customer.handle ?? `customer-${input.reference}`;
  const result: Record<string, string> = { handle };
  for (const key of ['email', 'first_name', 'last_name', 'phone'] as const) {
    const value = customer[key];
    if (value) result[key] = value;
  }
  return result;
}

/** `da-DK` / `da_DK` → `da_DK`; a bare language is passed through for Reepay to resolve. */
function reepayLocale(locale: string | undefined): string | undefined {
  if (!locale) return undefined;
  const match = /^([a-z]{2})(?:[-_]([a-z]{2}))?$/i.exec(locale.trim());
  if (!match) {
    throw new ProviderInputError(PROVIDER, `reepay: locale "${locale}" is not like da_DK or da-DK`);
  }
  const [, language = '', region] = match;
  return region ? `${language.toLowerCase()}_${region.toUpperCase()}` : language.toLowerCase();
}

/** Seconds → ISO-8601 duration (`PT30M`, `PT1H30M`, `PT45S`). */
export function isoDuration(totalSeconds: number): string {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return `PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
}

/** Where this provider stands when several are configured: the lowest configured is the default. */
export const ENV_PREFERENCE = 20;

/**
 * The provider from the environment, or undefined when `REEPAY_PRIVATE_KEY` is not set.
 *
 * - `REEPAY_PRIVATE_KEY` (required): `priv_…`
 * - `REEPAY_WEBHOOK_SECRET`: webhook secret (webhooks are rejected without it)
 * - `REEPAY_CHECKOUT_API_URL`: default `https://checkout-api.reepay.com`
 * - `REEPAY_API_URL`: default `https://api.reepay.com`
 * - `REEPAY_SESSION_TTL_SECONDS`: default 1800
 */
export function fromEnv(env: Record<string, string | undefined> = process.env, context: ProviderContext = {}): PaymentProvider | undefined {
  const privateKey = env['REEPAY_PRIVATE_KEY'];
  if (!privateKey) return undefined;
  const ttl = env['REEPAY_SESSION_TTL_SECONDS'];
  return createReepayProvider({
    privateKey,
    // Reepay's Checkout API cannot be asked which invoice a session pays: that link must outlive the process.
    ...(context.store && { store: providerRecordsOn<ReepaySessionRecord>(context.store, PROVIDER) }),
    ...(env['REEPAY_WEBHOOK_SECRET'] ? { webhookSecret: env['REEPAY_WEBHOOK_SECRET'] } : {}),
    ...(env['REEPAY_CHECKOUT_API_URL'] ? { checkoutApiUrl: env['REEPAY_CHECKOUT_API_URL'] } : {}),
    ...(env['REEPAY_API_URL'] ? { apiUrl: env['REEPAY_API_URL'] } : {}),
    ...(ttl ? { ttlSeconds: Number(ttl) } : {}),
  });
}
