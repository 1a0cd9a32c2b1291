import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as CheckoutJs from './checkout-js.js';
import { fakeReepay, installFakeDom, type FakeElement } from './fake-dom.js';

let dom: ReturnType<typeof installFakeDom>;
let checkoutJs: typeof CheckoutJs;

beforeEach(async () => {
  dom = installFakeDom();
  // The module remembers its load per page: a fresh module is a fresh page.
  vi.resetModules();
  checkoutJs = await import('./checkout-js.js');
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function scripts(): FakeElement[] {
  return dom.head.children.filter((child) => child.tagName === 'script');
}

describe('loadCheckoutJs', () => {
  it('injects checkout.js once for concurrent calls and resolves with window.Reepay', async () => {
    const first = checkoutJs.loadCheckoutJs();
    const second = checkoutJs.loadCheckoutJs();
    expect(scripts()).toHaveLength(1);
    expect(scripts()[0]?.src).toBe('https://checkout.reepay.com/checkout.js');

    const reepay = fakeReepay();
    dom.window.Reepay = reepay;
    scripts()[0]?.dispatchEvent(new Event('load'));
    await expect(first).resolves.toBe(reepay);
    await expect(second).resolves.toBe(reepay);
  });

  it('reuses a window.Reepay the page already has', async () => {
    const reepay = fakeReepay();
    dom.window.Reepay = reepay;
    await expect(checkoutJs.loadCheckoutJs()).resolves.toBe(reepay);
    expect(scripts()).toHaveLength(0);
  });

  it('fails on a load error, removes its tag, and loads anew on the next call', async () => {
    const failed = checkoutJs.loadCheckoutJs();
    scripts()[0]?.dispatchEvent(new Event('error'));
    await expect(failed).rejects.toThrow('checkout.js could not be loaded');
    expect(scripts()).toHaveLength(0);

    const retried = checkoutJs.loadCheckoutJs();
    expect(scripts()).toHaveLength(1);
    dom.window.Reepay = fakeReepay();
    scripts()[0]?.dispatchEvent(new Event('load'));
    await expect(retried).resolves.toBe(dom.window.Reepay);
  });

  it('fails when the script loads but defines no window.Reepay', async () => {
    const loading = checkoutJs.loadCheckoutJs();
    scripts()[0]?.dispatchEvent(new Event('load'));
    await expect(loading).rejects.toThrow('defined no window.Reepay');
  });

  it('fails a load that hangs', async () => {
    vi.useFakeTimers();
    const loading = checkoutJs.loadCheckoutJs();
    const outcome = expect(loading).rejects.toThrow('timed out');
    vi.advanceTimersByTime(checkoutJs.CHECKOUT_JS_TIMEOUT_MS);
    await outcome;
    expect(scripts()).toHaveLength(0);
  });
});
