/**
 * The provider API: what a payment provider's adapter (`src/providers/<name>/server.ts`)
 * implements and is handed, and the errors it throws. Adapters build on it with the adapter kit
 * (`../adapter-kit/`); `providersFromEnv` (src/provider-registry/) lists them.
 */
import type { CheckoutSession, SessionKind } from '../../core/protocol.js';
import type { CustomerInput } from '../customer.js';
import type { CheckoutStore } from '../store/types.js';

export type { CustomerInput } from '../customer.js';

/** Environment variables as `providersFromEnv` reads them: `process.env`, or a Worker's `env`. */
export type ProviderEnv = Record<string, string | undefined>;
/** What the deployment hands every provider: the shop's store, for adapters that must remember things of their own. */
export interface ProviderContext {
  store?: CheckoutStore;
}
/** What each provider folder exports: the provider when the environment configures it, else undefined. */
export type ProviderFromEnv = (env: ProviderEnv, context?: ProviderContext) => PaymentProvider | undefined;

/** The session kind of a provider that needs a card token first (docs/protocol.md, "The session"; its renderer is Commerce Layer's). */
export const CARD_TOKEN_KIND = 'card-token' satisfies SessionKind;

/** A cart line priced by the server-side catalog. */
export interface PricedLine {
  sku: string;
  name: string;
  quantity: number;
  /** Minor units, including VAT. */
  unitAmount: number;
  /** VAT rate as a fraction, e.g. 0.25. */
  vatRate: number;
}

/** What the handler asks a provider to create: already validated and priced. */
export interface CreateSessionInput {
  /** Our order reference, unique per create call (reused across retries of one start). */
  reference: string;
  lines: PricedLine[];
  /** Sum of the lines, minor units. */
  amount: number;
  currency: string;
  customer?: CustomerInput;
  /** Save the payment method for later charges (Reepay `recurring`, Stripe `setup_future_usage`). */
  recurring?: boolean;
  /** Pay an existing unpaid invoice instead of the lines. */
  invoice?: string;
  locale?: string;
  metadata?: Record<string, string>;
  /** The browser's `Idempotency-Key`, forwarded where the provider supports one. */
  idempotencyKey?: string;
  /** Return bridge URLs. `{SESSION_ID}` is replaced by the provider's session id where it can. */
  acceptUrl: string;
  cancelUrl: string;
  /** Where the provider should send its webhooks. */
  webhookUrl: string;
  /** The buyer's IP as the handler saw it, where known. */
  customerIp?: string;
  /**
   * The method routing chose, one of the provider's `methods` ids (`card`, `blik`, …); absent
   * only when a caller creates without the handler. An adapter with one method may ignore it.
   */
  method?: string;
}

/**
 * A payment method a provider offers (docs/protocol.md, "Methods, routing and failover"): the
 * chooser lists it, routing offers it, failover moves between providers with the same `id`.
 */
export interface ProviderMethod {
  /** Stable id, the same at every provider that offers it: `card`, `card-fields`, `blik`, `vipps`, `mobilepay`, `ideal`, … */
  id: string;
  /** The session kind this method's session has: `hosted`, `card-token`, `stripe-embedded`, `adyen`, `reepay`, … */
  kind: SessionKind;
  /** ISO 4217 codes (upper case) it takes; absent: every currency. */
  currencies?: readonly string[];
  /** The chooser's text where the handler has none of its own for this id (not translated). */
  label?: string;
}

/** What a provider's `methods` function is given: the priced cart. */
export interface MethodsCart {
  amount: number;
  currency: string;
}

/** A charge of a saved payment method, without a checkout (on-demand billing, refills). */
export interface ChargeInput {
  /** Our order reference: the provider's idempotency handle for this charge. */
  reference: string;
  /** The saved payment method the provider gave back when a `recurring` session completed. */
  paymentMethod: string;
  /** The customer the payment method belongs to (Reepay needs its handle). */
  customer?: CustomerInput;
  lines: PricedLine[];
  amount: number;
  currency: string;
  /** Forwarded where the provider supports one. */
  idempotencyKey?: string;
  /** Where the provider should send its webhooks. */
  webhookUrl?: string;
}

export const CHARGE_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type ChargeStatus = (typeof CHARGE_STATUSES)[number];

/** A charge as the provider reports it: read by the handler, never taken from a browser. */
export interface ProviderCharge {
  /** The provider's id for the charge (for Reepay: the invoice handle). */
  id: string;
  /** Our order reference, as the provider reports it back (finds the order from a webhook). */
  reference?: string;
  status: ChargeStatus;
  /** Minor units, where the provider reports it. */
  amount?: number;
  currency?: string;
  /** Why it failed, in the provider's or acquirer's words. */
  failureReason?: string;
}

