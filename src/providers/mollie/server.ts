/**
 * Mollie Payments API v2 (facts: /work/shared/providers/mollie.md), as `hosted` sessions (the
 * payment's `_links.checkout.href`) or, with `components: true`, as `card-token` sessions whose
 * card fields are Mollie Components (`token_provider: "mollie"`).
 *
 * Requests: `POST /v2/payments` (JSON, `Authorization: Bearer <key>`, an `Idempotency-Key` derived
 * from our order reference), `GET /v2/payments/{id}`, and for recurring `POST /v2/customers` and
 * `GET /v2/customers/{id}/mandates`. Amounts are decimal strings in the currency's exponent.
 *
 * Webhooks: Mollie's classic per-payment webhook is an unsigned form post `id=tr_…`. It is a hint
 * only: the handler stores it when it names one of our sessions (or, through the `reference` we put
 * into the charge's `webhookUrl`, one of our charges) and re-reads the payment with our own key.
 * Next-gen webhooks (`X-Mollie-Signature`) carry no payment status and are refused.
 *
 * A hosted session's id is the payment id (`tr_…`). A card-token session exists before its payment
 * does: its id is ours (`mollie_<order reference>`), and which payment it has is a record (the
 * shop's store through `fromEnv`, else this process's memory).
 */
import { z } from 'zod';
import { PAYMENT_IN_FLIGHT, type CheckoutSession, type SessionStatus } from '../../core/protocol.js';
import {
  bearerAuth,
  decimalToMinor,
  DEFAULT_TIMEOUT_MS,
  dropSessionPlaceholder,
  globalFetch,
  joinUrl,
  keyOption,
  minorToDecimal,
  parseAnswer,
  positiveNumber,
  requestJson,
  sha256,
  toHex,
  type FetchLike,
} from '../../server/adapter-kit/index.js';
import { mollieLocale } from './locale.js';
import { providerRecordsOn } from '../../server/store/provider-records.js';
import { TtlMap } from '../../server/ttl-map.js';
import {
  CARD_TOKEN_KIND,
  PaymentDeclinedError,
  ProviderError,
  ProviderInputError,
  WebhookVerificationError,
  type CreateSessionInput,
  type PaymentProvider,
  type ProviderCharge,
  type ProviderContext,
  type VerifiedWebhook,
} from '../../server/provider-api/types.js';

const PROVIDER = 'mollie';
/** Mollie's documented API address (there is no separate test host: the key decides). */
export const MOLLIE_API_URL = 'https://api.mollie.com';
const API_KEY = /^(test|live)_\w{10,}$/;
const PROFILE_ID = /^pfl_\w+$/;
const PAYMENT_ID = /^tr_[A-Za-z0-9]{1,64}$/;
/** Mollie Components tokens: `tkn_…` (test tokens end in `test`). */
const CARD_TOKEN = /^tkn_[A-Za-z0-9]{1,128}$/;
const CUSTOMER_ID = /^cst_[A-Za-z0-9]+$/;
const MANDATE_ID = /^mdt_[A-Za-z0-9]+$/;
const SESSION_PREFIX = 'mollie_';

/** Options of `createMollieProvider`. */
export interface MollieProviderOptions {
  /** The website profile's API key, `test_…` or `live_…`. */
  apiKey: string;
  /** The website profile (`pfl_…`): required for Mollie Components (`components: true`). */
  profileId?: string;
  /** Default `https://api.mollie.com`. */
  apiUrl?: string;
  /**
   * `true`: sessions are `card-token` with Mollie Components on the shop's page (needs
   * `profileId`); default `false`: Mollie's hosted checkout, shown by redirect or popup.
   */
  components?: boolean;
  /** Where card-token session records live; default: this process's memory (one server process only). */
  store?: MollieSessionStore;
  /** Default 15000. */
  timeoutMs?: number;
  fetch?: FetchLike;
}

/** What the adapter remembers of a card-token session: its order and, once made, its payment. */
export interface MollieSessionRecord {
  sessionId: string;
  reference: string;
  amount: number;
  currency: string;
  locale?: string;
  /** The handler's webhook URL for this session (the payment's `webhookUrl` gets `?session=` on it). */
  webhookUrl?: string;
  /** The Mollie customer of a `recurring` session (the first payment makes the mandate). */
  customerId?: string;
  /** The payment of the current attempt (`tr_…`). */
  paymentId?: string;
}

