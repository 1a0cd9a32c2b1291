/**
 * Commerce Layer + checkout.com card payments (JSON:API), as `card-token` sessions.
 *
 * Create: the order to charge is the server's choice (the `orderFor` hook, or a fixed `orderId`
 * for demos), never the browser's. `GET {apiUrl}/api/orders/{id}` gives its total and currency,
 * which must equal what the handler priced from the catalog (else a `ProviderInputError`: the
 * shop's Commerce Layer prices and its catalog disagree). The session answered is `card-token`:
 * `token_provider: "checkout.com"` and the checkout.com `public_key`, so the widget shows Frames.
 *
 * `submitToken`: `POST …/api/checkout_com_payments` (`payment_type: "token"`, the Frames token,
 * the order), then `PATCH …/{id}` with `_authorize: true`. Authorised or captured: `complete`;
 * declined: `PaymentDeclinedError` (the session stays open for another card); a `redirect_uri`
 * while pending: 3-D Secure, answered as the session's `url` with `frameable: false`.
 *
 * The shopper comes back from 3-D Secure through the return bridge with `?cko-session-id=sid_…`;
 * reads then `PATCH …/{id}` with `{ _details: true, session_id }`, and the session is `complete`
 * only when checkout.com says `Authorized` or `Captured` (and `mismatched_amounts` is not true).
 * `completeReturn(ckoSessionId)` finds the session from the checkout.com session alone.
 *
 * The session id is ours (`cl_<order reference>`); which Commerce Layer order and payment it is
 * lives in a record (the shop's store through `fromEnv`, else this process's memory). Sessions of
 * the earlier adapter, whose id was the payment id, are still read as they were.
 */
import { z } from 'zod';
import type { CheckoutSession, SessionStatus } from '../../core/protocol.js';
import {
  bearerAuth,
  DEFAULT_TIMEOUT_MS,
  dropSessionPlaceholder,
  globalFetch,
  joinUrl,
  keyOption,
  parseAnswer,
  positiveNumber,
  requestJson,
  requiredString,
  type FetchLike,
} from '../../server/adapter-kit/index.js';
import type { ProviderContext } from '../../server/provider-api/types.js';
import { providerRecordsOn } from '../../server/store/provider-records.js';
import { TtlMap } from '../../server/ttl-map.js';
import {
  CARD_TOKEN_KIND,
  PaymentDeclinedError,
  ProviderError,
  ProviderInputError,
  type CreateSessionInput,
  type PaymentProvider,
} from '../../server/provider-api/types.js';

const PROVIDER = 'commercelayer';
const JSON_API = 'application/vnd.api+json';
const RESOURCE = 'checkout_com_payments';
/** checkout.com's public keys (`pk_…`, `pk_sbox_…`); a secret key must never reach a browser. */
const CHECKOUT_PUBLIC_KEY = /^pk_[A-Za-z0-9_-]{4,}$/;
/** A Frames card token as checkout.com makes them. */
const CHECKOUT_TOKEN = /^tok_[a-z0-9]{26}$/;
const SESSION_PREFIX = 'cl_';

/**
 * Options of `createCommerceLayerProvider`: the Commerce Layer API and token, checkout.com's public
 * key, and how the order to charge is chosen.
 */
export interface CommerceLayerProviderOptions {
  /** Your organization's API, e.g. `https://yourdomain.commercelayer.io`. */
  apiUrl: string;
  /**
   * An integration access token, or a function that returns a fresh one (Commerce Layer
   * tokens expire; the function is called before every request).
   */
  accessToken: string | (() => string | Promise<string>);
  /** checkout.com's public key (`pk_…`) for Frames in the browser: it goes into every session. */
  checkoutPublicKey: string;
  /**
   * The shop's hook that picks the Commerce Layer order to charge for a create: from our order
   * reference, the server-priced `lines` and `amount`, the customer. The order's total must
   * equal `amount` (checked). `metadata` and `customer` come from the browser: do not take an
   * order id from them without checking it belongs to this cart.
   * Throw a `ProviderInputError` to refuse the create with a 400 (e.g. no order for this cart).
   */
  orderFor?: (input: CreateSessionInput) => string | Promise<string>;
  /** A fixed order id (demos), used when there is no `orderFor`. One of the two is required. */
  orderId?: string;
  /** Where session records live; default: this process's memory (one server process only). */
  store?: CommerceLayerSessionStore;
  /** Default 15000. */
  timeoutMs?: number;
  fetch?: FetchLike;
}

