// The CDN entry: registers the elements on load and exposes the element class. Only what the
// element needs at once is in this file; session validators and provider glue are chunks.
// First import, so it evaluates before Lit and the element: widgets already in the page have
// their create calls in flight while the rest of this file evaluates.
import { earlyStartCount } from './early-start.js';
import { defineCheckoutElements } from './define.js';
import { dropEarlyStarts } from './components/checkout-widget/session-start.js';

// Called here rather than relying on define.ts's own call: package.json marks src modules
// side-effect free, so a bare `import './define.js'` would be dropped by the bundler.
defineCheckoutElements();
// Every element already in the page takes its early start in its first update (microtasks after
// `define` above): one left after that was made for inputs no element asked for.
if (earlyStartCount) setTimeout(dropEarlyStarts);

export { CheckoutWidget } from './components/checkout-widget/checkout-widget.js';
export { CheckoutError } from './core/errors.js';