/** Card-token session records by session id. */
export interface MollieSessionStore {
  get(key: string): MollieSessionRecord | undefined | Promise<MollieSessionRecord | undefined>;
  set(key: string, record: MollieSessionRecord): void | Promise<void>;
}

const amountAnswer = z.object({ value: z.string(), currency: z.string().regex(/^[A-Za-z]{3}$/) });
const link = z.object({ href: z.string().url() }).nullish();
const paymentAnswer = z.object({
  id: z.string().regex(PAYMENT_ID),
  mode: z.string().nullish(),
  status: z.string().min(1),
  amount: amountAnswer,
  expiresAt: z.string().nullish(),
  redirectUrl: z.string().nullish(),
  sequenceType: z.string().nullish(),
  customerId: z.string().nullish(),
  mandateId: z.string().nullish(),
  metadata: z.unknown().optional(),
  details: z.looseObject({ failureReason: z.string().nullish() }).nullish(),
  _links: z.looseObject({ checkout: link }).nullish(),
});
type Payment = z.infer<typeof paymentAnswer>;
const customerAnswer = z.object({ id: z.string().regex(CUSTOMER_ID) });
const mandatesAnswer = z.object({
  _embedded: z.object({ mandates: z.array(z.object({ id: z.string(), status: z.string() })) }).nullish(),
});

/**
 * Mollie's payment statuses → session statuses. `authorized` stays `open`: the money is reserved,
 * not captured, and this adapter never captures, so an order is `paid` only on `paid`.
 */
const STATUSES: Record<string, SessionStatus> = {
  open: 'open',
  pending: 'open',
  authorized: 'open',
  paid: 'complete',
  canceled: 'cancelled',
  expired: 'expired',
  failed: 'failed',
};
const CHARGE_STATUSES: Record<string, ProviderCharge['status']> = { paid: 'succeeded', canceled: 'failed', expired: 'failed', failed: 'failed' };

/** A bounded in-memory record store: fine for one server process. */
export function createMemoryMollieStore(maxEntries = 10_000): MollieSessionStore {
  const entries = new TtlMap<string, MollieSessionRecord>({ ttlMs: Number.POSITIVE_INFINITY, maxEntries });
  return { get: (key) => entries.get(key), set: (key, record) => void entries.set(key, record) };
}

/** The Mollie provider: a `PaymentProvider` that can charge the mandate a recurring session made. */
export type MollieProvider = PaymentProvider & Required<Pick<PaymentProvider, 'charge' | 'getCharge' | 'savedPaymentMethod' | 'verifyWebhook'>>;

/**
 * Mollie payments for `createCheckoutHandler({ providers })`: the hosted checkout (redirect or
 * popup: its framing is not documented), or Mollie Components card fields with `components: true`.
 */
