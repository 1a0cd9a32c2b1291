import { CheckoutWidget } from './checkout-widget/checkout-widget.js';

/** Every element of the package, by tag. */
const ELEMENTS: ReadonlyArray<readonly [string, CustomElementConstructor]> = [['checkout-widget', CheckoutWidget]];

/**
 * Registers every element once; guarded, so the ES module and the IIFE (or either twice) can share
 * a page. In Node, Lit's node build provides a `customElements` registry (for server rendering).
 */
export function defineCheckoutElements(): void {
  for (const [tag, element] of ELEMENTS) {
    if (!customElements.get(tag)) customElements.define(tag, element);
  }
}
