/**
 * Vipps MobilePay ePayment API (hosted landing page, `kind: 'hosted'`, `frameable: false`).
 *
 * Facts: /work/shared/providers/vipps-mobilepay.md. Requests as sent:
 * - `POST {apiUrl}/accesstoken/get` (headers `client_id`, `client_secret`,
 *   `Ocp-Apim-Subscription-Key`, `Merchant-Serial-Number`; no body): the access token, cached until
 *   shortly before `expires_in` ends; concurrent callers share one fetch;
 * - `POST {apiUrl}/epayment/v1/payments` with `Idempotency-Key`, body `amount`, `paymentMethod`
 *   (`WALLET`), `reference`, `userFlow: WEB_REDIRECT`, `returnUrl`, `paymentDescription`, `metadata`;
 * - `GET {apiUrl}/epayment/v1/payments/{reference}`;
 * - `POST {apiUrl}/epayment/v1/payments/{reference}/capture` with `Idempotency-Key`, body
 *   `modificationAmount`: an authorised payment is captured before its session reads `complete`.
 *   An authorised payment whose capture has not covered it yet reads `open` with
 *   `payment: "in_flight"` (the shopper has approved; another payment would be a second one).
 *   A `CREATED` payment is not reported in flight: the API does not tell a shopper in the app
 *   from one who closed the landing page (both read `CREATED` until it expires).
 * Every ePayment call carries `Authorization: Bearer …`, `Ocp-Apim-Subscription-Key`,
 * `Merchant-Serial-Number` and `Vipps-System-Name`.
 */
import { z } from 'zod';
import { PAYMENT_IN_FLIGHT, type CheckoutSession, type SessionStatus } from '../../core/protocol.js';
import {
  absoluteUrl,
  bearerAuth,
  DEFAULT_TIMEOUT_MS,
  globalFetch,
  joinUrl,
  parseAnswer,
  parseWebhookJson,
  positiveNumber,
  replaceSessionPlaceholder,
  requestJson,
  requiredString,
  sha256,
  toHex,
  webhookToleranceOption,
  type FetchLike,
} from '../../server/adapter-kit/index.js';
import { DEFAULT_BASE_PATH } from '../../server/options.js';
import {
  ProviderError,
  ProviderInputError,
  type PaymentProvider,
  type ProviderContext,
  type VerifiedWebhook,
} from '../../server/provider-api/types.js';
import type { Order } from '../../server/store/types.js';
import { verifyVippsWebhook, webhookTarget } from './webhook.js';

const PROVIDER = 'vipps-mobilepay';
/** Production; the test environment ("MT") is `https://apitest.vipps.no`. */
export const VIPPS_MOBILEPAY_API_URL = 'https://api.vipps.no';
/** The `Currency` enum of the ePayment API. */
export const VIPPS_MOBILEPAY_CURRENCIES = ['NOK', 'DKK', 'EUR'] as const;
/** The API's largest `amount.value` (minor units). */
const MAX_AMOUNT = 65_000_000;
/** The Node SDK refreshes when fewer than 3 minutes remain; so do we (or at half-life for short tokens). */
const TOKEN_REFRESH_MARGIN_S = 180;

/** Options of `createVippsMobilePayProvider`: the sales unit's API keys from the merchant portal. */
export interface VippsMobilePayProviderOptions {
  /** `client_id` of the sales unit. */
  clientId: string;
  /** `client_secret` of the sales unit. */
  clientSecret: string;
  /** `Ocp-Apim-Subscription-Key` (the primary or secondary subscription key). */
  subscriptionKey: string;
  /** `Merchant-Serial-Number`: the sales unit's MSN, 4 to 6 digits. */
  merchantSerialNumber: string;
  /** The `secret` the Webhooks API answered when the handler's URL was registered (`register-webhook.ts`). */
  webhookSecret: string;
  /** Default `https://api.vipps.no` (production); `https://apitest.vipps.no` for the test environment. */
  apiUrl?: string;
  /**
   * The webhook URL exactly as registered: its path, query and host are signed. Default: the URL
   * the handler was addressed at (its `publicUrl` or own origin, base path and query); set this
   * only when a proxy in front rewrites the path or host.
   */
  webhookUrl?: string;
  /**
   * The shop's orders, to check a capture against its order's amount and currency (`fromEnv`
   * passes the deployment's store). Without it the payment's own amount, which our create set
   * from the order, is captured when it is what was authorised.
   */
  orders?: { getOrder(reference: string): Promise<Pick<Order, 'amount' | 'currency'> | undefined> };
  /** Allowed distance of `x-ms-date` from now, past or future. Default 300. */
  webhookToleranceSeconds?: number;
  /** Default 15000. */
  timeoutMs?: number;
  fetch?: FetchLike;
  /** Clock, for tests. */
  now?: () => number;
}

