import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { CheckoutError, isAbortError } from '../../core/errors.js';
import { createCheckoutEvent, type CheckoutEventDetails, type CheckoutEventName } from '../../core/events.js';
import { type CheckoutSession, isFinalStatus, type OutcomeParams, type SessionKind } from '../../core/protocol.js';
import { isPlainObject, originOf } from '../../core/message-filter.js';
import { openPopup } from '../../core/popup.js';
import { postMethods, readSession, sleep, submitToken } from '../../core/session-client.js';
import { type DisplayMode, type WidgetState } from '../../core/display.js';
import { watchSessionStatus } from '../../core/status-watcher.js';
import { loadRenderer } from '../../provider-registry/renderer-loaders.js';
import { parseSessionLazily as parse } from '../../provider-registry/session-validators.js';
import type { Renderer, RendererHost, RendererOutcome } from '../../renderers/types.js';
import { forget, memorySlot, storage } from './session-memory.js';
import { createBody, createOrResume, takeStartedCall, type SessionContext } from './session-start.js';
import { en } from './locales/en.js';
import type { CheckoutStrings } from './strings.js';
import type { MethodChoice, MethodOffer } from './method-chooser.js';

/** Delays before each confirming read after an accept: the backend may lag the page by a moment. */
const CONFIRM_DELAYS_MS = [0, 1_000, 2_000, 3_000];
/** States in which a session is being set up or is on screen: `start()` joins them. */
const BUSY_STATES: readonly WidgetState[] = ['loading', 'ready', 'processing'];
/** Quiet time after the last payload change before a new session is made: typing "15" is one change. */
export const PAYLOAD_SETTLE_MS = 400;

/** The funnel chunk (funnel-steps.ts), loaded at the first note. */
let funnel: Promise<typeof import('./funnel-steps.js')> | undefined;

/** Stands for a `payload` attribute that was not a JSON object; `payloadProblem` says why. */
export const INVALID_PAYLOAD: Record<string, unknown> = Object.freeze({});

/** The element a run belongs to: its properties are read when the run needs them, not copied. */
export interface CheckoutRunHost extends ReactiveControllerHost, HTMLElement {
  /** Holds the `.checkout-container` that renderers draw into, once rendered. */
  readonly renderRoot: ParentNode;
  readonly endpoint: string | undefined;
  readonly payload: unknown;
  readonly locale: string;
  readonly sessionId: string | undefined;
  readonly publishableKey: string | undefined;
  readonly session: CheckoutSession | Record<string, unknown> | undefined;
  /** `popup` mode when the browser refuses the window: `overlay` (anything else), `redirect` or `none`. */
  readonly popupFallback?: string | undefined;
  /** The widget's texts in the shopper's language; English when left out. */
  readonly localizedStrings?: CheckoutStrings;
  /** `choose`: the shopper picks a method first (method-chooser.ts). */
  readonly methods?: string | undefined;
}

/** One attempt, from a start to its outcome. A new start makes a new run: a stale one's results are dropped. */
interface Run {
  abort: AbortController;
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
  /**
   * Declines the page's messages told of. A message and a status read tell of the same decline in
   * either order: a message is news only when it counts past what the reads already reported.
   */
  pageFailures: number;
  /** `checkout-close` was reported: the page's close after its cancel, or a status read's cancel, tells it once. */
  closeReported?: boolean;
  /** The session memory entry of a run that creates from the payload (see session-memory.ts). */
  slot?: string;
  /** The memory slot of the payload alone (without a chosen method): a payload change is a new cart. */
  cart?: string;
  /** `methods="choose"`: the method the session is for and the methods answer. */
  choice?: MethodChoice;
  /** The chooser on screen, as a view of the widget's texts. */
  chooser?: ((t: CheckoutStrings) => unknown) | undefined;
  /**
   * The page's word that a payment is under way (in-flight.ts): shows "Payment in progress" until
   * the endpoint's read speaks of the payment, the page's next word, or an outcome. Never a status.
   */
  hint?: unknown;
  /** Reads the session at once (the status watcher's). */
  poll?: () => void;
}

