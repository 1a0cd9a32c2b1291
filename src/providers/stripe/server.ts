// Types only, and only in this module's own code: its declarations use the structural types below,
// so `checkout-widget/server` compiles (`skipLibCheck: false`) without the optional `stripe` package.
import type Stripe from 'stripe';
import { PAYMENT_IN_FLIGHT, type CheckoutSession, type SessionStatus } from '../../core/protocol.js';
import { assertFreshTimestamp, DEFAULT_WEBHOOK_TOLERANCE_SECONDS, replaceSessionPlaceholder } from '../../server/adapter-kit/index.js';
import {
  ProviderError,
  ProviderInputError,
  WebhookVerificationError,
  type CreateSessionInput,
  type PaymentProvider,
  type VerifiedWebhook,
} from '../../server/provider-api/types.js';

/**
 * How Stripe Checkout is shown: `embedded_page` mounts Stripe's form in the widget, `hosted_page`
 * redirects to checkout.stripe.com.
 */
export type StripeUiMode = 'embedded_page' | 'hosted_page';

/** The request options this adapter passes to the SDK. */
export interface StripeRequestOptions {
  stripeAccount?: string;
  idempotencyKey?: string;
}

/** The Checkout Session fields this adapter reads (the SDK's `Stripe.Checkout.Session` has them all). */
export interface StripeCheckoutSession {
  id: string;
  status: string | null;
  payment_status: string;
  /** An id, or the PaymentIntent when expanded. */
  payment_intent: string | { status: string } | null;
  amount_total: number | null;
  currency: string | null;
  /** Unix seconds. */
  expires_at: number;
  livemode: boolean;
  ui_mode: string | null;
  client_secret: string | null;
  url: string | null;
  success_url: string | null;
  cancel_url: string | null;
}

/** The event fields this adapter reads (every `Stripe.Event` has them). */
export interface StripeWebhookEvent {
  id: string;
  type: string;
  data: { object: unknown };
}

/**
 * The calls this adapter makes on a `stripe` SDK client: `new Stripe(secretKey, …)` fits it (the
 * unit tests pass one). Declared here rather than imported, so these types need no `stripe` package.
 */
export interface StripeClient {
  checkout: {
    sessions: {
      create(params: object, options?: StripeRequestOptions): Promise<StripeCheckoutSession>;
      retrieve(id: string, params?: { expand?: string[] }, options?: StripeRequestOptions): Promise<StripeCheckoutSession>;
    };
  };
  webhooks: {
    constructEventAsync(
      payload: string,
      header: string,
      secret: string,
      tolerance?: number,
      cryptoProvider?: undefined,
      receivedAt?: number,
    ): Promise<StripeWebhookEvent>;
  };
}

/**
 * Options of `createStripeProvider`: the account's keys (the secret stays on the server, the
 * publishable key goes to the browser) and the checkout's shape.
 */
