import type { ReactiveController } from 'lit';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckoutError } from '../../core/errors.js';
import type { CheckoutEventName } from '../../core/events.js';
import { loadSessionValidators } from '../../provider-registry/session-validators.js';
import type { CheckoutSession, SessionStatus } from '../../core/protocol.js';
import type { DisplayMode } from '../../core/display.js';
import type { RendererFactory, RendererHost } from '../../renderers/types.js';
import { CheckoutRunController, INVALID_PAYLOAD, type CheckoutRunHost } from './run-controller.js';
import { installFakeStorage } from './fake-storage.js';

/**
 * The run's transitions in Node: a fake host element, a fake `fetch` behind the real session
 * client, and fake renderers. Sessions are `stripe-embedded` because those need no page url
 * (a url would make the run preconnect, which needs a document).
 */

const ENDPOINT = 'https://shop.example/api/checkout/sessions';

function stripeSession(status: SessionStatus = 'open', extra: Partial<CheckoutSession> = {}): CheckoutSession {
  return {
    id: 'cs_test_1',
    provider: 'stripe',
    kind: 'stripe-embedded',
    status,
    client_secret: 'cs_test_1_secret_x',
    publishable_key: 'pk_test_1',
    ...extra,
  };
}

interface FetchCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
  answer(status: number, body: unknown): void;
}

/**
 * `fetch` for the session client: answers through `respond` (undefined leaves the call pending
 * for the test to answer) and rejects with an AbortError when the run aborts, unless told to
 * ignore aborts (to let a stale answer through).
 */
function installFakeFetch() {
  const calls: FetchCall[] = [];
  const state = {
    ignoreAbort: false,
    respond: (_call: FetchCall): [number, unknown] | undefined => undefined,
  };
  vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
    const signal = init.signal!;
    return new Promise((resolve, reject) => {
      const call: FetchCall = {
        method: init.method ?? 'GET',
        url,
        headers: init.headers as Record<string, string>,
        body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
        signal,
        answer: (status, body) =>
          resolve({ ok: status >= 200 && status < 300, status, text: () => Promise.resolve(JSON.stringify(body)) }),
      };
      if (!state.ignoreAbort) signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      calls.push(call);
      const reply = state.respond(call);
      if (reply) call.answer(...reply);
    });
  });
  return { calls, state };
}

/** The part of `<checkout-widget>` the run uses. */
class FakeHost extends EventTarget {
  endpoint: string | undefined = ENDPOINT;
  payload: unknown = { lines: [{ sku: 'tee', quantity: 1 }] };
  locale = 'da';
  sessionId: string | undefined;
  publishableKey: string | undefined;
  session: CheckoutSession | Record<string, unknown> | undefined;
  readonly attributes = new Map<string, string>();
  readonly events: Array<{ type: CheckoutEventName; detail: Record<string, unknown> }> = [];
  readonly controllers: ReactiveController[] = [];
  readonly renderRoot = { querySelector: () => ({ container: true }) };
  readonly isConnected = true;
  readonly updateComplete = Promise.resolve(true);
  updates = 0;

  addController(controller: ReactiveController): void {
    this.controllers.push(controller);
  }
  removeController(): void {}
  requestUpdate(): void {
    this.updates++;
  }
  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }
  override dispatchEvent(event: Event): boolean {
    this.events.push({ type: event.type as CheckoutEventName, detail: (event as CustomEvent).detail });
    return super.dispatchEvent(event);
  }
  /** Event types in order, `checkout-` left off; status changes as `status:<state>`; funnel steps are `steps()`. */
  trail(): string[] {
    return this.events.filter(({ type }) => type !== 'checkout-step').map(({ type, detail }) =>
      type === 'checkout-status' ? `status:${String(detail['state'])}` : type.slice('checkout-'.length),
    );
  }
  /** The `checkout-step` details in order. */
  steps(): Array<Record<string, unknown>> {
    return this.events.filter(({ type }) => type === 'checkout-step').map(({ detail }) => detail);
  }
  detail(type: CheckoutEventName): Record<string, unknown> | undefined {
    return this.events.findLast((event) => event.type === type)?.detail;
  }
}

interface Mounted {
  session: CheckoutSession;
  host: RendererHost;
  destroyed: number;
}

function fakeRenderers() {
  const mounted: Mounted[] = [];
  const state = { mount: (): Promise<void> => Promise.resolve() };
  const load = vi.fn((_kind: string) =>
    Promise.resolve<RendererFactory>(() => {
      let entry: Mounted | undefined;
      return {
        mount: (session, host) => {
          entry = { session, host, destroyed: 0 };
          mounted.push(entry);
          return state.mount();
        },
        destroy: () => {
          if (entry) entry.destroyed++;
        },
      };
    }),
  );
  return { mounted, state, load };
}

/** Lets queued promise callbacks (and the fake fetch's answers) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

let http: ReturnType<typeof installFakeFetch>;
let host: FakeHost;
let renderers: ReturnType<typeof fakeRenderers>;
let run: CheckoutRunController;
let focusReturns: number;
/** The status a `GET` of the session answers with. */
let backendStatus: SessionStatus;

beforeAll(async () => {
  // Loaded once, so parsing an answer takes microtasks only (fake timers do not hold it up).
  await loadSessionValidators();
});

/** The document the run listens on for the page being hidden (`abandoned`). */
let doc: EventTarget & { hidden: boolean };

beforeEach(() => {
  doc = Object.assign(new EventTarget(), { hidden: false });
  vi.stubGlobal('document', doc);
  http = installFakeFetch();
  backendStatus = 'open';
  http.state.respond = (call) =>
    call.method === 'POST' ? [201, stripeSession()] : [200, stripeSession(backendStatus)];
  host = new FakeHost();
  renderers = fakeRenderers();
  focusReturns = 0;
  run = new CheckoutRunController(host as unknown as CheckoutRunHost, () => focusReturns++, renderers.load);
});

