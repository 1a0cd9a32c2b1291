/**
 * `checkout-widget/funnel`: the widget's funnel (`checkout-step` events) sent on to an analytics
 * tool. Not in the widget's bundle: a shop that wants it imports it. The events carry no personal
 * data and no amounts; a shop that wants more adds it itself with `extra` (its own opt-in).
 */
import type { CheckoutStepEventDetail } from './core/events.js';

/** One funnel step as an adapter sends it: the event's detail, with what `extra` added. */
export type FunnelStep = CheckoutStepEventDetail & Record<string, unknown>;

/** Options of both adapters. */
export interface FunnelOptions {
  /** Where to listen; `document` when left out (the event bubbles and is composed). */
  target?: EventTarget;
  /**
   * The shop's opt-in to more than ids and codes: its answer is added to each step (a cart value,
   * an order id the shop knows). The widget itself never adds personal data or amounts. It gets
   * the step and the `<checkout-widget>` that fired it; `undefined` adds nothing. The step's own
   * fields win over what it returns.
   */
  extra?: (detail: CheckoutStepEventDetail, widget: EventTarget | null) => Record<string, unknown> | undefined;
}

/**
 * Calls `send` with every funnel step (`checkout-step`) of every widget under `target`.
 * Returns a function that stops listening. A throwing `send` is logged, never breaks the checkout.
 */
export function funnelToFunction(send: (step: FunnelStep) => void, options: FunnelOptions = {}): () => void {
  const target = options.target ?? document;
  const listener = (event: Event): void => {
    const detail = (event as CustomEvent<CheckoutStepEventDetail>).detail;
    try {
      send({ ...options.extra?.(detail, event.target), ...detail });
    } catch (error) {
      console.warn('checkout-widget/funnel: the funnel adapter failed', error);
    }
  };
  target.addEventListener('checkout-step', listener);
  return () => target.removeEventListener('checkout-step', listener);
}

/** Options of `funnelToDataLayer`. */
export interface DataLayerFunnelOptions extends FunnelOptions {
  /** The array to push to; `window.dataLayer` when left out (created when missing, as GTM's snippet does). */
  dataLayer?: unknown[];
  /** The `event` of each push; `checkout_step` when left out. */
  eventName?: string;
}

/**
 * Pushes every funnel step to Google Tag Manager's `dataLayer` as
 * `{ event: 'checkout_step', step, mode, provider, method, code }` (and what `extra` adds). The
 * five fields are always present, `undefined` when a step has none, because GTM's data model keeps
 * a key from an earlier push: a `code` of a decline must not stick to the `paid` after it.
 * Returns a function that stops pushing.
 */
export function funnelToDataLayer(options: DataLayerFunnelOptions = {}): () => void {
  const layer = options.dataLayer ?? ((window as unknown as { dataLayer?: unknown[] }).dataLayer ??= []);
  const event = options.eventName ?? 'checkout_step';
  return funnelToFunction(
    (step) => layer.push({ event, provider: undefined, method: undefined, code: undefined, ...step }),
    options,
  );
}
