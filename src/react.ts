/**
 * `checkout-widget/react`: a React component per element, made with `@lit/react`, with the
 * events as typed `on*` props (`onCheckoutAccept`, `onCheckoutError`, …), and JSX types for the
 * bare `<checkout-widget>` tag.
 */
import { createComponent, type EventName } from '@lit/react';
import * as React from 'react';
import { CheckoutWidget as CheckoutWidgetElement } from './components/checkout-widget/checkout-widget.js';
import { CHECKOUT_EVENT_NAMES, type CheckoutEvent, type CheckoutEventName } from './core/events.js';
import { defineCheckoutElements } from './components/define-elements.js';

/** `checkout-accept` → `onCheckoutAccept`. */
type EventPropName<N extends CheckoutEventName> = N extends `checkout-${infer Rest}` ? `onCheckout${Capitalize<Rest>}` : never;
type CheckoutEventProps = { [N in CheckoutEventName as EventPropName<N>]: EventName<CheckoutEvent<N>> };

function eventPropName(name: string): string {
  return `on${name.replace(/(^|-)(\w)/g, (_, __, letter: string) => letter.toUpperCase())}`;
}

/** Every `checkout-*` event as its prop, from the one list of event names. */
const EVENTS = Object.fromEntries(CHECKOUT_EVENT_NAMES.map((name) => [eventPropName(name), name])) as unknown as CheckoutEventProps;

// Registered before React first renders the tag: an element React meets unregistered gets its
// `payload` object as the attribute "[object Object]". In Node (SSR) there is nothing to register.
defineCheckoutElements();

/**
 * `<CheckoutWidget endpoint payload mode onCheckoutAccept={…} />`: properties are set as
 * properties (`payload` stays an object), events arrive typed.
 */
export const CheckoutWidget = createComponent({
  react: React,
  tagName: 'checkout-widget',
  elementClass: CheckoutWidgetElement,
  events: EVENTS,
});

/**
 * Props of the `CheckoutWidget` component, for a wrapper that passes them on: the element's
 * properties and typed `onCheckout*` handlers.
 */
export type CheckoutWidgetProps = React.ComponentProps<typeof CheckoutWidget>;

/** The bare tag in TSX: its attributes (strings) and `oncheckout-*` listeners, as React 19 passes them. */
export type CheckoutWidgetIntrinsicProps = React.DetailedHTMLProps<React.HTMLAttributes<CheckoutWidgetElement>, CheckoutWidgetElement> & {
  endpoint?: string;
  payload?: string;
  mode?: CheckoutWidgetElement['mode'];
  locale?: string;
  'session-id'?: string;
  'publishable-key'?: string;
} & { [N in CheckoutEventName as `on${N}`]?: (event: CheckoutEvent<N>) => void };

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'checkout-widget': CheckoutWidgetIntrinsicProps;
    }
  }
}