afterEach(() => {
  run.hostDisconnected();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** Starts, lets the session arrive and the renderer mount, and reports it ready. */
async function startReady(mode: DisplayMode = 'embedded'): Promise<Mounted> {
  void run.start(mode);
  await flush();
  const mounted = renderers.mounted.at(-1)!;
  mounted.host.report({ type: 'ready' });
  return mounted;
}

const gets = () => http.calls.filter((call) => call.method === 'GET');

describe('CheckoutRunController', () => {
  it('registers with its host and reflects the state when the host connects', () => {
    expect(host.controllers).toEqual([run]);
    run.hostConnected();
    expect(host.attributes.get('state')).toBe('idle');
  });

  it('begins: loading at once, creates the session with the locale and an Idempotency-Key, announces it and mounts it', async () => {
    const started = run.start('embedded');
    expect(run.state).toBe('loading');
    expect(host.attributes.get('state')).toBe('loading');
    expect(host.detail('checkout-status')).toEqual({ state: 'loading', previous: 'idle' });
    // The request left synchronously.
    expect(http.calls).toHaveLength(1);
    expect(http.calls[0]).toMatchObject({ method: 'POST', url: ENDPOINT, body: { lines: [{ sku: 'tee', quantity: 1 }], locale: 'da' } });
    expect(http.calls[0]!.headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/);

    await started;
    expect(renderers.load).toHaveBeenCalledWith('stripe-embedded');
    const [mounted] = renderers.mounted;
    expect(mounted?.session).toEqual(stripeSession());
    expect(mounted?.host).toMatchObject({ mode: 'embedded', locale: 'da', container: { container: true } });
    expect(host.trail()).toEqual(['status:loading', 'session']);

    mounted!.host.report({ type: 'ready' });
    expect(run.state).toBe('ready');
    expect(host.trail()).toEqual(['status:loading', 'session', 'status:ready', 'ready']);
    expect(host.detail('checkout-ready')).toEqual({ session: stripeSession() });
  });

  it('joins a busy run instead of starting another', async () => {
    const first = run.start('embedded');
    expect(run.start('embedded')).toBe(first);
    await startReady();
    expect(http.calls.filter((call) => call.method === 'POST')).toHaveLength(1);
    expect(renderers.mounted).toHaveLength(1);
  });

  it('drops a stale answer: a session that arrives for a run that was restarted changes nothing', async () => {
    http.state.ignoreAbort = true;
    http.state.respond = () => undefined;
    void run.start('embedded');
    const staleCall = http.calls[0]!;
    run.reset();
    void run.start('embedded');
    expect(staleCall.signal.aborted).toBe(true);
    http.calls[1]!.answer(201, stripeSession('open', { id: 'cs_test_new' }));
    await flush();
    staleCall.answer(201, stripeSession('open', { id: 'cs_test_stale' }));
    await flush();

    expect(renderers.mounted.map((entry) => entry.session.id)).toEqual(['cs_test_new']);
    const announced = host.events.filter((event) => event.type === 'checkout-session');
    expect(announced.map((event) => (event.detail['session'] as CheckoutSession).id)).toEqual(['cs_test_new']);
    expect(host.trail()).not.toContain('error');
  });

  it('disconnecting aborts the run: back to idle, and the aborted request is no error', async () => {
    http.state.respond = () => undefined;
    const started = run.start('embedded');
    run.hostDisconnected();
    await expect(started).resolves.toBeUndefined();
    expect(http.calls[0]!.signal.aborted).toBe(true);
    expect(run.state).toBe('idle');
    expect(host.trail()).toEqual(['status:loading', 'status:idle']);
  });

  it('disconnecting tears a mounted renderer down once, through destroy()', async () => {
    const mounted = await startReady();
    run.hostDisconnected();
    expect(mounted.destroyed).toBe(1);
    expect(mounted.host.signal.aborted).toBe(true);
    // Reports after the teardown are not heard.
    mounted.host.report({ type: 'accept', params: {} });
    expect(run.state).toBe('idle');
    expect(gets()).toHaveLength(0);
  });

  it('confirms an accept with GETs until the endpoint says complete, retrying failed reads', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const mounted = await startReady();
    let reads = 0;
    http.state.respond = (call) => {
      if (call.method !== 'GET') return undefined;
      reads++;
      // A 503 first, then still open, then complete.
      if (reads === 1) return [503, { error: { message: 'busy' } }];
      return [200, stripeSession(reads >= 3 ? 'complete' : 'open')];
    };
    mounted.host.report({ type: 'accept', params: { invoice: 'order-1' } });
    expect(run.state).toBe('processing');
    await flush();
    expect(reads).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    await flush();
    expect(reads).toBe(2);
    expect(run.state).toBe('processing');
    await vi.advanceTimersByTimeAsync(2_000);
    await flush();

    expect(run.state).toBe('complete');
    expect(host.detail('checkout-accept')).toEqual({ session: stripeSession('complete'), params: { invoice: 'order-1' } });
    expect(mounted.destroyed).toBe(1);
    expect(mounted.host.signal.aborted).toBe(true);
  });

  it('an accept the endpoint does not confirm is verification_failed; the UI stays and Try again confirms it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const mounted = await startReady();
    expect(run.confirmAgain()).toBe(false);
    mounted.host.report({ type: 'accept', params: { invoice: 'order-1' } });
    await vi.advanceTimersByTimeAsync(6_000);
    await flush();

    expect(run.state).toBe('error');
    expect(run.error).toMatchObject({ code: 'verification_failed', retryable: true });
    expect(host.detail('checkout-error')).toEqual({
      code: 'verification_failed',
      message: 'The payment could not be confirmed yet. Check again in a moment.',
      retryable: true,
      session: stripeSession(),
    });
    expect(host.trail()).not.toContain('accept');
    expect(mounted.destroyed).toBe(0);

    backendStatus = 'complete';
    expect(run.confirmAgain()).toBe(true);
    expect(run.state).toBe('processing');
    expect(run.error).toBeUndefined();
    await flush();
    expect(run.state).toBe('complete');
    expect(host.detail('checkout-accept')).toEqual({ session: stripeSession('complete'), params: { invoice: 'order-1' } });
    expect(mounted.destroyed).toBe(1);
  });

  it('a create answer that says complete is confirmed with a GET before checkout-accept', async () => {
    http.state.respond = (call) => (call.method === 'POST' ? [201, stripeSession('complete')] : undefined);
    void run.start('embedded');
    await flush();
    expect(run.state).toBe('processing');
    expect(host.trail()).not.toContain('accept');
    gets()[0]!.answer(200, stripeSession('complete'));
    await flush();
    expect(run.state).toBe('complete');
    expect(host.detail('checkout-accept')).toEqual({ session: stripeSession('complete'), params: {} });
    expect(renderers.mounted).toHaveLength(0);
  });

  it('expires: a session whose expires_at has passed ends as expired and its UI goes', async () => {
    http.state.respond = (call) =>
      call.method === 'POST' ? [201, stripeSession('open', { expires_at: new Date(Date.now() - 1_000).toISOString() })] : undefined;
    void run.start('embedded');
    await flush();
    // The expiry timer fires on the next turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(run.state).toBe('expired');
    expect(host.trail()).toEqual(['status:loading', 'session', 'status:expired', 'expired']);
    expect(renderers.mounted[0]?.destroyed).toBe(1);
    expect(renderers.mounted[0]?.host.signal.aborted).toBe(true);
  });

  it('cancel settles the run; the close that follows is still heard and, in an overlay, returns focus', async () => {
    const mounted = await startReady('overlay');
    mounted.host.report({ type: 'cancel', params: { id: 'x' } });
    mounted.host.report({ type: 'close' });
    expect(run.state).toBe('cancelled');
    expect(host.trail().slice(-3)).toEqual(['status:cancelled', 'cancel', 'close']);
    expect(host.detail('checkout-cancel')).toEqual({ session: stripeSession(), params: { id: 'x' } });
    expect(mounted.destroyed).toBe(1);
    expect(focusReturns).toBe(1);
  });

  it('a cancel a status read saw before the page told of it closes the overlay once: cancel, close, focus back', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const mounted = await startReady('overlay');
    backendStatus = 'cancelled';
    await vi.advanceTimersByTimeAsync(20_000);
    await flush();
    expect(run.state).toBe('cancelled');
    expect(host.trail().slice(-3)).toEqual(['status:cancelled', 'cancel', 'close']);
    expect(mounted.destroyed).toBe(1);
    expect(focusReturns).toBe(1);
    // The page's own cancel and close, late: nothing more.
    mounted.host.report({ type: 'cancel', params: {} });
    mounted.host.report({ type: 'close' });
    expect(host.trail().slice(-3)).toEqual(['status:cancelled', 'cancel', 'close']);
    expect(focusReturns).toBe(1);
  });

  it('an embedded page cancelled by a status read has nothing to close', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await startReady('embedded');
    backendStatus = 'cancelled';
    await vi.advanceTimersByTimeAsync(20_000);
    await flush();
    expect(host.trail().slice(-2)).toEqual(['status:cancelled', 'cancel']);
  });

  it('close(): abandons an overlay start without a session, cancels one with a session', async () => {
    http.state.respond = () => undefined;
    void run.start('overlay');
    run.close();
    expect(run.state).toBe('idle');
    expect(host.trail()).toEqual(['status:loading', 'status:idle']);

    http.state.respond = (call) => (call.method === 'POST' ? [201, stripeSession()] : undefined);
    await startReady('overlay');
    run.close();
    expect(run.state).toBe('cancelled');
    expect(host.trail().slice(-3)).toEqual(['status:cancelled', 'cancel', 'close']);
  });

  it('a mount that rejects with a CheckoutError fails the run with exactly that error', async () => {
    renderers.state.mount = () => Promise.reject(new CheckoutError('invalid_session', 'No client secret.'));
    await run.start('embedded');
    expect(run.state).toBe('error');
    expect(host.detail('checkout-error')).toEqual({ code: 'invalid_session', message: 'No client secret.', retryable: false, session: stripeSession() });
    expect(renderers.mounted[0]?.destroyed).toBe(1);
  });

  it('any other rejection is a retryable provider_load_failed', async () => {
    renderers.state.mount = () => Promise.reject(new TypeError('boom'));
    await run.start('embedded');
    expect(host.detail('checkout-error')).toEqual({
      code: 'provider_load_failed',
      message: 'The checkout could not be shown: boom',
      retryable: true,
      session: stripeSession(),
    });
  });

  it('a mount aborted by a reset is no error', async () => {
    renderers.state.mount = () => new Promise(() => undefined);
    void run.start('embedded');
    await flush();
    run.reset();
    await flush();
    expect(host.trail()).toEqual(['status:loading', 'session', 'status:idle']);
    expect(renderers.mounted[0]?.destroyed).toBe(1);
  });

  it('a declined card while ready is reported and keeps the UI; an error report before ready fails the run', async () => {
    const mounted = await startReady();
    mounted.host.report({ type: 'error', code: 'payment_failed', message: 'Card declined', retryable: true });
    expect(run.state).toBe('ready');
    expect(host.detail('checkout-error')).toEqual({ code: 'payment_failed', message: 'Card declined', retryable: true, session: stripeSession() });
    expect(mounted.destroyed).toBe(0);

    run.reset();
    void run.start('embedded');
    await flush();
    const loading = renderers.mounted[1]!;
    loading.host.report({ type: 'error', code: 'payment_failed', message: 'Card declined', retryable: true });
    expect(run.state).toBe('error');
    expect(loading.destroyed).toBe(1);
  });

  it('one decline is one checkout-error, whether the status read or the page tells of it first', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let failedAttempts = 0;
    http.state.respond = (call) =>
      call.method === 'POST' ? [201, stripeSession()] : [200, stripeSession('open', { failed_attempts: failedAttempts })];
    const mounted = await startReady();
    const declines = () => host.events.filter(({ type }) => type === 'checkout-error').length;
    const decline = () => mounted.host.report({ type: 'error', code: 'payment_failed', message: 'Card declined', retryable: true });
    const poll = async () => {
      await vi.advanceTimersByTimeAsync(20_000);
      await flush();
    };

    // The backend saw the decline and a status read told of it before the page's message came.
    failedAttempts = 1;
    await poll();
    expect(declines()).toBe(1);
    decline();
    expect(declines()).toBe(1);

    // The second decline the other way round: the page first, then the read.
    decline();
    expect(declines()).toBe(2);
    failedAttempts = 2;
    await poll();
    expect(declines()).toBe(2);
    expect(run.state).toBe('ready');
    expect(mounted.destroyed).toBe(0);
  });

  it('reports a bad payload as invalid_session without a request', async () => {
    run.payloadProblem = 'The payload attribute must be a JSON object (Unexpected token)';
    host.payload = INVALID_PAYLOAD;
    await run.start('embedded');
    expect(http.calls).toHaveLength(0);
    expect(host.detail('checkout-error')).toEqual({
      code: 'invalid_session',
      message: 'The payload attribute must be a JSON object (Unexpected token)',
      retryable: false,
    });
  });

  describe('hand-over (a card-token session answered by its token)', () => {
    const cardToken = (status: SessionStatus = 'open', extra: Partial<CheckoutSession> = {}): CheckoutSession => ({
      id: 'ses_ct_1',
      provider: 'commercelayer',
      kind: 'card-token',
      status,
      token_provider: 'checkout.com',
      public_key: 'pk_test_ct',
      ...extra,
    });
    const threeDSecure = cardToken('open', { url: 'https://3ds.example/challenge/ses_ct_1', frameable: false });
    const fakePopup = () => {
      const popup = { closed: false, close: () => (popup.closed = true) };
      return popup as unknown as Window & { closed: boolean };
    };

    beforeEach(() => {
      http.state.respond = (call) => (call.method === 'POST' ? [201, cardToken()] : [200, cardToken(backendStatus)]);
      // The answered session's url is preconnected: just enough of a document for that.
      vi.stubGlobal('window', { location: { origin: 'https://shop.example', href: 'https://shop.example/checkout' } });
      const head = { querySelectorAll: () => [], append: () => undefined };
      vi.stubGlobal('document', Object.assign(new EventTarget(), { visibilityState: 'visible', head, createElement: () => ({}) }));
    });

    it('adopts the answered session, destroys the card fields and shows its url with the hosted renderer, in the popup from the click', async () => {
      const triggerPopup = fakePopup();
      void run.start('popup', triggerPopup);
      await flush();
      const card = renderers.mounted[0]!;
      card.host.report({ type: 'ready' });
      const clickPopup = fakePopup();
      card.host.report({ type: 'handover', session: threeDSecure, popup: clickPopup });
      await flush();

      expect(card.destroyed).toBe(1);
      expect(renderers.load.mock.calls.map(([kind]) => kind)).toEqual(['card-token', 'hosted']);
      const hosted = renderers.mounted[1]!;
      expect(hosted.session).toEqual(threeDSecure);
      expect(hosted.host.mode).toBe('popup');
      expect(hosted.host.popup).toBe(clickPopup);
      expect(run.popup).toBe(clickPopup);
      // Announced again: listeners learn of the 3-D Secure step.
      expect(host.events.filter((event) => event.type === 'checkout-session').map((event) => event.detail)).toEqual([
        { session: cardToken() },
        { session: threeDSecure },
      ]);
      expect(run.state).toBe('ready');

      // The 3-D Secure page's accept is a hint: the GET decides.
      backendStatus = 'complete';
      hosted.host.report({ type: 'accept', params: {} });
      await flush();
      expect(gets().map((call) => call.url)).toEqual([`${ENDPOINT}/ses_ct_1`]);
      expect(run.state).toBe('complete');
      expect(host.detail('checkout-accept')).toEqual({ session: cardToken('complete'), params: {} });
      expect(hosted.destroyed).toBe(1);
      expect(clickPopup.closed).toBe(true);
    });

    it('in embedded mode the hosted renderer gets the run mode (it redirects for frameable: false itself)', async () => {
      const card = await startReady('embedded');
      card.host.report({ type: 'handover', session: threeDSecure, popup: null });
      await flush();
      expect(renderers.mounted[1]?.host.mode).toBe('embedded');
    });

    it('a popup the browser refused: the 3-D Secure page is shown by redirect', async () => {
      void run.start('popup', fakePopup());
      await flush();
      const card = renderers.mounted[0]!;
      card.host.report({ type: 'ready' });
      card.host.report({ type: 'handover', session: threeDSecure, popup: null });
      await flush();
      expect(renderers.mounted[1]?.host.mode).toBe('redirect');
    });

    it('a hand-over from a run that was reset is dropped', async () => {
      const card = await startReady();
      run.reset();
      card.host.report({ type: 'handover', session: threeDSecure, popup: null });
      await flush();
      expect(renderers.mounted).toHaveLength(1);
      expect(renderers.load).toHaveBeenCalledTimes(1);
      expect(run.state).toBe('idle');
      expect(host.trail().filter((type) => type === 'session')).toHaveLength(1);
    });

    it('a final status in the answer is confirmed by a GET, never taken from the answer', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const card = await startReady();
      // The token answer says complete; the endpoint, read, does not (yet).
      card.host.report({ type: 'handover', session: cardToken('complete'), popup: null });
      await flush();
      expect(card.destroyed).toBe(1);
      expect(renderers.mounted).toHaveLength(1);
      expect(run.state).toBe('processing');
      await vi.advanceTimersByTimeAsync(6_000);
      await flush();
      expect(run.state).toBe('error');
      expect(run.error?.code).toBe('verification_failed');
      expect(host.trail()).not.toContain('accept');
    });

    it('a failed answer, read back as failed, ends the run as payment_failed', async () => {
      const card = await startReady();
      backendStatus = 'failed';
      card.host.report({ type: 'handover', session: cardToken('failed'), popup: null });
      await flush();
      expect(run.state).toBe('error');
      expect(host.detail('checkout-error')).toMatchObject({ code: 'payment_failed', retryable: true });
      expect(renderers.mounted).toHaveLength(1);
    });

    it('hands the token to POST {endpoint}/{id}/token for the renderer', async () => {
      const card = await startReady();
      http.state.respond = () => undefined;
      const answer = card.host.submitToken('tok_abc');
      await flush();
      const post = http.calls.at(-1)!;
      expect(post).toMatchObject({ method: 'POST', url: `${ENDPOINT}/ses_ct_1/token`, body: { token: 'tok_abc' } });
      post.answer(200, threeDSecure);
      await expect(answer).resolves.toEqual(threeDSecure);
    });

    it('resumes a card-token session after the 3-D Secure redirect: the GET says complete', async () => {
      backendStatus = 'complete';
      await run.resume('redirect', 'ses_ct_1', 'accept', {});
      expect(run.state).toBe('complete');
      expect(host.detail('checkout-accept')).toEqual({ session: cardToken('complete'), params: {} });
    });
  });

  describe('resume after a redirect', () => {
    it('confirms an accept with the endpoint', async () => {
      backendStatus = 'complete';
      await run.resume('redirect', 'cs_test_1', 'accept', { invoice: 'order-1' });
      expect(gets().map((call) => call.url)).toEqual([`${ENDPOINT}/cs_test_1`]);
      expect(run.state).toBe('complete');
      expect(host.trail()).toEqual(['status:loading', 'session', 'status:complete', 'accept']);
      expect(host.detail('checkout-accept')).toEqual({ session: stripeSession('complete'), params: { invoice: 'order-1' } });
    });

    it('cancels a session that is still open', async () => {
      await run.resume('redirect', 'cs_test_1', 'cancel', { id: 'cs_test_1' });
      expect(run.state).toBe('cancelled');
      expect(host.detail('checkout-cancel')).toEqual({ session: stripeSession(), params: { id: 'cs_test_1' } });
    });

    it('takes the status the endpoint reports over the result in the url', async () => {
      backendStatus = 'expired';
      await run.resume('redirect', 'cs_test_1', 'accept', {});
      expect(run.state).toBe('expired');
      expect(host.trail()).not.toContain('accept');
    });
  });
});

