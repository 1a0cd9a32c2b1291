import { z } from 'zod';
import { PAYMENT_IN_FLIGHT, type CheckoutSession, type SessionStatus } from '../../core/protocol.js';
import {
  absoluteUrl,
  basicAuth,
  globalFetch,
  joinUrl,
  parseAnswer,
  parseWebhookJson,
  positiveNumber,
  replaceSessionPlaceholder,
  requestJson,
  requiredString,
  verifySandboxPayload,
  webhookToleranceOption,
  type FetchLike,
} from '../../server/adapter-kit/index.js';
import {
  CARD_TOKEN_KIND,
  CHARGE_STATUSES,
  PaymentDeclinedError,
  ProviderError,
  ProviderInputError,
  WebhookVerificationError,
  type ChargeInput,
  type CreateSessionInput,
  type PaymentProvider,
  type PricedLine,
  type ProviderCharge,
  type ProviderMethod,
  type VerifiedWebhook,
} from '../../server/provider-api/types.js';
// Not from psp.ts: that is the PSP's Node server, which an adapter must not pull in.
import { SANDBOX_ID_PLACEHOLDER, SANDBOX_SIGNATURE_HEADER } from './protocol.js';

/** The PSP's signer, for tests that send the adapter a webhook. */
export { signSandboxPayload } from '../../server/adapter-kit/index.js';

const PROVIDER_NAME = 'sandbox';
/** The sandbox answers fast, or not at all. */
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Options of `createSandboxProvider`: where the sandbox PSP listens, and the keys it shares with it
 * (`startSandbox`'s `env` has all three).
 */
export interface SandboxProviderOptions {
  /** Base URL of the sandbox PSP API, e.g. `http://127.0.0.1:4243`. */
  apiUrl: string;
  secretKey: string;
  webhookSecret: string;
  /** Per request. Default 10 000 ms. */
  timeoutMs?: number;
  /** Webhook timestamps older (or further ahead) than this are refused. Default 300 s. */
  webhookToleranceSeconds?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
  /** Default: global fetch, resolved per call. */
  fetch?: FetchLike;
  /**
   * `card-token`: sessions take a card token from card fields on the shop page and are paid with
   * `submitToken`; `adyen`: an Adyen Web-like Drop-in the page mounts (`kind: 'adyen'`), paid in
   * it and read back from the PSP; `hosted` (default): the PSP's payment page.
   */
  sessionKind?: SandboxSessionKind;
  /**
   * Card-token sessions only: whose card fields make the token. `sandbox` (default): the PSP's
   * Frames double (`frames_url`); `mollie`: Mollie Components' shape (`profile_id`, `testmode`),
   * drawn by the widget's Mollie driver with the PSP's Mollie.js double on the page.
   */
  tokenProvider?: SandboxTokenProvider;
  /** The provider's name (the demo runs a second one in card-token mode). Default `sandbox`. */
  name?: string;
  label?: string;
}

/** Which sandbox checkout the provider makes: its hosted payment page, card fields on the shop page, or a Drop-in (`adyen`). */
export type SandboxSessionKind = 'hosted' | 'card-token' | 'adyen';
/** The token provider a sandbox card-token session names: its Frames double, or Mollie Components' shape. */
export type SandboxTokenProvider = 'sandbox' | 'mollie';

/** The sandbox's methods: `card-fields` is a `card-token` session, `card` and `blik` the hosted page. */
const SANDBOX_METHODS = [
  { id: 'card', kind: 'hosted' },
  { id: 'blik', kind: 'hosted' },
  { id: 'card-fields', kind: CARD_TOKEN_KIND },
] as const satisfies readonly ProviderMethod[];

/** A sandbox's methods: all three, card fields only (`card-token`), or cards in the Drop-in (`adyen`). */
function methodsFor(sessionKind: SandboxSessionKind): readonly ProviderMethod[] {
  if (sessionKind === 'card-token') return SANDBOX_METHODS.filter((method) => method.kind === CARD_TOKEN_KIND);
  if (sessionKind === 'adyen') return [{ id: 'card', kind: 'adyen' }];
  return SANDBOX_METHODS;
}

function withQuery(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.href;
}

/**
 * The session kind of a create: a Drop-in sandbox's always; else the chosen method's, or (a create
 * without one) the provider's `sessionKind`.
 */
function kindFor(method: string | undefined, sessionKind: SandboxSessionKind): SandboxSessionKind {
  if (sessionKind === 'adyen') return sessionKind;
  return SANDBOX_METHODS.find((offered) => offered.id === method)?.kind ?? sessionKind;
}

/** The PSP's tokens, as its `POST /v1/tokens` makes them. */
const SANDBOX_TOKEN = /^tok_sbx_[a-f0-9]{24}$/;

const apiSessionSchema = z.object({
  id: z.string().min(1),
  url: z.url(),
  status: z.enum(['open', 'complete', 'cancelled', 'expired']),
  amount: z.number().int(),
  currency: z.string(),
  expires_at: z.string(),
  /** The card a completed recurring session saved. */
  payment_method_id: z.string().min(1).nullish(),
  failed_attempts: z.number().int().min(0).optional(),
  /** Card-token and Drop-in sessions only. */
  kind: z.enum(['card_token', 'dropin']).optional(),
  public_key: z.string().min(1).optional(),
  frames_url: z.url().optional(),
  profile_id: z.string().min(1).optional(),
  client_key: z.string().min(1).optional(),
  /** Drop-in sessions: handed out while the session is open. */
  session_data: z.string().min(1).nullish(),
  /** The 3-D Secure page while a token payment waits on it. */
  challenge_url: z.url().nullish(),
  /** A card payment waits on the shopper's 3-D Secure answer (hosted page or token payment). */
  awaiting_challenge: z.boolean().optional(),
});

const apiChargeSchema = z.object({
  id: z.string().min(1),
  status: z.enum(CHARGE_STATUSES),
  amount: z.number().int(),
  currency: z.string(),
  reference: z.string().min(1),
  failure_reason: z.string().nullish(),
});

const webhookBodySchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  session: z.string().min(1).optional(),
  charge: z.string().min(1).optional(),
});

