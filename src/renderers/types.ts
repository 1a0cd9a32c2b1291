import type { CheckoutErrorCode, CheckoutSession, OutcomeParams } from '../core/protocol.js';
import type { DisplayMode } from '../core/display.js';

/**
 * What a provider UI tells the widget once mounted. The widget owns the state machine and the
 * events; a renderer only reports. `accept` is a hint: the widget confirms it with the endpoint.
 * `error` is a live provider event (a declined card); a UI that cannot load or mount rejects
 * `mount` with a `CheckoutError` instead.
 */
export type RendererOutcome =
  | { type: 'ready' }
  | { type: 'accept'; params: OutcomeParams }
  | { type: 'cancel'; params: OutcomeParams }
  | { type: 'close' }
  | { type: 'error'; code: CheckoutErrorCode; message: string; retryable: boolean }
  /**
   * The renderer's part is done and the backend answered `session` (a card token was paid with):
   * the widget announces it again (`checkout-session`), destroys this renderer, and shows an open
   * session's `url` (3-D Secure) with the hosted renderer in the run's mode, in `popup` (opened in
   * the shopper's click; refused: the page redirects). Another status is confirmed by a read.
   */
  | { type: 'handover'; session: CheckoutSession; popup: Window | null }
  | { type: 'resize'; height: number }
  /**
   * Never a state change: the provider's page said `status` (a hosted page's `status` message:
   * `authenticating` is 3-D Secure under way, its next status ends it; `processing`: its form was
   * sent), `redirect`: the page is about to leave for the provider's, or `in_flight`: the backend
   * refused a card token with `409 payment_in_flight`. For the funnel (`checkout-step`), and a hint
   * that a payment is under way (`authenticating`, `processing`, `redirect`, `in_flight`): the
   * widget shows "Payment in progress" and reads the session at once (in-flight.ts).
   */
  | { type: 'page'; status: string | undefined };

/**
 * The widget's texts a renderer shows, in the shopper's language with the page's `strings`
 * applied: the names of its dialog and frame, a pay button's label, a popup's text while its page
 * loads (`openPopup`). The widget's own table
 * (`components/checkout-widget/strings.ts`) has a row for each; a renderer that needs another
 * text adds its key here and its row there.
 */
export interface RendererStrings {
  /** The accessible name of a checkout dialog or frame. */
  readonly checkout: string;
  /** A dialog's close button. */
  readonly close: string;
  /** A popup window's text until its page loads. */
  readonly loading: string;
  /** A pay button. */
  readonly pay: string;
}

/** What the widget hands a renderer. */
export interface RendererHost {
  /** The `<checkout-widget>` itself (light DOM parent for providers that refuse shadow roots). */
  readonly element: HTMLElement;
  /** Container inside the shadow root for frames and dialogs. */
  readonly container: HTMLElement;
  /** A light-DOM child, shown through the widget's default slot (Stripe refuses shadow roots). */
  lightMount(): HTMLElement;
  readonly mode: DisplayMode;
  readonly locale: string;
  /** The widget's texts in the shopper's language (dialog and frame names, …), `strings` applied. */
  readonly strings: RendererStrings;
  /** Absolute URL of the session endpoint; its origin is trusted for messages. */
  readonly endpoint: string | undefined;
  readonly publishableKey: string | undefined;
  /** A popup opened synchronously in the click handler, when `mode` is `popup`. */
  readonly popup: Window | null;
  /**
   * Aborted when the run ends, for the renderer's own requests. Teardown is `destroy()` alone:
   * the widget calls it, so a renderer does not listen here to tear itself down.
   */
  readonly signal: AbortSignal;
  report(outcome: RendererOutcome): void;
  /**
   * `POST {endpoint}/{session id}/token` (a `card-token` session), through the session client:
   * the answered session, validated; a decline rejects with the `endpoint_error` of status 402.
   */
  submitToken(token: string): Promise<CheckoutSession>;
}

/** One provider UI, mounted once for one session. */
export interface Renderer {
  /** Rejects with a `CheckoutError` for everything that fails to load or mount; resolves quietly when destroyed meanwhile. */
  mount(session: CheckoutSession, host: RendererHost): Promise<void>;
  /** Tears the provider UI down, also during a mount; safe to call twice. */
  destroy(): void | Promise<void>;
}

export type RendererFactory = () => Renderer;