/**
 * A backend that honours `Idempotency-Key` (same key → the same session) and answers a `GET` with
 * each session's status, or 404 once it is `gone`.
 */
function installIdempotentBackend() {
  const byKey = new Map<string, string>();
  const statuses = new Map<string, SessionStatus>();
  const gone = new Set<string>();
  /** Sessions whose payment the provider reports under way. */
  const inFlight = new Set<string>();
  const session = (id: string) =>
    stripeSession(statuses.get(id), { id, client_secret: `${id}_secret_x`, ...(inFlight.has(id) && { payment: 'in_flight' as const }) });
  http.state.respond = (call) => {
    if (call.method === 'POST') {
      const key = call.headers['Idempotency-Key']!;
      let id = byKey.get(key);
      if (!id) {
        id = `cs_test_${byKey.size + 1}`;
        byKey.set(key, id);
        statuses.set(id, 'open');
      }
      return [201, session(id)];
    }
    const id = decodeURIComponent(call.url.slice(ENDPOINT.length + 1));
    if (!statuses.has(id) || gone.has(id)) return [404, { error: { code: 'not_found', message: 'No such session' } }];
    return [200, session(id)];
  };
  return { statuses, gone, inFlight };
}

const posts = () => http.calls.filter((call) => call.method === 'POST');
const keys = () => posts().map((call) => call.headers['Idempotency-Key']);

