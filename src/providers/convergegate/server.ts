/**
 * ConvergeGate BLIK checkout sessions (hosted page, `kind: 'hosted'`).
 *
 * `POST {apiUrl}/v1/checkout/sessions` and `GET {apiUrl}/v1/checkout/sessions/{id}`, HTTP
 * Basic with the secret key (`sk_…`) as user name. The create call is sent form-encoded
 * (`application/x-www-form-urlencoded`) because the document's example uses curl `-d` fields;
 * the list `payment_method` repeats its key and `metadata` uses `metadata[key]=value`.
 *
 * There is no public default base URL: ConvergeGate provides one per merchant.
 */
import * as z from 'zod/mini';
import type { CheckoutSession } from '../../core/protocol.js';
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
  requiredString,
  sha256,
  toHex,
  verifyConvergeGateSignature,
  webhookToleranceOption,
  type FetchLike,
} from '../../server/adapter-kit/index.js';
import {
  ProviderInputError,
  WebhookVerificationError,
  type PaymentProvider,
  type VerifiedWebhook,
} from '../../server/provider-api/types.js';
import { CONVERGEGATE_STATUSES } from './shape.js';

const PROVIDER = 'convergegate';

/** Options of `createConvergeGateProvider`: the merchant's own API URL and secret key from ConvergeGate. */
export interface ConvergeGateProviderOptions {
  /** The API URL ConvergeGate provided, e.g. `https://pay.example-psp.com`. */
  apiUrl: string;
  /** `sk_…`: authenticates API calls and (hashed) signs webhooks. */
  secretKey: string;
  /**
   * Whether the BLIK page may be shown in a frame. Default `false`: the document says nothing
   * about framing, and a page that refuses it shows a broken frame, while a redirect always
   * works. Set `true` once the page's `X-Frame-Options` / `frame-ancestors` allow your shop.
   */
  frameable?: boolean;
  /** Sent as `expires_at`. Default 1800 (30 minutes; ConvergeGate's own default is 24 h). */
  sessionTtlSeconds?: number;
  /** Default 15000. */
  timeoutMs?: number;
  /** Allowed age of `Sec-Timestamp`. Default 300. */
  webhookToleranceSeconds?: number;
  fetch?: FetchLike;
  /** Clock, for tests. */
  now?: () => number;
}

const sessionAnswer = z.object({
  id: z.string().check(z.minLength(1)),
  url: z.url(),
  status: z.string().check(z.minLength(1)),
  amount_total: z.int(),
  currency: z.string().check(z.minLength(3)),
  // The document names the field `expire_at` (not the request's `expires_at`); accept both.
  expire_at: z.optional(z.number()),
  expires_at: z.optional(z.number()),
  livemode: z.optional(z.boolean()),
});

/**
 * ConvergeGate BLIK checkout on its hosted page, as a provider for
 * `createCheckoutHandler({ providers })`; shown by redirect unless `frameable`.
 */
