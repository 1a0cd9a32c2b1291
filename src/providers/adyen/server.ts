/**
 * Adyen Checkout, sessions flow (`kind: 'adyen'`, Adyen Web v6 Drop-in; or Hosted Checkout,
 * `kind: 'hosted'`). Facts: /work/shared/providers/adyen.md.
 *
 * - `POST {apiUrl}/v71/sessions` with `X-API-Key`, JSON; `Idempotency-Key` forwarded.
 * - `GET {apiUrl}/v71/sessions/{id}?sessionResult=…`: Adyen reads a session only with a
 *   `sessionResult`, which its Drop-in hands the browser. The widget's renderer forwards it
 *   (`GET {endpoint}/{id}?provider_result=…`); this adapter only passes it on to Adyen and keeps
 *   the last one Adyen accepted for that session, so later reads (the widget's confirming read, a
 *   webhook's job) ask Adyen again. A value Adyen refuses is dropped, never believed.
 * - Standard webhooks: each `NotificationRequestItem` HMAC-signed over eight fields (./webhook.ts).
 *   A signed `AUTHORISATION` with `success: "true"` for our session's reference and amount is
 *   Adyen's final word (its docs: the session's status is not updated later); the adapter records
 *   it, so a session whose browser never came back still reads `complete`.
 * - A payment in flight: an open session whose read says `paymentPending`, or names a payment with
 *   result code `Pending` or `Received` (its outcome comes later), reads `payment: "in_flight"`
 *   until a signed `AUTHORISATION` for it arrives (success: `complete`; failure: no longer in flight).
 */
import { z } from 'zod';
import { PAYMENT_IN_FLIGHT, type CheckoutSession, type SessionStatus } from '../../core/protocol.js';
import { ADYEN_ENVIRONMENTS } from '../../core/session-shapes/contract-check.js';
import {
  DEFAULT_TIMEOUT_MS,
  dropSessionPlaceholder,
  globalFetch,
  joinUrl,
  parseAnswer,
  parseWebhookJson,
  positiveNumber,
  requestJson,
  requiredString,
  type FetchLike,
} from '../../server/adapter-kit/index.js';
import {
  ProviderError,
  ProviderInputError,
  WebhookVerificationError,
  type CreateSessionInput,
  type PaymentProvider,
  type ProviderContext,
  type SessionReadInput,
  type VerifiedWebhook,
} from '../../server/provider-api/types.js';
import { providerRecordsOn } from '../../server/store/provider-records.js';
import { TtlMap } from '../../server/ttl-map.js';
import { adyenHmacKeyBytes, verifyAdyenItem, type AdyenNotificationItem } from './webhook.js';

const PROVIDER = 'adyen';
/** The Checkout API version this adapter speaks (Adyen's docs; its 2026 Node library defaults to v72, same paths). */
export const ADYEN_API_VERSION = 'v71';
const TEST_API_URL = 'https://checkout-test.adyen.com';

/** Adyen Web's environment: `test`, or a live region (where its script and its API calls come from). */
export type AdyenEnvironment = (typeof ADYEN_ENVIRONMENTS)[number];

/** `embedded`: Adyen Web Drop-in in the widget; `hosted`: a redirect to Adyen's Hosted Checkout page. */
export type AdyenMode = 'embedded' | 'hosted';

/** What the adapter remembers of a session: Adyen's reads need a `sessionResult`, and webhooks name only our reference. */
export interface AdyenSessionRecord {
  sessionId: string;
  reference: string;
  mode: AdyenMode;
  amount: number;
  currency: string;
  expiresAt: string;
  sessionData?: string;
  url?: string;
  /** The last `sessionResult` Adyen answered a read for. */
  sessionResult?: string;
  /** The status of that read. */
  readStatus?: SessionStatus;
  /** Whether that read named a payment still under way (`paymentPending`, result code `Pending`/`Received`). */
  readInFlight?: boolean;
  /** The pspReference of a signed, failed `AUTHORISATION` for this session: its payment is no longer under way. */
  refused?: string;
  /** The pspReference of a signed, successful `AUTHORISATION` for this session. */
  authorised?: string;
}