/** What the adapter remembers of a session: the order it pays and its payment once there is one. */
export interface CommerceLayerSessionRecord {
  sessionId: string;
  orderId: string;
  /** The order's total, minor units, and its currency: what the session reports. */
  amount: number;
  currency: string;
  /** The `checkout_com_payments` resource of the current attempt. */
  paymentId?: string;
  /** checkout.com's session (`sid_…`) of that payment, for `_details`. */
  ckoSessionId?: string;
}

/** Keys are session ids and `cko:<sid_…>` (a return names only the checkout.com session). */
export interface CommerceLayerSessionStore {
  get(key: string): CommerceLayerSessionRecord | undefined | Promise<CommerceLayerSessionRecord | undefined>;
  set(key: string, record: CommerceLayerSessionRecord): void | Promise<void>;
}

/** The Commerce Layer provider: a `PaymentProvider`, plus `completeReturn` for a shopper back from 3-D Secure. */
export interface CommerceLayerProvider extends PaymentProvider {
  /**
   * The shopper is back from 3-D Secure with `?cko-session-id=sid_…`: asks for the payment's
   * details and returns its session. `id` may be left out when a session of this store made
   * the payment.
   */
  completeReturn(ckoSessionId: string, id?: string): Promise<CheckoutSession>;
}

const paymentAnswer = z.object({
  data: z.object({
    id: z.string().min(1),
    type: z.literal(RESOURCE),
    attributes: z.object({
      redirect_uri: z.string().url().nullish(),
      session_id: z.string().nullish(),
      success_url: z.string().nullish(),
      failure_url: z.string().nullish(),
      mismatched_amounts: z.boolean().nullish(),
      payment_response: z.looseObject({ status: z.string().optional() }).nullish(),
    }),
  }),
});
type Payment = z.infer<typeof paymentAnswer>['data'];

/** The order attributes the session needs (Commerce Layer's orders resource; amounts in cents). */
const orderAnswer = z.object({
  data: z.object({
    id: z.string().min(1),
    type: z.literal('orders'),
    attributes: z.object({
      currency_code: z.string().regex(/^[A-Za-z]{3}$/),
      total_amount_with_taxes_cents: z.number().int().min(0),
    }),
  }),
});

/** checkout.com payment statuses → contract statuses; anything else is not final yet. */
const STATUSES: Record<string, SessionStatus> = {
  Authorized: 'complete',
  Captured: 'complete',
  Pending: 'open',
  Declined: 'failed',
  Canceled: 'cancelled',
  Expired: 'expired',
};

/** A bounded in-memory store: fine for one server process. */
export function createMemoryCommerceLayerStore(maxEntries = 10_000): CommerceLayerSessionStore {
  // By count only: a session is read long after its payment.
  const entries = new TtlMap<string, CommerceLayerSessionRecord>({ ttlMs: Number.POSITIVE_INFINITY, maxEntries });
  return { get: (key) => entries.get(key), set: (key, record) => void entries.set(key, record) };
}

/**
 * Commerce Layer orders paid by card with checkout.com Frames (`card-token` sessions), for
 * `createCheckoutHandler({ providers })`. Give `orderFor` (or `orderId`): the server picks the
 * order, never the browser.
 */