const money = z.object({ currency: z.string().min(3), value: z.number().int().nonnegative() });

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  // Strings in the spec ("3600"); numbers accepted too.
  expires_in: z.union([z.string(), z.number()]).transform(Number).pipe(z.number().positive()),
});

const createAnswer = z.object({ reference: z.string().min(1), redirectUrl: z.string().url() });

const paymentAnswer = z.object({
  reference: z.string().min(1),
  state: z.string().min(1),
  amount: money,
  aggregate: z.object({ authorizedAmount: money, capturedAmount: money }),
  redirectUrl: z.string().url().optional(),
});
type Payment = z.infer<typeof paymentAnswer>;

const captureAnswer = z.object({ aggregate: z.object({ capturedAmount: money }) });

/** `state` → the session's status. Capture does not change `state` (it stays `AUTHORIZED`). */
const STATES: Record<string, SessionStatus> = {
  CREATED: 'open',
  AUTHORIZED: 'complete',
  ABORTED: 'cancelled',
  EXPIRED: 'expired',
  // The merchant cancelled before authorisation (the cancel endpoint on a CREATED payment).
  TERMINATED: 'cancelled',
};

/**
 * Our order reference as an ePayment `reference` (`^[a-zA-Z0-9-]{8,50}$`): letters and digits
 * stay, every other UTF-8 byte becomes `-` and two upper-case hex digits (`ord_3f…` →
 * `ord-5F3f…`). Deterministic and reversible, so a retried create names the same payment and no
 * two orders share one.
 */
