import { describe, expect, it, vi } from 'vitest';
import type { Stripe, StripeEmbeddedCheckoutOptions } from '@stripe/stripe-js';
import { CheckoutError } from '../../core/errors.js';
import type { CheckoutSession } from '../../core/protocol.js';
import type { RendererHost, RendererOutcome } from '../../renderers/types.js';
import createRendererDefault, { createRenderer, StripeEmbeddedRenderer, type LoadStripe } from './renderer.js';
import { en } from '../../components/checkout-widget/locales/en.js';

const CLIENT_SECRET = 'cs_test_a1b2c3_secret_d4e5f6';

function stripeSession(overrides: Partial<CheckoutSession> = {}): CheckoutSession {
  return {
    id: 'cs_test_a1b2c3',
    provider: 'stripe',
    kind: 'stripe-embedded',
    status: 'open',
    client_secret: CLIENT_SECRET,
    publishable_key: 'pk_test_shop',
    ...overrides,
  };
}

/** Lets every queued promise callback run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

interface FakeInstance {
  options: StripeEmbeddedCheckoutOptions;
  mountedOn: unknown;
  destroyCalls: number;
}

/**
 * Stripe.js where it matters here: one live Embedded Checkout per page, `destroy()` throws the
 * second time, creation can be held open to test teardown during it.
 */
function fakeStripeJs(
  options: {
    methodName?: 'createEmbeddedCheckoutPage' | 'initEmbeddedCheckout' | 'none';
    holdCreation?: boolean;
    mountError?: string;
  } = {},
) {
  const instances: FakeInstance[] = [];
  let live = 0;
  let integrationErrors = 0;
  const heldCreations: Array<() => void> = [];
  const create = (checkoutOptions: StripeEmbeddedCheckoutOptions) => {
    if (live > 0) {
      integrationErrors++;
      return Promise.reject(new Error('IntegrationError: You cannot have multiple Embedded Checkout objects.'));
    }
    live++;
    const instance: FakeInstance = { options: checkoutOptions, mountedOn: undefined, destroyCalls: 0 };
    instances.push(instance);
    const checkout = {
      mount(target: unknown) {
        if (options.mountError) throw new Error(options.mountError);
        instance.mountedOn = target;
      },
      unmount() {},
      destroy() {
        instance.destroyCalls++;
        if (instance.destroyCalls > 1) throw new Error('This Embedded Checkout has already been destroyed.');
        live--;
      },
    };
    if (!options.holdCreation) return Promise.resolve(checkout);
    return new Promise<typeof checkout>((resolve) => heldCreations.push(() => resolve(checkout)));
  };
  const methodName = options.methodName ?? 'createEmbeddedCheckoutPage';
  const stripe = (methodName === 'none' ? {} : { [methodName]: create }) as unknown as Stripe;
  const loads: Array<{ key: string; options: unknown }> = [];
  const load: LoadStripe = (key, loadOptions) => {
    loads.push({ key, options: loadOptions });
    return Promise.resolve(stripe);
  };
  return {
    load,
    loads,
    instances,
    heldCreations,
    get live() {
      return live;
    },
    get integrationErrors() {
      return integrationErrors;
    },
  };
}

function fakeHost(overrides: { publishableKey?: string; controller?: AbortController; popup?: Window } = {}) {
  const reports: RendererOutcome[] = [];
  const lightTarget = { isLightMount: true };
  const controller = overrides.controller ?? new AbortController();
  const host = {
    element: {} as HTMLElement,
    container: {} as HTMLElement,
    lightMount: () => lightTarget as unknown as HTMLElement,
    mode: 'embedded',
    locale: 'en',
    strings: en,
    endpoint: 'http://127.0.0.1/api/checkout/sessions',
    publishableKey: overrides.publishableKey,
    popup: overrides.popup ?? null,
    signal: controller.signal,
    report: (outcome: RendererOutcome) => reports.push(outcome),
    submitToken: () => Promise.reject(new Error('A Stripe session sends no card token')),
  } satisfies RendererHost;
  return { host, reports, lightTarget, controller };
}

