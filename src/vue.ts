/**
 * `checkout-widget/vue`: types only. `import type {} from 'checkout-widget/vue'` (or list it in
 * `compilerOptions.types`) and `<checkout-widget>` is typed in Vue templates: its properties
 * (`endpoint`, `session-id`, `:payload`, …) and its events (`@checkout-accept="(e) => e.detail.session.id"`),
 * so `vue-tsc` with `strictTemplates` refuses a misspelt attribute or a wrong `detail` field. Tell
 * Vue's compiler it is a custom element: `compilerOptions.isCustomElement: (tag) => tag === 'checkout-widget'`.
 */
import type { DefineComponent } from 'vue';
import type { CheckoutWidgetEventProps, CheckoutWidgetProperties } from './components/checkout-widget/typings.js';

export type { CheckoutWidgetAttributes, CheckoutWidgetEventProps, CheckoutWidgetProperties } from './components/checkout-widget/typings.js';

/** The props Vue's type-checker knows `<checkout-widget>` by: its properties and one listener per event. */
export type CheckoutWidgetVueProps = CheckoutWidgetProperties & CheckoutWidgetEventProps;

declare module 'vue' {
  interface GlobalComponents {
    'checkout-widget': DefineComponent<CheckoutWidgetVueProps>;
  }
}
