import type { CheckoutErrorCode } from './errors.js';
import type { CheckoutSession, WidgetState } from './session.js';

/** Query parameters or message params that came with an outcome (`id`, `invoice`, …). */
export type OutcomeParams = Record<string, string>;

export interface CheckoutSessionEventDetail {
  session: CheckoutSession;
}
export interface CheckoutOutcomeEventDetail {
  session: CheckoutSession;
  params: OutcomeParams;
}
export interface CheckoutErrorEventDetail {
  code: CheckoutErrorCode;
  message: string;
  retryable: boolean;
  session?: CheckoutSession;
}
export interface CheckoutStatusEventDetail {
  state: WidgetState;
  previous: WidgetState;
  session?: CheckoutSession;
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
}
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
};
/** Every event the widget fires, for code that listens to all of them. */
export const CHECKOUT_EVENT_NAMES = Object.keys(EVENT_NAMES) as readonly CheckoutEventName[];
export type CheckoutEvent<K extends CheckoutEventName> = CustomEvent<CheckoutEventDetails[K]>;

/** Builds an event as the contract wants it: bubbling out of shadow roots. */
export function createCheckoutEvent<K extends CheckoutEventName>(
  name: K,
  detail: CheckoutEventDetails[K],
): CheckoutEvent<K> {
  return new CustomEvent(name, { detail, bubbles: true, composed: true });
}

declare global {
  interface HTMLElementEventMap {
    'checkout-session': CheckoutEvent<'checkout-session'>;
    'checkout-ready': CheckoutEvent<'checkout-ready'>;
    'checkout-accept': CheckoutEvent<'checkout-accept'>;
    'checkout-cancel': CheckoutEvent<'checkout-cancel'>;
    'checkout-expired': CheckoutEvent<'checkout-expired'>;
    'checkout-error': CheckoutEvent<'checkout-error'>;
    'checkout-status': CheckoutEvent<'checkout-status'>;
    'checkout-close': CheckoutEvent<'checkout-close'>;
  }
}
