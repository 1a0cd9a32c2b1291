import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCheckoutEvent, type CheckoutStepEventDetail } from './core/events.js';
import { funnelToDataLayer, funnelToFunction } from './funnel.js';

/** A widget inside a page: the step is fired on the widget and heard on the page (it bubbles). */
function page() {
  const root = new EventTarget();
  const widget = new EventTarget();
  const fire = (detail: CheckoutStepEventDetail) => {
    const event = createCheckoutEvent('checkout-step', detail);
    expect(event.bubbles && event.composed).toBe(true);
    // EventTarget has no tree in Node: hand the event to the page as bubbling would, target kept.
    Object.defineProperty(event, 'target', { value: widget });
    root.dispatchEvent(event);
  };
  return { root, widget, fire };
}

afterEach(() => vi.unstubAllGlobals());

describe('funnelToFunction', () => {
  it('calls the function with each step as the widget reported it, until stopped', () => {
    const { root, fire } = page();
    const seen: unknown[] = [];
    const stop = funnelToFunction((step) => seen.push(step), { target: root });
    fire({ step: 'shown', mode: 'embedded' });
    fire({ step: 'failed', mode: 'embedded', provider: 'sandbox', code: 'payment_failed' });
    stop();
    fire({ step: 'paid', mode: 'embedded', provider: 'sandbox' });
    expect(seen).toEqual([
      { step: 'shown', mode: 'embedded' },
      { step: 'failed', mode: 'embedded', provider: 'sandbox', code: 'payment_failed' },
    ]);
  });

  it('adds what the shop opts in to with extra, never over the step’s own fields; a throwing function is only logged', () => {
    const { root, widget, fire } = page();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const seen: unknown[] = [];
    funnelToFunction((step) => seen.push(step), {
      target: root,
      extra: (detail, from) => (from === widget && detail.step === 'paid' ? { value: 125, step: 'forged' } : undefined),
    });
    funnelToFunction(() => {
      throw new Error('analytics down');
    }, { target: root });
    fire({ step: 'shown', mode: 'popup' });
    fire({ step: 'paid', mode: 'popup', provider: 'stripe' });
    expect(seen).toEqual([
      { step: 'shown', mode: 'popup' },
      { value: 125, step: 'paid', mode: 'popup', provider: 'stripe' },
    ]);
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

describe('funnelToDataLayer', () => {
  it('pushes GTM events to window.dataLayer (made when missing), every field present so none sticks from an earlier push', () => {
    const { root, fire } = page();
    vi.stubGlobal('window', {});
    funnelToDataLayer({ target: root });
    fire({ step: 'failed', mode: 'overlay', provider: 'sandbox', code: 'payment_failed' });
    fire({ step: 'paid', mode: 'overlay', provider: 'sandbox' });
    expect((window as unknown as { dataLayer: unknown[] }).dataLayer).toEqual([
      { event: 'checkout_step', step: 'failed', mode: 'overlay', provider: 'sandbox', method: undefined, code: 'payment_failed' },
      { event: 'checkout_step', step: 'paid', mode: 'overlay', provider: 'sandbox', method: undefined, code: undefined },
    ]);
    expect(Object.keys((window as unknown as { dataLayer: object[] }).dataLayer[1]!)).toEqual(['event', 'provider', 'method', 'code', 'step', 'mode']);
  });

  it('pushes to an existing layer or a given one, under another event name', () => {
    const { root, fire } = page();
    const existing = [{ 'gtm.start': 1 }];
    vi.stubGlobal('window', { dataLayer: existing });
    const own: unknown[] = [];
    funnelToDataLayer({ target: root });
    const stop = funnelToDataLayer({ target: root, dataLayer: own, eventName: 'funnel' });
    fire({ step: 'method-chosen', mode: 'embedded', provider: 'sandbox', method: 'mobilepay' });
    stop();
    fire({ step: 'shown', mode: 'embedded' });
    expect(existing).toHaveLength(3);
    expect(own).toEqual([{ event: 'funnel', step: 'method-chosen', mode: 'embedded', provider: 'sandbox', method: 'mobilepay', code: undefined }]);
  });
});