function toApiLines(lines: PricedLine[]) {
  return lines.map((line) => ({
    sku: line.sku,
    name: line.name,
    quantity: line.quantity,
    unit_amount: line.unitAmount,
    vat_rate: line.vatRate,
  }));
}

function toProviderCharge(data: z.infer<typeof apiChargeSchema>): ProviderCharge {
  return {
    id: data.id,
    reference: data.reference,
    status: data.status,
    amount: data.amount,
    currency: data.currency,
    ...(data.failure_reason && { failureReason: data.failure_reason }),
  };
}

type ApiSession = z.infer<typeof apiSessionSchema>;

/** The fields of the session's kind: the hosted page, card fields of one token provider, or a Drop-in. */
function kindFields(data: ApiSession, tokenProvider: SandboxTokenProvider): Pick<CheckoutSession, 'kind'> & Partial<CheckoutSession> {
  const status: SessionStatus = data.status;
  if (data.kind === 'dropin') {
    return {
      kind: 'adyen',
      // As Adyen's: what the Drop-in needs only while the session can be paid. The PSP's client key is a test one.
      ...(status === 'open' && data.session_data && data.client_key && {
        session_id: data.id,
        session_data: data.session_data,
        client_key: data.client_key,
        environment: 'test',
      }),
    };
  }
  // The page follows the shop's theme: the empty `theme` asks the widget for it (docs/protocol.md).
  if (data.kind !== 'card_token') return { kind: 'hosted', url: withQuery(data.url, 'theme', ''), frameable: true };
  return {
    kind: CARD_TOKEN_KIND,
    token_provider: tokenProvider,
    ...(tokenProvider === 'mollie'
      ? { ...(data.profile_id && { profile_id: data.profile_id }), testmode: true }
      : { ...(data.public_key && { public_key: data.public_key }), ...(data.frames_url && { frames_url: data.frames_url }) }),
    // The PSP's 3-D Secure page refuses frames, like a bank's.
    ...(status === 'open' && data.challenge_url && { url: data.challenge_url, frameable: false }),
  };
}

function toContractSession(data: ApiSession, provider: string, tokenProvider: SandboxTokenProvider): CheckoutSession {
  const status: SessionStatus = data.status;
  return {
    id: data.id,
    provider,
    ...kindFields(data, tokenProvider),
    status,
    amount: data.amount,
    currency: data.currency,
    expires_at: data.expires_at,
    livemode: false,
    ...(data.failed_attempts !== undefined && { failed_attempts: data.failed_attempts }),
    // The PSP says when 3-D Secure started: a payment is under way, so no second attempt may begin.
    ...(status === 'open' && data.awaiting_challenge && { payment: PAYMENT_IN_FLIGHT }),
  };
}

