import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckoutSession } from '../../core/protocol.js';
import type { DisplayMode } from '../../core/display.js';
import type { RendererHost, RendererOutcome } from '../../renderers/types.js';
import type * as ReepayRendererModule from './renderer.js';
import { FakeElement, fakeReepay, installFakeDom } from './fake-dom.js';

const reepayId = 'cs_0123456789abcdef0123456789abcdef';
const session: CheckoutSession = {
  id: reepayId,
  provider: 'reepay',
  kind: 'reepay',
  status: 'open',
  url: `https://checkout.reepay.com/#/${reepayId}`,
};

let dom: ReturnType<typeof installFakeDom>;
let reepay: ReturnType<typeof fakeReepay>;
let module: typeof ReepayRendererModule;

beforeEach(async () => {
  dom = installFakeDom();
  reepay = fakeReepay();
  dom.window.Reepay = reepay;
  vi.resetModules();
  module = await import('./renderer.js');
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function fakeHost(mode: DisplayMode, popup: Window | null = null) {
  const reports: RendererOutcome[] = [];
  const light = new FakeElement('div');
  const lifetime = new AbortController();
  const host = {
    element: new FakeElement('checkout-widget'),
    container: new FakeElement('div'),
    lightMount: () => light,
    mode,
    locale: 'da',
    endpoint: 'https://shop.example/api/checkout/sessions',
    publishableKey: undefined,
    popup,
    signal: lifetime.signal,
    report: (outcome: RendererOutcome) => reports.push(outcome),
  } as unknown as RendererHost;
  return { host, reports, light, lifetime };
}

describe('reepaySessionId', () => {
  it.each([
    [{ url: `https://checkout.reepay.com/#/${reepayId}` }, reepayId],
    [{ url: `https://checkout.reepay.com/#/${reepayId}?lang=da` }, reepayId],
    [{ url: `https://checkout.example/pay/${reepayId}` }, reepayId],
    [{ id: reepayId, url: 'https://checkout.example/pay' }, reepayId],
    [{ id: 'ses_1', url: 'https://checkout.example/pay/ses_1' }, undefined],
    [{ id: 'ses_1', url: undefined }, undefined],
  ])('%o → %s', (patch, expected) => {
    expect(module.reepaySessionId({ ...session, id: 'ses_backend', ...patch })).toBe(expected);
  });
});

describe('outcomeParams', () => {
  it('keeps the documented fields as strings and drops the rest', () => {
    expect(
      module.outcomeParams({ id: reepayId, invoice: 'order-1', customer: 'cust-1', payment_method: 'ca_1', subscription: 7, error: 'x' }),
    ).toEqual({ id: reepayId, invoice: 'order-1', customer: 'cust-1', payment_method: 'ca_1', subscription: '7' });
    expect(module.outcomeParams({ invoice: { nested: true } } as never)).toEqual({});
    expect(module.outcomeParams(undefined)).toEqual({});
  });
});

describe('ReepayRenderer', () => {
  it('embeds checkout.js in a light-DOM element it names by id', async () => {
    const { host, reports, light } = fakeHost('embedded');
    await module.createRenderer().mount(session, host);

    const [checkout] = reepay.instances;
    expect(checkout?.kind).toBe('EmbeddedCheckout');
    expect(checkout?.sessionId).toBe(reepayId);
    const container = light.children[0];
    expect(container?.id).toMatch(/^checkout-reepay-\d+$/);
    expect(checkout?.options).toEqual({ html_element: container?.id });
    expect(reports).toEqual([]);

    checkout?.fire('init');
    checkout?.fire('open');
    expect(reports).toEqual([{ type: 'ready' }]);
  });

  it('reports Accept with its params, Cancel and Error', async () => {
    const { host, reports } = fakeHost('embedded');
    await module.createRenderer().mount(session, host);
    const checkout = reepay.instances[0];

    checkout?.fire('error', { error: 'Card declined' });
    checkout?.fire('accept', { id: reepayId, invoice: 'order-1', customer: 'cust-1', payment_method: 'ca_1' });
    expect(reports).toEqual([
      { type: 'error', code: 'payment_failed', message: 'Card declined', retryable: true },
      { type: 'accept', params: { id: reepayId, invoice: 'order-1', customer: 'cust-1', payment_method: 'ca_1' } },
    ]);

    reports.length = 0;
    checkout?.fire('cancel', { id: reepayId });
    expect(reports).toEqual([{ type: 'cancel', params: { id: reepayId } }]);
  });

  it('opens a modal for overlay; closing it unpaid is a cancel', async () => {
    const { host, reports } = fakeHost('overlay');
    await module.createRenderer().mount(session, host);
    const checkout = reepay.instances[0];
    expect(checkout?.kind).toBe('ModalCheckout');

    checkout?.fire('close');
    expect(reports).toEqual([{ type: 'cancel', params: {} }, { type: 'close' }]);
  });

  it('closing the modal after an accept is only a close', async () => {
    const { host, reports } = fakeHost('overlay');
    await module.createRenderer().mount(session, host);
    reepay.instances[0]?.fire('accept', { id: reepayId });
    reepay.instances[0]?.fire('close');
    expect(reports.map((outcome) => outcome.type)).toEqual(['accept', 'close']);
  });

  it('leaves for Reepay with WindowCheckout in redirect mode', async () => {
    const { host, reports } = fakeHost('redirect');
    await module.createRenderer().mount(session, host);
    expect(reepay.instances.map((checkout) => [checkout.kind, checkout.sessionId])).toEqual([['WindowCheckout', reepayId]]);
    expect(reports).toEqual([]);
  });

  it('opens the session url in the popup rather than through checkout.js', async () => {
    const popup = { closed: false, location: { href: 'about:blank' }, close: vi.fn() };
    const { host, reports, lifetime } = fakeHost('popup', popup as unknown as Window);
    const renderer = module.createRenderer();
    await renderer.mount(session, host);
    expect(popup.location.href).toBe(session.url);
    expect(reports).toEqual([{ type: 'ready' }]);
    expect(reepay.instances).toEqual([]);
    lifetime.abort();
    expect(popup.close).not.toHaveBeenCalled();
    renderer.destroy();
    expect(popup.close).toHaveBeenCalled();
  });

  it('rejects a session without a Reepay id as invalid', async () => {
    const { host, reports } = fakeHost('embedded');
    const mounting = module.createRenderer().mount({ ...session, id: 'ses_1', url: 'https://checkout.example/pay/ses_1' }, host);
    // vi.resetModules gives the renderer its own copy of errors.ts: compare by name, not class.
    await expect(mounting).rejects.toMatchObject({ name: 'CheckoutError', code: 'invalid_session', retryable: false });
    expect(reports).toEqual([]);
    expect(reepay.instances).toEqual([]);
  });

  it('rejects with a retryable provider_load_failed when checkout.js fails to load', async () => {
    delete dom.window.Reepay;
    const { host, reports } = fakeHost('embedded');
    const mounting = module.createRenderer().mount(session, host);
    dom.head.children[0]?.dispatchEvent(new Event('error'));
    await expect(mounting).rejects.toMatchObject({
      name: 'CheckoutError',
      code: 'provider_load_failed',
      retryable: true,
      message: 'The Reepay checkout could not be loaded (checkout.js could not be loaded). Check your connection and try again.',
    });
    expect(reports).toEqual([]);
  });

  it('a failed load after destroy() resolves quietly', async () => {
    delete dom.window.Reepay;
    const { host, reports } = fakeHost('embedded');
    const renderer = module.createRenderer();
    const mounting = renderer.mount(session, host);
    renderer.destroy();
    dom.head.children[0]?.dispatchEvent(new Event('error'));
    await expect(mounting).resolves.toBeUndefined();
    expect(reports).toEqual([]);
  });

  it('destroys once, removes its element, and ignores later events', async () => {
    const { host, reports, light } = fakeHost('embedded');
    const renderer = module.createRenderer();
    await renderer.mount(session, host);
    const checkout = reepay.instances[0];

    renderer.destroy();
    renderer.destroy();
    expect(checkout?.destroyCalls).toBe(1);
    expect(light.children).toEqual([]);
    checkout?.fire('accept', { id: reepayId });
    expect(reports).toEqual([]);
  });

  it('tears down on destroy(), also while checkout.js is still loading', async () => {
    delete dom.window.Reepay;
    const { host, reports, light } = fakeHost('embedded');
    const renderer = module.createRenderer();
    const mounting = renderer.mount(session, host);
    renderer.destroy();
    dom.window.Reepay = reepay;
    dom.head.children[0]?.dispatchEvent(new Event('load'));
    await mounting;
    expect(reepay.instances).toEqual([]);
    expect(light.children).toEqual([]);
    expect(reports).toEqual([]);
  });
});