export function createCommerceLayerProvider(options: CommerceLayerProviderOptions): CommerceLayerProvider {
  const apiUrl = requiredString(PROVIDER, 'apiUrl', options.apiUrl);
  if (typeof options.accessToken !== 'function') requiredString(PROVIDER, 'accessToken', options.accessToken);
  const publicKey = keyOption(PROVIDER, 'checkoutPublicKey', options.checkoutPublicKey, CHECKOUT_PUBLIC_KEY, "checkout.com's public key (pk_…)");
  const timeoutMs = positiveNumber(PROVIDER, 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const fetchImpl = options.fetch ?? globalFetch;
  const { orderFor } = options;
  if (orderFor !== undefined && typeof orderFor !== 'function') {
    throw new TypeError('commercelayer: orderFor must be a function');
  }
  const fixedOrderId = options.orderId === undefined ? undefined : requiredString(PROVIDER, 'orderId', options.orderId);
  if (!orderFor && fixedOrderId === undefined) {
    throw new TypeError(
      'commercelayer: give createCommerceLayerProvider an orderFor hook (or a fixed orderId): the order charged is chosen by the server',
    );
  }
  const store = options.store ?? createMemoryCommerceLayerStore();

  async function call<S extends z.ZodType>(action: string, method: 'GET' | 'POST' | 'PATCH', path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
    const token = typeof options.accessToken === 'function' ? await options.accessToken() : options.accessToken;
    const answer = await requestJson({
      provider: PROVIDER,
      action,
      fetch: fetchImpl,
      url: joinUrl(apiUrl, path),
      method,
      headers: {
        Accept: JSON_API,
        Authorization: bearerAuth(token),
        ...(body === undefined ? {} : { 'Content-Type': JSON_API }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeoutMs,
    });
    return parseAnswer(PROVIDER, action, schema, answer.body);
  }

  const paymentPath = (id: string) => `/api/${RESOURCE}/${encodeURIComponent(id)}`;
  const readPayment = async (id: string) => (await call('read payment', 'GET', paymentPath(id), paymentAnswer)).data;
  const paymentDetails = async (id: string, ckoSessionId: string) =>
    (
      await call('get payment details', 'PATCH', paymentPath(id), paymentAnswer, {
        data: { type: RESOURCE, id, attributes: { _details: true, session_id: ckoSessionId } },
      })
    ).data;

  async function saveRecord(record: CommerceLayerSessionRecord): Promise<void> {
    await store.set(record.sessionId, record);
    if (record.ckoSessionId) await store.set(`cko:${record.ckoSessionId}`, record);
  }

  function statusOf(payment: Payment): SessionStatus {
    const reported = payment.attributes.payment_response?.status;
    const status = (reported && STATUSES[reported]) || 'open';
    if (status === 'complete' && payment.attributes.mismatched_amounts) return 'failed';
    return status;
  }

  /** The card-token session; with a payment, its status, and its 3-D Secure page while that is pending. */
  function cardTokenSession(record: CommerceLayerSessionRecord, payment?: Payment): CheckoutSession {
    const status = payment ? statusOf(payment) : 'open';
    const redirectUri = payment?.attributes.redirect_uri;
    return {
      id: record.sessionId,
      provider: PROVIDER,
      kind: CARD_TOKEN_KIND,
      status,
      token_provider: 'checkout.com',
      public_key: publicKey,
      // 3-D Secure pages must run at top level (cookies, frame refusal): never framed.
      ...(status === 'open' && redirectUri && { url: redirectUri, frameable: false }),
      amount: record.amount,
      currency: record.currency,
    };
  }

  /** A session of the earlier adapter: its id is the payment's, shown as checkout.com's page. */
  function legacySession(payment: Payment): CheckoutSession {
    const status = statusOf(payment);
    const { redirect_uri: redirectUri, success_url: successUrl, failure_url: failureUrl } = payment.attributes;
    const url = (status === 'open' ? redirectUri : status === 'complete' ? successUrl : failureUrl) ?? redirectUri ?? successUrl;
    if (!url) throw new ProviderError(PROVIDER, `commercelayer: payment ${payment.id} has no redirect_uri to send the shopper to`);
    return { id: payment.id, provider: PROVIDER, kind: 'hosted', status, url, frameable: false };
  }

  async function recordOf(sessionId: string): Promise<CommerceLayerSessionRecord> {
    const record = await store.get(sessionId);
    if (!record) throw new ProviderError(PROVIDER, `commercelayer: no record of session ${sessionId}`, 404);
    return record;
  }

  /** The order to charge, from the server only: the hook, else the fixed id. */
  async function orderToCharge(input: CreateSessionInput): Promise<string> {
    if (!orderFor) return fixedOrderId!;
    let answer: unknown;
    try {
      answer = await orderFor(input);
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      // The hook's own message may name the shop's internals: it goes to the log as the cause.
      throw new ProviderError(PROVIDER, "commercelayer: the shop's orderFor hook failed", undefined, { cause: error });
    }
    // No fallback to `orderId` here: a cart the hook cannot place must not pay for the demo order.
    if (typeof answer !== 'string' || !/^[^\s/?#]{1,200}$/.test(answer)) {
      throw new ProviderError(PROVIDER, "commercelayer: the shop's orderFor hook returned no Commerce Layer order id");
    }
    return answer;
  }

  /** The order's total and currency, which must be what the handler priced. */
  async function orderTotal(orderId: string, input: CreateSessionInput): Promise<{ amount: number; currency: string }> {
    const order = (await call('read order', 'GET', `/api/orders/${encodeURIComponent(orderId)}`, orderAnswer)).data.attributes;
    const total = { amount: order.total_amount_with_taxes_cents, currency: order.currency_code.toUpperCase() };
    if (total.amount !== input.amount || total.currency !== input.currency.toUpperCase()) {
      throw new ProviderInputError(
        PROVIDER,
        `commercelayer: order ${orderId} totals ${total.amount} ${total.currency} but the cart is ${input.amount} ${input.currency.toUpperCase()}: the Commerce Layer order and the catalog disagree`,
      );
    }
    return total;
  }

  return {
    name: PROVIDER,
    label: 'Commerce Layer + checkout.com',
    /** Cards, in checkout.com's Frames card fields. */
    methods: [{ id: 'card', kind: CARD_TOKEN_KIND }],

    async createSession(input) {
      // Refused, not ignored: a caller that still sends them expects that order charged, or that
      // token used, and silently doing otherwise is worse than a 400 it can see.
      if (input.metadata && Object.hasOwn(input.metadata, 'order_id')) {
        throw new ProviderInputError(
          PROVIDER,
          'commercelayer: metadata.order_id is not accepted: the server chooses the order to charge (orderFor / orderId)',
        );
      }
      if (input.metadata && Object.hasOwn(input.metadata, 'token')) {
        throw new ProviderInputError(PROVIDER, 'commercelayer: send the card token with POST …/sessions/{id}/token, not in metadata.token');
      }
      const orderId = await orderToCharge(input);
      const record: CommerceLayerSessionRecord = {
        sessionId: `${SESSION_PREFIX}${input.reference}`,
        orderId,
        ...(await orderTotal(orderId, input)),
      };
      await saveRecord(record);
      return cardTokenSession(record);
    },

    async submitToken(sessionId, token, context) {
      if (!CHECKOUT_TOKEN.test(token)) {
        throw new ProviderInputError(PROVIDER, 'commercelayer: the token is not a checkout.com card token (tok_ and 26 letters or digits)');
      }
      const record = await recordOf(sessionId);
      const created = (
        await call('create payment', 'POST', `/api/${RESOURCE}`, paymentAnswer, {
          data: {
            type: RESOURCE,
            attributes: {
              payment_type: 'token',
              token,
              // checkout.com appends `cko-session-id`; our placeholder cannot be filled here (checkout_ref finds the session).
              success_url: dropSessionPlaceholder(PROVIDER, context.acceptUrl),
              failure_url: dropSessionPlaceholder(PROVIDER, context.cancelUrl),
              reference: context.reference,
            },
            relationships: { order: { data: { type: 'orders', id: record.orderId } } },
          },
        })
      ).data;
      // Recorded before authorising: a read after a lost answer asks this payment, not a new one.
      const attempt: CommerceLayerSessionRecord = { ...record, paymentId: created.id };
      delete attempt.ckoSessionId;
      await saveRecord(attempt);

      const authorized = (
        await call('authorize payment', 'PATCH', paymentPath(created.id), paymentAnswer, {
          data: { type: RESOURCE, id: created.id, attributes: { _authorize: true } },
        })
      ).data;
      if (authorized.attributes.payment_response?.status === 'Declined') {
        // The session goes back to taking a card: no payment of it stands.
        const { paymentId: _declined, ckoSessionId: _itsSession, ...takingCards } = attempt;
        await saveRecord(takingCards);
        throw new PaymentDeclinedError(PROVIDER, 'commercelayer: checkout.com declined the card');
      }
      const ckoSessionId = authorized.attributes.session_id ?? created.attributes.session_id;
      if (ckoSessionId) await saveRecord({ ...attempt, ckoSessionId });
      return cardTokenSession(attempt, authorized);
    },

    async getSession(id) {
      const record = await store.get(id);
      if (!record) {
        if (id.startsWith(SESSION_PREFIX)) throw new ProviderError(PROVIDER, `commercelayer: no record of session ${id}`, 404);
        const payment = await readPayment(id);
        const ckoSessionId = payment.attributes.session_id;
        return legacySession(ckoSessionId ? await paymentDetails(id, ckoSessionId) : payment);
      }
      if (!record.paymentId) return cardTokenSession(record);
      const payment = record.ckoSessionId ? await paymentDetails(record.paymentId, record.ckoSessionId) : await readPayment(record.paymentId);
      return cardTokenSession(record, payment);
    },

    async completeReturn(ckoSessionId, id) {
      if (!/^sid_[A-Za-z0-9]+$/.test(ckoSessionId ?? '')) {
        throw new ProviderInputError(PROVIDER, `commercelayer: "${ckoSessionId}" is not a checkout.com session id (sid_…)`);
      }
      const sessionId = id ?? (await store.get(`cko:${ckoSessionId}`))?.sessionId;
      if (!sessionId) {
        throw new ProviderInputError(
          PROVIDER,
          `commercelayer: checkout.com session ${ckoSessionId} belongs to no payment this server created; pass the session id`,
        );
      }
      const record = await store.get(sessionId);
      if (!record) return legacySession(await paymentDetails(sessionId, ckoSessionId));
      if (!record.paymentId) throw new ProviderInputError(PROVIDER, `commercelayer: session ${sessionId} has no payment yet`);
      return cardTokenSession(record, await paymentDetails(record.paymentId, ckoSessionId));
    },
  };
}

/** Where this provider stands when several are configured: the lowest configured is the default. */
export const ENV_PREFERENCE = 40;

/**
 * The provider from the environment, or undefined unless both required variables are set.
 *
 * - `COMMERCELAYER_BASE_URL` (required): `https://yourdomain.commercelayer.io`
 * - `COMMERCELAYER_ACCESS_TOKEN` (required): an integration access token (it expires: for long
 *   running servers pass `accessToken` as a function to `createCommerceLayerProvider`)
 * - `COMMERCELAYER_ORDER_ID` (required here): the one order every payment is for (demos). The
 *   browser cannot name another. A shop with an order per cart passes an `orderFor` hook to
 *   `createCommerceLayerProvider` instead of using this function.
 * - `COMMERCELAYER_CHECKOUT_PUBLIC_KEY` (required): checkout.com's public key (`pk_…`) for Frames
 *
 * Session records go to the shop's store when the deployment gives one (`context.store`).
 */
export function fromEnv(env: Record<string, string | undefined> = process.env, context: ProviderContext = {}): CommerceLayerProvider | undefined {
  const apiUrl = env['COMMERCELAYER_BASE_URL'];
  const accessToken = env['COMMERCELAYER_ACCESS_TOKEN'];
  if (!apiUrl || !accessToken) return undefined;
  const checkoutPublicKey = env['COMMERCELAYER_CHECKOUT_PUBLIC_KEY']?.trim();
  if (!checkoutPublicKey) {
    throw new Error('COMMERCELAYER_BASE_URL and COMMERCELAYER_ACCESS_TOKEN are set but COMMERCELAYER_CHECKOUT_PUBLIC_KEY (pk_…) is missing');
  }
  const orderId = env['COMMERCELAYER_ORDER_ID']?.trim();
  if (!orderId) {
    throw new Error(
      'COMMERCELAYER_BASE_URL and COMMERCELAYER_ACCESS_TOKEN are set but COMMERCELAYER_ORDER_ID is missing: ' +
        'set it (one fixed order, demos) or create the provider with createCommerceLayerProvider({ orderFor })',
    );
  }
  return createCommerceLayerProvider({
    apiUrl,
    accessToken,
    orderId,
    checkoutPublicKey,
    // Which order and payment a session is must outlive the process, and be shared by every handler on the store.
    ...(context.store && { store: providerRecordsOn<CommerceLayerSessionRecord>(context.store, PROVIDER) }),
  });
}