/** A second mount of the widget (or the page after a reload): a new host and controller, the same storage. */
function remount(): void {
  run.hostDisconnected();
  host = new FakeHost();
  run = new CheckoutRunController(host as unknown as CheckoutRunHost, () => focusReturns++, renderers.load);
}

describe('CheckoutRunController: no lost carts (session memory)', () => {
  let stored: Map<string, string>;
  let backend: ReturnType<typeof installIdempotentBackend>;

  beforeEach(() => {
    stored = installFakeStorage();
    backend = installIdempotentBackend();
  });

  it('a remount with the same endpoint and payload resumes the open session with a GET: one create in all', async () => {
    await startReady();
    expect(posts()).toHaveLength(1);
    // The key and id only: never the client secret.
    expect([...stored.values()]).toEqual([JSON.stringify({ key: keys()[0], id: 'cs_test_1' })]);

    remount();
    void run.start('embedded');
    await flush();
    expect(posts()).toHaveLength(1);
    expect(gets().map((call) => call.url)).toEqual([`${ENDPOINT}/cs_test_1`]);
    expect(renderers.mounted.at(-1)!.session.id).toBe('cs_test_1');
    expect(host.trail()).toEqual(['status:loading', 'session']);
  });

  it('keys the memory by the payload, whatever the order of its keys; another payload creates its own session', async () => {
    host.payload = { lines: [{ sku: 'tee', quantity: 1 }], note: 'x' };
    await startReady();
    remount();
    host.payload = { note: 'x', lines: [{ quantity: 1, sku: 'tee' }] };
    await startReady();
    expect(posts()).toHaveLength(1);
    remount();
    host.payload = { note: 'y', lines: [{ quantity: 1, sku: 'tee' }] };
    await startReady();
    expect(posts()).toHaveLength(2);
    expect(renderers.mounted.at(-1)!.session.id).toBe('cs_test_2');
  });

  it.each([
    ['complete', 'the GET reports it complete (paid: never shown as open, no accept for it)'],
    ['expired', 'the GET reports it expired'],
    ['gone', 'the GET answers 404'],
  ] as const)('a new key and session when %s: %s', async (outcome, _why) => {
    await startReady();
    if (outcome === 'gone') backend.gone.add('cs_test_1');
    else backend.statuses.set('cs_test_1', outcome);

    remount();
    void run.start('embedded');
    await flush();
    expect(gets().map((call) => call.url)).toEqual([`${ENDPOINT}/cs_test_1`]);
    expect(posts()).toHaveLength(2);
    expect(keys()[1]).not.toBe(keys()[0]);
    expect(renderers.mounted.at(-1)!.session).toMatchObject({ id: 'cs_test_2', status: 'open' });
    expect(host.trail()).toEqual(['status:loading', 'session']);
    expect([...stored.values()]).toEqual([JSON.stringify({ key: keys()[1], id: 'cs_test_2' })]);
  });

  it('an outage while reading the remembered session is the start\'s error, and the memory is kept for "Try again"', async () => {
    await startReady();
    remount();
    http.state.respond = (call) => (call.method === 'GET' ? [503, { error: { code: 'down', message: 'down' } }] : undefined);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    void run.start('embedded');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(run.state).toBe('error');
    expect(posts()).toHaveLength(1);
    expect(stored.size).toBe(1);
  });

  it('a create whose answer was lost to a reload is sent again with the remembered key', async () => {
    http.state.respond = () => undefined;
    void run.start('embedded');
    const firstKey = keys()[0];
    expect([...stored.values()]).toEqual([JSON.stringify({ key: firstKey })]);

    remount();
    backend = installIdempotentBackend();
    await startReady();
    expect(keys()).toEqual([firstKey, firstKey]);
    expect(run.state).toBe('ready');
  });

  it('a remembered key that answers a session that is over (an earlier payment) is dropped for a new one', async () => {
    http.state.respond = () => undefined;
    void run.start('embedded');
    const firstKey = keys()[0]!;
    remount();
    backend = installIdempotentBackend();
    // The lost create's session was made, and is paid already.
    backend.statuses.set('cs_test_1', 'complete');
    http.state.respond = ((respond) => (call: FetchCall) => {
      const reply = respond(call);
      if (call.headers['Idempotency-Key'] === firstKey) return [201, stripeSession('complete', { id: 'cs_test_paid' })] as [number, unknown];
      return reply;
    })(http.state.respond);
    await startReady();
    expect(posts()).toHaveLength(3);
    expect(keys()[2]).not.toBe(firstKey);
    expect(run.state).toBe('ready');
    expect(host.trail()).not.toContain('accept');
  });

  it.each([
    ['cancelled', () => renderers.mounted.at(-1)!.host.report({ type: 'cancel', params: {} })],
    ['complete', () => renderers.mounted.at(-1)!.host.report({ type: 'accept', params: {} })],
  ] as const)('forgets the session once the run settles (%s)', async (state, settle) => {
    await startReady();
    expect(stored.size).toBe(1);
    backend.statuses.set('cs_test_1', state);
    settle();
    await flush();
    expect(run.state).toBe(state);
    expect(stored.size).toBe(0);
  });

  it('forgets a session the endpoint reports failed', async () => {
    await startReady();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    backend.statuses.set('cs_test_1', 'failed');
    renderers.mounted.at(-1)!.host.report({ type: 'accept', params: {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(host.detail('checkout-error')).toMatchObject({ code: 'payment_failed' });
    expect(stored.size).toBe(0);
  });

  it('keeps the open session over a disconnect, for the next mount', async () => {
    await startReady();
    run.hostDisconnected();
    expect(stored.size).toBe(1);
  });

  it('storage that throws (Safari private mode, quota, disabled) only means no memory', async () => {
    const refuse = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    vi.stubGlobal('sessionStorage', { getItem: refuse, setItem: refuse, removeItem: refuse });
    await startReady();
    expect(run.state).toBe('ready');
    remount();
    await startReady();
    expect(posts()).toHaveLength(2);

    // Even reading `window.sessionStorage` may throw (storage disabled).
    Object.defineProperty(globalThis, 'sessionStorage', { configurable: true, get: refuse });
    try {
      remount();
      await startReady();
      expect(run.state).toBe('ready');
    } finally {
      delete (globalThis as { sessionStorage?: unknown }).sessionStorage;
    }
  });

  it('a stored entry that is not ours (bad JSON, no key) is ignored', async () => {
    await startReady();
    const [slot] = [...stored.keys()];
    stored.set(slot!, '{not json');
    remount();
    await startReady();
    expect(posts()).toHaveLength(2);
    stored.set(slot!, JSON.stringify({ id: 'cs_test_1' }));
    remount();
    await startReady();
    expect(posts()).toHaveLength(3);
  });

  describe('a change of payload', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    });

    const setQuantity = (quantity: number) => {
      host.payload = { lines: [{ sku: 'tee', quantity }] };
      run.payloadChanged();
    };

    it('starts one new session once five quick changes rest, and drops the old one\'s memory', async () => {
      const first = await startReady();
      for (const quantity of [2, 3, 4, 5, 6]) {
        setQuantity(quantity);
        await vi.advanceTimersByTimeAsync(100);
      }
      expect(posts()).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(300);
      await flush();
      expect(posts()).toHaveLength(2);
      expect(posts()[1]!.body).toEqual({ lines: [{ sku: 'tee', quantity: 6 }], locale: 'da' });
      expect(keys()[1]).not.toBe(keys()[0]);
      expect(first.destroyed).toBe(1);
      expect(renderers.mounted.at(-1)!.session.id).toBe('cs_test_2');
      expect([...stored.values()]).toEqual([JSON.stringify({ key: keys()[1], id: 'cs_test_2' })]);
    });

    it('the same payload again (a new object, the attribute set anew) changes nothing', async () => {
      await startReady();
      host.payload = { lines: [{ quantity: 1, sku: 'tee' }] };
      run.payloadChanged();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(posts()).toHaveLength(1);
      expect(run.state).toBe('ready');
    });

    it('while the payment is confirmed (processing) does not restart', async () => {
      const mounted = await startReady();
      http.state.respond = (call) => (call.method === 'GET' ? undefined : [201, stripeSession()]);
      mounted.host.report({ type: 'accept', params: {} });
      expect(run.state).toBe('processing');
      setQuantity(5);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(posts()).toHaveLength(1);
      expect(run.state).toBe('processing');
      expect(mounted.destroyed).toBe(0);
    });

    it('after the run settled, or for a session the page handed in, does not start one', async () => {
      const mounted = await startReady();
      mounted.host.report({ type: 'cancel', params: {} });
      setQuantity(5);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(posts()).toHaveLength(1);
      expect(run.state).toBe('cancelled');

      remount();
      host.session = stripeSession('open', { id: 'cs_held' });
      await startReady();
      setQuantity(7);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(posts()).toHaveLength(1);
      expect(run.state).toBe('ready');
    });

    it('disconnecting cancels a pending change', async () => {
      await startReady();
      setQuantity(5);
      run.hostDisconnected();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(posts()).toHaveLength(1);
      expect(run.state).toBe('idle');
    });
  });
});

