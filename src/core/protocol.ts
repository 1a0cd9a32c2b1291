/**
 * The wire protocol between the widget, the shop's backend and hosted pages, written once and
 * imported by both sides: the session JSON, the messages a hosted page posts, the return URL's
 * parameters and the error codes. Described for people in `docs/protocol.md`.
 */
import { SESSION_KINDS } from '../providers/session-kinds.generated.js';

// ---- The session (docs/protocol.md, "The session") ----

export { SESSION_KINDS };
/** How the widget renders a session: `hosted` is a page shown by URL, the others a provider's own renderer. */
export type SessionKind = (typeof SESSION_KINDS)[number];

/** Every status a session can have. */
export const SESSION_STATUSES = ['open', 'complete', 'expired', 'cancelled', 'failed'] as const;
/** Where the session stands; every status but `open` is final. */
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Terminal statuses: the session will not change any more. */
export function isFinalStatus(status: SessionStatus): boolean {
  return status !== 'open';
}

/** A payment session as your endpoint returns it (docs/protocol.md): all the widget needs to show it. */
export interface CheckoutSession {
  id: string;
  /** `sandbox`, `stripe`, `reepay`, … : free text, the backend's provider name. */
  provider: string;
  kind: SessionKind;
  status: SessionStatus;
  /** The hosted page (`hosted`, `reepay`). */
  url?: string;
  /** `false`: the page refuses framing, so `embedded` and `overlay` fall back to `redirect`. */
  frameable?: boolean;
  /** `card-token` only: whose card fields make the token (`checkout.com` Frames, or the `sandbox`'s double of them). */
  token_provider?: string;
  /** `card-token` only: the token provider's public key (checkout.com `pk_…`). */
  public_key?: string;
  /**
   * `card-token` with `token_provider: "sandbox"` only: the sandbox PSP's card-fields script (its
   * stand-in for checkout.com's CDN script). An addition to the contract's session.
   */
  frames_url?: string;
  /** Stripe embedded checkout only. Never written to an attribute, the URL, the console or storage. */
  client_secret?: string;
  publishable_key?: string;
  stripe_account?: string;
  /** Minor units. */
  amount?: number;
  currency?: string;
  /** ISO 8601. */
  expires_at?: string;
  livemode?: boolean;
  /**
   * Declined attempts on this open session so far, where the provider counts them: a status read
   * then tells the page of a decline whose message never arrived (a proxy, another API origin).
   */
  failed_attempts?: number;
}

// ---- Messages from a hosted page (docs/protocol.md, "Messages") ----

/** Query parameters or message params that came with an outcome (`id`, `invoice`, …). */
export type OutcomeParams = Record<string, string>;

/** The `type` of every message a hosted page (or the return bridge) posts to the widget. */
export const MESSAGE_TYPE = 'checkout-widget';
/** The message format's version. */
export const MESSAGE_VERSION = 1;
/** What a message can say. */
export const MESSAGE_EVENTS = ['accept', 'cancel', 'close', 'error', 'status', 'resize'] as const;
/** One of `MESSAGE_EVENTS`. */
export type CheckoutMessageEvent = (typeof MESSAGE_EVENTS)[number];

/** What a hosted page (or the return bridge) posts to the widget with `postMessage`. */
export interface CheckoutMessage {
  type: typeof MESSAGE_TYPE;
  version: typeof MESSAGE_VERSION;
  event: CheckoutMessageEvent;
  session: string;
  params?: OutcomeParams;
  status?: string;
  height?: number;
}

// ---- The return URL (docs/protocol.md, "Returns") ----

/** The outcomes a provider returns the shopper with: `{base}/return/accept` or `/cancel`. */
export const RETURN_RESULTS = ['accept', 'cancel'] as const;
/** One of `RETURN_RESULTS`. */
export type ReturnResult = (typeof RETURN_RESULTS)[number];
/** The shop page's query after a top-level return: the session … */
export const RETURN_SESSION_PARAM = 'checkout_session';
/** … and its outcome (`accept` or `cancel`). */
export const RETURN_RESULT_PARAM = 'checkout_result';
/** Our order reference in a return URL, for providers that cannot fill in their session id. */
export const RETURN_REFERENCE_PARAM = 'checkout_ref';

// ---- Errors (docs/protocol.md, "Errors") ----

/** Every `code` a `CheckoutError` can carry: branch on these, not on `message`, which is technical text for logs. */
export const ERROR_CODES = [
  'endpoint_unreachable',
  'endpoint_error',
  'invalid_session',
  'provider_load_failed',
  'popup_blocked',
  'payment_failed',
  'verification_failed',
] as const;
/**
 * Why the widget failed, one of `ERROR_CODES`; the shopper sees the widget's own text for it (the
 * `strings` property overrides it).
 */
export type CheckoutErrorCode = (typeof ERROR_CODES)[number];

/** Every `error.code` the backend answers with (HTTP status in docs/protocol.md). */
export const API_ERROR_CODES = [
  'invalid_request',
  'host_not_allowed',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'idempotency_conflict',
  'not_card_token',
  'session_closed',
  'payment_failed',
  'invalid_signature',
  'body_already_read',
  'internal_error',
  'provider_error',
  'store_unavailable',
] as const;
/** One of `API_ERROR_CODES`. */
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Every non-2xx answer of the backend: `message` is for people, `code` for code, `issues` name the fields. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; issues?: { code: string; path: (string | number)[]; message: string }[] };
}