function preconnect(url: string | undefined): void {
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

function warnTeardownFailed(error: unknown): void {
  console.warn('<checkout-widget>: renderer teardown failed', error);
}

/**
 * The widget's checkout run as a Lit controller: owns `state`, the session, the error and one
 * AbortController per run, makes every transition and fires the events on the host. The host
 * keeps its properties, rendering and gestures. Like `@lit/task`, results of a run that is no
 * longer the current one are dropped, and an abort is a cancellation, never an error.
 */
export class CheckoutRunController implements ReactiveController {
  /** Why the payload is `INVALID_PAYLOAD`. */
  payloadProblem = '';
  readonly #host: CheckoutRunHost;
  readonly #overlayClosed: () => void;
  readonly #loadRenderer: typeof loadRenderer;
  #state: WidgetState = 'idle';
  #session: CheckoutSession | undefined;
  #error: CheckoutError | undefined;
  #run: Run | undefined;
  #payloadTimer: ReturnType<typeof setTimeout> | undefined;

  /** `overlayClosed`: the host hands focus back to its trigger. `load`: another renderer registry (tests). */
  constructor(host: CheckoutRunHost, overlayClosed: () => void, load = loadRenderer) {
    this.#host = host;
    this.#overlayClosed = overlayClosed;
    this.#loadRenderer = load;
    host.addController(this);
  }

  get state(): WidgetState {
    return this.#state;
  }

  get error(): CheckoutError | undefined {
    return this.#error;
  }

  /** A session is being set up or is on screen. */
  get busy(): boolean {
    return BUSY_STATES.includes(this.#state);
  }

  /**
   * The provider reports a payment under way on the run's open session (the session's `payment`),
   * or the page said so (the run's hint): the widget shows "Payment in progress" instead of "Try
   * again" or "Start again".
   */
  get pending(): unknown {
    // Truthy or not (bytes). A settled run polls no more: its outcome (or error) is what shows. The
    // field is on open sessions only. An accept being confirmed says "Confirming your payment…".
    return !this.#run?.settled && this.#state != 'processing' && (this.#session?.payment || this.#run?.hint);
  }

  /** The method chooser while it is on screen. */
  get chooser(): ((t: CheckoutStrings) => unknown) | undefined {
    return this.#run?.chooser;
  }

  /** The current run's checkout window, if it has one. */
  get popup(): Window | null | undefined {
    return this.#run?.popup;
  }

  hostConnected(): void {
    this.#reflectState();
  }

  hostDisconnected(): void {
    clearTimeout(this.#payloadTimer);
    this.reset();
  }

  /**
   * Creates or loads the session and mounts its renderer; joins a run that is busy. `popup`: the
   * window a click already opened (null: the browser refused it); left out, popup mode opens one.
   */
  start(mode: DisplayMode, popup?: Window | null): Promise<void> {
    if (this.busy) return this.#run!.promise;
    return this.#begin(mode, popup ?? null, (run) => this.#execute(run, popup !== undefined));
  }

  /** The end of a redirect-mode checkout: reads the session the shopper came back with and acts on `result`. */
  resume(mode: DisplayMode, sessionId: string, result: 'accept' | 'cancel', params: OutcomeParams): Promise<void> {
    const { endpoint } = this.#host;
    return this.#begin(mode, null, async (run) => {
      const body = this.#createBody();
      // Its memory entry goes when this run settles (see #settle), if it is this session's.
      if (typeof body !== 'string') run.slot = run.cart = memorySlot(endpoint!, body);
      // The host resumes only with an endpoint.
      const session = await readSession(endpoint!, sessionId, { signal: run.abort.signal, retries: 2, ...this.#parsing() });
      if (!this.#isCurrent(run)) return;
      this.#adopt(session);
      if (session.status !== 'open') return this.#applyStatus(run, session, params);
      return result === 'cancel' ? this.#cancel(run, params) : this.#confirm(run, params);
    }, 'returned');
  }

  /**
   * The payload changed: once it has rested for `PAYLOAD_SETTLE_MS`, a run still showing an open,
   * unpaid session (loading, ready) made for another payload starts again with a new session.
   * Confirming (`processing`) or settled runs are left alone: the shopper may have paid.
   */
  payloadChanged(): void {
    clearTimeout(this.#payloadTimer);
    this.#payloadTimer = setTimeout(() => {
      const run = this.#run;
      if (!run?.cart || (this.#state !== 'loading' && this.#state !== 'ready')) return;
      const body = this.#createBody();
      if (typeof body !== 'string' && memorySlot(this.#host.endpoint ?? '', body) === run.cart) return;
      if (run.slot) forget(run.slot);
      // The run's mode, not the host's: a popup that fell back stays in its fallback.
      void this.#begin(run.mode, null, (next) => this.#execute(next, false));
    }, PAYLOAD_SETTLE_MS);
  }

  /** "Try again" after `verification_failed`: confirms the kept accept again. False when there is none. */
  confirmAgain(): boolean {
    const run = this.#run;
    if (!run || run.settled || this.#error?.code !== 'verification_failed' || !run.acceptParams) return false;
    void this.#confirm(run, run.acceptParams);
    return true;
  }

  /** Closes an overlay or popup as a cancel. */
  close(): void {
    const run = this.#run;
    if (!run || (run.mode !== 'overlay' && run.mode !== 'popup')) return;
    if (this.#state !== 'loading' && this.#state !== 'ready') return;
    const session = this.#session;
    // No session yet, so nothing to cancel or report: closing abandons the start.
    if (!session) return this.reset();
    this.#cancel(run, {});
    this.#reportClosed(run, session);
  }

  /** Back to `idle`, provider UI torn down. */
  reset(): void {
    this.#teardown();
    this.#run = undefined;
    this.#session = undefined;
    this.#error = undefined;
    this.#setState('idle');
  }

  #reflectState(): void {
    if (this.#host.getAttribute('state') !== this.#state) this.#host.setAttribute('state', this.#state);
  }

  #setState(next: WidgetState): void {
    const previous = this.#state;
    if (previous === next) return;
    this.#state = next;
    this.#reflectState();
    this.#host.requestUpdate();
    const detail: CheckoutEventDetails['checkout-status'] = { state: next, previous };
    if (this.#session) detail.session = this.#session;
    this.#dispatch('checkout-status', detail);
  }

  #dispatch<K extends CheckoutEventName>(name: K, detail: CheckoutEventDetails[K]): void {
    this.#host.dispatchEvent(createCheckoutEvent(name, detail));
    this.#note(name, (detail as { code?: string }).code);
  }

  /**
   * Tells the funnel (`checkout-step`, a lazy chunk) what happened in the current run, with what
   * it knew then: the mode, the provider's and method's ids, a code. Never personal data.
   */
  #note(what: string, code?: string): void {
    const run = this.#run;
    const host = this.#host;
    const session = this.#session;
    // A chunk that cannot load costs the funnel, never the checkout (the rejection is only logged).
    if (run) void (funnel ??= import('./funnel-steps.js')).then((steps) => steps.note(host, what, run, session, code));
  }

  #isCurrent(run: Run): boolean {
    return this.#run === run && !run.abort.signal.aborted && !run.settled;
  }

  /** Ends the current run and starts `job` as a new one. */
  #begin(mode: DisplayMode, popup: Window | null, job: (run: Run) => Promise<void>, step = 'shown'): Promise<void> {
    this.#teardown();
    this.#session = undefined;
    this.#error = undefined;
    const run: Run = {
      abort: new AbortController(),
      // Set below: the job needs the run first.
      promise: undefined!,
      mode,
      popup,
      lightMounts: [],
      settled: false,
      reportedFailures: 0,
      pageFailures: 0,
    };
    this.#run = run;
    this.#setState('loading');
    // The funnel's first step of a run: `shown`, or `returned` from the provider's page (resume).
    this.#note(step);
    // The job runs synchronously up to its first await, so the request leaves at once.
    run.promise = job(run).catch((error: unknown) => this.#onRunError(run, error));
    return run.promise;
  }

  /**
   * Create or resume the session, then mount its renderer. `popupOpened`: a click already tried to
   * open the window. `offer`: what a run whose provider script failed knew of the methods.
   */
  async #execute(run: Run, popupOpened: boolean, offer?: MethodOffer): Promise<void> {
    const { endpoint, methods, sessionId } = this.#host;
    if (methods === 'choose' && endpoint && !this.#host.session && !sessionId) {
      const body = this.#createBody();
      if (typeof body === 'string') throw new CheckoutError('invalid_session', body);
      run.cart = memorySlot(endpoint, body);
      // The methods call leaves now, while the chooser chunk loads (issue 26: it was one after the
      // other). Not for a failover (its offer knows the methods), nor when a pick is remembered for
      // this cart (method-chooser.ts, choiceSlot): a reload may resume that pick's session, no call.
      const listed = offer || storage((store) => store.getItem(`${run.cart}:method`)) ? undefined : postMethods(endpoint, body, run.abort.signal);
      // The chooser awaits it; a chunk that fails to load leaves it no unhandled rejection.
      listed?.catch(Boolean);
      const { chooseMethod } = await import('./method-chooser.js');
      const show = (view: Run['chooser']) => {
        if (this.#run === run) run.chooser = view;
        this.#host.requestUpdate();
        return this.#host.updateComplete;
      };
      run.choice = await chooseMethod({ element: this.#host, endpoint, body, mode: run.mode, signal: run.abort.signal, offer, listed, show });
      // The Continue click opened the window (or was refused): that was this start's gesture.
      if (run.choice.popup !== undefined) {
        run.popup = run.choice.popup;
        popupOpened = true;
      }
    }
    if (run.mode === 'popup' && !run.popup) {
      run.popup = popupOpened ? null : openPopup(this.#host.localizedStrings ?? en);
      const fallback = this.#host.popupFallback;
      if (!run.popup && fallback === 'none') {
        throw new CheckoutError('popup_blocked', 'The browser blocked the checkout window. Allow pop-ups and try again.', { retryable: true });
      }
      // A refused window: the overlay (which redirects for a page that refuses frames) or a redirect.
      if (!run.popup) run.mode = fallback === 'redirect' ? 'redirect' : 'overlay';
    }
    // Only a read (GET) of the endpoint confirms a payment: a session the page holds or a create
    // answer that says `complete` is confirmed like an accept message.
    const readFromEndpoint = !this.#host.session && Boolean(this.#host.sessionId);
    const session = await this.#obtainSession(run);
    if (!this.#isCurrent(run)) return;
    this.#adopt(session);
    // Declines before this page (a reload mid-checkout) are not news.
    run.reportedFailures = run.pageFailures = session.failed_attempts ?? 0;
    if (session.status === 'complete' && !readFromEndpoint) return this.#confirm(run, {});
    if (isFinalStatus(session.status)) return this.#applyStatus(run, session, {});
    this.#watch(run, session);
    return this.#mount(run, session, session.kind);
  }

  async #mount(run: Run, session: CheckoutSession, kind: SessionKind): Promise<void> {
    const factory = await this.#loadRenderer(kind);
    if (!this.#isCurrent(run)) return;
    await this.#host.updateComplete;
    if (!this.#isCurrent(run)) return;
    const renderer = factory();
    run.renderer = renderer;
    await renderer.mount(session, this.#rendererHost(run));
  }

  /** See the `handover` outcome. */
  #handOver(run: Run, session: CheckoutSession, popup: Window | null): Promise<void> {
    this.#destroyRenderer(run);
    this.#adopt(session);
    if (session.status !== 'open') return this.#confirm(run, {});
    run.popup = popup;
    // A refused window: the 3-D Secure page refuses frames, so the page leaves for it instead.
    if (!popup && run.mode === 'popup') run.mode = 'redirect';
    return this.#mount(run, session, 'hosted').catch((error: unknown) => this.#onRunError(run, error));
  }

  #obtainSession(run: Run): Promise<CheckoutSession> {
    const { session, endpoint, sessionId } = this.#host;
    const signal = run.abort.signal;
    const context = this.#parsing();
    const invalid = (message: string) => Promise.reject(new CheckoutError('invalid_session', message));
    if (session) return parse(session, context);
    if (!endpoint) {
      const error = new CheckoutError('missing_endpoint', 'Set the endpoint attribute or the session property of <checkout-widget>');
      console.warn(error.message);
      return Promise.reject(error);
    }
    if (sessionId) return readSession(endpoint, sessionId, { signal, retries: 2, ...context });
    const body = run.choice?.body ?? this.#createBody();
    if (typeof body === 'string') return invalid(body);
    run.slot = memorySlot(endpoint, body);
    run.cart ??= run.slot;
    return createOrResume(run.slot, endpoint, body, signal, context, takeStartedCall(this.#host, run.slot));
  }

  /** The create call's body, or why there is none. */
  #createBody(): Record<string, unknown> | string {
    const { payload, locale } = this.#host;
    if (payload === INVALID_PAYLOAD) return this.payloadProblem;
    if (!isPlainObject(payload)) return 'The payload property must be an object';
    return createBody(payload, locale);
  }

  /** A validated session becomes the run's: announce it and warm up the connection to its page. */
  #adopt(session: CheckoutSession): void {
    this.#session = session;
    this.#dispatch('checkout-session', { session });
    preconnect(session.url);
  }

  /** How this run's answers become sessions: the host's publishable key and the registry's parser. */
  #parsing(): SessionContext {
    return { publishableKey: this.#host.publishableKey, parse };
  }

  #reader(): ((signal: AbortSignal) => Promise<CheckoutSession>) | undefined {
    const { endpoint } = this.#host;
    const session = this.#session;
    if (!endpoint || !session) return undefined;
    return (signal) => readSession(endpoint, session.id, { signal, ...this.#parsing() });
  }

  #watch(run: Run, session: CheckoutSession): void {
    run.poll = watchSessionStatus({
      session,
      read: this.#reader(),
      signal: run.abort.signal,
      onChange: (fresh) => {
        // A confirmation in flight decides the outcome itself.
        if (!this.#isCurrent(run) || this.#state === 'processing') return;
        this.#session = fresh;
        // The endpoint spoke of the payment: its word, not the page's, holds from now on.
        run.hint = 0;
        if (fresh.status === 'open') {
          // A payment that started or stopped being under way shows or hides "Payment in progress".
          this.#host.requestUpdate();
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
    const host = this.#host;
    const container = host.renderRoot.querySelector<HTMLElement>('.checkout-container');
    if (!container) throw new Error('checkout-widget: container missing from the shadow root');
    let endpoint: string | undefined;
    try {
      if (host.endpoint) endpoint = new URL(host.endpoint, window.location.href).href;
    } catch {
      // Not a URL: the renderer trusts only its page's origin then.
    }
    return {
      element: host,
      container,
      lightMount: () => {
        const mount = document.createElement('div');
        mount.className = 'checkout-light-mount';
        host.append(mount);
        run.lightMounts.push(mount);
        return mount;
      },
      mode: run.mode,
      locale: host.locale,
      strings: host.localizedStrings ?? en,
      endpoint,
      publishableKey: host.publishableKey,
      popup: run.popup,
      signal: run.abort.signal,
      submitToken: (token) =>
        submitToken(host.endpoint!, this.#session!.id, token, { signal: run.abort.signal, ...this.#parsing() }),
      report: (outcome) => {
        // A close follows the cancel that settled the run, so it is still heard then.
        if (this.#run === run && (outcome.type === 'close' || this.#isCurrent(run))) this.#onOutcome(run, outcome);
      },
    };
  }

  #onOutcome(run: Run, outcome: RendererOutcome): void {
    const session = this.#session;
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
        // An overlay or popup closed (or the page's cancel) while a payment is under way: the page
        // goes, the run stays in the pending view and polls until the endpoint says how it ended.
        if (live && !this.pending) this.#cancel(run, outcome.params);
        run.poll?.();
        return;
      case 'handover':
        if (live) void this.#handOver(run, outcome.session, outcome.popup);
        return;
      case 'page':
        // A word of the provider's page (3-D Secure under way), or the page leaving for it: the funnel's only.
        this.#note(`page:${outcome.status}`);
        return;
      case 'close':
        // Closed while an accept is confirmed or awaits "Try again" (no cancel settled the run):
        // the dialog must still go, or it stays modal over the widget's own status and alert.
        if (!run.settled) this.#destroyRenderer(run);
        this.#reportClosed(run, session);
        return;
      case 'error':
        // A declined card: the provider's page stays up for another try.
        if (outcome.code === 'payment_failed' && outcome.retryable && this.#state === 'ready') {
          run.pageFailures += 1;
          if (run.pageFailures <= run.reportedFailures) return;
          run.reportedFailures = run.pageFailures;
          this.#dispatch('checkout-error', { code: outcome.code, message: outcome.message, retryable: true, session });
          return;
        }
        this.#fail(run, new CheckoutError(outcome.code, outcome.message, { retryable: outcome.retryable }));
    }
    // `resize` is the renderer's own business.
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
          if (delay) await sleep(delay, run.abort.signal);
          let fresh: CheckoutSession;
          try {
            fresh = await read(run.abort.signal);
          } catch (error) {
            if (isAbortError(error)) throw error;
            continue;
          }
          if (!this.#isCurrent(run)) return;
          this.#session = fresh;
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
    // `open` changes nothing.
    switch (session.status) {
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
        this.#forgetSession(run);
        this.#fail(run, new CheckoutError('payment_failed', 'The payment failed. Start again to try another way to pay.', { retryable: true }));
    }
  }

  #cancel(run: Run, params: OutcomeParams): void {
    const session = this.#session;
    if (!session || run.settled) return;
    // An overlay or popup on screen closes with the cancel, whoever told of it first: the page's
    // message (its close follows) or a status read that saw the cancel before the message came.
    const closing = (run.mode === 'overlay' || run.mode === 'popup') && run.renderer !== undefined;
    this.#settle(run, 'cancelled');
    this.#dispatch('checkout-cancel', { session, params });
    if (closing) this.#reportClosed(run, session);
  }

  /** `checkout-close`, once a run; an overlay's trigger takes focus back. */
  #reportClosed(run: Run, session: CheckoutSession): void {
    if (run.closeReported) return;
    run.closeReported = true;
    this.#dispatch('checkout-close', { session });
    if (run.mode === 'overlay') this.#overlayClosed();
  }

  #expire(run: Run): void {
    const session = this.#session;
    if (!session || run.settled) return;
    this.#settle(run, 'expired');
    this.#dispatch('checkout-expired', { session });
  }

  /** Ends the run for good: provider UI, popup, watchers and requests all go. */
  #settle(run: Run, state: WidgetState): void {
    run.settled = true;
    this.#forgetSession(run);
    this.#teardownRun(run);
    this.#setState(state);
  }

  /** `teardown: false` keeps the provider UI, so a confirmation can be retried in place. */
  #fail(run: Run, error: CheckoutError, teardown = true): void {
    if (run.settled) return;
    if (this.#session) error.session ??= this.#session;
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

  /**
   * A run that is over leaves nothing to resume. Other errors keep an open session for "Try again"
   * or a reload, and so does a cancel while its payment is under way: the next start shows it again.
   */
  #forgetSession(run: Run): void {
    if (run.slot && this.#session && !this.#session.payment) forget(run.slot, this.#session.id);
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
    // A provider script that did not load (ad blocker, network, CSP) is reported, and the chooser
    // offers the other methods; with no other method, the error stays (with "Try again").
    const session = this.#session;
    const offer = session && session.kind !== 'hosted' && checkoutError.code === 'provider_load_failed' && run.choice?.next();
    if (offer) {
      this.#dispatch('checkout-error', { code: 'provider_load_failed', message: checkoutError.message, retryable: true, session });
      // A reload must not resume the method that cannot load.
      this.#forgetSession(run);
      void this.#begin(run.mode, null, (next) => this.#execute(next, false, offer));
      return;
    }
    this.#fail(run, checkoutError);
  }

  /** The run's requests and watchers stop (abort), then its provider UI, light mounts and popup go. */
  #teardownRun(run: Run): void {
    run.abort.abort();
    this.#destroyRenderer(run);
    for (const mount of run.lightMounts.splice(0)) mount.remove();
    if (run.popup && !run.popup.closed) run.popup.close();
    run.popup = null;
  }

  /** The provider UI only: the run's requests and watchers go on. The only place a renderer is torn down. */
  #destroyRenderer(run: Run): void {
    const renderer = run.renderer;
    run.renderer = undefined;
    // The executor runs at once, so the UI is gone before the state changes; a throw is only a warning.
    if (renderer) new Promise<void>((resolve) => resolve(renderer.destroy())).catch(warnTeardownFailed);
  }

  #teardown(): void {
    if (this.#run) this.#teardownRun(this.#run);
  }
}