const DEFAULT_LABELS: Record<string, string> = {
  hosted: 'Sandbox (test cards)',
  'card-token:sandbox': 'Sandbox card fields (card-token)',
  'card-token:mollie': 'Sandbox: Mollie Components-like card fields (card-token)',
  adyen: 'Sandbox: Adyen Drop-in-like (SDK mount)',
};

/** The sandbox PSP (see `psp.ts`) as a `PaymentProvider`: the offline default. */
export function createSandboxProvider(options: SandboxProviderOptions): PaymentProvider {
  const name = options.name === undefined ? PROVIDER_NAME : requiredString(PROVIDER_NAME, 'name', options.name);
  const sessionKind = options.sessionKind ?? 'hosted';
  if (sessionKind !== 'hosted' && sessionKind !== 'card-token' && sessionKind !== 'adyen') {
    throw new TypeError(`${PROVIDER_NAME}: option sessionKind must be "hosted", "card-token" or "adyen"`);
  }
  const tokenProvider = options.tokenProvider ?? 'sandbox';
  if (tokenProvider !== 'sandbox' && tokenProvider !== 'mollie') throw new TypeError(`${PROVIDER_NAME}: option tokenProvider must be "sandbox" or "mollie"`);
  if (options.tokenProvider !== undefined && sessionKind !== 'card-token') {
    throw new TypeError(`${PROVIDER_NAME}: option tokenProvider is for sessionKind "card-token" only`);
  }
  const toContract = (data: ApiSession) => toContractSession(data, name, tokenProvider);
  const methods = methodsFor(sessionKind);
  const apiUrl = absoluteUrl(PROVIDER_NAME, 'apiUrl', options.apiUrl);
  const secretKey = requiredString(PROVIDER_NAME, 'secretKey', options.secretKey);
  const webhookSecret = requiredString(PROVIDER_NAME, 'webhookSecret', options.webhookSecret);
  const timeoutMs = positiveNumber(PROVIDER_NAME, 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const toleranceSeconds = webhookToleranceOption(PROVIDER_NAME, options.webhookToleranceSeconds);
  const now = options.now ?? Date.now;
  const authorization = basicAuth(secretKey);
  const send = options.fetch ?? globalFetch;

  async function call(
    action: string,
    path: string,
    init: { method: 'GET' | 'POST'; body?: unknown; idempotencyKey?: string },
  ): Promise<unknown> {
    const { body } = await requestJson({
      provider: PROVIDER_NAME,
      action,
      fetch: send,
      url: joinUrl(apiUrl, path),
      method: init.method,
      headers: {
        authorization,
        accept: 'application/json',
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
        ...(init.idempotencyKey && { 'idempotency-key': init.idempotencyKey }),
      },
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
      timeoutMs,
    });
    return body;
  }

  async function session(action: string, path: string, init: Parameters<typeof call>[2]): Promise<ApiSession> {
    return parseAnswer(PROVIDER_NAME, action, apiSessionSchema, await call(action, path, init));
  }

  const readSession = (id: string) => session('read session', `/v1/sessions/${encodeURIComponent(id)}`, { method: 'GET' });

  /** Pays a card-token session; the PSP answers a decline with 402 and a token it does not know with 400. */
  async function submitToken(sessionId: string, token: string): Promise<CheckoutSession> {
    if (!SANDBOX_TOKEN.test(token)) throw new ProviderInputError(name, 'sandbox: the token is not one of the sandbox card frame (tok_sbx_…)');
    try {
      const paid = await session('pay with token', `/v1/sessions/${encodeURIComponent(sessionId)}/pay`, { method: 'POST', body: { token } });
      return toContract(paid);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.providerStatus === 402) throw new PaymentDeclinedError(name, 'sandbox: the card was declined');
      if (error.providerStatus === 400) throw new ProviderInputError(name, error.message);
      throw error;
    }
  }

  return {
    name,
    label: options.label ?? DEFAULT_LABELS[sessionKind === 'card-token' ? `card-token:${tokenProvider}` : sessionKind],
    /**
     * Card and BLIK on the PSP's hosted test page (one page; `blik` opens its BLIK form), and card fields
     * (`card-token`) on the shop page; the chosen method picks the session's kind. A sandbox made
     * with `sessionKind: 'card-token'` offers card fields only, one made with `sessionKind: 'adyen'`
     * cards in the Drop-in only. The token route answers `not_card_token` for a hosted session, so
     * `submitToken` is there whenever a card-fields method is.
     */
    methods,
    ...(sessionKind !== 'adyen' && { submitToken }),

    async createSession(input: CreateSessionInput) {
      const withOurId = (url: string) => replaceSessionPlaceholder(url, SANDBOX_ID_PLACEHOLDER);
      const customer = input.customer?.handle;
      if (input.recurring && !customer) {
        throw new ProviderInputError(
          PROVIDER_NAME,
          'sandbox: a recurring session needs customer.handle (the customer the saved card belongs to)',
        );
      }
      const kind = kindFor(input.method, sessionKind);
      const created = await session('create session', '/v1/sessions', {
        method: 'POST',
        ...(input.idempotencyKey && { idempotencyKey: input.idempotencyKey }),
        body: {
          amount: input.amount,
          currency: input.currency,
          lines: toApiLines(input.lines),
          reference: input.reference,
          accept_url: withOurId(input.acceptUrl),
          cancel_url: withOurId(input.cancelUrl),
          notification_url: input.webhookUrl,
          ...(input.locale && { locale: input.locale }),
          ...(input.recurring && { recurring: true }),
          ...(customer && { customer }),
          ...(kind === 'card-token' && { kind: 'card_token' }),
          ...(kind === 'adyen' && { kind: 'dropin' }),
        },
      });
      const contract = toContract(created);
      // The hosted page has a card form and a BLIK form; the chosen method opens the BLIK one.
      if (input.method === 'blik' && contract.kind === 'hosted' && contract.url) contract.url = withQuery(contract.url, 'method', 'blik');
      return contract;
    },

    async getSession(id: string) {
      return toContract(await readSession(id));
    },

    async savedPaymentMethod(sessionId: string) {
      const data = await readSession(sessionId);
      return data.status === 'complete' ? (data.payment_method_id ?? undefined) : undefined;
    },

    async charge(input: ChargeInput) {
      const action = 'charge saved payment method';
      const customer = input.customer?.handle;
      const answer = await call(action, '/v1/charges', {
        method: 'POST',
        // The reference is the key when no other is given: the same order never charges twice.
        idempotencyKey: input.idempotencyKey ?? input.reference,
        body: {
          payment_method: input.paymentMethod,
          amount: input.amount,
          currency: input.currency,
          reference: input.reference,
          ...(input.lines.length > 0 && { lines: toApiLines(input.lines) }),
          ...(input.webhookUrl && { notification_url: input.webhookUrl }),
          ...(customer && { customer }),
        },
      });
      return toProviderCharge(parseAnswer(PROVIDER_NAME, action, apiChargeSchema, answer));
    },

    async getCharge(id: string) {
      const action = 'read charge';
      const answer = await call(action, `/v1/charges/${encodeURIComponent(id)}`, { method: 'GET' });
      return toProviderCharge(parseAnswer(PROVIDER_NAME, action, apiChargeSchema, answer));
    },

    async verifyWebhook(rawBody: string, headers: Headers): Promise<VerifiedWebhook> {
      await verifySandboxPayload({
        secret: webhookSecret,
        body: rawBody,
        header: headers.get(SANDBOX_SIGNATURE_HEADER),
        headerName: SANDBOX_SIGNATURE_HEADER,
        nowMs: now(),
        toleranceSeconds,
      });
      const body = parseWebhookJson(rawBody, 'Webhook body is not JSON');
      const parsed = webhookBodySchema.safeParse(body);
      if (!parsed.success) throw new WebhookVerificationError('Webhook body is not a sandbox event');
      return {
        eventId: parsed.data.id,
        type: parsed.data.type,
        ...(parsed.data.session && { sessionId: parsed.data.session }),
        ...(parsed.data.charge && { chargeId: parsed.data.charge }),
        payload: body,
      };
    },
  };
}

/** Last: the sandbox is the default only when no real provider is configured. */
export const ENV_PREFERENCE = 1000;

/**
 * The sandbox from environment variables (`SANDBOX_API_URL`, `SANDBOX_SECRET_KEY`,
 * `SANDBOX_WEBHOOK_SECRET`), or undefined when `SANDBOX_API_URL` is not set.
 */
export function fromEnv(env: Record<string, string | undefined>): PaymentProvider | undefined {
  const apiUrl = env['SANDBOX_API_URL']?.trim();
  if (!apiUrl) return undefined;
  const secretKey = env['SANDBOX_SECRET_KEY']?.trim();
  const webhookSecret = env['SANDBOX_WEBHOOK_SECRET']?.trim();
  if (!secretKey || !webhookSecret) {
    throw new Error('SANDBOX_API_URL is set but SANDBOX_SECRET_KEY or SANDBOX_WEBHOOK_SECRET is missing');
  }
  return createSandboxProvider({ apiUrl, secretKey, webhookSecret });
}