/** A webhook that passed its signature check, or an unsigned `hint` to re-read one session or charge. */
export interface VerifiedWebhook {
  /** Unique per delivery event: used to handle each event once. */
  eventId: string;
  type: string;
  /** The session it concerns, when the payload names one. */
  sessionId?: string;
  /** The charge of a saved payment method it concerns, when the payload names one. */
  chargeId?: string;
  /**
   * An unsigned delivery that only names what to re-read (Mollie's classic `id=tr_…`). The handler
   * stores it only when `sessionId` is one of this provider's sessions, or `chargeId` the charge of
   * the order `reference` (taken from the webhook URL the adapter gave the provider), and then once
   * per id per few seconds, read at that window's end: a flood of hints costs one provider read
   * per id per window and nothing for ids that are not ours. `eventId` is replaced by the window's.
   */
  hint?: boolean;
  /** Our order reference, where the adapter put it into its own webhook URL (for a charge `hint`). */
  reference?: string;
  payload: unknown;
}

/**
 * What a browser's session read handed over besides the id (`GET {endpoint}/{id}?provider_result=…`).
 * Never trusted: an adapter may only forward it to its provider, whose answer decides.
 */
export interface SessionReadInput {
  /** An opaque result from the provider's browser SDK (Adyen's `sessionResult`). */
  providerResult?: string;
}

/** The webhook request beside its raw body and headers. */
export interface WebhookRequest {
  /**
   * The URL the provider addressed: the handler's public base (`publicUrl`, else its own origin)
   * with the webhook path and the query as received. Schemes that sign the path (Vipps MobilePay) use it.
   */
  url: string;
  method: string;
}

/** The answer a provider expects for a webhook it may stop retrying (Adyen: `200 [accepted]`). */
export interface WebhookAcknowledgement {
  /** A 2xx status; default 200. */
  status?: number;
  contentType: string;
  body: string;
}

/** Thrown by a provider for anything that went wrong at the provider: becomes a 502. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly provider: string,
    message: string,
    readonly providerStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The shop's input cannot be sent to this provider (a missing customer field, an unsupported
 * locale): the request was never sent. The handler answers 400, not 502.
 */
export class ProviderInputError extends ProviderError {
  readonly code = 'invalid_input';
  constructor(provider: string, message: string) {
    super(provider, message);
  }
}

/**
 * The card behind a token was declined (`submitToken`): the handler answers 402, the session stays
 * open and the shopper may send a token of another card.
 */
export class PaymentDeclinedError extends ProviderError {
  readonly code = 'payment_declined';
}

/** What the handler gives `submitToken`: the session's order and its return bridge URLs, never from the body. */
export interface SubmitTokenContext {
  /** Our order reference, recorded when the session was created. */
  reference: string;
  /** Return bridge URLs, as for `createSession` (`{SESSION_ID}` filled where the provider can). */
  acceptUrl: string;
  cancelUrl: string;
}

/** Thrown by `verifyWebhook` when the signature or timestamp does not hold: becomes a 400. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

/**
 * A payment service provider behind the thin backend. Adding one means one folder that
 * exports a factory returning this.
 */
export interface PaymentProvider {
  readonly name: string;
  /** A human name for a provider picker (the demo's switcher); `name` where absent. */
  readonly label?: string;
  /**
   * The methods it offers, in its preferred order, as a list or per cart. Absent: one method,
   * `{ id: name, kind: 'hosted' }` (docs/protocol.md, "Methods, routing and failover").
   */
  readonly methods?: readonly ProviderMethod[] | ((cart: MethodsCart) => readonly ProviderMethod[]);
  createSession(input: CreateSessionInput): Promise<CheckoutSession>;
  /**
   * The session with its status fresh from the provider. `read` carries what the browser's read
   * handed over (`GET {endpoint}/{id}?provider_result=…`): only ever forwarded to the provider.
   */
  getSession(id: string, read?: SessionReadInput): Promise<CheckoutSession>;
  /**
   * Verifies a webhook on its raw body; throws `WebhookVerificationError` when it does not hold.
   * A delivery that carries several events (Adyen's `notificationItems`) returns each; each is handled once.
   * `request` is always given by the handler; an adapter whose scheme needs it refuses a call without it.
   */
  verifyWebhook?(rawBody: string, headers: Headers, request?: WebhookRequest): Promise<VerifiedWebhook | readonly VerifiedWebhook[]>;
  /** The answer to a stored webhook; JSON `{ "received": true }` when absent. */
  readonly webhookAcknowledgement?: WebhookAcknowledgement;
  /**
   * The payment method a completed `recurring` session saved, read from the provider (never from
   * the browser); undefined when the session saved none.
   */
  savedPaymentMethod?(sessionId: string): Promise<string | undefined>;
  /** Charges a saved payment method; the same `reference` twice charges once. */
  charge?(input: ChargeInput): Promise<ProviderCharge>;
  /** The charge with its status fresh from the provider. */
  getCharge?(id: string): Promise<ProviderCharge>;
  /**
   * Pays a `card-token` session with the token the provider's card fields made: the session after
   * authorisation (`complete`), with a 3-D Secure `url` (`open`, `frameable: false`), or failed.
   * A decline throws `PaymentDeclinedError`; a token the provider cannot take `ProviderInputError`.
   */
  submitToken?(sessionId: string, token: string, context: SubmitTokenContext): Promise<CheckoutSession>;
}
