import { startEarly } from './components/checkout-widget/session-start.js';

/**
 * Evaluated first in the CDN module (its first import): begins the create calls of the widgets
 * already in the page. Exported (and used by `cdn.ts`), so no bundler drops it as unused.
 */
export const earlyStartCount = startSafely();

function startSafely(): number {
  try {
    return startEarly('checkout-widget');
  } catch (error) {
    // Only a head start is lost: each element starts its own session when it connects.
    console.warn('<checkout-widget>: the early start failed; the widgets start by themselves', error);
    return 0;
  }
}