export function createMollieProvider(options: MollieProviderOptions): MollieProvider {
  const apiKey = keyOption(PROVIDER, 'apiKey', options.apiKey, API_KEY, 'a Mollie API key (test_… or live_…)');
  const profileId =
    options.profileId === undefined ? undefined : keyOption(PROVIDER, 'profileId', options.profileId, PROFILE_ID, 'a website profile id (pfl_…)');
  const components = options.components ?? false;
  if (components && !profileId) throw new TypeError('mollie: option profileId (pfl_…) is required for Mollie Components (components: true)');
  const apiUrl = options.apiUrl ?? MOLLIE_API_URL;
  const timeoutMs = positiveNumber(PROVIDER, 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const fetchImpl = options.fetch ?? globalFetch;
  const store = options.store ?? createMemoryMollieStore();
  const testmode = apiKey.startsWith('test_');

  async function call<S extends z.ZodType>(action: string, path: string, schema: S, body?: unknown, idempotencyKey?: string): Promise<z.infer<S>> {
    const answer = await requestJson({
      provider: PROVIDER,
      action,
      fetch: fetchImpl,
      url: joinUrl(apiUrl, path),
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        Accept: 'application/hal+json',
        Authorization: bearerAuth(apiKey),
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
        ...(idempotencyKey && { 'Idempotency-Key': idempotencyKey }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      timeoutMs,
    });
    return parseAnswer(PROVIDER, action, schema, answer.body);
  }

  // The ledger asks `savedPaymentMethod` right after the read that found a payment paid: that read
  // answers it (bounded, seconds), so a paid order costs one Mollie read, not two.
  const recentReads = new TtlMap<string, Payment>({ ttlMs: 10_000, maxEntries: 1_000 });
  async function readPayment(id: string): Promise<Payment> {
    const payment = await call('read payment', `/v2/payments/${encodeURIComponent(id)}`, paymentAnswer);
    if (payment.status === 'paid') recentReads.set(id, payment);
    return payment;
  }
  const createPayment = (body: Record<string, unknown>, key: string) => call('create payment', '/v2/payments', paymentAnswer, body, key);

  /** The fields every payment we create carries: amount, description, our reference, locale. */
  function paymentBase(input: { reference: string; amount: number; currency: string; locale?: string | undefined }): Record<string, unknown> {
    const locale = mollieLocale(input.locale);
    return {
      amount: { currency: input.currency.toUpperCase(), value: minorToDecimal(input.amount, input.currency) },
      description: `Order ${input.reference}`,
      metadata: { reference: input.reference },
      ...(locale && { locale }),
    };
  }

  function amountOf(payment: Payment): { amount: number; currency: string } {
    const currency = payment.amount.currency.toUpperCase();
    const amount = decimalToMinor(payment.amount.value, currency);
    if (amount === undefined) throw new ProviderError(PROVIDER, `mollie: payment ${payment.id} has amount "${payment.amount.value}", not a ${currency} amount`);
    return { amount, currency };
  }

  const statusOf = (payment: Payment): SessionStatus => STATUSES[payment.status] ?? 'open';
  /** `pending` (the payment process started: 3-D Secure, a bank) and `authorized` (money reserved) are payments under way. */
  const inFlight = (payment: Payment | undefined) => (payment?.status === 'pending' || payment?.status === 'authorized') && { payment: PAYMENT_IN_FLIGHT };

  function hostedSession(payment: Payment): CheckoutSession {
    const status = statusOf(payment);
    // Without a checkout link (pending, final) the shopper's way back is the payment's redirectUrl.
    const url = payment._links?.checkout?.href ?? payment.redirectUrl ?? undefined;
    return {
      id: payment.id,
      provider: PROVIDER,
      kind: 'hosted',
      status,
      ...(url && { url }),
      frameable: false,
      ...amountOf(payment),
      ...(payment.expiresAt && status === 'open' && { expires_at: new Date(payment.expiresAt).toISOString() }),
      ...(payment.mode && { livemode: payment.mode === 'live' }),
      ...inFlight(payment),
    };
  }

  function cardTokenSession(record: MollieSessionRecord, payment?: Payment): CheckoutSession {
    const status = payment ? statusOf(payment) : 'open';
    const checkout = payment?._links?.checkout?.href;
    return {
      id: record.sessionId,
      provider: PROVIDER,
      kind: CARD_TOKEN_KIND,
      status,
      token_provider: 'mollie',
      profile_id: profileId!,
      testmode,
      // 3-D Secure runs at top level: never framed.
      ...(status === 'open' && checkout && { url: checkout, frameable: false }),
      amount: record.amount,
      currency: record.currency,
      livemode: !testmode,
      ...inFlight(payment),
    };
  }

  async function recordOf(sessionId: string): Promise<MollieSessionRecord> {
    const record = await store.get(sessionId);
    if (!record) throw new ProviderError(PROVIDER, `mollie: no record of session ${sessionId}`, 404);
    return record;
  }

  /** A Mollie customer for a recurring session: its first payment makes the mandate later charges use. */
  async function createCustomer(input: CreateSessionInput): Promise<string> {
    const customer = input.customer ?? {};
    const name = [customer.first_name, customer.last_name].filter(Boolean).join(' ');
    const body = { ...(name && { name }), ...(customer.email && { email: customer.email }), metadata: { reference: input.reference } };
    return (await call('create customer', '/v2/customers', customerAnswer, body, `${input.reference}:customer`)).id;
  }

  /** `?reference=` (charges) or `?session=` (card-token sessions) on our webhook URL: the hint names what it concerns. */
  const webhookWith = (url: string, name: string, value: string) => {
    const parsed = new URL(url);
    parsed.searchParams.set(name, value);
    return parsed.toString();
  };

  return {
    name: PROVIDER,
    label: components ? 'Mollie (card fields)' : 'Mollie',
    /** Cards: in Mollie Components, or on Mollie's hosted checkout (which also lists the profile's other methods). */
    methods: [{ id: 'card', kind: components ? CARD_TOKEN_KIND : 'hosted' }],

    async createSession(input) {
      if (input.invoice) throw new ProviderInputError(PROVIDER, 'mollie: paying an existing invoice is not supported');
      const customerId = input.recurring ? await createCustomer(input) : undefined;
      if (components) {
        const record: MollieSessionRecord = {
          sessionId: `${SESSION_PREFIX}${input.reference}`,
          reference: input.reference,
          amount: input.amount,
          currency: input.currency.toUpperCase(),
          ...(input.locale && { locale: input.locale }),
          webhookUrl: input.webhookUrl,
          ...(customerId && { customerId }),
        };
        await store.set(record.sessionId, record);
        return cardTokenSession(record);
      }
      const payment = await createPayment(
        {
          ...paymentBase(input),
          // Mollie cannot put its id into these: the return bridge finds the session by reference.
          redirectUrl: dropSessionPlaceholder(PROVIDER, input.acceptUrl),
          cancelUrl: dropSessionPlaceholder(PROVIDER, input.cancelUrl),
          webhookUrl: input.webhookUrl,
          ...(customerId && { customerId, sequenceType: 'first' }),
        },
        `${input.reference}:payment`,
      );
      return hostedSession(payment);
    },

    async getSession(id) {
      if (PAYMENT_ID.test(id)) return hostedSession(await readPayment(id));
      const record = await recordOf(id);
      return cardTokenSession(record, record.paymentId ? await readPayment(record.paymentId) : undefined);
    },

    async submitToken(sessionId, token, context) {
      if (!CARD_TOKEN.test(token)) throw new ProviderInputError(PROVIDER, 'mollie: the token is not a Mollie Components card token (tkn_…)');
      const record = await recordOf(sessionId);
      const { webhookUrl } = record;
      const payment = await createPayment(
        {
          ...paymentBase(record),
          method: 'creditcard',
          cardToken: token,
          redirectUrl: dropSessionPlaceholder(PROVIDER, context.acceptUrl),
          cancelUrl: dropSessionPlaceholder(PROVIDER, context.cancelUrl),
          ...(webhookUrl && { webhookUrl: webhookWith(webhookUrl, 'session', sessionId) }),
          ...(record.customerId && { customerId: record.customerId, sequenceType: 'first' }),
        },
        // One payment per token: a retry of the same token is the same payment, another card a new one.
        `${record.reference}:card:${toHex(await sha256(token)).slice(0, 16)}`,
      );
      if (payment.status === 'failed') {
        throw new PaymentDeclinedError(PROVIDER, `mollie: the card was declined${payment.details?.failureReason ? ` (${payment.details.failureReason})` : ''}`);
      }
      const attempt = { ...record, paymentId: payment.id };
      await store.set(sessionId, attempt);
      return cardTokenSession(attempt, payment);
    },

    async savedPaymentMethod(sessionId) {
      const paymentId = PAYMENT_ID.test(sessionId) ? sessionId : (await recordOf(sessionId)).paymentId;
      if (!paymentId) return undefined;
      const payment = recentReads.get(paymentId) ?? (await readPayment(paymentId));
      const customerId = payment.customerId;
      if (payment.status !== 'paid' || payment.sequenceType !== 'first' || !customerId || !CUSTOMER_ID.test(customerId)) return undefined;
      let mandateId = payment.mandateId ?? undefined;
      if (!mandateId) {
        const mandates = await call('list mandates', `/v2/customers/${encodeURIComponent(customerId)}/mandates`, mandatesAnswer);
        mandateId = mandates._embedded?.mandates.find((mandate) => mandate.status === 'valid')?.id;
      }
      return mandateId ? `${customerId}/${mandateId}` : customerId;
    },

    async charge(input) {
      const [customerId = '', mandateId] = input.paymentMethod.split('/');
      if (!CUSTOMER_ID.test(customerId) || (mandateId !== undefined && !MANDATE_ID.test(mandateId))) {
        throw new ProviderInputError(PROVIDER, 'mollie: paymentMethod must be a Mollie customer and mandate (cst_…/mdt_…) from a recurring checkout');
      }
      const payment = await createPayment(
        {
          ...paymentBase(input),
          customerId,
          ...(mandateId && { mandateId }),
          sequenceType: 'recurring',
          ...(input.webhookUrl && { webhookUrl: webhookWith(input.webhookUrl, 'reference', input.reference) }),
        },
        `${input.reference}:charge`,
      );
      return chargeOf(payment);
    },

    async getCharge(id) {
      if (!PAYMENT_ID.test(id)) throw new ProviderInputError(PROVIDER, `mollie: "${id}" is not a payment id (tr_…)`);
      return chargeOf(await readPayment(id));
    },

    async verifyWebhook(rawBody, headers, request) {
      if (headers.has('x-mollie-signature')) {
        throw new WebhookVerificationError('mollie: next-gen webhook events (X-Mollie-Signature) carry no payment status and are not taken here');
      }
      const fields = [...new URLSearchParams(rawBody)];
      const id = fields.length === 1 && fields[0]![0] === 'id' ? fields[0]![1] : '';
      if (!PAYMENT_ID.test(id)) throw new WebhookVerificationError('mollie: a classic webhook is a form body id=tr_… and nothing else');
      const query = request ? new URL(request.url).searchParams : new URLSearchParams();
      const hint: VerifiedWebhook = { eventId: id, type: 'payment', hint: true, payload: { id } };
      const reference = query.get('reference');
      const session = query.get('session');
      if (reference) return { ...hint, chargeId: id, reference };
      return { ...hint, sessionId: session ?? id };
    },
  };

  function chargeOf(payment: Payment): ProviderCharge {
    const reference = (payment.metadata as { reference?: unknown } | null | undefined)?.reference;
    const reason = payment.details?.failureReason;
    return {
      id: payment.id,
      status: CHARGE_STATUSES[payment.status] ?? 'pending',
      ...amountOf(payment),
      ...(typeof reference === 'string' && { reference }),
      ...(reason && { failureReason: reason }),
    };
  }
}

/** Where this provider stands when several are configured: the lowest configured is the default. */
export const ENV_PREFERENCE = 35;

/**
 * The provider from the environment, or undefined unless `MOLLIE_API_KEY` is set.
 *
 * - `MOLLIE_API_KEY` (required): `test_…` or `live_…`
 * - `MOLLIE_PROFILE_ID`: `pfl_…` (required with `MOLLIE_COMPONENTS`)
 * - `MOLLIE_COMPONENTS`: `true` for card fields on the shop's page (Mollie Components, `card-token`)
 * - `MOLLIE_API_URL`: default `https://api.mollie.com`
 *
 * Card-token session records go to the shop's store when the deployment gives one (`context.store`).
 */
export function fromEnv(env: Record<string, string | undefined> = process.env, context: ProviderContext = {}): MollieProvider | undefined {
  const apiKey = env['MOLLIE_API_KEY']?.trim();
  if (!apiKey) return undefined;
  const profileId = env['MOLLIE_PROFILE_ID']?.trim();
  const apiUrl = env['MOLLIE_API_URL']?.trim();
  return createMollieProvider({
    apiKey,
    ...(profileId && { profileId }),
    ...(apiUrl && { apiUrl }),
    components: env['MOLLIE_COMPONENTS'] === 'true',
    ...(context.store && { store: providerRecordsOn<MollieSessionRecord>(context.store, PROVIDER) }),
  });
}