describe('CheckoutRunController: popup-fallback', () => {
  it.each([
    [undefined, 'overlay'],
    ['overlay', 'overlay'],
    ['redirect', 'redirect'],
    ['bogus', 'overlay'],
  ] as const)('a refused window with popup-fallback %s shows the page in %s mode', async (fallback, mode) => {
    (host as FakeHost & { popupFallback?: string }).popupFallback = fallback;
    // null: the click tried to open the window and the browser refused.
    void run.start('popup', null);
    await flush();
    expect(renderers.mounted.at(-1)!.host).toMatchObject({ mode, popup: null });
    expect(host.trail()).not.toContain('error');
  });

  it('popup-fallback none reports popup_blocked', async () => {
    (host as FakeHost & { popupFallback?: string }).popupFallback = 'none';
    void run.start('popup', null);
    await flush();
    expect(run.state).toBe('error');
    expect(host.detail('checkout-error')).toMatchObject({ code: 'popup_blocked', retryable: true });
    expect(posts()).toHaveLength(0);
  });
});

describe('CheckoutRunController: a payment in flight', () => {
  let stored: Map<string, string>;
  let backend: ReturnType<typeof installIdempotentBackend>;

  beforeEach(() => {
    stored = installFakeStorage();
    backend = installIdempotentBackend();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });

  it('is pending once a status read reports the payment in flight, polls on, and settles on the final status', async () => {
    await startReady();
    expect(run.pending).toBeFalsy();
    backend.inFlight.add('cs_test_1');
    const updates = host.updates;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(run.pending).toBeTruthy();
    expect(run.state).toBe('ready');
    expect(host.updates).toBeGreaterThan(updates);
    backend.inFlight.delete('cs_test_1');
    backend.statuses.set('cs_test_1', 'complete');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run.state).toBe('complete');
    expect(run.pending).toBeFalsy();
    expect(host.trail().filter((step) => step === 'accept')).toHaveLength(1);
  });

  it('stops being pending when the provider says the attempt is over but the session stays open (3-D Secure failed)', async () => {
    await startReady();
    backend.inFlight.add('cs_test_1');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(run.pending).toBeTruthy();
    backend.inFlight.delete('cs_test_1');
    await vi.advanceTimersByTimeAsync(4_000);
    expect(run.pending).toBeFalsy();
    expect(run.state).toBe('ready');
  });

  it('an accept that cannot be confirmed while the payment is in flight stays pending (no "Try again" offered) until the status is final', async () => {
    const mounted = await startReady();
    backend.inFlight.add('cs_test_1');
    mounted.host.report({ type: 'accept', params: {} });
    await vi.advanceTimersByTimeAsync(6_000);
    expect(run.state).toBe('error');
    expect(run.pending).toBeTruthy();
    backend.inFlight.delete('cs_test_1');
    backend.statuses.set('cs_test_1', 'complete');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run.state).toBe('complete');
    expect(run.pending).toBeFalsy();
  });

  it('a reload while it is pending resumes that session, pending at once: no new create', async () => {
    await startReady();
    backend.inFlight.add('cs_test_1');
    remount();
    void run.start('embedded');
    await vi.advanceTimersByTimeAsync(0);
    await flush();
    expect(posts()).toHaveLength(1);
    expect(renderers.mounted.at(-1)!.session).toMatchObject({ id: 'cs_test_1', payment: 'in_flight' });
    expect(run.pending).toBeTruthy();
  });

  it('a cancel (an overlay closed) while the payment is in flight keeps the session for the next start, which shows it pending again', async () => {
    await startReady('overlay');
    backend.inFlight.add('cs_test_1');
    await vi.advanceTimersByTimeAsync(2_000);
    run.close();
    expect(run.state).toBe('cancelled');
    expect(run.pending).toBeFalsy();
    expect(stored.size).toBe(1);
    void run.start('overlay');
    await vi.advanceTimersByTimeAsync(0);
    await flush();
    expect(posts()).toHaveLength(1);
    expect(run.pending).toBeTruthy();
  });
});

