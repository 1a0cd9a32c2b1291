import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckoutError } from '../../core/errors.js';
import type { CheckoutSession } from '../../core/protocol.js';
import type { RendererHost, RendererOutcome } from '../../renderers/types.js';
import { en } from '../../components/checkout-widget/locales/en.js';
import createRendererDefault, { AdyenDropinRenderer, adyenWebUrl, cardStyles, createRenderer } from './renderer.js';

const session: CheckoutSession = {
  id: 'CS841C62BF399F968C',
  provider: 'adyen',
  kind: 'adyen',
  status: 'open',
  session_id: 'CS841C62BF399F968C',
  session_data: 'Ab02b4c0!secretish',
  client_key: 'test_ABC',
  environment: 'test',
};

type Callbacks = {
  onPaymentCompleted(result: object): void;
  onPaymentFailed(result: object): void;
  onError(error: object): void;
};

/** `window.AdyenWeb` as a shop that loaded Adyen Web itself has it; creation can be held open. */
function fakeAdyenWeb(options: { hold?: boolean } = {}) {
  const configurations: Array<Record<string, unknown> & Callbacks> = [];
  const mounted: unknown[] = [];
  let unmounted = 0;
  const held: Array<() => void> = [];
  const api = {
    AdyenCheckout(configuration: Record<string, unknown> & Callbacks) {
      configurations.push(configuration);
      const checkout = { configuration };
      return options.hold ? new Promise((resolve) => held.push(() => resolve(checkout))) : Promise.resolve(checkout);
    },
    Dropin: class {
      mount(target: unknown) {
        mounted.push(target);
        return this;
      }
      unmount() {
        unmounted++;
        return this;
      }
    },
  };
  return { api, configurations, mounted, held, unmounted: () => unmounted };
}

