// src/lib/server/checkout.ts: one handler per process, created on the first request (never at
// import, so `vite build` starts nothing); the sandbox in `vite dev` or with CHECKOUT_SANDBOX=1.
import { dev } from '$app/environment';
import { env } from '$env/dynamic/private';
import type { CheckoutHandler } from 'checkout-widget/server';

const catalog = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } };
const cache = globalThis as typeof globalThis & { checkout?: Promise<CheckoutHandler> };

export function checkoutHandler(): Promise<CheckoutHandler> {
  cache.checkout ??= (async () => {
    const { createCheckoutHandler, providersFromEnv } = await import('checkout-widget/server');
    if (!dev && env.CHECKOUT_SANDBOX !== '1') return createCheckoutHandler({ providers: providersFromEnv(env), catalog });
    const { startSandbox } = await import('checkout-widget/server/node');
    const sandbox = await startSandbox({ dataDir: '.data/sandbox' });
    return createCheckoutHandler({ providers: [sandbox.provider], catalog });
  })();
  return cache.checkout;
}