describe('the funnel (checkout-step)', () => {
  const FIELDS = ['step', 'mode', 'provider', 'method', 'code'];

  /** Every step's detail has the contract's fields only, and no value of the cart, the customer or the amount. */
  function expectNoPersonalData(steps: Array<Record<string, unknown>>): void {
    for (const step of steps) expect(Object.keys(step).every((key) => FIELDS.includes(key)), JSON.stringify(step)).toBe(true);
    expect(JSON.stringify(steps)).not.toMatch(/ada@example|Lovelace|tee|12500|secret|cs_test_1/);
  }

  beforeEach(() => {
    host.payload = { lines: [{ sku: 'tee', quantity: 1 }], customer: { email: 'ada@example.com', name: 'Ada Lovelace' } };
    http.state.respond = (call) =>
      call.method === 'POST' ? [201, stripeSession('open', { amount: 12500, currency: 'DKK' })] : [200, stripeSession(backendStatus, { amount: 12500 })];
    run.hostConnected();
  });

  it('a payment: shown, provider-loaded, paid, with the mode and the provider and nothing else', async () => {
    const mounted = await startReady('overlay');
    backendStatus = 'complete';
    mounted.host.report({ type: 'accept', params: { email: 'ada@example.com' } });
    await flush();
    expect(run.state).toBe('complete');
    expect(host.steps()).toEqual([
      { step: 'shown', mode: 'overlay' },
      { step: 'provider-loaded', mode: 'overlay', provider: 'stripe' },
      { step: 'paid', mode: 'overlay', provider: 'stripe' },
    ]);
    expectNoPersonalData(host.steps());
  });

  it('a decline is failed with its code, the page stays; a cancel is abandoned with code cancelled', async () => {
    const mounted = await startReady();
    mounted.host.report({ type: 'error', code: 'payment_failed', message: 'Card declined for Ada Lovelace', retryable: true });
    await flush();
    mounted.host.report({ type: 'cancel', params: {} });
    await flush();
    expect(host.steps().map(({ step, code }) => [step, code])).toEqual([
      ['shown', undefined],
      ['provider-loaded', undefined],
      ['failed', 'payment_failed'],
      ['abandoned', 'cancelled'],
    ]);
    expectNoPersonalData(host.steps());
  });

  it('3-D Secure: from the page’s "authenticating" to its next word; other words are no step', async () => {
    const mounted = await startReady('overlay');
    mounted.host.report({ type: 'page', status: 'processing' });
    mounted.host.report({ type: 'page', status: 'authenticating' });
    mounted.host.report({ type: 'page', status: 'authenticating' });
    mounted.host.report({ type: 'page', status: 'processing' });
    mounted.host.report({ type: 'page', status: undefined });
    await flush();
    expect(host.steps().slice(2).map(({ step }) => step)).toEqual(['authentication-started', 'authentication-finished']);
    expect(host.steps()[2]).toEqual({ step: 'authentication-started', mode: 'overlay', provider: 'stripe' });
  });

  it('the page hidden while the checkout is open: abandoned, once; not after the page left for the provider, nor once settled', async () => {
    const mounted = await startReady();
    await flush();
    doc.hidden = true;
    doc.dispatchEvent(new Event('visibilitychange'));
    doc.dispatchEvent(new Event('visibilitychange'));
    await flush();
    expect(host.steps().filter(({ step }) => step === 'abandoned')).toEqual([{ step: 'abandoned', mode: 'embedded', provider: 'stripe' }]);
    // Visible again and paid: the last step is what counts.
    doc.hidden = false;
    backendStatus = 'complete';
    mounted.host.report({ type: 'accept', params: {} });
    await flush();
    expect(host.steps().at(-1)?.step).toBe('paid');
    doc.hidden = true;
    doc.dispatchEvent(new Event('visibilitychange'));
    await flush();
    expect(host.steps().filter(({ step }) => step === 'abandoned')).toHaveLength(1);
  });

  it('the page hidden after it left for the provider (a redirect) is not abandoned', async () => {
    const leaving = await startReady('redirect');
    leaving.host.report({ type: 'page', status: 'redirect' });
    await flush();
    doc.hidden = true;
    doc.dispatchEvent(new Event('visibilitychange'));
    await flush();
    expect(host.steps().slice(-2).map(({ step }) => step)).toEqual(['provider-loaded', 'redirected-out']);
  });

  it('a visible page changing focus is not abandoned; nothing is reported once disconnected', async () => {
    await startReady();
    await flush();
    doc.dispatchEvent(new Event('visibilitychange'));
    await flush();
    expect(host.steps().map(({ step }) => step)).not.toContain('abandoned');
    run.hostDisconnected();
    const count = host.steps().length;
    doc.hidden = true;
    doc.dispatchEvent(new Event('visibilitychange'));
    await flush();
    expect(host.steps()).toHaveLength(count);
  });

  it('back from the provider: returned (not shown), then paid; an expiry is abandoned with code expired', async () => {
    backendStatus = 'complete';
    await run.resume('redirect', 'cs_test_1', 'accept', {});
    await flush();
    expect(host.steps().map(({ step }) => step)).toEqual(['returned', 'paid']);
    expect(host.steps()[0]).toEqual({ step: 'returned', mode: 'redirect' });

    backendStatus = 'expired';
    run.reset();
    await startReady();
    http.state.respond = () => [200, stripeSession('expired')];
    await run.resume('embedded', 'cs_test_1', 'accept', {});
    await flush();
    expect(host.steps().at(-1)).toEqual({ step: 'abandoned', mode: 'embedded', provider: 'stripe', code: 'expired' });
    expectNoPersonalData(host.steps());
  });
});