/**
 * Where the adapter keeps its records: by session id, and `ref:<reference>` → session id for
 * webhooks. In memory by default; `fromEnv` puts them on the shop's store (shared, durable).
 */
export interface AdyenRecordStore {
  get(key: string): Promise<AdyenSessionRecord | string | undefined>;
  set(key: string, value: AdyenSessionRecord | string): Promise<void>;
}

function memoryRecords(): AdyenRecordStore {
  const entries = new TtlMap<string, AdyenSessionRecord | string>({ ttlMs: Number.POSITIVE_INFINITY, maxEntries: 20_000 });
  return {
    get: async (key) => entries.get(key),
    set: async (key, value) => void entries.set(key, value),
  };
}

/** Options of `createAdyenProvider`: the account's keys and where its API lives. */
export interface AdyenProviderOptions {
  /** The API key (Customer Area → API credentials): sent as `X-API-Key`, never to the browser. */
  apiKey: string;
  merchantAccount: string;
  /** The client key (`test_…` / `live_…`): goes to the browser for Adyen Web. */
  clientKey: string;
  /** The webhook HMAC key (hex, Customer Area → Webhooks): without it every webhook is refused. */
  hmacKey?: string;
  /** Default `test`. A live environment needs `liveEndpointUrlPrefix` or `apiUrl`. */
  environment?: AdyenEnvironment;
  /** The account's live prefix: `https://{prefix}-checkout-live.adyenpayments.com/checkout`. */
  liveEndpointUrlPrefix?: string;
  /** The API origin (and path before `/v71`). Default: the environment's documented address. */
  apiUrl?: string;
  /** Default `embedded` (Drop-in in the widget). `hosted`: Adyen's Hosted Checkout page, by redirect. */
  mode?: AdyenMode;
  /** Two-letter shopper country when the customer gives none (it decides the offered methods). */
  countryCode?: string;
  /** Sent as `expiresAt`. Default 1800 (30 minutes; Adyen's own default is 1 hour, at most 24 hours). */
  sessionTtlSeconds?: number;
  /** Default 15000. */
  timeoutMs?: number;
  store?: AdyenRecordStore;
  fetch?: FetchLike;
  /** Clock, for tests. */
  now?: () => number;
}

const amountAnswer = z.object({ value: z.number().int(), currency: z.string().min(3) });
const createAnswer = z.object({
  id: z.string().min(1),
  sessionData: z.string().min(1).optional(),
  url: z.string().url().optional(),
  expiresAt: z.string().min(1),
  amount: amountAnswer,
  reference: z.string(),
  mode: z.enum(['embedded', 'hosted']).optional(),
});
const resultAnswer = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  reference: z.string().optional(),
  payments: z.array(z.object({ pspReference: z.string().optional(), resultCode: z.string().optional() }).passthrough()).optional(),
});

/** Result codes of a payment whose outcome comes later (Adyen's Checkout result codes). */
const UNDER_WAY = new Set(['Pending', 'Received']);

/** Whether a session result names a payment still under way: `paymentPending`, or a `Pending`/`Received` payment. */
function isAdyenPaymentUnderWay(answer: { status: string; payments?: { resultCode?: string }[] | undefined }): boolean {
  return answer.status === 'paymentPending' || (answer.payments ?? []).some((payment) => UNDER_WAY.has(payment.resultCode ?? ''));
}

/** Adyen's session `status` (GET /sessions/{id}) as ours; an unknown word stays `open` (it never claims a payment). */
export function mapAdyenSessionStatus(status: string): SessionStatus {
  switch (status) {
    case 'completed':
      return 'complete';
    case 'refused':
      return 'failed';
    case 'canceled':
      return 'cancelled';
    case 'expired':
      return 'expired';
    default:
      // `active` (still payable), `paymentPending` (an async method settling), anything new.
      return 'open';
  }
}

/** `live_…`/`test_…` key and the environment must agree: a test key cannot load live Adyen Web. */
function checkKeys(environment: AdyenEnvironment, clientKey: string): void {
  const keyMode = /^(test|live)_[A-Za-z0-9]+$/.exec(clientKey)?.[1];
  if (!keyMode) throw new TypeError('adyen: option clientKey must be a client key (test_… or live_…)');
  if ((keyMode === 'test') !== (environment === 'test')) {
    throw new TypeError(`adyen: the client key is a ${keyMode} key but environment is "${environment}"`);
  }
}

