/**
 * Commerce Layer + checkout.com card payments (JSON:API).
 *
 * Flow: `POST {baseUrl}/api/checkout_com_payments` (card token from checkout.com Frames, order
 * from Commerce Layer), then `PATCH …/{id}` with `_authorize: true`. The answer's
 * `redirect_uri` (3-D Secure) is handed to the browser as a hosted page that must not be
 * framed. The shopper comes back to the success/failure URL with `?cko-session-id=sid_…`;
 * `PATCH …/{id}` with `{ _details: true, session_id }` then fetches the outcome, and the
 * session is `complete` only when checkout.com says `Authorized` or `Captured`.
 *
 * The session id is the Commerce Layer payment id. Commerce Layer cannot put it into the
 * return URLs (it is assigned after they are sent), so the return carries only the
 * `cko-session-id`: call `completeReturn(ckoSessionId)` from the return route to learn the
 * session and its outcome. `getSession(id)` works on its own too: it uses the checkout.com
 * session id it remembers (or reads from the payment) and asks for details.
 *
 * Prices: the amount is the Commerce Layer order's, which the shop manages in Commerce Layer;
 * `mismatched_amounts: true` (payment and order disagree) never counts as paid.
 *
 * Which order is charged is the server's choice, never the browser's: the `orderFor` hook maps
 * the create input (our order reference, the priced cart, the customer) to the shop's Commerce
 * Layer order, or a fixed `orderId` serves (demos). A request body's `metadata.order_id` is
 * refused: honouring it let a shopper pay for any order at the price of another cart.
 */
import { z } from 'zod';
import type { CheckoutSession, SessionStatus } from '../../core/session.js';
import {
  bearerAuth,
  DEFAULT_TIMEOUT_MS,
  dropSessionPlaceholder,
  globalFetch,
  joinUrl,
  parseAnswer,
  positiveNumber,
  requestJson,
  requiredString,
  type FetchLike,
} from '../../server/adapter-kit/index.js';
import { TtlMap } from '../../server/ttl-map.js';
import { ProviderError, ProviderInputError, type CreateSessionInput, type PaymentProvider } from '../../server/providers/types.js';

const PROVIDER = 'commercelayer';
const JSON_API = 'application/vnd.api+json';
const RESOURCE = 'checkout_com_payments';

export interface CommerceLayerProviderOptions {
  /** Your organization's API, e.g. `https://yourdomain.commercelayer.io`. */
  baseUrl: string;
  /**
   * An integration access token, or a function that returns a fresh one (Commerce Layer
   * tokens expire; the function is called before every request).
   */
  accessToken: string | (() => string | Promise<string>);
  /**
   * The shop's hook that picks the Commerce Layer order to charge for a create: from our order
   * reference, the server-priced `lines` and `amount`, the customer. The order total should
   * equal `amount`: the session reports `amount`. `metadata` and `customer` come from the
   * browser: do not take an order id from them without checking it belongs to this cart.
   * Throw a `ProviderInputError` to refuse the create with a 400 (e.g. no order for this cart).
   */
  orderFor?: (input: CreateSessionInput) => string | Promise<string>;
  /** A fixed order id (demos), used when there is no `orderFor`. One of the two is required. */
  orderId?: string;
  /** Default 15000. */
  timeoutMs?: number;
  fetch?: FetchLike;
}