describe('StripeEmbeddedRenderer', () => {
  it('exports its factory as createRenderer and as default', () => {
    expect(createRenderer()).toBeInstanceOf(StripeEmbeddedRenderer);
    expect(createRendererDefault).toBe(createRenderer);
  });

  it('loads Stripe.js with the session key, mounts into the light DOM and reports ready', async () => {
    const stripeJs = fakeStripeJs();
    const { host, reports, lightTarget } = fakeHost();
    const renderer = new StripeEmbeddedRenderer(stripeJs.load);
    await renderer.mount(stripeSession(), host);

    expect(stripeJs.loads).toEqual([{ key: 'pk_test_shop', options: undefined }]);
    expect(stripeJs.instances[0]?.mountedOn).toBe(lightTarget);
    await expect(stripeJs.instances[0]?.options.fetchClientSecret?.()).resolves.toBe(CLIENT_SECRET);
    expect(stripeJs.instances[0]?.options).not.toHaveProperty('clientSecret');
    expect(reports).toEqual([{ type: 'ready' }]);
    await renderer.destroy();
  });

  it('closes the window a popup-mode click opened: embedded checkout is shown inline', async () => {
    const popup = { closed: false, close: vi.fn() };
    const { host, reports } = fakeHost({ popup: popup as unknown as Window });
    const renderer = new StripeEmbeddedRenderer(fakeStripeJs().load);
    await renderer.mount(stripeSession(), host);
    expect(popup.close).toHaveBeenCalledTimes(1);
    expect(reports).toContainEqual({ type: 'ready' });
    await renderer.destroy();
  });

  it('passes a Connect account to Stripe.js and falls back to the widget publishable key', async () => {
    const stripeJs = fakeStripeJs();
    const { host } = fakeHost({ publishableKey: 'pk_test_from_widget' });
    const renderer = new StripeEmbeddedRenderer(stripeJs.load);
    await renderer.mount(stripeSession({ publishable_key: undefined, stripe_account: 'acct_123' }), host);
    expect(stripeJs.loads).toEqual([{ key: 'pk_test_from_widget', options: { stripeAccount: 'acct_123' } }]);
    await renderer.destroy();
  });

  it('uses initEmbeddedCheckout when the loaded Stripe.js only has the old name', async () => {
    const stripeJs = fakeStripeJs({ methodName: 'initEmbeddedCheckout' });
    const { host, reports } = fakeHost();
    const renderer = new StripeEmbeddedRenderer(stripeJs.load);
    await renderer.mount(stripeSession(), host);
    expect(stripeJs.instances).toHaveLength(1);
    expect(reports).toEqual([{ type: 'ready' }]);
    await renderer.destroy();
  });

  it('rejects with a non-retryable provider_load_failed when Stripe.js has no embedded checkout at all', async () => {
    const stripeJs = fakeStripeJs({ methodName: 'none' });
    const { host, reports } = fakeHost();
    const mounting = new StripeEmbeddedRenderer(stripeJs.load).mount(stripeSession(), host);
    await expect(mounting).rejects.toBeInstanceOf(CheckoutError);
    await expect(mounting).rejects.toMatchObject({ code: 'provider_load_failed', retryable: false });
    expect(reports).toEqual([]);
  });

  it('rejects with a retryable provider_load_failed when Stripe.js fails to load, and a new mount loads again', async () => {
    let attempts = 0;
    const working = fakeStripeJs();
    const flaky: LoadStripe = (key, options) => {
      attempts++;
      return attempts === 1 ? Promise.reject(new Error('Failed to load Stripe.js')) : working.load(key, options);
    };
    const first = fakeHost();
    await expect(new StripeEmbeddedRenderer(flaky).mount(stripeSession(), first.host)).rejects.toMatchObject({
      code: 'provider_load_failed',
      retryable: true,
      message: 'Stripe.js could not be loaded: Failed to load Stripe.js',
    });
    expect(first.reports).toEqual([]);

    const second = fakeHost();
    const retry = new StripeEmbeddedRenderer(flaky);
    await retry.mount(stripeSession(), second.host);
    expect(second.reports).toEqual([{ type: 'ready' }]);
    await retry.destroy();
  });

  it('rejects with invalid_session for a session without client secret or without any publishable key', async () => {
    const stripeJs = fakeStripeJs();
    const noSecret = fakeHost();
    await expect(
      new StripeEmbeddedRenderer(stripeJs.load).mount(stripeSession({ client_secret: undefined }), noSecret.host),
    ).rejects.toMatchObject({ code: 'invalid_session', retryable: false, message: expect.stringContaining('client_secret') });

    const noKey = fakeHost();
    await expect(
      new StripeEmbeddedRenderer(stripeJs.load).mount(stripeSession({ publishable_key: undefined }), noKey.host),
    ).rejects.toMatchObject({ code: 'invalid_session', message: expect.stringContaining('publishable') });
    expect([...noSecret.reports, ...noKey.reports]).toEqual([]);
    expect(stripeJs.loads).toHaveLength(0);
  });

  it('reports onComplete as an accept hint', async () => {
    const stripeJs = fakeStripeJs();
    const { host, reports } = fakeHost();
    const renderer = new StripeEmbeddedRenderer(stripeJs.load);
    await renderer.mount(stripeSession(), host);
    stripeJs.instances[0]?.options.onComplete?.();
    expect(reports).toEqual([{ type: 'ready' }, { type: 'accept', params: {} }]);
    await renderer.destroy();
  });

  it('destroys the Stripe instance once however often destroy() is called', async () => {
    const stripeJs = fakeStripeJs();
    const { host } = fakeHost();
    const renderer = new StripeEmbeddedRenderer(stripeJs.load);
    await renderer.mount(stripeSession(), host);
    await Promise.all([renderer.destroy(), renderer.destroy()]);
    await renderer.destroy();
    expect(stripeJs.instances[0]?.destroyCalls).toBe(1);
    expect(stripeJs.live).toBe(0);
  });

  it('a failed mount destroys its instance once, frees the page, and a later destroy() calls Stripe no more', async () => {
    const stripeJs = fakeStripeJs({ mountError: 'Elements cannot be mounted in a ShadowRoot. Please mount in the Light DOM.' });
    const { host, reports } = fakeHost();
    const renderer = new StripeEmbeddedRenderer(stripeJs.load);
    await expect(renderer.mount(stripeSession(), host)).rejects.toMatchObject({
      code: 'provider_load_failed',
      retryable: true,
      message: 'Stripe embedded checkout failed: Elements cannot be mounted in a ShadowRoot. Please mount in the Light DOM.',
    });
    expect(reports).toEqual([]);
    expect(stripeJs.live).toBe(0);
    await renderer.destroy();
    expect(stripeJs.instances[0]?.destroyCalls).toBe(1);
  });

  it('a teardown during an in-flight creation waits for it, destroys the instance and reports nothing', async () => {
    const stripeJs = fakeStripeJs({ holdCreation: true });
    const { host, reports } = fakeHost();
    const renderer = new StripeEmbeddedRenderer(stripeJs.load);
    const mounting = renderer.mount(stripeSession(), host);
    await settle();
    expect(stripeJs.heldCreations).toHaveLength(1);

    let tornDown = false;
    const teardown = renderer.destroy().then(() => (tornDown = true));
    await settle();
    expect(tornDown).toBe(false);

    stripeJs.heldCreations[0]?.();
    await Promise.all([teardown, mounting]);
    expect(stripeJs.instances[0]?.destroyCalls).toBe(1);
    expect(stripeJs.instances[0]?.mountedOn).toBeUndefined();
    expect(stripeJs.live).toBe(0);
    expect(reports).toEqual([]);
  });

  it('stops when destroyed while Stripe.js is loading, and resolves quietly', async () => {
    const stripeJs = fakeStripeJs();
    let finishLoad!: () => void;
    const slowLoad: LoadStripe = (key, options) =>
      new Promise((resolve) => {
        finishLoad = () => resolve(stripeJs.load(key, options));
      });
    const { host, reports } = fakeHost();
    const renderer = new StripeEmbeddedRenderer(slowLoad);
    const mounting = renderer.mount(stripeSession(), host);
    await settle();
    const teardown = renderer.destroy();
    finishLoad();
    await mounting;
    await teardown;
    expect(stripeJs.instances).toHaveLength(0);
    expect(reports).toEqual([]);
  });

  it('leaves teardown to destroy(): an aborted host signal alone does not tear the checkout down', async () => {
    const stripeJs = fakeStripeJs();
    const { host, controller } = fakeHost();
    const renderer = new StripeEmbeddedRenderer(stripeJs.load);
    await renderer.mount(stripeSession(), host);
    controller.abort();
    await settle();
    expect(stripeJs.instances[0]?.destroyCalls).toBe(0);
    await renderer.destroy();
    expect(stripeJs.instances[0]?.destroyCalls).toBe(1);
  });

  it('a second renderer on the page waits until the first is torn down, then mounts', async () => {
    const stripeJs = fakeStripeJs();
    const first = fakeHost();
    const second = fakeHost();
    const firstRenderer = new StripeEmbeddedRenderer(stripeJs.load);
    const secondRenderer = new StripeEmbeddedRenderer(stripeJs.load);
    await firstRenderer.mount(stripeSession(), first.host);
    const secondMounting = secondRenderer.mount(stripeSession({ id: 'cs_test_second' }), second.host);
    await settle();
    expect(second.reports).toEqual([]);
    expect(stripeJs.instances).toHaveLength(1);

    await firstRenderer.destroy();
    await secondMounting;
    expect(second.reports).toEqual([{ type: 'ready' }]);
    expect(stripeJs.integrationErrors).toBe(0);
    expect(stripeJs.live).toBe(1);
    await secondRenderer.destroy();
  });

  it('a waiting renderer that is torn down never creates an instance and does not hold up the next', async () => {
    const stripeJs = fakeStripeJs();
    const first = fakeHost();
    const firstRenderer = new StripeEmbeddedRenderer(stripeJs.load);
    await firstRenderer.mount(stripeSession(), first.host);
    const waiting = fakeHost();
    const waitingRenderer = new StripeEmbeddedRenderer(stripeJs.load);
    const waitingMount = waitingRenderer.mount(stripeSession(), waiting.host);
    const third = fakeHost();
    const thirdRenderer = new StripeEmbeddedRenderer(stripeJs.load);
    const thirdMount = thirdRenderer.mount(stripeSession(), third.host);
    await settle();

    await waitingRenderer.destroy();
    await waitingMount;
    await firstRenderer.destroy();
    await thirdMount;
    expect(waiting.reports).toEqual([]);
    expect(third.reports).toEqual([{ type: 'ready' }]);
    expect(stripeJs.instances).toHaveLength(2);
    expect(stripeJs.integrationErrors).toBe(0);
    await thirdRenderer.destroy();
  });

  it('keeps the client secret out of the error it rejects with', async () => {
    const failing: LoadStripe = () =>
      Promise.resolve({
        createEmbeddedCheckoutPage: () => Promise.reject(new Error(`Invalid client secret ${CLIENT_SECRET}.`)),
      } as unknown as Stripe);
    const { host } = fakeHost();
    const error: unknown = await new StripeEmbeddedRenderer(failing).mount(stripeSession(), host).catch((reason: unknown) => reason);
    expect(error).toMatchObject({ code: 'provider_load_failed', retryable: true, message: 'Stripe embedded checkout failed: Invalid client secret [client secret].' });
    expect((error as CheckoutError).cause).toBeUndefined();
    // The turn was given back: a next renderer mounts.
    const stripeJs = fakeStripeJs();
    const next = fakeHost();
    const renderer = new StripeEmbeddedRenderer(stripeJs.load);
    await renderer.mount(stripeSession(), next.host);
    expect(next.reports).toEqual([{ type: 'ready' }]);
    await renderer.destroy();
  });
});
