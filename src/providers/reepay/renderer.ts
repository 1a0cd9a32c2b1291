/**
 * Reepay (Frisbii) Checkout (`kind: 'reepay'`), rendered by Reepay's own checkout.js. Loaded
 * lazily by the renderer registry, so none of this is in the core bundle.
 *
 * Modes: `embedded` → `EmbeddedCheckout` in a light-DOM container (checkout.js finds its element
 * by id in the document, which cannot see into a shadow root); `overlay` → `ModalCheckout`;
 * `redirect` → `WindowCheckout` (the page leaves; the result comes back through the return URL);
 * `popup` → checkout.js has no popup mode, so the session url opens in the popup the widget
 * already opened and the outcome arrives as return-bridge messages, as for a hosted page.
 */
import { CheckoutError } from '../../core/errors.js';
import type { CheckoutSession, OutcomeParams } from '../../core/protocol.js';
import { createHostedRenderer } from '../../renderers/hosted/hosted-renderer.js';
import type { Renderer, RendererFactory, RendererHost } from '../../renderers/types.js';
import { loadCheckoutJs, type ReepayCheckout, type ReepayEventData } from './checkout-js.js';

/** The outcome fields of checkout.js events that become `detail.params`. */
const PARAM_FIELDS = ['id', 'invoice', 'customer', 'payment_method', 'subscription'] as const;

/**
 * Reepay session ids (charge `cs_`, recurring `pa_`). The same pattern as the Reepay session
 * shape's, repeated so this chunk does not depend on the validators chunk (a shared module
 * becomes a chunk of its own: one more request); shape.test.ts checks the two stay equal.
 */
const REEPAY_SESSION_ID = /^(cs|pa)_[a-f0-9]{32}$/;

let containers = 0;

/** Reepay's session id: from the hosted page url (`…/#/<id>`) or else the session id. */
export function reepaySessionId(session: CheckoutSession): string | undefined {
  let parts: string[] = [];
  try {
    const url = new URL(session.url ?? '');
    parts = `${url.hash}/${url.pathname}`.split(/[/#?&=]/);
  } catch {
    // No usable url: the session id may still be Reepay's.
  }
  return [...parts, session.id].find((part) => REEPAY_SESSION_ID.test(part));
}

export function outcomeParams(data: ReepayEventData | undefined): OutcomeParams {
  const params: OutcomeParams = {};
  for (const field of PARAM_FIELDS) {
    const value = data?.[field];
    if (typeof value === 'string' || typeof value === 'number') params[field] = String(value);
  }
  return params;
}

export class ReepayRenderer implements Renderer {
  #checkout: ReepayCheckout | undefined;
  #container: HTMLElement | undefined;
  #popup: Renderer | undefined;
  #destroyed = false;
  /** Accepted or cancelled: a later Close is only the modal going away. */
  #settled = false;
  #ready = false;

  async mount(session: CheckoutSession, host: RendererHost): Promise<void> {
    if (host.mode === 'popup') {
      this.#popup = createHostedRenderer();
      return this.#popup.mount(session, host);
    }
    const id = reepaySessionId(session);
    if (!id) throw new CheckoutError('invalid_session', 'The Reepay session has no Reepay session id (cs_… or pa_…) in its url or id');

    let reepay;
    try {
      reepay = await loadCheckoutJs();
    } catch (error) {
      if (this.#destroyed) return;
      throw new CheckoutError(
        'provider_load_failed',
        `The Reepay checkout could not be loaded (${(error as Error).message}). Check your connection and try again.`,
        { retryable: true },
      );
    }
    if (this.#destroyed) return;

    if (host.mode === 'redirect') {
      new reepay.WindowCheckout(id);
      return;
    }
    if (host.mode === 'overlay') {
      this.#checkout = new reepay.ModalCheckout(id);
    } else {
      const container = document.createElement('div');
      container.id = `checkout-reepay-${++containers}`;
      container.className = 'checkout-reepay';
      host.lightMount().append(container);
      this.#container = container;
      this.#checkout = new reepay.EmbeddedCheckout(id, { html_element: container.id });
    }

    const on = (event: string | undefined, handler: (data?: ReepayEventData) => void) => {
      if (event) this.#checkout?.addEventHandler(event, (data) => this.#destroyed || handler(data));
    };
    const ready = () => {
      if (this.#ready) return;
      this.#ready = true;
      host.report({ type: 'ready' });
    };
    const { Event } = reepay;
    on(Event.Init, ready);
    on(Event.Open, ready);
    on(Event.Accept, (data) => {
      this.#settled = true;
      host.report({ type: 'accept', params: outcomeParams(data) });
    });
    on(Event.Cancel, (data) => {
      this.#settled = true;
      host.report({ type: 'cancel', params: outcomeParams(data) });
    });
    on(Event.Error, (data) => {
      host.report({
        type: 'error',
        code: 'payment_failed',
        message: typeof data?.error === 'string' && data.error ? data.error : 'The payment did not go through. Please try again.',
        retryable: true,
      });
    });
    on(Event.Close, () => {
      // Closing the modal before paying is the shopper walking away, as with the hosted dialog.
      if (!this.#settled) host.report({ type: 'cancel', params: {} });
      this.#settled = true;
      host.report({ type: 'close' });
    });
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const checkout = this.#checkout;
    this.#checkout = undefined;
    try {
      checkout?.destroy();
    } catch {
      // checkout.js already tore itself down (e.g. the modal closed): nothing is left to free.
    }
    this.#container?.remove();
    void this.#popup?.destroy();
  }
}

/** The session kind this renderer draws (the provider registry reads it). */
export const SESSION_KIND = 'reepay';

export const createRenderer: RendererFactory = () => new ReepayRenderer();
export default createRenderer;
