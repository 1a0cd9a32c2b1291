import type { CheckoutErrorCode, CheckoutSession, OutcomeParams } from './protocol.js';
import type { DisplayMode, WidgetState } from './display.js';


/** Detail of `checkout-session`, `checkout-ready`, `checkout-expired` and `checkout-close`. */
export interface CheckoutSessionEventDetail {
  session: CheckoutSession;
}
/** Detail of `checkout-accept` and `checkout-cancel`: the session, and the params the outcome came with. */
export interface CheckoutOutcomeEventDetail {
  session: CheckoutSession;
  params: OutcomeParams;
}
/**
 * Detail of `checkout-error`: `message` is for logs, not the shopper; `retryable` says whether
 * "Try again" is offered.
 */
export interface CheckoutErrorEventDetail {
  code: CheckoutErrorCode;
  message: string;
  retryable: boolean;
  session?: CheckoutSession;
}
/** Detail of `checkout-status`, fired on every change of the widget's `state`. */
export interface CheckoutStatusEventDetail {
  state: WidgetState;
  previous: WidgetState;
  session?: CheckoutSession;
}

/** Detail of `checkout-method`: the method the shopper picked in the chooser (`methods="choose"`) and its provider. */
export interface CheckoutMethodEventDetail {
  method: string;
  provider: string;
}

/**
 * A step of the checkout funnel (`checkout-step`): `shown` (a checkout starts: loading or the
 * method chooser), `method-chosen`, `provider-loaded` (the provider's UI is mounted and loaded),
 * `authentication-started` / `authentication-finished` (3-D Secure, where the provider's page or
 * SDK tells), `redirected-out` (the page leaves for the provider's), `returned` (back from it),
 * `paid` (confirmed by the endpoint), `failed` (with the error `code`), `abandoned` (the page was
 * hidden while the checkout was open, or `code` `cancelled` / `expired`).
 */
export type CheckoutStep =
  | 'shown'
  | 'method-chosen'
  | 'provider-loaded'
  | 'authentication-started'
  | 'authentication-finished'
  | 'redirected-out'
  | 'returned'
  | 'paid'
  | 'failed'
  | 'abandoned';

/**
 * Detail of `checkout-step`, one funnel step. It never carries personal data or amounts: the
 * display mode, the provider's and method's ids, and for `failed` / `abandoned` a code.
 */
export interface CheckoutStepEventDetail {
  step: CheckoutStep;
  mode: DisplayMode;
  /** The session's provider (`sandbox`, `stripe`, …), or the chosen method's before a session exists. */
  provider?: string;
  /** The method picked in the chooser (`methods="choose"`). */
  method?: string;
  /** `failed`: the error code; `abandoned`: `cancelled` or `expired` (none: the page was hidden). */
  code?: CheckoutErrorCode | 'cancelled' | 'expired';
}

/** Every event the widget fires, by name: the single source of the event types. */
export interface CheckoutEventDetails {
  'checkout-session': CheckoutSessionEventDetail;
  'checkout-ready': CheckoutSessionEventDetail;
  'checkout-accept': CheckoutOutcomeEventDetail;
  'checkout-cancel': CheckoutOutcomeEventDetail;
  'checkout-expired': CheckoutSessionEventDetail;
  'checkout-error': CheckoutErrorEventDetail;
  'checkout-status': CheckoutStatusEventDetail;
  'checkout-close': CheckoutSessionEventDetail;
  'checkout-method': CheckoutMethodEventDetail;
  'checkout-step': CheckoutStepEventDetail;
}
/** The name of an event the widget fires, such as `checkout-accept`. */
export type CheckoutEventName = keyof CheckoutEventDetails;

// A record, so the compiler refuses a list that misses or invents an event.
const EVENT_NAMES: Record<CheckoutEventName, true> = {
  'checkout-session': true,
  'checkout-ready': true,
  'checkout-accept': true,
  'checkout-cancel': true,
  'checkout-expired': true,
  'checkout-error': true,
  'checkout-status': true,
  'checkout-close': true,
  'checkout-method': true,
  'checkout-step': true,
};
/** Every event the widget fires, for code that listens to all of them. */
export const CHECKOUT_EVENT_NAMES = Object.keys(EVENT_NAMES) as readonly CheckoutEventName[];
/** The event fired under `K`, typed by its detail; it bubbles and is composed, so an ancestor's listener hears it. */
export type CheckoutEvent<K extends CheckoutEventName> = CustomEvent<CheckoutEventDetails[K]>;

/** Builds an event as the contract wants it: bubbling out of shadow roots. */
export function createCheckoutEvent<K extends CheckoutEventName>(
  name: K,
  detail: CheckoutEventDetails[K],
): CheckoutEvent<K> {
  return new CustomEvent(name, { detail, bubbles: true, composed: true });
}

/** Every event the widget fires as its listener receives it, by name (an event map, as the DOM's). */
export type CheckoutEventMap = { [K in CheckoutEventName]: CheckoutEvent<K> };
/** `checkout-session`: a session was created or loaded and validated. */
export type CheckoutSessionEvent = CheckoutEvent<'checkout-session'>;
/** `checkout-ready`: the provider's UI is mounted and loaded. */
export type CheckoutReadyEvent = CheckoutEvent<'checkout-ready'>;
/** `checkout-accept`: paid, and the endpoint confirmed `status: "complete"`. */
export type CheckoutAcceptEvent = CheckoutEvent<'checkout-accept'>;
/** `checkout-cancel`: the shopper cancelled. */
export type CheckoutCancelEvent = CheckoutEvent<'checkout-cancel'>;
/** `checkout-expired`: the session expired. */
export type CheckoutExpiredEvent = CheckoutEvent<'checkout-expired'>;
/** `checkout-error`: something failed; branch on `detail.code`. */
export type CheckoutErrorEvent = CheckoutEvent<'checkout-error'>;
/** `checkout-status`: every change of the widget's `state`. */
export type CheckoutStatusEvent = CheckoutEvent<'checkout-status'>;
/** `checkout-close`: an overlay or popup was closed. */
export type CheckoutCloseEvent = CheckoutEvent<'checkout-close'>;
/** `checkout-method`: the shopper picked a method in the chooser. */
export type CheckoutMethodEvent = CheckoutEvent<'checkout-method'>;
/** `checkout-step`: a funnel step, without personal data or amounts. */
export type CheckoutStepEvent = CheckoutEvent<'checkout-step'>;

// The events bubble and are composed, so `document` and `window` hear them too:
// `document.addEventListener('checkout-accept', (e) => e.detail.session.id)` type-checks.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HTMLElementEventMap extends CheckoutEventMap {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface DocumentEventMap extends CheckoutEventMap {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface WindowEventMap extends CheckoutEventMap {}
}