export interface StripeProviderOptions {
  /** `sk_…` or a restricted `rk_…` key. Stays on the server. */
  secretKey: string;
  /** `pk_…`: handed to the browser in `stripe-embedded` sessions. */
  publishableKey: string;
  /** `whsec_…`: without it `verifyWebhook` refuses every webhook. */
  webhookSecret?: string;
  /** `embedded_page` (default): Stripe's embedded form; `hosted_page`: a redirect to checkout.stripe.com. */
  uiMode?: StripeUiMode;
  /** Connect: create and read sessions on this connected account (`acct_…`). */
  stripeAccount?: string;
  /** Defaults to the version the installed SDK is typed for (`Stripe.API_VERSION`). */
  apiVersion?: string;
  /** Seconds from creation until the session expires; Stripe allows 30 min to 24 h. Default 31 min. */
  sessionTtlSeconds?: number;
  /**
   * The Checkout Session's `branding_settings` (Stripe API 2025-09-30.clover and later:
   * `button_color`, `background_color` as `#rrggbb`, `border_style`, `font_family`, `display_name`,
   * `logo`/`icon`), sent on every create: the shop's accent and a dark background for its embedded
   * or hosted Checkout. Embedded Checkout takes no appearance in the browser, so the widget's
   * light/dark and `--checkout-accent` cannot reach it: this is the shop's fixed choice (README,
   * "Dark mode and theming"). Unset: the Dashboard's branding.
   */
  // Written out, not Stripe's own type: the adapter's types must compile where `stripe` is not installed.
  brandingSettings?: {
    background_color?: string;
    border_style?: 'pill' | 'rectangular' | 'rounded';
    button_color?: string;
    display_name?: string;
    font_family?: string;
    icon?: { type: 'file' | 'url'; file?: string; url?: string };
    logo?: { type: 'file' | 'url'; file?: string; url?: string };
  };
  /**
   * Seconds a webhook's signed timestamp (`Stripe-Signature: t=…`) may be away from now, in
   * either direction: older is a replay, newer a delivery signed ahead of time. Default 300.
   */
  webhookToleranceSeconds?: number;
  /** An SDK instance (`new Stripe(…)`) of your own; then `apiUrl` and `apiVersion` are yours to set on it. */
  stripe?: StripeClient;
  /** Stripe's API origin, e.g. `http://localhost:12111` for stripe-mock. Default `https://api.stripe.com`. */
  apiUrl?: string;
  /** Clock in milliseconds, for `expires_at` and the webhook timestamp check. */
  now?: () => number;
}

/** The metadata key that carries our order reference on the Checkout Session and its PaymentIntent. */
export const STRIPE_REFERENCE_METADATA_KEY = 'checkout_reference';

const PROVIDER_NAME = 'stripe';
const MIN_TTL_SECONDS = 30 * 60;
const MAX_TTL_SECONDS = 24 * 60 * 60;
// Stripe measures the 30 minute minimum from its own clock at creation: a minute of slack
// keeps clock skew and transit time from turning the default into an error.
const DEFAULT_TTL_SECONDS = MIN_TTL_SECONDS + 60;
const SESSION_ID_PATTERN = /^cs_(test|live)_[A-Za-z0-9]+$/;
// Stripe substitutes this literal in return/success URLs.
const STRIPE_SESSION_ID_PLACEHOLDER = '{CHECKOUT_SESSION_ID}';

// `Checkout.SessionCreateParams.Locale` in stripe 23 (the SDK's type also admits any string).
const STRIPE_LOCALES = new Set([
  'bg', 'cs', 'da', 'de', 'el', 'en', 'en-GB', 'es', 'es-419', 'et', 'fi', 'fil', 'fr', 'fr-CA',
  'hi-IN', 'hr', 'hu', 'id', 'it', 'ja', 'ko', 'lt', 'lv', 'ms', 'mt', 'nb', 'nl', 'pl', 'pt',
  'pt-BR', 'ro', 'ru', 'sk', 'sl', 'sv', 'th', 'tr', 'vi', 'zh', 'zh-HK', 'zh-TW',
]);

/**
 * Our locale (a BCP 47 tag such as `da-DK`) as a locale Stripe Checkout supports, or undefined
 * so Stripe falls back to the browser's language.
 */
export function toStripeLocale(locale: string | undefined): string | undefined {
  if (!locale) return undefined;
  const [language = '', region] = locale.trim().replace(/_/g, '-').split('-');
  const lower = language.toLowerCase();
  const withRegion = region ? `${lower}-${region.length === 2 ? region.toUpperCase() : region}` : lower;
  if (STRIPE_LOCALES.has(withRegion)) return withRegion;
  // Norwegian: Stripe has only Bokmål.
  if (lower === 'no' || lower === 'nn') return 'nb';
  if (STRIPE_LOCALES.has(lower)) return lower;
  return undefined;
}

function keyPrefix(key: string): string {
  return key.slice(0, 3);
}

