import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { RETURN_RESULT_PARAM, RETURN_SESSION_PARAM, type CheckoutSession, type OutcomeParams } from '../../core/protocol.js';
import { isPlainObject } from '../../core/message-filter.js';
import { DISPLAY_MODES, type DisplayMode, type WidgetState } from '../../core/display.js';
import { checkoutWidgetStyles } from './checkout-widget.styles.js';
import { openPopup } from '../../core/popup.js';
import { en } from './locales/en.js';
import { CheckoutRunController, INVALID_PAYLOAD } from './run-controller.js';
import type { CheckoutStrings } from './strings.js';


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
 * @attr {string} locale - Passed to the endpoint and the provider, and picks the widget's own texts through a fallback chain (`fr-CH` → `fr`, `pt-BR` → `pt`, `nn`/`no` → `nb`, else `en`) among `en`, `da`, `sv`, `nb`, `fi`, `de`, `pl`, `fr`, `es`, `it`, `nl`, `pt`, `cs`, `et`, `lv`, `lt`. Default: the page's language.
 * @attr {string} session-id - Resume an existing session (GET) instead of creating one.
 * @attr {string} publishable-key - Stripe key for sessions that carry none.
 * @attr {"choose"} methods - `choose`: first ask `POST {endpoint}/methods` and let the shopper pick a method in a chooser, then create the session for it (`{ provider, method }` in the create body); one method offered: no chooser. Sets the `methods` property.
 * @attr {"auto" | "interaction"} load - `interaction`: no create call, provider script, frame or cookie until the shopper presses the widget's own "Continue to payment" button (every mode; embedded mode waits for it too). Default `auto`.
 * @attr {"overlay" | "redirect" | "none"} popup-fallback - What `popup` mode does when the browser refuses the window: show the page in the overlay (or redirect when it refuses frames), redirect, or report `popup_blocked`. Default `overlay`.
 * @attr {"idle" | "loading" | "ready" | "processing" | "complete" | "cancelled" | "expired" | "error"} state - Reflects the `state` property; read only.
 *
 * @slot - Light-DOM mount points for providers that refuse shadow roots (Stripe); managed by the widget.
 * @slot trigger - Replaces the default "Pay" button in `overlay`, `popup` and `redirect` modes (and the "Continue to payment" button of `load="interaction"`).
 * @slot method-<id>-logo - A logo (an `<img>`, an `<svg>`) shown in the method chooser's row of the method with that id (`method-card-logo`).
 *
 * @event checkout-session - A session was created or loaded and validated. `detail: { session }`
 * @event checkout-ready - The provider's UI is mounted and loaded. `detail: { session }`
 * @event checkout-accept - The payment completed and the endpoint confirmed `status: "complete"`. `detail: { session, params }`
 * @event checkout-cancel - The shopper cancelled. `detail: { session, params }`
 * @event checkout-expired - The session expired. `detail: { session }`
 * @event checkout-error - Something failed. `detail: { code, message, retryable, session? }`
 * @event checkout-status - Every change of `state`. `detail: { state, previous, session? }`
 * @event checkout-close - An overlay or popup was closed. `detail: { session }`
 * @event checkout-method - The shopper picked a method in the chooser and pressed Continue. `detail: { method, provider }`
 * @event checkout-step - A funnel step: `shown`, `method-chosen`, `provider-loaded`, `authentication-started`, `authentication-finished`, `redirected-out`, `returned`, `paid`, `failed` (with `code`), `abandoned` (the page hidden while open; `code` `cancelled` or `expired` for a cancel or an expiry). Ids and codes only, no personal data or amounts. `detail: { step, mode, provider?, method?, code? }`
 *
 * @csspart trigger - The default "Pay" button (overlay, popup, redirect modes); "Continue to payment" with `load="interaction"`, in every mode.
 * @csspart container - Holds the provider frame or dialog.
 * @csspart frame - The provider's iframe.
 * @csspart dialog - The overlay `<dialog>`.
 * @csspart close - The overlay's close button.
 * @csspart loading - "Loading checkout…" while the session is set up (embedded mode).
 * @csspart message - Status text: confirming, complete, cancelled, expired, and "Payment in progress" while the provider reports a payment under way (no "Try again" or "Start again" then). Loading, message and error sit in the widget's one live region (`role="status"`).
 * @csspart error - The error message.
 * @csspart retry - "Try again", shown for retryable errors.
 * @csspart restart - "Start again" after a cancel or expiry in embedded mode.
 * @csspart methods - The method chooser's `<form>` (`methods="choose"`).
 * @csspart methods-legend - The chooser's legend, "Choose a way to pay".
 * @csspart methods-notice - Why the chooser shows again: a method's provider script could not load.
 * @csspart method - Each method's row (a `<label>` around its radio button); also `method-<id>`, such as `method-card`.
 * @csspart method-label - A method's label, as the endpoint answered it.
 * @csspart method-unavailable - "Not available right now" beside a method whose provider script could not load.
 * @csspart continue - The chooser's "Continue" button: creates the session for the chosen method.
 *
 * @cssprop [--checkout-accent=#1a56db] - Button background and focus ring colour; when set, also handed to provider pages and SDKs that take an accent (README, "Dark mode and theming").
 * @cssprop [--checkout-accent-contrast=#fff] - Button text colour.
 * @cssprop [--checkout-radius=8px] - Corner radius of buttons, frame and dialog.
 * @cssprop [--checkout-frame-min-height=480px] - Minimum height of the provider frame before it reports its size.
 * @cssprop [--checkout-frame-background=transparent] - Frame background while the page loads.
 * @cssprop [--checkout-overlay-width=560px] - Width of the overlay dialog.
 * @cssprop [--checkout-overlay-backdrop=rgb(0 0 0 / 55%)] - Backdrop behind the overlay.
 * @cssprop [--checkout-error-background=light-dark(#fdecea, #511)] - Error message background (the second colour under a dark `color-scheme`).
 * @cssprop [--checkout-error-color=light-dark(#8a1c12, #fdd)] - Error message text colour.
 * @cssprop [--checkout-method-border=#c4c8d0] - Border of a method's row in the chooser (the chosen one's is the accent colour).
 */
export class CheckoutWidget extends LitElement {
  static override styles = checkoutWidgetStyles;

  // Lit's default for a property is a string attribute of the same name (`type: String`).
  static override properties = {
    endpoint: {},
    payload: { attribute: false },
    mode: {},
    locale: {},
    sessionId: { attribute: 'session-id' },
    publishableKey: { attribute: 'publishable-key' },
    popupFallback: { attribute: 'popup-fallback' },
    methods: {},
    load: {},
    session: { attribute: false },
    strings: { attribute: false },
    // `as const`: the framework typings (typings.ts) read the property names and attributes from here.
  } as const;

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
  /**
   * Passed to the endpoint and the provider, and picks the widget's own texts by its language
   * subtag: `en`, `da`, `sv`, `nb` (also `no`, `nn`), `fi`, `de`, `pl`; any other is `en`.
   * Defaults to the page's language.
   */
  declare locale: string;
  /** Resume an existing session (GET) instead of creating one. */
  declare sessionId: string | undefined;
  /** Stripe key for sessions that carry none. */
  declare publishableKey: string | undefined;
  /**
   * What `popup` mode does when the browser refuses the window: `overlay` shows the page in the
   * overlay (or redirects when the session is not frameable), `redirect` redirects, `none` reports
   * `popup_blocked`.
   */
  declare popupFallback: 'overlay' | 'redirect' | 'none';
  /**
   * `choose`: before the session, ask `POST {endpoint}/methods` for the cart's methods and let the
   * shopper pick one in a chooser (a radio group and a "Continue" button; in `popup` mode that
   * click opens the window); the create body then carries `{ provider, method }`. One method
   * offered: no chooser. When a method's provider script cannot load, the chooser shows again with
   * it marked unavailable. Unset: no methods request, the create call alone.
   */
  declare methods: 'choose' | undefined;
  /**
   * `interaction`: nothing is requested (no create, `/methods` or session read, no provider
   * script, frame, cookie or preconnect) until the shopper presses the widget's own "Continue to
   * payment" button; in embedded mode too. A call of `start()` is the shop's own go-ahead. The end
   * of a redirect checkout still resumes: the shopper already acted. Unset (or `auto`): the default.
   */
  declare load: 'auto' | 'interaction' | undefined;
  /**
   * A session the page already holds; skips the create call. A server-rendered element
   * (`renderCheckoutWidget`) carries it as a `<script type="application/json">` child.
   */
  declare session: CheckoutSession | Record<string, unknown> | undefined;
  /**
   * Overrides of the widget's own texts, by key (partial); they win over every language.
   * Keys: `pay` (trigger), `loading`, `checkout` (dialog and frame name), `close` (dialog close
   * button), `retry`, `restart`, `proceed` (the button of `load="interaction"`), `pending` (a
   * payment in flight), `processing`, `complete`, `cancelled`, `expired`, and one per
   * error code, shown to the shopper (the event's `detail.message` stays technical):
   * `endpoint_unreachable`, `endpoint_error`, `invalid_session`, `provider_load_failed`,
   * `popup_blocked`, `payment_failed`, `verification_failed`, `rate_limited`, `missing_endpoint`,
   * `payment_in_flight` (a `409 payment_in_flight` answer; by default the `pending` text).
   */
  declare strings: Partial<CheckoutStrings>;

  #run = new CheckoutRunController(this, () => this.#focusTrigger());
  #warnedMode = false;
  /** The state whose focus was handled, and whether its text is read by focus rather than announced. */
  #shown: WidgetState | undefined;
  #quiet = false;
  /** The locale whose texts are wanted, and the texts on screen (English until its chunk arrives). */
  #textsLocale: string | undefined;
  #texts: CheckoutStrings = en;
  /** The container of the provider's frame the server rendered (renderCheckoutWidget): it stays, never re-rendered. */
  #kept: ParentNode | null | undefined;

  /** What each state shows between the trigger and the provider's container; `embedded`: the mode is. */
  #views: { [S in WidgetState]?: (embedded: boolean, t: CheckoutStrings) => unknown } = {
    loading: (embedded, t) => (embedded && !this.#run.chooser ? html`<div part="loading">${t.loading}</div>` : nothing),
    processing: (_, t) => this.#message(t, t.processing),
    complete: (_, t) => this.#message(t, t.complete),
    cancelled: (embedded, t) => this.#message(t, t.cancelled, embedded),
    expired: (embedded, t) => this.#message(t, t.expired, embedded),
    error: (_, t) => {
      const error = this.#run.error!;
      // The shopper reads their language; the technical message went to the shop in `checkout-error`.
      return html`<div part="error" tabindex="-1"><span>${t[error.code]}</span> ${error.retryable
          ? html`<button part="retry" type="button" @click=${this.#onRetryClick}>${t.retry}</button>`
          : nothing}</div>`;
    },
  };

  constructor() {
    super();
    this.endpoint = undefined;
    this.payload = {};
    this.mode = 'embedded';
    // Guarded: server rendering constructs the element with no document (and Node 20 has no navigator).
    this.locale = globalThis.document?.documentElement.lang || globalThis.navigator?.language || '';
    this.sessionId = undefined;
    this.publishableKey = undefined;
    this.popupFallback = 'overlay';
    this.methods = undefined;
    this.session = undefined;
    this.strings = {};
  }

  /**
   * The texts in use: the locale's (English until its chunk arrives), then `strings`.
   * @internal
   */
  get localizedStrings(): CheckoutStrings {
    return { ...this.#texts, ...this.strings };
  }

  /** Where the widget is; reflected to the `state` attribute. Read only. */
  get state(): WidgetState {
    return this.#run.state;
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
      this.#run.payloadProblem = `The payload attribute must be a JSON object (${(error as Error).message})`;
      this.payload = INVALID_PAYLOAD;
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // In parallel with the session, not before it.
    this.#loadTexts();
    // A server-rendered session (renderCheckoutWidget), read before the first update starts
    // (and again on a reconnection if the page cleared the property): JSON
    // that does not parse stays text, which the session check reports as invalid_session. (Not an
    // attribute: a Stripe secret may be in it.)
    const json = !this.session && this.querySelector('script')?.text;
    if (json) {
      try {
        this.session = JSON.parse(json);
      } catch {
        this.session = json as never;
      }
    }
    // Connected again after a removal. A first connection starts in the first update instead, once
    // Lit has applied the properties a page set before the element was defined (a `mode`, a
    // `payload` or a `session` set on the bare tag would otherwise lose to the attributes).
    if (this.hasUpdated) this.#startIfDue();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // First, so what a `checkout-status` listener sets as the run starts (a locale, a cart) is
    // seen by the checks below in this same update. Frameworks often set the endpoint as a
    // property after connecting.
    if (!this.hasUpdated || changed.has('endpoint') || changed.has('session') || changed.has('sessionId') || changed.has('mode')) {
      // An endpoint that came late (a framework hydrating a server-rendered tag) ends missing_endpoint's error.
      if (this.#run.error?.code === 'missing_endpoint') this.#run.reset();
      this.#startIfDue();
    }
    // A new cart while its session is open and unpaid: a new session, once the changes rest.
    if (changed.has('payload')) this.#run.payloadChanged();
    const state = this.#run.state;
    if (state !== this.#shown) {
      this.#shown = state;
      // After an outcome, focus that was ours (frame, dialog, trigger) or fell to <body> with them
      // goes to the trigger, or to the message when there is no trigger (embedded, paid); a shopper
      // elsewhere on the page keeps theirs. (A dialog still open after an unconfirmed accept keeps
      // it too: the page behind it is inert, so the trigger cannot take it.)
      const move = state !== 'idle' && !this.#run.busy && [document.body, this].includes(document.activeElement as HTMLElement);
      // Focus reads the message: the live region keeps quiet then, so it is heard once.
      this.#quiet = move && (state === 'complete' || this.#mode() === 'embedded');
      if (move) void this.updateComplete.then(() => this.#focusTrigger());
    }
    if (changed.has('locale')) this.#loadTexts();
  }

  /**
   * Creates or loads the session and shows the provider's UI. While a start is under way
   * (loading, ready, processing) it returns that start's promise. Resolves once the UI is
   * mounted or the attempt ended; failures are reported as `checkout-error`, never thrown.
   */
  start(): Promise<void> {
    return this.#run.start(this.#mode());
  }

  /** Closes an overlay or popup as a cancel. */
  close(): void {
    this.#run.close();
  }

  /** Back to `idle`, provider UI torn down. */
  reset(): void {
    this.#run.reset();
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

  /** The texts on screen stay until the language's chunk arrives, and if it never does: nothing waits for it. */
  #loadTexts(): void {
    const locale = this.locale;
    if (locale === this.#textsLocale) return;
    this.#textsLocale = locale;
    // English is in the core: no request for it.
    if (/^en\b/i.test(locale)) {
      this.#texts = en;
      return;
    }
    import('./i18n.js')
      .then((i18n) => i18n.loadStrings(locale))
      .then(
        (texts) => {
          if (this.#textsLocale !== locale) return;
          this.#texts = texts ?? en;
          this.requestUpdate();
        },
        () => undefined,
      );
  }

  /** A redirect return resumes; otherwise embedded mode starts by itself. */
  #startIfDue(): void {
    if (this.isConnected && this.#resumeRedirectReturn()) return;
    this.#maybeAutoStart();
  }

  /** `late`: a task after the first update, a start even without endpoint or session (it reports `missing_endpoint`). */
  #maybeAutoStart(late?: boolean): void {
    if (!this.isConnected || this.#run.state !== 'idle' || this.#mode() !== 'embedded' || this.load === 'interaction') return;
    if (this.endpoint || this.session || late) void this.start();
    // Neither yet: a framework that sets them just after creating the element has by the next task.
    else if (!this.hasUpdated) setTimeout(() => this.#maybeAutoStart(true));
  }

  /** The end of a redirect-mode checkout: `?checkout_session=…&checkout_result=accept|cancel`. */
  #resumeRedirectReturn(): boolean {
    if (this.#run.state !== 'idle' || !this.endpoint) return false;
    const url = new URL(window.location.href);
    const sessionId = url.searchParams.get(RETURN_SESSION_PARAM);
    const result = url.searchParams.get(RETURN_RESULT_PARAM);
    if (!sessionId || (result !== 'accept' && result !== 'cancel')) return false;
    // Claim it at once, so a reload or a second widget does not report it again.
    url.searchParams.delete(RETURN_SESSION_PARAM);
    url.searchParams.delete(RETURN_RESULT_PARAM);
    const params: OutcomeParams = Object.fromEntries(url.searchParams);
    window.history.replaceState(window.history.state, '', url.href);
    void this.#run.resume(this.#mode(), sessionId, result, params);
    return true;
  }

  #onTriggerClick = (event: Event): void => {
    // Only real buttons or the default one: a click on slotted padding is not a start.
    if (event.defaultPrevented) return;
    if (this.#run.busy) this.#run.popup?.focus();
    else this.#startFromGesture();
  };

  /** Inside a click: a popup must be opened now, synchronously, or blockers refuse it. */
  #startFromGesture(): void {
    const mode = this.#mode();
    // With a chooser, its Continue click opens the window.
    const chooser = this.methods === 'choose' && !this.session && !this.sessionId;
    void this.#run.start(mode, mode === 'popup' && !chooser ? openPopup(this.localizedStrings) : undefined);
  }

  #onRetryClick = (): void => {
    if (!this.#run.confirmAgain()) this.#startFromGesture();
  };

  /** The trigger, slotted or default; with no trigger on screen (embedded, paid), the message or error. */
  #focusTrigger(): void {
    const slot = this.renderRoot.querySelector<HTMLSlotElement>('slot[name="trigger"]');
    const slotted = slot?.assignedElements({ flatten: true })[0];
    // The default trigger comes first in the tree, so it wins over the message when both are there.
    const target = (slotted ?? this.renderRoot.querySelector<HTMLElement>('[part="trigger"],[tabindex]')) as HTMLElement | null | undefined;
    target?.focus();
  }

  /**
   * A server-rendered shadow root (declarative) is reused (Lit does): what the server drew goes,
   * but the container of a server-rendered frame stays where it is (moving an iframe reloads it),
   * the element renders before it (Lit renders before the first child) and the hosted renderer
   * adopts the frame.
   */
  protected override createRenderRoot() {
    const root = this.shadowRoot;
    const kept = (this.#kept = root?.querySelector('iframe')?.parentNode);
    // Loose: no root, or an emptied one, stops it too.
    while (root?.firstChild != kept) root!.firstChild!.remove();
    return super.createRenderRoot();
  }

  override render() {
    const embedded = this.#mode() === 'embedded';
    const state = this.#run.state;
    const t = this.localizedStrings;
    const consent = this.load === 'interaction';
    // A paid checkout offers nothing more to start. While a payment is under way the run is busy (a
    // click only brings its window forward) or resumes the same session: no second payment.
    const pending = this.#run.pending;
    const trigger =
      (embedded ? consent && state === 'idle' : state !== 'complete')
        ? html`<slot name="trigger" @click=${this.#onTriggerClick}><button part="trigger" type="button" aria-busy=${state === 'loading' && !this.#run.chooser ? 'true' : 'false'}>${consent ? t.proceed : t.pay}</button></slot>`
        : nothing;
    // One live region, always there, so each change is announced once and the same text not again.
    return html`${trigger}<div role="status" aria-live=${this.#quiet ? 'off' : nothing}>${pending ? this.#message(t, t.pending) : (this.#views[state]?.(embedded, t) ?? nothing)}</div>${this.#run.chooser?.(t) ?? nothing}${this.#kept ? nothing : html`<div class="checkout-container" part="container"></div><slot></slot>`}`;
  }

  /** Status text; `canRestart` adds "Start again" (after a cancel or expiry in embedded mode). */
  #message(t: CheckoutStrings, text: string, canRestart?: boolean) {
    return html`<div part="message" tabindex="-1">${text} ${canRestart
      ? html`<button part="restart" type="button" @click=${this.#onRetryClick}>${t.restart}</button>`
      : nothing}</div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'checkout-widget': CheckoutWidget;
  }
}