function apiBase(options: AdyenProviderOptions, environment: AdyenEnvironment): string {
  if (options.apiUrl !== undefined) {
    try {
      return new URL(options.apiUrl).href.replace(/\/+$/, '');
    } catch {
      throw new TypeError('adyen: option apiUrl must be an absolute URL');
    }
  }
  if (environment === 'test') return TEST_API_URL;
  const prefix = options.liveEndpointUrlPrefix;
  if (!prefix || !/^[a-z0-9-]+$/i.test(prefix)) {
    throw new TypeError('adyen: a live environment needs liveEndpointUrlPrefix (Customer Area → API URLs) or apiUrl');
  }
  return `https://${prefix}-checkout-live.adyenpayments.com/checkout`;
}

/** Metadata as Adyen takes it: at most 20 pairs, keys up to 20 characters, values up to 80. */
function adyenMetadata(metadata: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!metadata) return undefined;
  const entries = Object.entries(metadata);
  if (entries.length > 20 || entries.some(([key, value]) => key.length > 20 || value.length > 80)) {
    throw new ProviderInputError(PROVIDER, 'adyen takes at most 20 metadata pairs, keys up to 20 and values up to 80 characters');
  }
  return entries.length > 0 ? metadata : undefined;
}

/**
 * Adyen Checkout (sessions flow) as a provider for `createCheckoutHandler({ providers })`:
 * Drop-in in the widget (`kind: 'adyen'`), or Hosted Checkout by redirect (`mode: 'hosted'`).
 */