export function createConvergeGateProvider(options: ConvergeGateProviderOptions): PaymentProvider {
  const apiUrl = requiredString(PROVIDER, 'apiUrl', options.apiUrl);
  const secretKey = keyOption(PROVIDER, 'secretKey', options.secretKey, /^sk_\S+$/, 'a secret key (sk_…)');
  const ttlSeconds = Math.round(positiveNumber(PROVIDER, 'sessionTtlSeconds', options.sessionTtlSeconds, 1800));
  const timeoutMs = positiveNumber(PROVIDER, 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const tolerance = webhookToleranceOption(PROVIDER, options.webhookToleranceSeconds);
  const frameable = options.frameable ?? false;
  const fetchImpl = options.fetch ?? globalFetch;
  const now = options.now ?? Date.now;
  const authorization = basicAuth(secretKey);

  function toSession(answer: z.output<typeof sessionAnswer>): CheckoutSession {
    const expiresSeconds = answer.expire_at ?? answer.expires_at;
    const expiresAt = expiresSeconds === undefined ? undefined : new Date(expiresSeconds * 1000);
    // An unknown word stays `open`: it never claims a payment, and expiry still ends the session.
    let status = CONVERGEGATE_STATUSES[answer.status.toLowerCase()] ?? 'open';
    if (status === 'open' && expiresAt && now() > expiresAt.getTime()) status = 'expired';
    return {
      id: answer.id,
      provider: PROVIDER,
      kind: 'hosted',
      status,
      url: answer.url,
      frameable,
      amount: answer.amount_total,
      currency: answer.currency.toUpperCase(),
      ...(expiresAt ? { expires_at: expiresAt.toISOString() } : {}),
      ...(answer.livemode === undefined ? {} : { livemode: answer.livemode }),
    };
  }

  return {
    name: PROVIDER,
    label: 'ConvergeGate (BLIK)',
    /** BLIK on ConvergeGate's page; no currency limit, as its document's example is in `usd`. */
    methods: [{ id: 'blik', kind: 'hosted' }],

    async createSession(input) {
      const customer = input.customer ?? {};
      const missing = (['email', 'first_name', 'last_name'] as const).filter((key) => !customer[key]);
      if (missing.length > 0) {
        throw new ProviderInputError(
          PROVIDER,
          `convergegate requires the customer's ${missing.map((key) => `customer.${key}`).join(', ')}`,
        );
      }
      const form = new URLSearchParams();
      form.append('amount', String(input.amount));
      // Lower case as in the document's example (`currency=usd`).
      form.append('currency', input.currency.toLowerCase());
      form.append('customer_email', customer.email!);
      form.append('customer_firstname', customer.first_name!);
      form.append('customer_lastname', customer.last_name!);
      // ConvergeGate cannot substitute its session id into the URLs: the placeholder is
      // dropped and the return page confirms by reading the session.
      form.append('success_url', dropSessionPlaceholder(PROVIDER, input.acceptUrl));
      form.append('cancel_url', dropSessionPlaceholder(PROVIDER, input.cancelUrl));
      form.append('notification_url', input.webhookUrl);
      if (input.customerIp) form.append('customer_ip', input.customerIp);
      if (customer.country) form.append('customer_country', customer.country);
      form.append('payment_method', 'blik');
      form.append('expires_at', String(Math.floor(now() / 1000) + ttlSeconds));
      if (input.locale) form.append('locale', input.locale);
      form.append('metadata[reference]', input.reference);
      for (const [key, value] of Object.entries(input.metadata ?? {})) {
        if (key !== 'reference') form.append(`metadata[${key}]`, value);
      }

      const action = 'create checkout session';
      const answer = await requestJson({
        provider: PROVIDER,
        action,
        fetch: fetchImpl,
        url: joinUrl(apiUrl, '/v1/checkout/sessions'),
        method: 'POST',
        headers: {
          Authorization: authorization,
          Accept: 'application/json',
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: form.toString(),
        timeoutMs,
      });
      return toSession(parseAnswer(PROVIDER, action, sessionAnswer, answer.body));
    },

    async getSession(id) {
      const action = 'read checkout session';
      const answer = await requestJson({
        provider: PROVIDER,
        action,
        fetch: fetchImpl,
        url: joinUrl(apiUrl, `/v1/checkout/sessions/${encodeURIComponent(id)}`),
        method: 'GET',
        headers: { Authorization: authorization, Accept: 'application/json' },
        timeoutMs,
      });
      return toSession(parseAnswer(PROVIDER, action, sessionAnswer, answer.body));
    },

    async verifyWebhook(rawBody, headers) {
      const timestamp = headers.get('sec-timestamp');
      const signature = headers.get('sec-signature');
      if (!timestamp || !signature) {
        throw new WebhookVerificationError('convergegate: Sec-Timestamp or Sec-Signature header is missing');
      }
      if (!(await verifyConvergeGateSignature(secretKey, timestamp, rawBody, signature))) {
        throw new WebhookVerificationError('convergegate: webhook signature does not match');
      }
      assertFreshTimestamp(timestampMs(timestamp), now(), tolerance);

      const payload = parseWebhookJson(rawBody, 'convergegate: webhook body is not JSON');
      // The event object's fields are not pinned down in the document: take the session id
      // and type from the usual places. The handler re-reads the session, as the document
      // demands, so only the id matters.
      const record = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
      const data = asRecord(record['data']);
      const sessionId = firstString(
        record['session_id'],
        asRecord(data?.['object'])?.['id'],
        data?.['id'],
        record['id'],
      );
      const verified: VerifiedWebhook = {
        // No event id is documented; retries resend the same body, so its hash identifies
        // the event (the timestamp header changes per attempt and is not part of it).
        eventId: firstString(record['event_id']) ?? `sha256:${toHex(await sha256(rawBody))}`,
        type: firstString(record['type'], record['event'], record['event_type'], record['status']) ?? 'unknown',
        payload,
      };
      if (sessionId) verified.sessionId = sessionId;
      return verified;
    },
  };
}

/** `Sec-Timestamp` in Unix seconds (milliseconds are accepted too). */
function timestampMs(value: string): number {
  if (!/^\d+$/.test(value.trim())) return Number.NaN;
  const number = Number(value);
  return number > 1e12 ? number : number * 1000;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value !== '');
}

/** Where this provider stands when several are configured: the lowest configured is the default. */
export const ENV_PREFERENCE = 30;

/**
 * The provider from the environment, or undefined unless both required variables are set.
 *
 * - `CONVERGEGATE_BASE_URL` (required): the API URL ConvergeGate provided
 * - `CONVERGEGATE_SECRET_KEY` (required): `sk_…`
 * - `CONVERGEGATE_FRAMEABLE`: `true` to show the BLIK page in a frame (default: redirect)
 * - `CONVERGEGATE_SESSION_TTL_SECONDS`: default 1800
 */
export function fromEnv(env: Record<string, string | undefined> = process.env): PaymentProvider | undefined {
  const apiUrl = env['CONVERGEGATE_BASE_URL'];
  const secretKey = env['CONVERGEGATE_SECRET_KEY'];
  if (!apiUrl || !secretKey) return undefined;
  const ttl = env['CONVERGEGATE_SESSION_TTL_SECONDS'];
  return createConvergeGateProvider({
    apiUrl,
    secretKey,
    frameable: env['CONVERGEGATE_FRAMEABLE'] === 'true',
    ...(ttl ? { sessionTtlSeconds: Number(ttl) } : {}),
  });
}