function keyMode(key: string): 'test' | 'live' | undefined {
  const match = /^(?:sk|rk|pk)_(test|live)_/.exec(key);
  return match ? (match[1] as 'test' | 'live') : undefined;
}

function validateOptions(options: StripeProviderOptions): void {
  const { secretKey, publishableKey } = options;
  // Error messages show only a key's prefix: a key never lands in a log.
  if (typeof secretKey !== 'string' || !/^(sk|rk)_/.test(secretKey)) {
    throw new Error(
      `Stripe secret key must start with "sk_" or "rk_" (got a value starting with "${keyPrefix(String(secretKey ?? ''))}")`,
    );
  }
  if (typeof publishableKey !== 'string' || !publishableKey.startsWith('pk_')) {
    throw new Error(
      `Stripe publishable key must start with "pk_" (got a value starting with "${keyPrefix(String(publishableKey ?? ''))}")`,
    );
  }
  const secretMode = keyMode(secretKey);
  const publishableMode = keyMode(publishableKey);
  if (secretMode && publishableMode && secretMode !== publishableMode) {
    throw new Error(
      `Stripe keys are from different modes: the secret key is a ${secretMode} key, the publishable key a ${publishableMode} key`,
    );
  }
  if (options.webhookSecret !== undefined && !options.webhookSecret.startsWith('whsec_')) {
    throw new Error('Stripe webhook secret must start with "whsec_"');
  }
  if (options.uiMode !== undefined && options.uiMode !== 'embedded_page' && options.uiMode !== 'hosted_page') {
    throw new Error(`Stripe uiMode must be "embedded_page" or "hosted_page" (got "${String(options.uiMode)}")`);
  }
  if (options.stripeAccount !== undefined && !/^acct_[A-Za-z0-9]+$/.test(options.stripeAccount)) {
    throw new Error(`Stripe account must look like "acct_…" (got "${options.stripeAccount}")`);
  }
  const tolerance = options.webhookToleranceSeconds;
  // 0 would switch the SDK's age check off: a window is required.
  if (tolerance !== undefined && !(Number.isFinite(tolerance) && tolerance > 0)) {
    throw new Error(`Stripe webhookToleranceSeconds must be a positive number of seconds (got ${tolerance})`);
  }
  const ttl = options.sessionTtlSeconds;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < MIN_TTL_SECONDS || ttl > MAX_TTL_SECONDS)) {
    throw new Error(`Stripe sessionTtlSeconds must be a whole number from ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS} (got ${ttl})`);
  }
}

/**
 * The signed timestamp of a `Stripe-Signature` header (`t=1700000000,v1=…`), in seconds.
 * Read the way the SDK reads it (items split on `,`, key exactly `t`), but stricter: exactly one
 * `t=` and only digits, so the value checked here is the value the SDK puts under the HMAC.
 */
export function stripeSignatureTimestamp(header: string): number {
  const values = header
    .split(',')
    .map((item) => item.split('='))
    .filter(([key]) => key === 't')
    .map(([, value]) => value ?? '');
  if (values.length !== 1) {
    throw new WebhookVerificationError(
      `Stripe-Signature header must carry exactly one t= timestamp (found ${values.length})`,
    );
  }
  const [value = ''] = values;
  if (!/^\d{1,12}$/.test(value)) {
    throw new WebhookVerificationError('Stripe-Signature header has a t= that is not a time in seconds');
  }
  return Number(value);
}

let stripeSdk: Promise<typeof Stripe> | undefined;

/** The `stripe` package, imported once; a clear error when the shop has not installed it. */
function loadStripeSdk(): Promise<typeof Stripe> {
  return (stripeSdk ??= import(/* webpackIgnore: true */ 'stripe').then(
    (module) => module.default,
    (error: unknown) => {
      stripeSdk = undefined;
      throw new Error('The Stripe provider needs the "stripe" package: npm install stripe', { cause: error });
    },
  ));
}

