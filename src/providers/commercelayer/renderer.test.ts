import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckoutError } from '../../core/errors.js';
import type { CheckoutSession } from '../../core/protocol.js';
import type { DisplayMode } from '../../core/display.js';
import type { RendererHost, RendererOutcome } from '../../renderers/types.js';
import type { RendererFactory } from '../../renderers/types.js';
import { en } from '../../components/checkout-widget/locales/en.js';

/** Just enough DOM for the renderer in Node: elements that append, listen and can be clicked. */
class FakeElement extends EventTarget {
  className = '';
  type = '';
  src = '';
  textContent = '';
  disabled = false;
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  parent: FakeElement | undefined;
  readonly children: FakeElement[] = [];
  readonly attributes = new Map<string, string>();
  append(...children: FakeElement[]): void {
    for (const child of children) {
      child.parent = this;
      this.children.push(child);
    }
  }
  remove(): void {
    this.parent?.children.splice(this.parent.children.indexOf(this), 1);
    this.parent = undefined;
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }
}

function fakeFrames() {
  const handlers = new Map<string, Array<(event?: { isValid?: boolean }) => void>>();
  const frames = {
    Events: { READY: 'ready', CARD_VALIDATION_CHANGED: 'cardValidationChanged' },
    init: vi.fn(),
    addEventHandler: (name: string, handler: (event?: { isValid?: boolean }) => void) =>
      handlers.set(name, [...(handlers.get(name) ?? []), handler]),
    removeAllEventHandlers: (name: string) => handlers.delete(name),
    submitCard: vi.fn(() => Promise.resolve({ token: 'tok_abc' })),
    enableSubmitForm: vi.fn(),
    fire: (name: string, event?: { isValid?: boolean }) => handlers.get(name)?.forEach((handler) => handler(event)),
    handlers,
  };
  return frames;
}

const session: CheckoutSession = {
  id: 'ses_ct_1',
  provider: 'commercelayer',
  kind: 'card-token',
  status: 'open',
  token_provider: 'checkout.com',
  public_key: 'pk_sbox_1',
  amount: 49800,
  currency: 'DKK',
};

let head: FakeElement;
let frames: ReturnType<typeof fakeFrames>;
let fakeWindow: Record<string, unknown>;
/** The card-token renderer with these Frames card fields, as the provider registry puts them together. */
let module: { createRenderer: RendererFactory; FRAMES_URL: string };

