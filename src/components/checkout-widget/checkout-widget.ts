import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { CheckoutError, isAbortError } from '../../core/errors.js';
import { createCheckoutEvent, type CheckoutEventDetails, type CheckoutEventName, type OutcomeParams } from '../../core/events.js';
import { originOf } from '../../core/message-filter.js';
import { createSession, newIdempotencyKey, readSession, sleep } from '../../core/session-client.js';
import { parseSessionLazily, preloadSessionValidators } from '../../core/session-validators.js';
import {
  DISPLAY_MODES,
  isFinalStatus,
  type CheckoutSession,
  type DisplayMode,
  type WidgetState,
} from '../../core/session.js';
import { watchSessionStatus } from '../../core/status-watcher.js';
import { loadRenderer } from '../../renderers/index.js';
import type { Renderer, RendererHost, RendererOutcome } from '../../renderers/types.js';
import { checkoutWidgetStyles } from './checkout-widget.styles.js';

/** Query parameters the return bridge adds when it sends a redirected shopper back. */
export const RETURN_SESSION_PARAM = 'checkout_session';
export const RETURN_RESULT_PARAM = 'checkout_result';

const POPUP_NAME = 'checkout-widget-popup';
/** Delays before each confirming read after an accept: the backend may lag the page by a moment. */
const CONFIRM_DELAYS_MS = [0, 1_000, 2_000, 3_000];
/** Stands for a `payload` attribute that was not a JSON object. */
const INVALID_PAYLOAD: Record<string, unknown> = Object.freeze({});

/** States in which a session is being set up or is on screen: `start()` joins them. */
const BUSY_STATES: readonly WidgetState[] = ['loading', 'ready', 'processing'];

interface Run {
  controller: AbortController;
  promise: Promise<void>;
  mode: DisplayMode;
  popup: Window | null;
  renderer?: Renderer;
  lightMounts: HTMLElement[];
  /** Set once an outcome (complete, cancel, expiry, error) is final for this run. */
  settled: boolean;
  /** Params of an accept awaiting confirmation, kept to confirm again on "Try again". */
  acceptParams?: OutcomeParams;
  /** Declines reported so far (by message or by a status read), so each is reported once. */
  reportedFailures: number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function popupFeatures(): string {
  const width = 520;
  const height = 720;
  const left = Math.max(0, window.screenX + (window.outerWidth - width) / 2);
  const top = Math.max(0, window.screenY + (window.outerHeight - height) / 2);
  return `popup,width=${width},height=${height},left=${Math.round(left)},top=${Math.round(top)}`;
}

/**
 * An embeddable checkout: creates (or resumes) a payment session with your endpoint and shows
 * the provider's page inline, in an overlay, in a popup or by redirecting.
 *
 * @summary Embeddable checkout for hosted, Stripe embedded and Reepay payment pages.
 * @tag checkout-widget
 *
 * @attr {string} endpoint - Session endpoint: `POST {endpoint}` creates, `GET {endpoint}/{id}` reads.
 * @attr {string} payload - JSON body of the create call (cart lines, customer, …); sets the `payload` property.
 * @attr {"embedded" | "overlay" | "popup" | "redirect"} mode - How a hosted page is shown. Default `embedded`.
 * @attr {string} locale - Passed to the endpoint and the provider. Default: the page's language.
 * @attr {string} session-id - Resume an existing session (GET) instead of creating one.
 * @attr {string} publishable-key - Stripe key for sessions that carry none.
 * @attr {"idle" | "loading" | "ready" | "processing" | "complete" | "cancelled" | "expired" | "error"} state - Reflects the `state` property; read only.
 *
 * @slot - Light-DOM mount points for providers that refuse shadow roots (Stripe); managed by the widget.
 * @slot trigger - Replaces the default "Pay" button in `overlay`, `popup` and `redirect` modes.
 *
 * @event checkout-session - A session was created or loaded and validated. `detail: { session }`
 * @event checkout-ready - The provider's UI is mounted and loaded. `detail: { session }`
 * @event checkout-accept - The payment completed and the endpoint confirmed `status: "complete"`. `detail: { session, params }`
 * @event checkout-cancel - The shopper cancelled. `detail: { session, params }`
 * @event checkout-expired - The session expired. `detail: { session }`
 * @event checkout-error - Something failed. `detail: { code, message, retryable, session? }`
 * @event checkout-status - Every change of `state`. `detail: { state, previous, session? }`
 * @event checkout-close - An overlay or popup was closed. `detail: { session }`
 *
 * @csspart trigger - The default "Pay" button (overlay, popup, redirect modes).
 * @csspart container - Holds the provider frame or dialog.
 * @csspart frame - The provider's iframe.
 * @csspart dialog - The overlay `<dialog>`.
 * @csspart close - The overlay's close button.
 * @csspart loading - "Loading checkout…" while the session is set up (embedded mode).
 * @csspart message - Status text: confirming, complete, cancelled, expired.
 * @csspart error - The error message (`role="alert"`).
 * @csspart retry - "Try again", shown for retryable errors.
 * @csspart restart - "Start again" after a cancel or expiry in embedded mode.
 *
 * @cssprop [--checkout-accent=#1a56db] - Button background and focus ring colour.
 * @cssprop [--checkout-accent-contrast=#fff] - Button text colour.
 * @cssprop [--checkout-radius=8px] - Corner radius of buttons, frame and dialog.
 * @cssprop [--checkout-frame-min-height=480px] - Minimum height of the provider frame before it reports its size.
 * @cssprop [--checkout-frame-background=transparent] - Frame background while the page loads.
 * @cssprop [--checkout-overlay-width=560px] - Width of the overlay dialog.
 * @cssprop [--checkout-overlay-backdrop=rgb(0 0 0 / 55%)] - Backdrop behind the overlay.
 * @cssprop [--checkout-error-background=#fdecea] - Error message background.
 * @cssprop [--checkout-error-color=#8a1c12] - Error message text colour.
 */
export class CheckoutWidget extends LitElement {
  static override styles = checkoutWidgetStyles;

