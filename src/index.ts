// Classes and types only: importing this registers nothing (see `./define`).
export { CheckoutWidget, RETURN_RESULT_PARAM, RETURN_SESSION_PARAM } from './components/checkout-widget/checkout-widget.js';
export { CheckoutError, ERROR_CODES, isAbortError, type CheckoutErrorCode } from './core/errors.js';
export {
  createCheckoutEvent,
  type CheckoutErrorEventDetail,
  type CheckoutEvent,
  type CheckoutEventDetails,
  CHECKOUT_EVENT_NAMES,
  type CheckoutEventName,
  type CheckoutOutcomeEventDetail,
  type CheckoutSessionEventDetail,
  type CheckoutStatusEventDetail,
  type OutcomeParams,
} from './core/events.js';
export { MESSAGE_EVENTS, MESSAGE_TYPE, MESSAGE_VERSION, type CheckoutMessage, type CheckoutMessageEvent } from './core/messages.js';
export { acceptMessage, type MessageFilterOptions } from './core/message-filter.js';
export {
  DISPLAY_MODES,
  SESSION_KINDS,
  SESSION_STATUSES,
  WIDGET_STATES,
  isFinalStatus,
  type CheckoutSession,
  type DisplayMode,
  type SessionKind,
  type SessionStatus,
  type WidgetState,
} from './core/session.js';
export { createSession, readSession, type CreateSessionOptions, type SessionRequestOptions } from './core/session-client.js';
export { parseSession } from './core/session-schema.js';
export { SESSION_SHAPES, type SessionShape, type SessionShapeContext } from './core/session-shapes/index.js';
export { watchSessionStatus, type StatusWatcherOptions } from './core/status-watcher.js';
export { RENDERER_LOADERS, loadRenderer } from './renderers/index.js';
export type { Renderer, RendererFactory, RendererHost, RendererOutcome } from './renderers/types.js';