export function createAdyenProvider(options: AdyenProviderOptions): PaymentProvider {
  const apiKey = requiredString(PROVIDER, 'apiKey', options.apiKey);
  const merchantAccount = requiredString(PROVIDER, 'merchantAccount', options.merchantAccount);
  const environment = options.environment ?? 'test';
  if (!(ADYEN_ENVIRONMENTS as readonly string[]).includes(environment)) {
    throw new TypeError(`adyen: option environment must be one of ${ADYEN_ENVIRONMENTS.join(', ')}`);
  }
  const clientKey = requiredString(PROVIDER, 'clientKey', options.clientKey);
  checkKeys(environment, clientKey);
  const hmacKey = options.hmacKey === undefined ? undefined : adyenHmacKeyBytes(options.hmacKey);
  const mode: AdyenMode = options.mode ?? 'embedded';
  if (mode !== 'embedded' && mode !== 'hosted') throw new TypeError('adyen: option mode must be "embedded" or "hosted"');
  const base = joinUrl(apiBase(options, environment), ADYEN_API_VERSION);
  const ttlSeconds = Math.round(positiveNumber(PROVIDER, 'sessionTtlSeconds', options.sessionTtlSeconds, 1800));
  if (ttlSeconds > 24 * 3600) throw new TypeError('adyen: option sessionTtlSeconds must be at most 86400 (24 hours)');
  const timeoutMs = positiveNumber(PROVIDER, 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const records = options.store ?? memoryRecords();
  const fetchImpl = options.fetch ?? globalFetch;
  const now = options.now ?? Date.now;
  const headers = { 'X-API-Key': apiKey, 'Content-Type': 'application/json', Accept: 'application/json' };

  async function recordOf(id: string): Promise<AdyenSessionRecord | undefined> {
    const record = await records.get(id);
    return typeof record === 'object' ? record : undefined;
  }

  function toSession(record: AdyenSessionRecord, status: SessionStatus): CheckoutSession {
    const common = {
      id: record.sessionId,
      provider: PROVIDER,
      status,
      amount: record.amount,
      currency: record.currency,
      expires_at: record.expiresAt,
      livemode: environment !== 'test',
      ...(status === 'open' && record.readInFlight && !record.refused && { payment: PAYMENT_IN_FLIGHT }),
    };
    if (record.mode === 'hosted') {
      // Framing is not documented; Adyen describes Hosted Checkout as a redirect.
      return { ...common, kind: 'hosted', ...(record.url && { url: record.url }), frameable: false };
    }
    return {
      ...common,
      kind: 'adyen',
      ...(status === 'open' && record.sessionData && {
        session_id: record.sessionId,
        session_data: record.sessionData,
        client_key: clientKey,
        environment,
      }),
    };
  }

  function buildCreateBody(input: CreateSessionInput): Record<string, unknown> {
    if (input.invoice !== undefined) throw new ProviderInputError(PROVIDER, 'adyen cannot pay an existing invoice: create the session from cart lines');
    if (input.recurring) throw new ProviderInputError(PROVIDER, 'adyen: saving a payment method (recurring) is not supported by this adapter');
    const country = input.customer?.country ?? options.countryCode;
    const metadata = adyenMetadata(input.metadata);
    return {
      merchantAccount,
      amount: { value: input.amount, currency: input.currency.toUpperCase() },
      reference: input.reference,
      // Adyen appends its own parameters (sessionId, sessionResult/redirectResult) and fills no
      // placeholder: the return bridge finds the session by our reference.
      returnUrl: dropSessionPlaceholder(PROVIDER, input.acceptUrl),
      ...(mode === 'hosted' && { mode: 'hosted' }),
      expiresAt: new Date(now() + ttlSeconds * 1000).toISOString(),
      channel: 'Web',
      ...(country && { countryCode: country.toUpperCase() }),
      ...(input.locale && { shopperLocale: input.locale }),
      ...(input.customer?.email && { shopperEmail: input.customer.email }),
      ...(input.customerIp && { shopperIP: input.customerIp }),
      lineItems: input.lines.map((line) => ({
        id: line.sku,
        description: line.name,
        quantity: line.quantity,
        amountIncludingTax: line.unitAmount,
        // Adyen's percentages are in minor units: 25% is 2500.
        taxPercentage: Math.round(line.vatRate * 10_000),
      })),
      ...(metadata && { metadata }),
    };
  }

  /** `GET /sessions/{id}?sessionResult=…`: the status, or undefined when Adyen refused the result (not ours to believe). */
  async function readAtAdyen(record: AdyenSessionRecord, sessionResult: string): Promise<{ status: SessionStatus; inFlight: boolean } | undefined> {
    const action = 'read session result';
    let body: unknown;
    try {
      ({ body } = await requestJson({
        provider: PROVIDER,
        action,
        fetch: fetchImpl,
        url: `${base}/sessions/${encodeURIComponent(record.sessionId)}?sessionResult=${encodeURIComponent(sessionResult)}`,
        method: 'GET',
        headers: { 'X-API-Key': apiKey, Accept: 'application/json' },
        timeoutMs,
      }));
    } catch (error) {
      // 4xx: a result that is not this session's (a stale or forged one); 5xx and network failures are Adyen's.
      const status = error instanceof ProviderError ? error.providerStatus : undefined;
      if (status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403) return undefined;
      throw error;
    }
    const answer = parseAnswer(PROVIDER, action, resultAnswer, body);
    if (answer.id !== record.sessionId || (answer.reference !== undefined && answer.reference !== record.reference)) {
      throw new ProviderError(PROVIDER, `adyen: ${action}: Adyen answered for another session`);
    }
    return { status: mapAdyenSessionStatus(answer.status), inFlight: isAdyenPaymentUnderWay(answer) };
  }

  return {
    name: PROVIDER,
    label: 'Adyen',
    /** Cards, in Drop-in (`adyen`) or on Hosted Checkout. */
    methods: [{ id: 'card', kind: mode === 'hosted' ? 'hosted' : 'adyen' }],
    webhookAcknowledgement: { contentType: 'text/plain', body: '[accepted]' },

    async createSession(input) {
      const action = 'create session';
      const answer = await requestJson({
        provider: PROVIDER,
        action,
        fetch: fetchImpl,
        url: `${base}/sessions`,
        method: 'POST',
        headers: { ...headers, ...(input.idempotencyKey && { 'Idempotency-Key': input.idempotencyKey }) },
        body: JSON.stringify(buildCreateBody(input)),
        timeoutMs,
      });
      const session = parseAnswer(PROVIDER, action, createAnswer, answer.body);
      if (mode === 'hosted' && !session.url) throw new ProviderError(PROVIDER, `adyen: ${action}: a hosted session came back without a url`);
      if (mode === 'embedded' && !session.sessionData) throw new ProviderError(PROVIDER, `adyen: ${action}: the session came back without sessionData`);
      const expires = Date.parse(session.expiresAt);
      const record: AdyenSessionRecord = {
        sessionId: session.id,
        reference: input.reference,
        mode,
        amount: session.amount.value,
        currency: session.amount.currency.toUpperCase(),
        expiresAt: Number.isNaN(expires) ? new Date(now() + ttlSeconds * 1000).toISOString() : new Date(expires).toISOString(),
        ...(session.sessionData && { sessionData: session.sessionData }),
        ...(session.url && { url: session.url }),
      };
      await records.set(record.sessionId, record);
      await records.set(`ref:${record.reference}`, record.sessionId);
      return toSession(record, 'open');
    },

    async getSession(id, read?: SessionReadInput) {
      const record = await recordOf(id);
      // Without its record (another store, a lost memory) there is no sessionData to show and no reference to check.
      if (!record) throw new ProviderError(PROVIDER, `adyen: no session "${id.slice(0, 80)}" was created here`, 404);
      let reading: { status: SessionStatus; inFlight: boolean } | undefined;
      const offered = read?.providerResult;
      if (offered && offered !== record.sessionResult) {
        reading = await readAtAdyen(record, offered);
        if (reading !== undefined) {
          record.sessionResult = offered;
          record.readStatus = reading.status;
          record.readInFlight = reading.inFlight;
          await records.set(id, record);
        }
      }
      if (reading === undefined && record.sessionResult) {
        reading = await readAtAdyen(record, record.sessionResult);
        if (reading !== undefined && (reading.status !== record.readStatus || reading.inFlight !== Boolean(record.readInFlight))) {
          record.readStatus = reading.status;
          record.readInFlight = reading.inFlight;
          await records.set(id, record);
        }
      }
      let status = reading?.status;
      // Adyen's session status is not updated after its result; the signed AUTHORISATION is final.
      if (record.authorised) status = 'complete';
      status ??= 'open';
      if (status === 'open' && now() > Date.parse(record.expiresAt)) status = 'expired';
      return toSession(record, status);
    },

    async verifyWebhook(rawBody) {
      if (!hmacKey) throw new WebhookVerificationError('adyen: the HMAC key is not configured (ADYEN_HMAC_KEY): cannot verify Adyen webhooks');
      const payload = parseWebhookJson(rawBody, 'adyen: webhook body is not JSON') as { notificationItems?: unknown } | null;
      const wrapped = payload?.notificationItems;
      if (!Array.isArray(wrapped) || wrapped.length === 0) throw new WebhookVerificationError('adyen: webhook has no notificationItems');
      const items: AdyenNotificationItem[] = wrapped.map((entry: unknown) => {
        const item = (entry as { NotificationRequestItem?: unknown } | null)?.NotificationRequestItem;
        if (typeof item !== 'object' || item === null) throw new WebhookVerificationError('adyen: a notification item has no NotificationRequestItem');
        return item as AdyenNotificationItem;
      });
      // Every item must verify: a delivery with one forged item is refused whole (Adyen retries genuine ones).
      for (const [index, item] of items.entries()) {
        if (typeof item.additionalData?.hmacSignature !== 'string') {
          throw new WebhookVerificationError(`adyen: notification item ${index} has no additionalData.hmacSignature`);
        }
        if (!(await verifyAdyenItem(hmacKey, item))) {
          throw new WebhookVerificationError(`adyen: notification item ${index} has an HMAC signature that does not match`);
        }
        if (typeof item.pspReference !== 'string' || item.pspReference === '' || typeof item.eventCode !== 'string' || item.eventCode === '') {
          throw new WebhookVerificationError(`adyen: notification item ${index} has no pspReference or eventCode`);
        }
      }
      const events: VerifiedWebhook[] = [];
      for (const item of items) {
        const reference = typeof item.merchantReference === 'string' ? item.merchantReference : '';
        const sessionId = reference ? await records.get(`ref:${reference}`) : undefined;
        const record = typeof sessionId === 'string' ? await recordOf(sessionId) : undefined;
        // Signed: reference, amount, event and success. Recorded only when they match the session we created.
        if (
          record &&
          !record.authorised &&
          item.eventCode === 'AUTHORISATION' &&
          item.success === 'true' &&
          item.merchantAccountCode === merchantAccount &&
          item.amount?.value === record.amount &&
          item.amount?.currency === record.currency
        ) {
          record.authorised = item.pspReference!;
          await records.set(record.sessionId, record);
        } else if (record && !record.authorised && !record.refused && item.eventCode === 'AUTHORISATION' && item.success === 'false' && item.merchantAccountCode === merchantAccount) {
          // The signed outcome of the payment under way: refused, so it is no longer in flight.
          record.refused = item.pspReference!;
          await records.set(record.sessionId, record);
        }
        events.push({
          // Adyen resends an event with the same three: retries are handled once.
          eventId: `${item.pspReference}:${item.eventCode}:${item.success === 'true'}`,
          type: item.eventCode!,
          ...(record && { sessionId: record.sessionId }),
          payload: item,
        });
      }
      return events;
    },
  };
}

/** Where this provider stands when several are configured: the lowest configured is the default. */
export const ENV_PREFERENCE = 35;

/**
 * The provider from the environment, or undefined when none of `ADYEN_API_KEY`,
 * `ADYEN_MERCHANT_ACCOUNT`, `ADYEN_CLIENT_KEY` is set; half a configuration is an error.
 *
 * - `ADYEN_API_KEY`, `ADYEN_MERCHANT_ACCOUNT`, `ADYEN_CLIENT_KEY` (required)
 * - `ADYEN_HMAC_KEY`: the webhook HMAC key (hex); without it webhooks are refused
 * - `ADYEN_ENVIRONMENT`: `test` (default), `live`, `live-us`, `live-au`, `live-apse`, `live-in`, `live-nea`
 * - `ADYEN_LIVE_URL_PREFIX`: the live API prefix; `ADYEN_API_URL`: another API address (a local fake)
 * - `ADYEN_MODE`: `embedded` (default) or `hosted`; `ADYEN_COUNTRY_CODE`; `ADYEN_SESSION_TTL_SECONDS`
 */
export function fromEnv(env: Record<string, string | undefined> = process.env, context: ProviderContext = {}): PaymentProvider | undefined {
  const value = (name: string) => env[name]?.trim() || undefined;
  const required = ['ADYEN_API_KEY', 'ADYEN_MERCHANT_ACCOUNT', 'ADYEN_CLIENT_KEY'] as const;
  const set = required.filter((name) => value(name));
  if (set.length === 0) return undefined;
  const missing = required.filter((name) => !value(name));
  if (missing.length > 0) throw new Error(`${set.join(', ')} set but ${missing.join(', ')} missing`);
  const optional = {
    hmacKey: value('ADYEN_HMAC_KEY'),
    environment: value('ADYEN_ENVIRONMENT') as AdyenEnvironment | undefined,
    liveEndpointUrlPrefix: value('ADYEN_LIVE_URL_PREFIX'),
    apiUrl: value('ADYEN_API_URL'),
    mode: value('ADYEN_MODE') as AdyenMode | undefined,
    countryCode: value('ADYEN_COUNTRY_CODE'),
    sessionTtlSeconds: value('ADYEN_SESSION_TTL_SECONDS') === undefined ? undefined : Number(value('ADYEN_SESSION_TTL_SECONDS')),
  };
  return createAdyenProvider({
    apiKey: value('ADYEN_API_KEY')!,
    merchantAccount: value('ADYEN_MERCHANT_ACCOUNT')!,
    clientKey: value('ADYEN_CLIENT_KEY')!,
    ...Object.fromEntries(Object.entries(optional).filter(([, option]) => option !== undefined)),
    ...(context.store && { store: providerRecordsOn<AdyenSessionRecord | string>(context.store, PROVIDER) }),
  });
}