  static override properties = {
    endpoint: { type: String },
    payload: { attribute: false },
    mode: { type: String },
    locale: { type: String },
    sessionId: { type: String, attribute: 'session-id' },
    publishableKey: { type: String, attribute: 'publishable-key' },
    session: { attribute: false },
  };

  /** The `payload` attribute is parsed here so bad JSON becomes a clear error, not an exception. */
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'payload'];
  }

  /** Session endpoint: `POST {endpoint}` creates, `GET {endpoint}/{id}` reads. */
  declare endpoint: string | undefined;
  /** JSON body of the create call (cart lines, customer, …). Attribute: JSON text. */
  declare payload: Record<string, unknown>;
  /** How a hosted page is shown. */
  declare mode: DisplayMode;
  /** Passed to the endpoint and the provider. Defaults to the page's language. */
  declare locale: string;
  /** Resume an existing session (GET) instead of creating one. */
  declare sessionId: string | undefined;
  /** Stripe key for sessions that carry none. */
  declare publishableKey: string | undefined;
  /** A session the page already holds; skips the create call. */
  declare session: CheckoutSession | Record<string, unknown> | undefined;

  #state: WidgetState = 'idle';
  #current: CheckoutSession | undefined;
  #error: CheckoutError | undefined;
  #run: Run | undefined;
  #payloadProblem = '';
  #warnedMode = false;

  constructor() {
    super();
    this.endpoint = undefined;
    this.payload = {};
    this.mode = 'embedded';
    this.locale = document.documentElement.lang || navigator.language;
    this.sessionId = undefined;
    this.publishableKey = undefined;
    this.session = undefined;
  }

  /** Where the widget is; reflected to the `state` attribute. Read only. */
  get state(): WidgetState {
    return this.#state;
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (name !== 'payload') return super.attributeChangedCallback(name, old, value);
    if (value === null) {
      this.payload = {};
      return;
    }
    try {
      const parsed: unknown = JSON.parse(value);
      if (!isPlainObject(parsed)) throw new TypeError('it is not a JSON object');
      this.payload = parsed;
    } catch (error) {
      this.#payloadProblem = `The payload attribute must be a JSON object (${(error as Error).message})`;
      this.payload = INVALID_PAYLOAD;
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    preloadSessionValidators().catch(() => undefined);
    this.#reflectState();
    if (this.#resumeRedirectReturn()) return;
    this.#maybeAutoStart();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.#state !== 'idle' || this.#run) this.reset();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('endpoint') || changed.has('session') || changed.has('sessionId') || changed.has('mode')) {
      // Frameworks often set the endpoint as a property after connecting.
      if (changed.has('endpoint') && this.isConnected && this.#resumeRedirectReturn()) return;
      this.#maybeAutoStart();
    }
  }

  /**
   * Creates or loads the session and shows the provider's UI. While a start is under way
   * (loading, ready, processing) it returns that start's promise. Resolves once the UI is
   * mounted or the attempt ended; failures are reported as `checkout-error`, never thrown.
   */
  start(): Promise<void> {
    if (this.#run && BUSY_STATES.includes(this.#state)) return this.#run.promise;
    return this.#begin(false);
  }

  /** Closes an overlay or popup as a cancel. */
  close(): void {
    const run = this.#run;
    if (!run || (run.mode !== 'overlay' && run.mode !== 'popup')) return;
    if (this.#state !== 'loading' && this.#state !== 'ready') return;
    const session = this.#current;
    // No session yet, so nothing to cancel or report: closing abandons the start.
    if (!session) return this.reset();
    this.#cancel(run, {});
    this.#dispatch('checkout-close', { session });
  }

  /** Back to `idle`, provider UI torn down. */
  reset(): void {
    this.#teardown();
    this.#run = undefined;
    this.#current = undefined;
    this.#error = undefined;
    this.#setState('idle');
  }

  #mode(): DisplayMode {
    if (DISPLAY_MODES.includes(this.mode)) return this.mode;
    // Like an HTML enumerated attribute: an unknown value falls back to the default.
    if (!this.#warnedMode) {
      this.#warnedMode = true;
      console.warn(`<checkout-widget>: unknown mode "${String(this.mode)}", using "embedded" (${DISPLAY_MODES.join(', ')})`);
    }
    return 'embedded';
  }

  #maybeAutoStart(): void {
    if (!this.isConnected || this.#state !== 'idle' || this.#run || this.#mode() !== 'embedded') return;
    if (this.endpoint || this.session) void this.start();
  }

  #reflectState(): void {
    if (this.getAttribute('state') !== this.#state) this.setAttribute('state', this.#state);
  }

  #setState(next: WidgetState): void {
    const previous = this.#state;
    if (previous === next) return;
    this.#state = next;
    this.#reflectState();
    this.requestUpdate();
    const detail: CheckoutEventDetails['checkout-status'] = { state: next, previous };
    if (this.#current) detail.session = this.#current;
    this.#dispatch('checkout-status', detail);
  }

  #dispatch<K extends CheckoutEventName>(name: K, detail: CheckoutEventDetails[K]): void {
    this.dispatchEvent(createCheckoutEvent(name, detail));
  }

  #isCurrent(run: Run): boolean {
    return this.#run === run && !run.controller.signal.aborted && !run.settled;
  }

  /** Starts over. `popupOpened`: the click handler already called `window.open`. */
  #begin(popupOpened: boolean, popup: Window | null = null): Promise<void> {
    this.#teardown();
    this.#current = undefined;
    this.#error = undefined;
    const run: Run = {
      controller: new AbortController(),
      promise: Promise.resolve(),
      mode: this.#mode(),
      popup,
      lightMounts: [],
      settled: false,
      reportedFailures: 0,
    };
    this.#run = run;
    this.#setState('loading');
    // #execute runs synchronously up to its first await, so the request leaves at once.
    run.promise = this.#execute(run, popupOpened).catch((error: unknown) => this.#onRunError(run, error));
    return run.promise;
  }

  async #execute(run: Run, popupOpened: boolean): Promise<void> {
    const { signal } = run.controller;
    if (run.mode === 'popup' && !run.popup) {
      run.popup = popupOpened ? null : window.open('', POPUP_NAME, popupFeatures());
      if (!run.popup) throw new CheckoutError('popup_blocked', 'The browser blocked the checkout window. Allow pop-ups and try again.', { retryable: true });
      this.#showPopupPlaceholder(run.popup);
    }
    // Only a read (GET) of the endpoint confirms a payment: a session the page holds or a create
    // answer that says `complete` is confirmed like an accept message.
    const readFromEndpoint = !this.session && Boolean(this.sessionId);
    const session = await this.#obtainSession(signal);
    if (!this.#isCurrent(run)) return;
    this.#accept(session);
    // Declines before this page (a reload mid-checkout) are not news.
    run.reportedFailures = session.failed_attempts ?? 0;
    if (session.status === 'complete' && !readFromEndpoint) return this.#confirm(run, {});
    if (isFinalStatus(session.status)) return this.#applyStatus(run, session, {});
    this.#watch(run, session);

    const factory = await loadRenderer(session.kind);
    if (!this.#isCurrent(run)) return;
    await this.updateComplete;
    if (!this.#isCurrent(run)) return;
    const renderer = factory();
    run.renderer = renderer;
    await renderer.mount(session, this.#rendererHost(run));
  }

  #obtainSession(signal: AbortSignal): Promise<CheckoutSession> {
    const context = { publishableKey: this.publishableKey };
    if (this.session) return parseSessionLazily(this.session, context);
    const endpoint = this.endpoint;
    if (!endpoint) {
      return Promise.reject(new CheckoutError('invalid_session', 'Set the endpoint attribute or the session property of <checkout-widget>'));
    }
    if (this.sessionId) return readSession(endpoint, this.sessionId, { signal, retries: 2, ...context });
    if (this.payload === INVALID_PAYLOAD) return Promise.reject(new CheckoutError('invalid_session', this.#payloadProblem));
    if (!isPlainObject(this.payload)) {
      return Promise.reject(new CheckoutError('invalid_session', 'The payload property must be an object'));
    }
    const body = this.locale && this.payload.locale === undefined ? { ...this.payload, locale: this.locale } : this.payload;
    return createSession(endpoint, body, { signal, idempotencyKey: newIdempotencyKey(), ...context });
  }

  /** A validated session is ours: announce it and warm up the connection to its page. */
  #accept(session: CheckoutSession): void {
    this.#current = session;
    this.#dispatch('checkout-session', { session });
    this.#preconnect(session.url);
  }

  #preconnect(url: string | undefined): void {
    const origin = originOf(url);
    if (!origin || origin === window.location.origin) return;
    const exists = [...document.head.querySelectorAll<HTMLLinkElement>('link[rel="preconnect"]')].some(
      (link) => originOf(link.href) === origin,
    );
    if (exists) return;
    const link = document.createElement('link');
    link.rel = 'preconnect';
    link.href = origin;
    document.head.append(link);
  }

  #showPopupPlaceholder(popup: Window): void {
    try {
      popup.document.title = 'Checkout';
      popup.document.body.textContent = 'Loading checkout…';
    } catch {
      // A reused window may already show another origin: nothing to write then.
    }
  }

  #endpointUrl(): string | undefined {
    if (!this.endpoint) return undefined;
    try {
      return new URL(this.endpoint, window.location.href).href;
    } catch {
      return undefined;
    }
  }

  #reader(): ((signal: AbortSignal) => Promise<CheckoutSession>) | undefined {
    const endpoint = this.endpoint;
    const session = this.#current;
    if (!endpoint || !session) return undefined;
    return (signal) => readSession(endpoint, session.id, { signal, publishableKey: this.publishableKey });
  }

  #watch(run: Run, session: CheckoutSession): void {
    watchSessionStatus({
      session,
      read: this.#reader(),
      signal: run.controller.signal,
      onChange: (fresh) => {
        // A confirmation in flight decides the outcome itself.
        if (!this.#isCurrent(run) || this.#state === 'processing') return;
        this.#current = fresh;
        if (fresh.status === 'open') {
          const failures = fresh.failed_attempts ?? 0;
          // A decline the backend saw but no message told of: the page stays up for another try.
          if (failures > run.reportedFailures && this.#state === 'ready') {
            run.reportedFailures = failures;
            this.#dispatch('checkout-error', {
              code: 'payment_failed',
              message: 'The payment was declined. Try again or use another way to pay.',
              retryable: true,
              session: fresh,
            });
          }
          return;
        }
        // After verification_failed, a completion found here is that accept's: keep its params.
        this.#applyStatus(run, fresh, fresh.status === 'complete' ? (run.acceptParams ?? {}) : {});
      },
      onExpire: () => {
        if (this.#isCurrent(run) && this.#state !== 'processing') this.#expire(run);
      },
    });
  }

  #rendererHost(run: Run): RendererHost {
    const container = this.renderRoot.querySelector<HTMLElement>('.checkout-container');
    if (!container) throw new Error('checkout-widget: container missing from the shadow root');
    return {
      element: this,
      container,
      lightMount: () => {
        const mount = document.createElement('div');
        mount.className = 'checkout-light-mount';
        this.append(mount);
        run.lightMounts.push(mount);
        return mount;
      },
      mode: run.mode,
      locale: this.locale,
      endpoint: this.#endpointUrl(),
      publishableKey: this.publishableKey,
      popup: run.popup,
      signal: run.controller.signal,
      report: (outcome) => {
        // A close follows the cancel that settled the run, so it is still heard then.
        if (this.#run === run && (outcome.type === 'close' || this.#isCurrent(run))) this.#onOutcome(run, outcome);
      },
    };
  }

  #onOutcome(run: Run, outcome: RendererOutcome): void {
    const session = this.#current;
    if (!session) return;
    const live = this.#state === 'loading' || this.#state === 'ready';
    switch (outcome.type) {
      case 'ready':
        if (this.#state !== 'loading') return;
        this.#setState('ready');
        this.#dispatch('checkout-ready', { session });
        return;
      case 'accept':
        if (live) void this.#confirm(run, outcome.params);
        return;
      case 'cancel':
        if (live) this.#cancel(run, outcome.params);
        return;
      case 'close':
        // Closed while an accept is confirmed or awaits "Try again" (no cancel settled the run):
        // the dialog must still go, or it stays modal over the widget's own status and alert.
        if (!run.settled) this.#destroyRenderer(run);
        this.#dispatch('checkout-close', { session });
        if (run.mode === 'overlay') this.#focusTrigger();
        return;
      case 'error':
        // A declined card: the provider's page stays up for another try.
        if (outcome.code === 'payment_failed' && outcome.retryable && this.#state === 'ready') {
          run.reportedFailures += 1;
          this.#dispatch('checkout-error', { code: outcome.code, message: outcome.message, retryable: true, session });
          return;
        }
        this.#fail(run, new CheckoutError(outcome.code, outcome.message, { retryable: outcome.retryable }));
        return;
      case 'resize':
        return;
    }
  }

  /** An accept is a hint: only the endpoint's `status: "complete"` makes it an accept. */
  async #confirm(run: Run, params: OutcomeParams): Promise<void> {
    run.acceptParams = params;
    this.#error = undefined;
    this.#setState('processing');
    const read = this.#reader();
    try {
      if (read) {
        for (const delay of CONFIRM_DELAYS_MS) {
          if (delay) await sleep(delay, run.controller.signal);
          let fresh: CheckoutSession;
          try {
            fresh = await read(run.controller.signal);
          } catch (error) {
            if (isAbortError(error)) throw error;
            continue;
          }
          if (!this.#isCurrent(run)) return;
          this.#current = fresh;
          if (fresh.status !== 'open') return this.#applyStatus(run, fresh, params);
        }
      }
      if (!this.#isCurrent(run)) return;
      const message = read
        ? 'The payment could not be confirmed yet. Check again in a moment.'
        : 'The payment cannot be confirmed without an endpoint.';
      this.#fail(run, new CheckoutError('verification_failed', message, { retryable: Boolean(read) }), false);
    } catch (error) {
      if (!isAbortError(error)) throw error;
    }
  }

  /** Acts on a session status the endpoint reported. */
  #applyStatus(run: Run, session: CheckoutSession, params: OutcomeParams): void {
    switch (session.status) {
      case 'open':
        return;
      case 'complete':
        this.#settle(run, 'complete');
        this.#dispatch('checkout-accept', { session, params });
        return;
      case 'cancelled':
        this.#cancel(run, params);
        return;
      case 'expired':
        this.#expire(run);
        return;
      case 'failed':
        this.#fail(run, new CheckoutError('payment_failed', 'The payment failed. Start again to try another way to pay.', { retryable: true }));
        return;
    }
  }

  #cancel(run: Run, params: OutcomeParams): void {
    const session = this.#current;
    if (!session || run.settled) return;
    this.#settle(run, 'cancelled');
    this.#dispatch('checkout-cancel', { session, params });
  }

  #expire(run: Run): void {
    const session = this.#current;
    if (!session || run.settled) return;
    this.#settle(run, 'expired');
    this.#dispatch('checkout-expired', { session });
  }

  /** Ends the run for good: provider UI, popup, watchers and requests all go. */
  #settle(run: Run, state: WidgetState): void {
    run.settled = true;
    this.#teardownRun(run);
    this.#setState(state);
  }

  /** `teardown: false` keeps the provider UI, so a confirmation can be retried in place. */
  #fail(run: Run, error: CheckoutError, teardown = true): void {
    if (run.settled) return;
    if (this.#current) error.session ??= this.#current;
    if (teardown) {
      run.settled = true;
      this.#teardownRun(run);
    }
    this.#error = error;
    this.#setState('error');
    const detail: CheckoutEventDetails['checkout-error'] = { code: error.code, message: error.message, retryable: error.retryable };
    if (error.session) detail.session = error.session;
    this.#dispatch('checkout-error', detail);
  }

  #onRunError(run: Run, error: unknown): void {
    if (isAbortError(error) || this.#run !== run || run.settled) return;
    const checkoutError =
      error instanceof CheckoutError
        ? error
        : new CheckoutError('provider_load_failed', `The checkout could not be shown: ${error instanceof Error ? error.message : String(error)}`, {
            retryable: true,
            cause: error,
          });
    this.#fail(run, checkoutError);
  }

  #teardownRun(run: Run): void {
    run.controller.abort();
    this.#destroyRenderer(run);
    for (const mount of run.lightMounts.splice(0)) mount.remove();
    if (run.popup && !run.popup.closed) run.popup.close();
    run.popup = null;
  }

  /** The provider UI only: the run's requests and watchers go on. */
  #destroyRenderer(run: Run): void {
    const renderer = run.renderer;
    run.renderer = undefined;
    if (renderer) {
      void Promise.resolve()
        .then(() => renderer.destroy())
        .catch((error: unknown) => console.warn('<checkout-widget>: renderer teardown failed', error));
    }
  }

  #teardown(): void {
    if (this.#run) this.#teardownRun(this.#run);
  }

  /** The end of a redirect-mode checkout: `?checkout_session=…&checkout_result=accept|cancel`. */
  #resumeRedirectReturn(): boolean {
    if (this.#state !== 'idle' || !this.endpoint) return false;
    const url = new URL(window.location.href);
    const sessionId = url.searchParams.get(RETURN_SESSION_PARAM);
    const result = url.searchParams.get(RETURN_RESULT_PARAM);
    if (!sessionId || (result !== 'accept' && result !== 'cancel')) return false;
    // Claim it at once, so a reload or a second widget does not report it again.
    url.searchParams.delete(RETURN_SESSION_PARAM);
    url.searchParams.delete(RETURN_RESULT_PARAM);
    const params: OutcomeParams = Object.fromEntries(url.searchParams);
    window.history.replaceState(window.history.state, '', url.href);

    const endpoint = this.endpoint;
    this.#teardown();
    const run: Run = { controller: new AbortController(), promise: Promise.resolve(), mode: this.#mode(), popup: null, lightMounts: [], settled: false, reportedFailures: 0 };
    this.#run = run;
    this.#setState('loading');
    run.promise = (async () => {
      const session = await readSession(endpoint, sessionId, { signal: run.controller.signal, retries: 2, publishableKey: this.publishableKey });
      if (!this.#isCurrent(run)) return;
      this.#accept(session);
      if (result === 'cancel' && session.status === 'open') return this.#cancel(run, params);
      if (session.status === 'open') return this.#confirm(run, params);
      this.#applyStatus(run, session, params);
    })().catch((error: unknown) => this.#onRunError(run, error));
    return true;
  }

  #onTriggerClick = (event: Event): void => {
    // Only real buttons or the default one: a click on slotted padding is not a start.
    if (event.defaultPrevented) return;
    const run = this.#run;
    if (run && BUSY_STATES.includes(this.#state)) {
      run.popup?.focus();
      return;
    }
    this.#startFromGesture();
  };

  /** Inside a click: a popup must be opened now, synchronously, or blockers refuse it. */
  #startFromGesture(): void {
    if (this.#mode() === 'popup') {
      const popup = window.open('', POPUP_NAME, popupFeatures());
      void this.#begin(true, popup);
      return;
    }
    void this.#begin(false);
  }

  #onRetryClick = (): void => {
    const run = this.#run;
    if (run && !run.settled && this.#error?.code === 'verification_failed' && run.acceptParams) {
      void this.#confirm(run, run.acceptParams);
      return;
    }
    this.#startFromGesture();
  };

  #focusTrigger(): void {
    const slot = this.renderRoot.querySelector<HTMLSlotElement>('slot[name="trigger"]');
    const slotted = slot?.assignedElements({ flatten: true })[0];
    const target = (slotted ?? this.renderRoot.querySelector<HTMLElement>('[part="trigger"]')) as HTMLElement | null | undefined;
    target?.focus();
  }

  override render() {
    const mode = this.#mode();
    const state = this.#state;
    const error = this.#error;
    // A paid checkout offers nothing more to start.
    const usesTrigger = mode !== 'embedded' && state !== 'complete';
    return html`
      ${usesTrigger
        ? html`<slot name="trigger" @click=${this.#onTriggerClick}
            ><button part="trigger" type="button" aria-busy=${state === 'loading' ? 'true' : 'false'}>Pay</button></slot
          >`
        : nothing}
      ${state === 'loading' && mode === 'embedded' ? html`<div part="loading" role="status">Loading checkout…</div>` : nothing}
      ${this.#statusMessage(state)}
      ${state === 'error' && error
        ? html`<div part="error" role="alert">
            <span>${error.message}</span>
            ${error.retryable ? html`<button part="retry" type="button" @click=${this.#onRetryClick}>Try again</button>` : nothing}
          </div>`
        : nothing}
      <div class="checkout-container" part="container"></div>
      <slot></slot>
    `;
  }

  #statusMessage(state: WidgetState) {
    const text =
      state === 'processing'
        ? 'Confirming your payment…'
        : state === 'complete'
          ? 'Payment complete.'
          : state === 'cancelled'
            ? 'Checkout cancelled.'
            : state === 'expired'
              ? 'This checkout expired.'
              : '';
    if (!text) return nothing;
    const canRestart = this.#mode() === 'embedded' && (state === 'cancelled' || state === 'expired');
    return html`<div part="message" role="status">
      ${text}
      ${canRestart ? html`<button part="restart" type="button" @click=${this.#onRetryClick}>Start again</button>` : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'checkout-widget': CheckoutWidget;
  }
}
