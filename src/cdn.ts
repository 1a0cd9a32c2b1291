// The CDN entry: registers the elements on load and exposes the element class. Only what the
// element needs at once is in this file; session validators and provider glue are chunks.
import './define.js';

export { CheckoutWidget } from './components/checkout-widget/checkout-widget.js';
export { CheckoutError } from './core/errors.js';
