// `checkout-widget/define`: importing it registers every element (the package's one side effect).
import { CheckoutWidget } from './components/checkout-widget/checkout-widget.js';
import { defineCheckoutElements } from './components/define-elements.js';

defineCheckoutElements();

export { CheckoutWidget, defineCheckoutElements };