export interface CommerceLayerProvider extends PaymentProvider {
  /**
   * The shopper is back from 3-D Secure with `?cko-session-id=sid_…`: asks for the payment's
   * details and returns its session. `id` may be left out when this server created the
   * payment (it remembers which payment the checkout.com session belongs to).
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

/** checkout.com payment statuses → contract statuses; anything else is not final yet. */
const STATUSES: Record<string, SessionStatus> = {
  Authorized: 'complete',
  Captured: 'complete',
  Pending: 'open',
  Declined: 'failed',
  Canceled: 'cancelled',
  Expired: 'expired',
};

interface Remembered {
  amount: number;
  currency: string;
  ckoSessionId?: string;
}

export function createCommerceLayerProvider(options: CommerceLayerProviderOptions): CommerceLayerProvider {
  const baseUrl = requiredString(PROVIDER, 'baseUrl', options.baseUrl);
  if (typeof options.accessToken !== 'function') requiredString(PROVIDER, 'accessToken', options.accessToken);
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
  // Bounded memory of this process's payments (amount for the session, cko session id), by
  // count only: a payment can be read back long after it was made.
  const bounds = { ttlMs: Number.POSITIVE_INFINITY, maxEntries: 10_000 };
  const remembered = new TtlMap<string, Remembered>(bounds);
  const paymentByCkoSession = new TtlMap<string, string>(bounds);

  function remember(id: string, value: Remembered): void {
    remembered.set(id, value);
    if (value.ckoSessionId) paymentByCkoSession.set(value.ckoSessionId, id);
  }

  async function call(
    action: string,
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
  ): Promise<Payment> {
    const token = typeof options.accessToken === 'function' ? await options.accessToken() : options.accessToken;
    const answer = await requestJson({
      provider: PROVIDER,
      action,
      fetch: fetchImpl,
      url: joinUrl(baseUrl, path),
      method,
      headers: {
        Accept: JSON_API,
        Authorization: bearerAuth(token),
        ...(body === undefined ? {} : { 'Content-Type': JSON_API }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeoutMs,
    });
    return parseAnswer(PROVIDER, action, paymentAnswer, answer.body).data;
  }

  function statusOf(payment: Payment): SessionStatus {
    const reported = payment.attributes.payment_response?.status;
    const status = (reported && STATUSES[reported]) || 'open';
    if (status === 'complete' && payment.attributes.mismatched_amounts) return 'failed';
    return status;
  }

  function toSession(payment: Payment, status = statusOf(payment)): CheckoutSession {
    const known = remembered.get(payment.id);
    const { redirect_uri: redirectUri, success_url: successUrl, failure_url: failureUrl } = payment.attributes;
    // While 3-D Secure is pending the page is checkout.com's; once decided, the way back.
    const url = (status === 'open' ? redirectUri : status === 'complete' ? successUrl : failureUrl) ?? redirectUri ?? successUrl;
    if (!url) {
      throw new ProviderError(PROVIDER, `commercelayer: payment ${payment.id} has no redirect_uri to send the shopper to`);
    }
    return {
      id: payment.id,
      provider: PROVIDER,
      kind: 'hosted',
      status,
      url,
      // 3-D Secure and bank pages break in frames: redirect only.
      frameable: false,
      ...(known ? { amount: known.amount, currency: known.currency } : {}),
    };
  }

  async function details(id: string, ckoSessionId: string): Promise<CheckoutSession> {
    const payment = await call('get payment details', 'PATCH', `/api/${RESOURCE}/${encodeURIComponent(id)}`, {
      data: { type: RESOURCE, id, attributes: { _details: true, session_id: ckoSessionId } },
    });
    const known = remembered.get(id);
    if (known) remember(id, { ...known, ckoSessionId });
    return toSession(payment);
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

  return {
    name: PROVIDER,
    label: 'Commerce Layer + checkout.com',

    async createSession(input) {
      // Refused, not ignored: a caller that still sends it expects that order to be charged,
      // and silently paying another one is worse than a 400 it can see.
      if (input.metadata && Object.prototype.hasOwnProperty.call(input.metadata, 'order_id')) {
        throw new ProviderInputError(
          PROVIDER,
          'commercelayer: metadata.order_id is not accepted: the server chooses the order to charge (orderFor / orderId)',
        );
      }
      const token = input.metadata?.['token'];
      if (!token || !/^tok_\S+$/.test(token)) {
        throw new ProviderInputError(PROVIDER, 'commercelayer needs a checkout.com card token (tok_…) in metadata.token');
      }
      const orderId = await orderToCharge(input);
      const created = await call('create payment', 'POST', `/api/${RESOURCE}`, {
        data: {
          type: RESOURCE,
          attributes: {
            payment_type: 'token',
            token,
            // checkout.com appends `cko-session-id`; our placeholder cannot be filled here.
            success_url: dropSessionPlaceholder(PROVIDER, input.acceptUrl),
            failure_url: dropSessionPlaceholder(PROVIDER, input.cancelUrl),
            reference: input.reference,
          },
          relationships: { order: { data: { type: 'orders', id: orderId } } },
        },
      });
      remember(created.id, { amount: input.amount, currency: input.currency.toUpperCase() });

      const authorized = await call('authorize payment', 'PATCH', `/api/${RESOURCE}/${encodeURIComponent(created.id)}`, {
        data: { type: RESOURCE, id: created.id, attributes: { _authorize: true } },
      });
      const ckoSessionId = authorized.attributes.session_id ?? created.attributes.session_id;
      if (ckoSessionId) {
        remember(created.id, { amount: input.amount, currency: input.currency.toUpperCase(), ckoSessionId });
      }
      return toSession(authorized);
    },

    async getSession(id) {
      let ckoSessionId = remembered.get(id)?.ckoSessionId;
      if (!ckoSessionId) {
        const payment = await call('read payment', 'GET', `/api/${RESOURCE}/${encodeURIComponent(id)}`);
        ckoSessionId = payment.attributes.session_id ?? undefined;
        if (!ckoSessionId) return toSession(payment);
      }
      return details(id, ckoSessionId);
    },

    async completeReturn(ckoSessionId, id) {
      if (!/^sid_[A-Za-z0-9]+$/.test(ckoSessionId ?? '')) {
        throw new ProviderInputError(PROVIDER, `commercelayer: "${ckoSessionId}" is not a checkout.com session id (sid_…)`);
      }
      const paymentId = id ?? paymentByCkoSession.get(ckoSessionId);
      if (!paymentId) {
        throw new ProviderInputError(
          PROVIDER,
          `commercelayer: checkout.com session ${ckoSessionId} belongs to no payment this server created; pass the session id`,
        );
      }
      return details(paymentId, ckoSessionId);
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
 */
export function fromEnv(env: Record<string, string | undefined> = process.env): CommerceLayerProvider | undefined {
  const baseUrl = env['COMMERCELAYER_BASE_URL'];
  const accessToken = env['COMMERCELAYER_ACCESS_TOKEN'];
  if (!baseUrl || !accessToken) return undefined;
  const orderId = env['COMMERCELAYER_ORDER_ID']?.trim();
  if (!orderId) {
    throw new Error(
      'COMMERCELAYER_BASE_URL and COMMERCELAYER_ACCESS_TOKEN are set but COMMERCELAYER_ORDER_ID is missing: ' +
        'set it (one fixed order, demos) or create the provider with createCommerceLayerProvider({ orderFor })',
    );
  }
  return createCommerceLayerProvider({ baseUrl, accessToken, orderId });
}