function fakeHost() {
  const reports: RendererOutcome[] = [];
  const lightTarget = { isLightMount: true };
  const controller = new AbortController();
  const host = {
    element: {} as HTMLElement,
    container: {} as HTMLElement,
    lightMount: () => lightTarget as unknown as HTMLElement,
    mode: 'embedded',
    locale: 'nl-NL',
    strings: en,
    endpoint: 'http://127.0.0.1/api/checkout/sessions',
    publishableKey: undefined,
    popup: null,
    signal: controller.signal,
    report: (outcome: RendererOutcome) => reports.push(outcome),
    submitToken: () => Promise.reject(new Error('no token')),
  } satisfies RendererHost;
  return { host, reports, lightTarget };
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

let fetched: string[];
let backendStatus: string;
beforeEach(() => {
  fetched = [];
  backendStatus = 'complete';
  vi.stubGlobal('fetch', async (url: string) => {
    fetched.push(url);
    return new Response(JSON.stringify({ ...session, status: backendStatus }), { status: 200 });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

async function mounted() {
  const adyen = fakeAdyenWeb();
  vi.stubGlobal('window', { AdyenWeb: adyen.api });
  const { host, reports, lightTarget } = fakeHost();
  const renderer = new AdyenDropinRenderer();
  await renderer.mount(session, host);
  return { adyen, host, reports, lightTarget, renderer, callbacks: adyen.configurations[0]! };
}

describe('AdyenDropinRenderer', () => {
  it('turns the shop\'s theme into Adyen\'s card styles: text and placeholder colours per scheme, the accent as the caret', () => {
    expect(cardStyles({ scheme: 'light' })).toEqual({ base: { color: '#00112c' }, placeholder: { color: '#687282' } });
    expect(cardStyles({ scheme: 'dark', accent: '#663399' })).toEqual({
      base: { color: '#f3f4f6', caretColor: '#663399' },
      placeholder: { color: '#9ca3af' },
    });
  });

  it('exports its factory as createRenderer and as default; pins the CDN per environment', () => {
    expect(createRenderer()).toBeInstanceOf(AdyenDropinRenderer);
    expect(createRendererDefault).toBe(createRenderer);
    expect(adyenWebUrl('live-us', 'adyen.js')).toBe('https://checkoutshopper-live-us.cdn.adyen.com/checkoutshopper/sdk/6.6.0/adyen.js');
  });

  it('creates AdyenCheckout with the session, mounts Drop-in on the light-DOM child and reports ready', async () => {
    const { adyen, reports, lightTarget } = await mounted();
    expect(adyen.configurations[0]).toMatchObject({
      environment: 'test',
      clientKey: 'test_ABC',
      session: { id: session.id, sessionData: session.session_data },
      locale: 'nl-NL',
    });
    expect(adyen.mounted).toEqual([lightTarget]);
    expect(reports).toEqual([{ type: 'ready' }]);
  });

  it('onPaymentCompleted hands the sessionResult to the backend read, then reports accept', async () => {
    const { callbacks, reports } = await mounted();
    callbacks.onPaymentCompleted({ sessionResult: 'X/Y+Z=', resultCode: 'Authorised' });
    await vi.waitFor(() => expect(reports.at(-1)).toEqual({ type: 'accept', params: {} }));
    expect(fetched).toEqual([`http://127.0.0.1/api/checkout/sessions/${session.id}?provider_result=X%2FY%2BZ%3D`]);
  });

  it('a refusal the backend says left the session open is a retryable payment_failed; a closed one goes to confirmation', async () => {
    const { callbacks, reports } = await mounted();
    backendStatus = 'open';
    callbacks.onPaymentFailed({ sessionResult: 'r1', resultCode: 'Refused' });
    await vi.waitFor(() => expect(reports.at(-1)).toMatchObject({ type: 'error', code: 'payment_failed', retryable: true }));
    backendStatus = 'failed';
    callbacks.onPaymentFailed({ sessionResult: 'r2', resultCode: 'Refused' });
    await vi.waitFor(() => expect(reports.at(-1)).toEqual({ type: 'accept', params: {} }));
  });

  it('Cancelled and a CANCEL error are a cancel; another error a payment_failed', async () => {
    const { callbacks, reports } = await mounted();
    callbacks.onPaymentFailed({ resultCode: 'Cancelled' });
    callbacks.onError({ name: 'CANCEL' });
    callbacks.onError({ name: 'NETWORK_ERROR', message: 'down' });
    await settle();
    expect(reports.slice(1)).toEqual([
      { type: 'cancel', params: {} },
      { type: 'cancel', params: {} },
      { type: 'error', code: 'payment_failed', message: 'Adyen: down', retryable: true },
    ]);
    expect(fetched).toEqual([]);
  });

  it('refuses a session without its Drop-in fields or with an unknown environment, before loading anything', async () => {
    const adyen = fakeAdyenWeb();
    vi.stubGlobal('window', { AdyenWeb: adyen.api });
    for (const broken of [{ ...session, environment: 'evil.example' }, { ...session, session_data: undefined }]) {
      const error = await new AdyenDropinRenderer().mount(broken as CheckoutSession, fakeHost().host).catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(CheckoutError);
      expect((error as CheckoutError).code).toBe('invalid_session');
    }
    expect(adyen.configurations).toEqual([]);
  });

  it('destroy during AdyenCheckout creation mounts nothing; destroy after mount unmounts once, and is safe twice', async () => {
    const adyen = fakeAdyenWeb({ hold: true });
    vi.stubGlobal('window', { AdyenWeb: adyen.api });
    const { host, reports } = fakeHost();
    const renderer = new AdyenDropinRenderer();
    const mounting = renderer.mount(session, host);
    await settle();
    const teardown = renderer.destroy();
    adyen.held.shift()!();
    await Promise.all([mounting, teardown]);
    expect(adyen.mounted).toEqual([]);
    expect(reports).toEqual([]);

    const second = await mounted();
    await second.renderer.destroy();
    await second.renderer.destroy();
    expect(second.adyen.unmounted()).toBe(1);
    // Callbacks after teardown report nothing.
    second.callbacks.onPaymentCompleted({ sessionResult: 'late' });
    await settle();
    expect(second.reports).toEqual([{ type: 'ready' }]);
  });
});
