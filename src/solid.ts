/**
 * `checkout-widget/solid`: types only. `import type {} from 'checkout-widget/solid'` and
 * `<checkout-widget>` is typed in Solid's JSX: its attributes (`endpoint`, `session-id`, `mode`, …),
 * its object properties as `prop:payload={{ items }}` / `prop:session`, and its events as
 * `on:checkout-accept={(e) => e.detail.session.id}`.
 */
import type { JSX } from 'solid-js';
import type { CheckoutEventMap } from './core/events.js';
import type { CheckoutWidget } from './components/checkout-widget/checkout-widget.js';
import type { CheckoutWidgetAttributes } from './components/checkout-widget/typings.js';

export type { CheckoutWidgetAttributes } from './components/checkout-widget/typings.js';

/** What Solid's JSX takes on `<checkout-widget>` (besides `prop:` and `on:` names). */
export type CheckoutWidgetSolidProps = JSX.HTMLAttributes<CheckoutWidget> & CheckoutWidgetAttributes;

declare module 'solid-js' {
  namespace JSX {
    interface IntrinsicElements {
      'checkout-widget': CheckoutWidgetSolidProps;
    }
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface CustomEvents extends CheckoutEventMap {}
    interface ExplicitProperties {
      payload: CheckoutWidget['payload'];
      session: CheckoutWidget['session'];
      strings: CheckoutWidget['strings'];
    }
  }
}
