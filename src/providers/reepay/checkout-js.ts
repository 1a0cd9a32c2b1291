/** Reepay's browser library, `https://checkout.reepay.com/checkout.js`, as far as the widget uses it. */

export const CHECKOUT_JS_URL = 'https://checkout.reepay.com/checkout.js';

/** A hanging script request fails after this long, so the shopper can try again. */
export const CHECKOUT_JS_TIMEOUT_MS = 30_000;

/** What checkout.js hands an event handler; fields are present as the flow provides them. */
export interface ReepayEventData {
  id?: unknown;
  invoice?: unknown;
  customer?: unknown;
  subscription?: unknown;
  payment_method?: unknown;
  error?: unknown;
}

export interface ReepayCheckout {
  addEventHandler(event: string, handler: (data?: ReepayEventData) => void): void;
  destroy(): void;
}

export interface ReepayGlobal {
  /** `html_element` is the id of an element in the document (checkout.js looks it up by id). */
  EmbeddedCheckout: new (sessionId: string, options: { html_element: string }) => ReepayCheckout;
  ModalCheckout: new (sessionId: string) => ReepayCheckout;
  /** Navigates the page to Reepay's hosted checkout. */
  WindowCheckout: new (sessionId: string) => ReepayCheckout;
  Event: { Accept: string; Cancel: string; Error: string; Close: string; Open?: string; Init?: string };
}

type WindowWithReepay = Window & { Reepay?: ReepayGlobal };

let loading: Promise<ReepayGlobal> | undefined;

/**
 * `window.Reepay`, injecting the script tag once per page (a host page that loaded checkout.js
 * itself is reused). A failed load forgets its tag and promise, so the next call tries anew.
 */
export function loadCheckoutJs(): Promise<ReepayGlobal> {
  const existing = (window as WindowWithReepay).Reepay;
  if (existing) return Promise.resolve(existing);
  loading ??= new Promise<ReepayGlobal>((resolve, reject) => {
    const script = document.createElement('script');
    const fail = (reason: string) => {
      clearTimeout(timer);
      script.remove();
      loading = undefined;
      reject(new Error(reason));
    };
    const timer = setTimeout(() => fail('checkout.js timed out'), CHECKOUT_JS_TIMEOUT_MS);
    script.addEventListener('load', () => {
      const reepay = (window as WindowWithReepay).Reepay;
      if (!reepay) return fail('checkout.js defined no window.Reepay');
      clearTimeout(timer);
      resolve(reepay);
    });
    script.addEventListener('error', () => fail('checkout.js could not be loaded'));
    script.async = true;
    script.src = CHECKOUT_JS_URL;
    document.head.append(script);
  });
  return loading;
}
