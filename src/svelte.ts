/**
 * `checkout-widget/svelte`: types only. `import type {} from 'checkout-widget/svelte'` and
 * `<checkout-widget>` is typed in Svelte 5 templates (`svelte-check`): its properties (Svelte sets
 * a property when the element has it: `payload={{ items }}`) and its events as
 * `oncheckout-accept={(e) => e.detail.session.id}`.
 */
import type { HTMLAttributes } from 'svelte/elements';
import type { CheckoutWidget } from './components/checkout-widget/checkout-widget.js';
import type { CheckoutWidgetLowerEventProps, CheckoutWidgetProperties } from './components/checkout-widget/typings.js';

export type { CheckoutWidgetLowerEventProps, CheckoutWidgetProperties } from './components/checkout-widget/typings.js';

/** What a Svelte template takes on `<checkout-widget>`. */
export type CheckoutWidgetSvelteProps = HTMLAttributes<CheckoutWidget> & CheckoutWidgetProperties & CheckoutWidgetLowerEventProps;

declare module 'svelte/elements' {
  interface SvelteHTMLElements {
    'checkout-widget': CheckoutWidgetSvelteProps;
  }
}
