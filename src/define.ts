import { CheckoutWidget } from './components/checkout-widget/checkout-widget.js';

/** Every element of the package, by tag. */
const ELEMENTS: ReadonlyArray<readonly [string, CustomElementConstructor]> = [['checkout-widget', CheckoutWidget]];

// Guarded, so loading the ES module and the IIFE (or either twice) on one page never throws.
for (const [tag, element] of ELEMENTS) {
  if (!customElements.get(tag)) customElements.define(tag, element);
}

export { CheckoutWidget };
