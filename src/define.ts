import { CheckoutWidget } from './components/checkout-widget/checkout-widget.js';

/** Every element of the package, by tag. */
const ELEMENTS: ReadonlyArray<readonly [string, CustomElementConstructor]> = [['checkout-widget', CheckoutWidget]];

/**
 * Registers every element once; guarded, so the ES module and the IIFE (or either twice) can share
 * a page, and a no-op where there is no registry (Node, server rendering).
 */
export function defineCheckoutElements(): void {
  if (typeof customElements === 'undefined') return;
  for (const [tag, element] of ELEMENTS) {
    if (!customElements.get(tag)) customElements.define(tag, element);
  }
}

defineCheckoutElements();

export { CheckoutWidget };
