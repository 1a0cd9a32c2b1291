// Classes and types only: importing this registers nothing (see `./define`). What a shop's code
// needs of the element; the wire protocol's internals (messages, shapes, renderers) are not API.
export { CheckoutWidget } from './components/checkout-widget/checkout-widget.js';
export { defineCheckoutElements } from './components/define-elements.js';
export { CheckoutError } from './core/errors.js';
export { ERROR_CODES, type CheckoutErrorCode } from './core/protocol.js';
export { CHECKOUT_EVENT_NAMES, type CheckoutAcceptEvent, type CheckoutCancelEvent, type CheckoutCloseEvent, type CheckoutErrorEvent, type CheckoutErrorEventDetail, type CheckoutEvent, type CheckoutEventDetails, type CheckoutEventMap, type CheckoutEventName, type CheckoutExpiredEvent, type CheckoutMethodEvent, type CheckoutReadyEvent, type CheckoutSessionEvent, type CheckoutStatusEvent, type CheckoutMethodEventDetail, type CheckoutOutcomeEventDetail, type CheckoutSessionEventDetail, type CheckoutStatusEventDetail, type CheckoutStep, type CheckoutStepEvent, type CheckoutStepEventDetail } from './core/events.js';
export { type OutcomeParams } from './core/protocol.js';
export type { CheckoutMethod, CheckoutSession, SessionKind, SessionStatus } from './core/protocol.js';
export type { DisplayMode, WidgetState } from './core/display.js';