export function epaymentReference(orderReference: string): string {
  let encoded = '';
  for (const byte of new TextEncoder().encode(orderReference)) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9]/.test(char) ? char : `-${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (encoded.length < 8 || encoded.length > 50) {
    throw new ProviderInputError(PROVIDER, `${PROVIDER}: order reference "${orderReference}" gives an ePayment reference of ${encoded.length} characters (8 to 50 allowed)`);
  }
  return encoded;
}

/** The order reference an ePayment `reference` of `epaymentReference` stands for; undefined for any other. */
export function orderReferenceOf(reference: string): string | undefined {
  if (!/^(?:[A-Za-z0-9]|-[0-9A-F]{2})+$/.test(reference)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < reference.length; ) {
    if (reference[i] === '-') {
      bytes.push(Number.parseInt(reference.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(reference.charCodeAt(i));
      i += 1;
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

/** An `Idempotency-Key` (≤ 50 characters) for `purpose` on payment `reference`, the same on every retry. */
async function idempotencyKey(purpose: string, reference: string): Promise<string> {
  return `${purpose}-${toHex(await sha256(`${purpose}:${reference}`)).slice(0, 49 - purpose.length)}`;
}

/**
 * Vipps MobilePay ePayment on its landing page, as a provider for
 * `createCheckoutHandler({ providers })`: never framed (redirect or popup), captured by the
 * handler once authorised.
 */
export function createVippsMobilePayProvider(options: VippsMobilePayProviderOptions): PaymentProvider {
  const clientId = requiredString(PROVIDER, 'clientId', options.clientId);
  const clientSecret = requiredString(PROVIDER, 'clientSecret', options.clientSecret);
  const subscriptionKey = requiredString(PROVIDER, 'subscriptionKey', options.subscriptionKey);
  const msn = requiredString(PROVIDER, 'merchantSerialNumber', options.merchantSerialNumber);
  if (!/^[0-9]{4,6}$/.test(msn)) throw new TypeError(`${PROVIDER}: option merchantSerialNumber must be 4 to 6 digits`);
  const webhookSecret = requiredString(PROVIDER, 'webhookSecret', options.webhookSecret);
  const apiUrl = absoluteUrl(PROVIDER, 'apiUrl', options.apiUrl ?? VIPPS_MOBILEPAY_API_URL);
  const configuredTarget = options.webhookUrl ? webhookTarget(absoluteUrl(PROVIDER, 'webhookUrl', options.webhookUrl)) : undefined;
  // Without the handler's request (a direct call): the default path and the delivery's Host.
  const fallbackTarget = { pathAndQuery: `${DEFAULT_BASE_PATH}/webhooks/${PROVIDER}` };
  const timeoutMs = positiveNumber(PROVIDER, 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const tolerance = webhookToleranceOption(PROVIDER, options.webhookToleranceSeconds);
  const fetchImpl = options.fetch ?? globalFetch;
  const now = options.now ?? Date.now;
  const { orders } = options;

  // --- access token: one fetch at a time, reused until shortly before it ends -----------------
  let cached: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const action = 'get access token';
    const answer = await requestJson({
      provider: PROVIDER,
      action,
      fetch: fetchImpl,
      url: joinUrl(apiUrl, '/accesstoken/get'),
      method: 'POST',
      headers: {
        client_id: clientId,
        client_secret: clientSecret,
        'Ocp-Apim-Subscription-Key': subscriptionKey,
        'Merchant-Serial-Number': msn,
        Accept: 'application/json',
      },
      timeoutMs,
    });
    const { access_token, expires_in } = parseAnswer(PROVIDER, action, tokenAnswer, answer.body);
    const margin = Math.min(TOKEN_REFRESH_MARGIN_S, expires_in / 2);
    cached = { token: access_token, refreshAt: now() + (expires_in - margin) * 1000 };
    return access_token;
  }

  function accessToken(): Promise<string> {
    if (cached && now() < cached.refreshAt) return Promise.resolve(cached.token);
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  /** One ePayment call; a 401 drops the token it used and tries once more with a fresh one. */
  async function epayment(action: string, method: 'GET' | 'POST', path: string, extra: { body?: unknown; idempotencyKey?: string } = {}) {
    for (let attempt = 1; ; attempt++) {
      const token = await accessToken();
      const answer = await requestJson({
        provider: PROVIDER,
        action,
        fetch: fetchImpl,
        url: joinUrl(apiUrl, path),
        method,
        headers: {
          Authorization: bearerAuth(token),
          'Ocp-Apim-Subscription-Key': subscriptionKey,
          'Merchant-Serial-Number': msn,
          'Vipps-System-Name': 'checkout-widget',
          Accept: 'application/json',
          ...(extra.body !== undefined && { 'Content-Type': 'application/json' }),
          ...(extra.idempotencyKey && { 'Idempotency-Key': extra.idempotencyKey }),
        },
        ...(extra.body !== undefined && { body: JSON.stringify(extra.body) }),
        timeoutMs,
        acceptStatuses: attempt === 1 ? [401] : [],
      });
      if (answer.status !== 401) return answer.body;
      if (cached?.token === token) cached = undefined;
    }
  }

  const paymentPath = (reference: string) => `/epayment/v1/payments/${encodeURIComponent(reference)}`;

  async function readPayment(reference: string): Promise<Payment> {
    const action = 'read payment';
    return parseAnswer(PROVIDER, action, paymentAnswer, await epayment(action, 'GET', paymentPath(reference)));
  }

  /**
   * Whether `payment`'s authorisation may be captured in full: what was authorised is the
   * payment's amount, and (with `orders`) that is its order's amount and currency.
   */
  async function capturable(payment: Payment): Promise<boolean> {
    const { amount, aggregate } = payment;
    if (aggregate.authorizedAmount.value !== amount.value || aggregate.authorizedAmount.currency !== amount.currency) return false;
    if (!orders) return true;
    const orderReference = orderReferenceOf(payment.reference);
    const order = orderReference === undefined ? undefined : await orders.getOrder(orderReference);
    return !!order && order.amount === amount.value && order.currency.toUpperCase() === amount.currency.toUpperCase();
  }

  /** Captures what is left of an authorised payment; the captured amount after it. */
  async function capture(payment: Payment): Promise<number> {
    const remaining = payment.amount.value - payment.aggregate.capturedAmount.value;
    const action = 'capture payment';
    const body = await epayment(action, 'POST', `${paymentPath(payment.reference)}/capture`, {
      body: { modificationAmount: { currency: payment.amount.currency, value: remaining } },
      // The same key for the same remainder: the webhook's read and the widget's read capture once.
      idempotencyKey: await idempotencyKey('capture', `${payment.reference}:${remaining}`),
    });
    return parseAnswer(PROVIDER, action, captureAnswer, body).aggregate.capturedAmount.value;
  }

  function toSession(payment: Payment, status: SessionStatus, amount = payment.amount, inFlight = false): CheckoutSession {
    if (status === 'open' && !inFlight && !payment.redirectUrl) {
      throw new ProviderError(PROVIDER, `${PROVIDER}: payment ${payment.reference} is open but its answer has no redirectUrl`);
    }
    return {
      id: payment.reference,
      provider: PROVIDER,
      kind: 'hosted',
      status,
      ...(payment.redirectUrl && { url: payment.redirectUrl }),
      // The landing page must never be framed (app switch and the return break in a frame).
      frameable: false,
      amount: amount.value,
      currency: amount.currency.toUpperCase(),
      ...(inFlight && { payment: PAYMENT_IN_FLIGHT }),
    };
  }

  /** The session of a payment read just now: an authorised one is captured before it reads `complete`. */
  async function settle(payment: Payment): Promise<CheckoutSession> {
    const status = STATES[payment.state] ?? 'open';
    if (status !== 'complete') return toSession(payment, status);
    if (payment.aggregate.capturedAmount.value >= payment.amount.value) return toSession(payment, 'complete');
    if (!(await capturable(payment))) {
      // Not captured: reported with what was authorised, so the ledger records a mismatch and fulfils nothing.
      return toSession(payment, 'complete', payment.aggregate.authorizedAmount);
    }
    const captured = await capture(payment);
    // Approved but not captured in full yet: still open, and the payment is under way.
    return captured >= payment.amount.value ? toSession(payment, 'complete') : toSession(payment, 'open', payment.amount, true);
  }

  return {
    name: PROVIDER,
    label: 'Vipps MobilePay',
    /** One ePayment API, two apps: Vipps for Norway's NOK, MobilePay for DKK and EUR (Denmark, Finland). */
    methods: [
      { id: 'vipps', kind: 'hosted', currencies: ['NOK'] },
      { id: 'mobilepay', kind: 'hosted', currencies: ['DKK', 'EUR'] },
    ],

    async createSession(input) {
      const currency = input.currency.toUpperCase();
      if (!(VIPPS_MOBILEPAY_CURRENCIES as readonly string[]).includes(currency)) {
        throw new ProviderInputError(PROVIDER, `${PROVIDER} takes ${VIPPS_MOBILEPAY_CURRENCIES.join(', ')}, not ${currency}`);
      }
      if (!Number.isSafeInteger(input.amount) || input.amount < 0 || input.amount > MAX_AMOUNT) {
        throw new ProviderInputError(PROVIDER, `${PROVIDER}: amount must be 0 to ${MAX_AMOUNT} minor units, got ${input.amount}`);
      }
      const reference = epaymentReference(input.reference);
      const phone = input.customer?.phone?.replace(/[\s+()-]/g, '');
      const metadata: Record<string, string> = { orderReference: input.reference };
      for (const [key, value] of Object.entries(input.metadata ?? {})) {
        if (Object.keys(metadata).length < 5 && key.length <= 100 && value.length <= 500 && !(key in metadata)) metadata[key] = value;
      }
      const body = {
        amount: { currency, value: input.amount },
        paymentMethod: { type: 'WALLET' },
        reference,
        userFlow: 'WEB_REDIRECT',
        // One return URL for every outcome: the bridge's accept, whose confirming read decides.
        returnUrl: replaceSessionPlaceholder(input.acceptUrl, reference),
        paymentDescription: `Order ${input.reference}`.slice(0, 100),
        ...(phone && /^\d{10,15}$/.test(phone) && { customer: { phoneNumber: phone } }),
        metadata,
      };
      const action = 'create payment';
      const answer = parseAnswer(
        PROVIDER,
        action,
        createAnswer,
        await epayment(action, 'POST', '/epayment/v1/payments', { body, idempotencyKey: reference }),
      );
      if (answer.reference !== reference) {
        throw new ProviderError(PROVIDER, `${PROVIDER}: create payment answered reference ${answer.reference}, not ${reference}`);
      }
      return {
        id: reference,
        provider: PROVIDER,
        kind: 'hosted',
        status: 'open',
        url: answer.redirectUrl,
        frameable: false,
        amount: input.amount,
        currency,
      };
    },

    async getSession(id) {
      return settle(await readPayment(id));
    },

    async verifyWebhook(rawBody, headers, request) {
      // The URL the handler says Vipps addressed (its publicUrl, path and query) is the one registered.
      const target = configuredTarget ?? (request ? webhookTarget(request.url) : fallbackTarget);
      await verifyVippsWebhook({ secret: webhookSecret, ...target, nowMs: now(), toleranceSeconds: tolerance }, rawBody, headers);
      const payload = parseWebhookJson(rawBody, `${PROVIDER}: webhook body is not JSON`);
      const event = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
      const text = (key: string) => (typeof event[key] === 'string' && event[key] !== '' ? (event[key] as string) : undefined);
      const reference = text('reference');
      const name = text('name');
      // No event id is documented: an event is its payment, name, operation and time (a retry resends the same body).
      const parts = [reference, name, text('pspReference'), text('timestamp')];
      const verified: VerifiedWebhook = {
        eventId: parts.every(Boolean) ? parts.join(':') : `sha256:${toHex(await sha256(rawBody))}`,
        type: name ? `epayments.payment.${name.toLowerCase()}.v1` : 'unknown',
        payload,
      };
      if (reference) verified.sessionId = reference;
      return verified;
    },
  };
}

/** Where this provider stands when several are configured: the lowest configured is the default. */
export const ENV_PREFERENCE = 35;

const ENV = {
  clientId: 'VIPPS_MOBILEPAY_CLIENT_ID',
  clientSecret: 'VIPPS_MOBILEPAY_CLIENT_SECRET',
  subscriptionKey: 'VIPPS_MOBILEPAY_SUBSCRIPTION_KEY',
  merchantSerialNumber: 'VIPPS_MOBILEPAY_MERCHANT_SERIAL_NUMBER',
  webhookSecret: 'VIPPS_MOBILEPAY_WEBHOOK_SECRET',
} as const;

/**
 * The provider from the environment, or undefined when none of its required variables is set;
 * some but not all of them is an error that names the missing ones.
 *
 * - `VIPPS_MOBILEPAY_CLIENT_ID`, `VIPPS_MOBILEPAY_CLIENT_SECRET`, `VIPPS_MOBILEPAY_SUBSCRIPTION_KEY`,
 *   `VIPPS_MOBILEPAY_MERCHANT_SERIAL_NUMBER`, `VIPPS_MOBILEPAY_WEBHOOK_SECRET` (required)
 * - `VIPPS_MOBILEPAY_API_URL`: default `https://api.vipps.no`; `https://apitest.vipps.no` to test
 * - `VIPPS_MOBILEPAY_WEBHOOK_URL`: the webhook URL as registered, when not the default path
 *
 * Captures are checked against the orders in the deployment's store (`context.store`).
 */
export function fromEnv(env: Record<string, string | undefined> = process.env, context: ProviderContext = {}): PaymentProvider | undefined {
  const values = Object.fromEntries(Object.entries(ENV).map(([option, name]) => [option, env[name]?.trim() || undefined])) as Record<
    keyof typeof ENV,
    string | undefined
  >;
  const missing = Object.entries(ENV).filter(([option]) => !values[option as keyof typeof ENV]);
  if (missing.length === Object.keys(ENV).length) return undefined;
  if (missing.length > 0) {
    throw new Error(`Vipps MobilePay is half configured: ${missing.map(([, name]) => name).join(', ')} missing`);
  }
  const apiUrl = env['VIPPS_MOBILEPAY_API_URL']?.trim();
  const webhookUrl = env['VIPPS_MOBILEPAY_WEBHOOK_URL']?.trim();
  return createVippsMobilePayProvider({
    ...(values as Record<keyof typeof ENV, string>),
    ...(apiUrl && { apiUrl }),
    ...(webhookUrl && { webhookUrl }),
    ...(context.store && { orders: context.store }),
  });
}
