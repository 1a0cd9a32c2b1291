/**
 * `checkout-widget/preact`: types only. `import type {} from 'checkout-widget/preact'` and
 * `<checkout-widget>` is typed in Preact's JSX: its attributes and properties (Preact sets a
 * property when the element has it: `payload={{ items }}` works) and its events as
 * `oncheckout-accept={(e) => e.detail.session.id}` (Preact listens to the name after `on`).
 */
import type { HTMLAttributes } from 'preact';
import type { CheckoutWidget } from './components/checkout-widget/checkout-widget.js';
import type { CheckoutWidgetLowerEventProps, CheckoutWidgetProperties } from './components/checkout-widget/typings.js';

export type { CheckoutWidgetLowerEventProps, CheckoutWidgetProperties } from './components/checkout-widget/typings.js';

/** What Preact's JSX takes on `<checkout-widget>`. */
export type CheckoutWidgetPreactProps = HTMLAttributes<CheckoutWidget> & CheckoutWidgetProperties & CheckoutWidgetLowerEventProps;

declare module 'preact' {
  namespace JSX {
    interface IntrinsicElements {
      'checkout-widget': CheckoutWidgetPreactProps;
    }
  }
}
