import { startEarly } from './components/checkout-widget/session-start.js';

/**
 * Evaluated first in the CDN module (its first import): begins the create calls of the widgets
 * already in the page. Exported (and used by `cdn.ts`), so no bundler drops it as unused.
 */
export const earlyStartCount = startEarly('checkout-widget');