/** Redacts anything that looks like a Stripe secret or restricted key. */
function redactKeys(text: string, secretKey: string): string {
  return text.split(secretKey).join('[redacted]').replace(/\b(sk|rk)_(test|live)_[A-Za-z0-9]+/g, '$1_$2_[redacted]');
}

/** The SDK's errors by their `type` (the class name), so this module needs no value import of `stripe`. */
function isStripeError(error: unknown): error is Stripe.errors.StripeError {
  const type: unknown = error instanceof Error ? (error as Error & { type?: unknown }).type : undefined;
  return typeof type === 'string' && type.startsWith('Stripe');
}

function toProviderError(error: unknown, action: string, secretKey: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (isStripeError(error) && error.type === 'StripeConnectionError') {
    return new ProviderError(
      PROVIDER_NAME,
      redactKeys(`Could not reach Stripe to ${action}: ${error.message}`, secretKey),
      undefined,
      { cause: error },
    );
  }
  if (isStripeError(error)) {
    const code = error.code ? `, ${error.code}` : '';
    // `rawType` is Stripe's documented error type (`invalid_request_error`); `type` is the SDK's class name.
    const type = error.rawType ?? error.type;
    return new ProviderError(
      PROVIDER_NAME,
      redactKeys(`Stripe refused to ${action} (${type}${code}): ${error.message}`, secretKey),
      error.statusCode,
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(PROVIDER_NAME, redactKeys(`Stripe call to ${action} failed: ${message}`, secretKey), undefined, {
    cause: error,
  });
}

/**
 * Stripe clears a hosted session's `url` once it is no longer open (stripe-node#1530), but a
 * hosted contract session needs one: use the page the shopper was sent to, our return bridge.
 */
function finishedHostedUrl(session: StripeCheckoutSession, status: SessionStatus): string | undefined {
  const target = status === 'complete' ? session.success_url : (session.cancel_url ?? session.success_url);
  return target ? target.split(STRIPE_SESSION_ID_PLACEHOLDER).join(session.id) : undefined;
}

const FAILED_PAYMENT_INTENT_STATUSES = new Set(['requires_payment_method', 'canceled']);

/** Stripe's `status` and `payment_status` (and, once known, the PaymentIntent's) as our status. */
export function mapStripeStatus(session: Pick<StripeCheckoutSession, 'id' | 'status' | 'payment_status' | 'payment_intent'>): SessionStatus {
  switch (session.status) {
    case 'open':
      return 'open';
    case 'expired':
      return 'expired';
    case 'complete': {
      if (session.payment_status === 'paid' || session.payment_status === 'no_payment_required') return 'complete';
      // `complete` + `unpaid`: an async method (bank debit, voucher) is still settling. When
      // its PaymentIntent has fallen back or been cancelled, the payment failed.
      const intent = session.payment_intent;
      if (intent && typeof intent === 'object' && FAILED_PAYMENT_INTENT_STATUSES.has(intent.status)) return 'failed';
      return 'open';
    }
    default:
      throw new ProviderError(PROVIDER_NAME, `Stripe session ${session.id} has an unknown status "${String(session.status)}"`);
  }
}

/**
 * Stripe Checkout as a provider for `createCheckoutHandler({ providers })`. Checks the keys at once
 * (prefixes, test and live not mixed); the `stripe` package is loaded on first use.
 */
export function createStripeProvider(options: StripeProviderOptions): PaymentProvider {
  validateOptions(options);
  const { secretKey, publishableKey, webhookSecret, stripeAccount } = options;
  const uiMode: StripeUiMode = options.uiMode ?? 'embedded_page';
  const ttlSeconds = options.sessionTtlSeconds ?? DEFAULT_TTL_SECONDS;
  const now = options.now ?? Date.now;
  const webhookTolerance = options.webhookToleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  // Checked now, not at the first call: a wrong address is a start-up error.
  const apiLocation = options.apiUrl !== undefined ? stripeApiLocation(options.apiUrl) : undefined;
  // Made on the first call: `stripe` is an optional peer dependency, loaded only when this provider works.
  let client: Promise<StripeClient> | undefined;
  const stripeClient = (): Promise<StripeClient> =>
    (client ??= options.stripe
      ? Promise.resolve(options.stripe)
      : loadStripeSdk().then(
          (StripeSdk) =>
            new StripeSdk(secretKey, {
              // The SDK's types admit only the version they describe; an older pinned version is the
              // caller's explicit choice.
              apiVersion: (options.apiVersion ?? StripeSdk.API_VERSION) as typeof Stripe.API_VERSION,
              maxNetworkRetries: 2,
              telemetry: false,
              appInfo: { name: 'checkout-widget' },
              ...apiLocation,
            }),
          (error: unknown) => {
            client = undefined; // once the package is installed, the next call tries again
            throw error;
          },
        ));
  const accountOption: StripeRequestOptions = stripeAccount ? { stripeAccount } : {};

  function toCheckoutSession(session: StripeCheckoutSession): CheckoutSession {
    const status = mapStripeStatus(session);
    const common = {
      id: session.id,
      provider: PROVIDER_NAME,
      status,
      // Completed by the shopper but unpaid: an async method (its PaymentIntent `processing`) settles. A payment is under way.
      ...(session.status === 'complete' && status === 'open' && { payment: PAYMENT_IN_FLIGHT }),
      ...(session.amount_total !== null && { amount: session.amount_total }),
      ...(session.currency && { currency: session.currency.toUpperCase() }),
      expires_at: new Date(session.expires_at * 1000).toISOString(),
      livemode: session.livemode,
    };
    // The session's own mode decides its kind, so a session made before a config change resumes right.
    if (session.ui_mode === 'embedded_page') {
      // An open session cannot be shown without it; a finished one needs no form.
      if (!session.client_secret && common.status === 'open') {
        throw new ProviderError(PROVIDER_NAME, `Stripe returned embedded session ${session.id} without a client_secret`);
      }
      return {
        ...common,
        kind: 'stripe-embedded',
        ...(session.client_secret && { client_secret: session.client_secret }),
        publishable_key: publishableKey,
        ...(stripeAccount && { stripe_account: stripeAccount }),
      };
    }
    if (session.ui_mode === 'hosted_page' || session.ui_mode === null) {
      const url = session.url ?? finishedHostedUrl(session, common.status);
      return { ...common, kind: 'hosted', ...(url && { url }), frameable: false };
    }
    throw new ProviderError(PROVIDER_NAME, `Stripe session ${session.id} uses ui_mode "${session.ui_mode}", which checkout-widget does not render`);
  }

  function buildCreateParams(input: CreateSessionInput): Stripe.Checkout.SessionCreateParams {
    if (input.invoice !== undefined) {
      // The shop's request, not Stripe, is at fault: a 400 the widget does not retry.
      throw new ProviderInputError(PROVIDER_NAME, 'Stripe Checkout cannot pay an existing invoice: create the session from cart lines');
    }
    if (input.lines.length === 0) {
      throw new ProviderInputError(PROVIDER_NAME, 'A Stripe Checkout Session needs at least one line');
    }
    const currency = input.currency.toLowerCase();
    const metadata = { ...input.metadata, [STRIPE_REFERENCE_METADATA_KEY]: input.reference };
    const locale = toStripeLocale(input.locale);
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'payment',
      ui_mode: uiMode,
      line_items: input.lines.map((line) => ({
        quantity: line.quantity,
        price_data: {
          currency,
          unit_amount: line.unitAmount,
          // Catalog prices include VAT; stops Stripe Tax from adding it on top.
          tax_behavior: 'inclusive',
          product_data: { name: line.name, metadata: { sku: line.sku } },
        },
      })),
      client_reference_id: input.reference,
      metadata,
      payment_intent_data: {
        metadata: { [STRIPE_REFERENCE_METADATA_KEY]: input.reference },
        ...(input.recurring && { setup_future_usage: 'off_session' }),
      },
      expires_at: Math.floor(now() / 1000) + ttlSeconds,
      ...(locale && { locale }),
      ...(options.brandingSettings && { branding_settings: options.brandingSettings }),
    };
    // The customer fields come from the browser: a `cus_…` handle there must never attach the
    // session (and a saved card) to somebody else's Stripe Customer, so only the email is used.
    if (input.customer?.email) params.customer_email = input.customer.email;
    // A saved payment method must belong to a Customer.
    if (input.recurring) params.customer_creation = 'always';
    if (uiMode === 'embedded_page') {
      params.return_url = replaceSessionPlaceholder(input.acceptUrl, STRIPE_SESSION_ID_PLACEHOLDER);
      // Card payments then end in Stripe.js `onComplete` instead of a page redirect.
      params.redirect_on_completion = 'if_required';
    } else {
      params.success_url = replaceSessionPlaceholder(input.acceptUrl, STRIPE_SESSION_ID_PLACEHOLDER);
      params.cancel_url = replaceSessionPlaceholder(input.cancelUrl, STRIPE_SESSION_ID_PLACEHOLDER);
    }
    return params;
  }

  const provider: PaymentProvider = {
    name: PROVIDER_NAME,
    label: 'Stripe',
    /** Cards, in embedded Checkout or on Stripe's hosted page. */
    methods: [{ id: 'card', kind: uiMode === 'hosted_page' ? 'hosted' : 'stripe-embedded' }],

    async createSession(input) {
      const params = buildCreateParams(input);
      let session: StripeCheckoutSession;
      try {
        session = await (await stripeClient()).checkout.sessions.create(params, {
          ...accountOption,
          ...(input.idempotencyKey && { idempotencyKey: input.idempotencyKey }),
        });
      } catch (error) {
        throw toProviderError(error, 'create a Checkout Session', secretKey);
      }
      return toCheckoutSession(session);
    },

    async getSession(id) {
      if (!SESSION_ID_PATTERN.test(id)) {
        throw new ProviderError(PROVIDER_NAME, `"${id.slice(0, 80)}" is not a Stripe Checkout Session id`, 404);
      }
      let session: StripeCheckoutSession;
      try {
        // The PaymentIntent tells a settling async payment from a failed one.
        session = await (await stripeClient()).checkout.sessions.retrieve(id, { expand: ['payment_intent'] }, accountOption);
      } catch (error) {
        throw toProviderError(error, `read Checkout Session ${id}`, secretKey);
      }
      return toCheckoutSession(session);
    },

    async verifyWebhook(rawBody, headers): Promise<VerifiedWebhook> {
      if (!webhookSecret) {
        throw new WebhookVerificationError('Stripe webhook secret is not configured (STRIPE_WEBHOOK_SECRET): cannot verify Stripe webhooks');
      }
      const signature = headers.get('stripe-signature');
      if (!signature) throw new WebhookVerificationError('Stripe webhook has no Stripe-Signature header');
      // The SDK checks only that the timestamp is not too old; one signed ahead of time (a
      // leaked secret, a skewed signer) would pass for as long as it stays in the future.
      const receivedAt = now();
      assertFreshTimestamp(stripeSignatureTimestamp(signature) * 1000, receivedAt, webhookTolerance);
      // Outside the try: a missing SDK is this server's fault (a 500 Stripe retries), not a forged signature.
      const stripe = await stripeClient();
      let event: StripeWebhookEvent;
      try {
        // The SDK still verifies the signature itself (and the age, on the same clock).
        event = await stripe.webhooks.constructEventAsync(
          rawBody,
          signature,
          webhookSecret,
          webhookTolerance,
          undefined,
          receivedAt,
        );
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new WebhookVerificationError(`Stripe webhook signature did not verify: ${reason}`, { cause: error });
      }
      // Signed is not the same as well-formed: a body without Stripe's event shape is refused, not crashed on.
      const shape = event as unknown as { id?: unknown; type?: unknown; data?: { object?: unknown } | null } | null;
      if (
        !shape ||
        typeof shape.id !== 'string' ||
        shape.id === '' ||
        typeof shape.type !== 'string' ||
        typeof shape.data !== 'object' ||
        shape.data === null ||
        typeof shape.data.object !== 'object' ||
        shape.data.object === null
      ) {
        throw new WebhookVerificationError('Stripe webhook body is not a Stripe event (id, type, data.object)');
      }
      const object = event.data.object as { object?: unknown; id?: unknown };
      const isSessionEvent = event.type.startsWith('checkout.session.') && object.object === 'checkout.session';
      return {
        eventId: event.id,
        type: event.type,
        ...(isSessionEvent && typeof object.id === 'string' && { sessionId: object.id }),
        payload: event,
      };
    },
  };
  return provider;
}

/** Where this provider stands when several are configured: the lowest configured is the default. */
export const ENV_PREFERENCE = 10;

/**
 * A Stripe provider from environment variables, or undefined when Stripe is not configured
 * (neither `STRIPE_SECRET_KEY` nor `STRIPE_PUBLISHABLE_KEY` set). Half a configuration is an error.
 * Optional: `STRIPE_WEBHOOK_SECRET`, `STRIPE_UI_MODE`, `STRIPE_ACCOUNT`, and `STRIPE_API_URL`
 * (an API origin other than Stripe's, such as stripe-mock or a local fake).
 */
export function fromEnv(env: Record<string, string | undefined>): PaymentProvider | undefined {
  const secretKey = env.STRIPE_SECRET_KEY?.trim() || undefined;
  const publishableKey = env.STRIPE_PUBLISHABLE_KEY?.trim() || undefined;
  if (!secretKey && !publishableKey) return undefined;
  if (!secretKey) throw new Error('STRIPE_PUBLISHABLE_KEY is set but STRIPE_SECRET_KEY is missing');
  if (!publishableKey) throw new Error('STRIPE_SECRET_KEY is set but STRIPE_PUBLISHABLE_KEY is missing');
  const uiMode = env.STRIPE_UI_MODE?.trim() || undefined;
  if (uiMode !== undefined && uiMode !== 'embedded_page' && uiMode !== 'hosted_page') {
    throw new Error(`STRIPE_UI_MODE must be "embedded_page" or "hosted_page" (got "${uiMode}")`);
  }
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET?.trim() || undefined;
  const stripeAccount = env.STRIPE_ACCOUNT?.trim() || undefined;
  const apiUrl = env.STRIPE_API_URL?.trim() || undefined;
  return createStripeProvider({
    secretKey,
    publishableKey,
    ...(webhookSecret && { webhookSecret }),
    ...(uiMode && { uiMode }),
    ...(stripeAccount && { stripeAccount }),
    ...(apiUrl && { apiUrl }),
  });
}

/**
 * The `apiUrl` option (`STRIPE_API_URL`; e.g. `http://localhost:12111` for stripe-mock) as the
 * SDK's `host`/`port`/`protocol`. Only an origin: the SDK adds `/v1/…` itself.
 */
export function stripeApiLocation(apiUrl: string): { host: string; port: number; protocol: 'http' | 'https' } {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new Error(`Stripe apiUrl (STRIPE_API_URL) must be an absolute http(s) URL such as https://api.stripe.com (got "${apiUrl}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Stripe apiUrl (STRIPE_API_URL) must use http or https (got "${url.protocol}")`);
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    // The value is not echoed: it may hold credentials.
    throw new Error('Stripe apiUrl (STRIPE_API_URL) must be an origin only (scheme, host, port), without path, query or credentials');
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  // IPv6 hosts come bracketed in URL.hostname; Node's http wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : protocol === 'http' ? 80 : 443;
  return { host, port, protocol };
}