beforeEach(async () => {
  head = new FakeElement();
  frames = fakeFrames();
  fakeWindow = { screenX: 0, screenY: 0, outerWidth: 1000, outerHeight: 800, open: vi.fn(() => null) };
  vi.stubGlobal('window', fakeWindow);
  vi.stubGlobal('document', { head, adoptedStyleSheets: [], createElement: () => new FakeElement() });
  vi.stubGlobal('CSSStyleSheet', class { replaceSync(): void {} });
  // The script loads are per page: a fresh module per test.
  vi.resetModules();
  const [{ cardTokenRenderer }, fields] = await Promise.all([import('../../renderers/card-token/card-token-renderer.js'), import('./card-fields.js')]);
  const framesFields = async () => fields.createCardFields;
  module = { FRAMES_URL: fields.FRAMES_URL, createRenderer: cardTokenRenderer({ 'checkout.com': framesFields, sandbox: framesFields }) };
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Answers the pending script tag (once the lazily loaded card fields asked for it): loaded (defining `window.Frames`) or failed. */
async function answerScript(outcome: 'load' | 'error'): Promise<FakeElement> {
  await vi.waitFor(() => expect(head.children.length).toBeGreaterThan(0));
  const script = head.children.at(-1)!;
  if (outcome === 'load') {
    fakeWindow['Frames'] = frames;
    script.onload?.();
  } else script.onerror?.();
  return script;
}

function fakeHost(mode: DisplayMode = 'embedded', submitToken: (token: string) => Promise<CheckoutSession> = () => Promise.resolve({ ...session, status: 'complete' })) {
  const reports: RendererOutcome[] = [];
  const light = new FakeElement();
  const host = {
    element: new FakeElement(),
    container: new FakeElement(),
    lightMount: () => light,
    mode,
    locale: 'da-DK',
    strings: en,
    endpoint: 'https://shop.example/api/checkout/sessions',
    publishableKey: undefined,
    popup: null,
    signal: new AbortController().signal,
    report: (outcome: RendererOutcome) => reports.push(outcome),
    submitToken: vi.fn(submitToken),
  } as unknown as RendererHost & { submitToken: ReturnType<typeof vi.fn> };
  return { host, reports, light };
}

async function mounted(mode: DisplayMode = 'embedded', submitToken?: (token: string) => Promise<CheckoutSession>) {
  const bed = fakeHost(mode, submitToken);
  const renderer = module.createRenderer();
  const mounting = renderer.mount(session, bed.host);
  await answerScript('load');
  await mounting;
  const form = bed.light.children[0]!;
  const button = form.children[1]!;
  return { ...bed, renderer, form, button };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('CardTokenRenderer', () => {
  it('loads checkout.com Frames, fills a light-DOM .card-frame and keeps Pay disabled until the card is valid', async () => {
    const { form, button, reports } = await mounted();
    expect(head.children.map((script) => script.src)).toEqual([module.FRAMES_URL]);
    expect(form.children[0]!.className).toBe('card-frame');
    expect(frames.init).toHaveBeenCalledWith({ publicKey: 'pk_sbox_1', localization: 'DA-DK' });
    expect(button.textContent).toMatch(/^Pay .*498/);
    expect(button.disabled).toBe(true);

    frames.fire('ready');
    expect(reports).toEqual([{ type: 'ready' }]);
    frames.fire('cardValidationChanged', { isValid: true });
    expect(button.disabled).toBe(false);
    expect(button.attributes.get('aria-busy')).toBe('false');
  });

  it('loads the sandbox script from frames_url, once per page for every widget', async () => {
    const sandbox = { ...session, token_provider: 'sandbox', frames_url: 'http://127.0.0.1:4243/v1/frames.js' };
    const first = module.createRenderer().mount(sandbox, fakeHost().host);
    const second = module.createRenderer().mount(sandbox, fakeHost().host);
    await answerScript('load');
    await Promise.all([first, second]);
    expect(head.children.map((script) => script.src)).toEqual(['http://127.0.0.1:4243/v1/frames.js']);
  });

  it('a script that cannot load is provider_load_failed, and the next mount loads it anew', async () => {
    const mounting = module.createRenderer().mount(session, fakeHost().host);
    await answerScript('error');
    await expect(mounting).rejects.toMatchObject({ code: 'provider_load_failed', retryable: true });
    expect(head.children).toHaveLength(0);
    const again = module.createRenderer().mount(session, fakeHost().host);
    await answerScript('load');
    await again;
    expect(frames.init).toHaveBeenCalledTimes(1);
  });

  it('pays: the token goes to the endpoint and a complete answer is an accept hint', async () => {
    const { host, button, reports } = await mounted();
    frames.fire('cardValidationChanged', { isValid: true });
    button.dispatchEvent(new Event('click'));
    expect(button.attributes.get('aria-busy')).toBe('true');
    expect(button.disabled).toBe(true);
    await settle();
    expect(host.submitToken).toHaveBeenCalledWith('tok_abc');
    expect(reports).toEqual([{ type: 'accept', params: {} }]);
  });

  it('a decline (402) keeps the form for another card: payment_failed, retryable, Frames re-enabled', async () => {
    const decline = () => Promise.reject(new CheckoutError('endpoint_error', 'The card was declined.', { status: 402 }));
    const { button, reports, form } = await mounted('embedded', decline);
    frames.fire('cardValidationChanged', { isValid: true });
    button.dispatchEvent(new Event('click'));
    await settle();
    expect(reports).toEqual([{ type: 'error', code: 'payment_failed', message: 'The card was declined.', retryable: true }]);
    expect(frames.enableSubmitForm).toHaveBeenCalledTimes(1);
    expect(button.disabled).toBe(false);
    expect(form.parent).toBeDefined();
  });

  it('a card Frames cannot tokenize is the same, and sends no token', async () => {
    frames.submitCard.mockImplementation(() => Promise.reject(new Error('processing error')));
    const { host, button, reports } = await mounted();
    frames.fire('cardValidationChanged', { isValid: true });
    button.dispatchEvent(new Event('click'));
    await settle();
    expect(host.submitToken).not.toHaveBeenCalled();
    expect(reports).toEqual([expect.objectContaining({ type: 'error', code: 'payment_failed', retryable: true })]);
  });

  it('popup mode: opens the window in the click and hands it over with a 3-D Secure answer', async () => {
    const popup = { closed: false, close: vi.fn(), document: { body: {} } };
    (fakeWindow['open'] as ReturnType<typeof vi.fn>).mockReturnValue(popup);
    const threeDSecure = { ...session, url: 'https://3ds.example/challenge', frameable: false };
    const { button, reports, renderer } = await mounted('popup', () => Promise.resolve(threeDSecure));
    frames.fire('cardValidationChanged', { isValid: true });
    button.dispatchEvent(new Event('click'));
    expect(fakeWindow['open']).toHaveBeenCalledTimes(1);
    await settle();
    expect(reports).toEqual([{ type: 'handover', session: threeDSecure, popup }]);
    // Handed over: the widget owns the window now.
    renderer.destroy();
    expect(popup.close).not.toHaveBeenCalled();
  });

  it('destroy removes the form and the handlers, and closes a window not handed over', async () => {
    const popup = { closed: false, close: vi.fn(), document: { body: {} } };
    (fakeWindow['open'] as ReturnType<typeof vi.fn>).mockReturnValue(popup);
    const { button, renderer, light, host } = await mounted('popup', () => new Promise(() => undefined));
    frames.fire('cardValidationChanged', { isValid: true });
    button.dispatchEvent(new Event('click'));
    await settle();
    expect(host.submitToken).toHaveBeenCalled();
    renderer.destroy();
    expect(popup.close).toHaveBeenCalledTimes(1);
    expect(light.children).toHaveLength(0);
    expect(frames.handlers.size).toBe(0);
  });
});
