// The CDN entry: registers the elements on load and exposes the element class. Only what the
// element needs at once is in this file; session validators and provider glue are chunks.
import { defineCheckoutElements } from './components/define-elements.js';

// Called here, not by importing `./define.js` for its side effect: package.json marks src modules
// side-effect free, so a bare `import './define.js'` would be dropped by the bundler.
defineCheckoutElements();

export { CheckoutWidget } from './components/checkout-widget/checkout-widget.js';
export { CheckoutError } from './core/errors.js';
