// lib/checkout.ts (server only)
import type { CheckoutHandler } from 'checkout-widget/server';

const catalog = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } };
const cache = globalThis as typeof globalThis & { checkout?: Promise<CheckoutHandler> };

/** The sandbox in `next dev`, and in `next start` with CHECKOUT_SANDBOX=on; else the providers the environment configures. */
export function checkoutHandler(): Promise<CheckoutHandler> {
  cache.checkout ??= (async () => {
    const { createCheckoutHandler, providersFromEnv } = await import('checkout-widget/server');
    if (process.env.NODE_ENV === 'production' && process.env.CHECKOUT_SANDBOX !== 'on') {
      return createCheckoutHandler({ providers: providersFromEnv(process.env), catalog });
    }
    const { startSandbox } = await import('checkout-widget/server/node');
    const sandbox = await startSandbox({ dataDir: '.data/sandbox' });
    return createCheckoutHandler({ providers: [sandbox.provider], catalog });
  })();
  return cache.checkout;
}
