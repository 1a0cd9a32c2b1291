/**
 * Adyen Web v6 Drop-in, sessions flow (`kind: 'adyen'`). A lazy chunk: Adyen's script is fetched
 * only for such a session, from Adyen's CDN for the session's environment, pinned to one version
 * with Subresource Integrity. A page that already loaded Adyen Web itself (`window.AdyenWeb`,
 * e.g. a newer version with its own `integrity`) is used as it is.
 *
 * Drop-in is mounted in a light-DOM child shown through the widget's slot: `adyen.css` styles the
 * document, and 3-D Secure frames and redirects are untested inside shadow roots.
 *
 * `onPaymentCompleted`/`onPaymentFailed` hand over a `sessionResult`; the backend cannot read the
 * session at Adyen without it, so it goes to `GET {endpoint}/{id}?provider_result=…` (the backend
 * forwards it to Adyen and believes only Adyen's answer), then the widget confirms as for any accept.
 */
import { CheckoutError, isAbortError } from '../../core/errors.js';
import type { CheckoutSession } from '../../core/protocol.js';
import { ADYEN_ENVIRONMENTS } from '../../core/session-shapes/contract-check.js';
import { readTheme, type CheckoutTheme } from '../../renderers/theme.js';
import type { Renderer, RendererFactory, RendererHost } from '../../renderers/types.js';

/** The pinned Adyen Web version and its SRI hashes (Adyen's own example integration, facts §4). */
export const ADYEN_WEB_VERSION = '6.6.0';
export const ADYEN_WEB_INTEGRITY = {
  js: 'sha384-Oa2agnE48SFtDpzmEK8mbhbmEA1X4WH6afLBbypUhFU8oDhJWAIGvLQTBrqgls4A',
  css: 'sha384-UAD/QSv1wQyfA60svLYxJ0OJAPl9TpkksO+HEOUX8YJcD+MYzNmn+q4XL7YBeHcr',
} as const;

/** `https://checkoutshopper-{environment}.cdn.adyen.com/checkoutshopper/sdk/6.6.0/adyen.{js,css}`. */
export function adyenWebUrl(environment: string, file: 'adyen.js' | 'adyen.css'): string {
  return `https://checkoutshopper-${environment}.cdn.adyen.com/checkoutshopper/sdk/${ADYEN_WEB_VERSION}/${file}`;
}

/** What Adyen Web passes `onPaymentCompleted` / `onPaymentFailed` in the sessions flow. */
interface PaymentResult {
  sessionResult?: string;
  resultCode?: string;
}
interface DropinInstance {
  mount(target: HTMLElement): unknown;
  unmount(): unknown;
}
/** The part of `window.AdyenWeb` this renderer uses. */
export interface AdyenWebApi {
  AdyenCheckout(configuration: Record<string, unknown>): Promise<unknown>;
  Dropin: new (checkout: unknown, options?: Record<string, unknown>) => DropinInstance;
}

const adyenWeb = (): AdyenWebApi | undefined => {
  const api = (window as { AdyenWeb?: Partial<AdyenWebApi> }).AdyenWeb;
  return typeof api?.AdyenCheckout === 'function' && typeof api.Dropin === 'function' ? (api as AdyenWebApi) : undefined;
};

/** One load per page; a failed one is forgotten so "Try again" loads anew. */
let load: Promise<AdyenWebApi> | undefined;

function loadAdyenWeb(environment: string): Promise<AdyenWebApi> {
  const ready = adyenWeb();
  if (ready) return Promise.resolve(ready);
  if (!load) {
    const style = document.createElement('link');
    style.rel = 'stylesheet';
    style.href = adyenWebUrl(environment, 'adyen.css');
    style.integrity = ADYEN_WEB_INTEGRITY.css;
    style.crossOrigin = 'anonymous';
    const script = document.createElement('script');
    script.src = adyenWebUrl(environment, 'adyen.js');
    script.integrity = ADYEN_WEB_INTEGRITY.js;
    script.crossOrigin = 'anonymous';
    const attempt = new Promise<AdyenWebApi>((resolve, reject) => {
      script.onload = () => {
        const api = adyenWeb();
        if (api) resolve(api);
        else reject(new Error('it defined no window.AdyenWeb'));
      };
      script.onerror = () => reject(new Error(`${script.src} did not load (or failed its integrity check)`));
    });
    attempt.catch(() => {
      load = undefined;
      script.remove();
      style.remove();
    });
    load = attempt;
    document.head.append(style, script);
  }
  return load;
}

/**
 * The shop's theme for the card's secured fields (Adyen Web's card `styles`: `base`, `placeholder`,
 * … with camelCase CSS properties, applied inside Adyen's iframes, which the page's CSS cannot
 * reach): text and placeholder colours for light or dark, the caret in the accent colour when the
 * shop set `--checkout-accent`. The rest of the Drop-in is Adyen's own DOM in the light DOM, styled
 * by `adyen.css` and the shop's CSS.
 */
export function cardStyles(theme: CheckoutTheme): Record<string, Record<string, string>> {
  const dark = theme.scheme === 'dark';
  return {
    base: { color: dark ? '#f3f4f6' : '#00112c', ...(theme.accent && { caretColor: theme.accent }) },
    placeholder: { color: dark ? '#9ca3af' : '#687282' },
  };
}

/** The Drop-in's options: the card's styles from the shop's theme; none when the theme cannot be read (never a failed checkout). */
function dropinOptions(element: Element): Record<string, unknown> | undefined {
  try {
    return { paymentMethodsConfiguration: { card: { styles: cardStyles(readTheme(element)) } } };
  } catch {
    return undefined;
  }
}

/** One Drop-in for one session; `destroy()` unmounts it, also when it is still being created. */
export class AdyenDropinRenderer implements Renderer {
  readonly #stop = new AbortController();
  #mounted = false;
  #dropin: DropinInstance | undefined;
  #creation: Promise<unknown> | undefined;

  async mount(session: CheckoutSession, host: RendererHost): Promise<void> {
    if (this.#mounted) throw new Error('An Adyen renderer mounts one session only; create a new renderer.');
    this.#mounted = true;
    if (host.popup && !host.popup.closed) host.popup.close();
    const { session_id: id, session_data: sessionData, client_key: clientKey, environment } = session;
    if (!id || !sessionData || !clientKey || !environment || !(ADYEN_ENVIRONMENTS as readonly string[]).includes(environment)) {
      throw new CheckoutError('invalid_session', 'The adyen session needs session_id, session_data, client_key and a known environment.');
    }
    let api: AdyenWebApi;
    try {
      api = await loadAdyenWeb(environment);
    } catch (error) {
      throw new CheckoutError('provider_load_failed', `Adyen Web could not be loaded: ${messageOf(error)}`, { retryable: true });
    }
    if (this.#stop.signal.aborted) return;
    const settle = (result: PaymentResult, completed: boolean) => void this.#settle(session, host, result, completed);
    try {
      const creation = api.AdyenCheckout({
        environment,
        clientKey,
        session: { id, sessionData },
        locale: host.locale,
        onPaymentCompleted: (result: PaymentResult) => settle(result, true),
        onPaymentFailed: (result: PaymentResult) => settle(result, false),
        onError: (error: { name?: string; message?: string }) => {
          if (this.#stop.signal.aborted) return;
          if (error?.name === 'CANCEL') host.report({ type: 'cancel', params: {} });
          else host.report({ type: 'error', code: 'payment_failed', message: `Adyen: ${error?.message ?? 'error'}`, retryable: true });
        },
      });
      this.#creation = creation.catch(() => undefined);
      const checkout = await creation;
      if (this.#stop.signal.aborted) return;
      this.#dropin = new api.Dropin(checkout, dropinOptions(host.element));
      // An element, not a selector: a selector is resolved in the document only.
      this.#dropin.mount(host.lightMount());
    } catch (error) {
      this.#unmount();
      if (this.#stop.signal.aborted) return;
      throw new CheckoutError('provider_load_failed', `Adyen Drop-in failed: ${messageOf(error).split(sessionData).join('[session data]')}`, {
        retryable: true,
      });
    }
    host.report({ type: 'ready' });
  }

  /** Hands the result to the backend (which asks Adyen), then lets the widget confirm or shows the decline. */
  async #settle(session: CheckoutSession, host: RendererHost, result: PaymentResult, completed: boolean): Promise<void> {
    if (this.#stop.signal.aborted) return;
    if (!completed && result.resultCode === 'Cancelled') return host.report({ type: 'cancel', params: {} });
    let status: string | undefined;
    if (host.endpoint && result.sessionResult) {
      const url = `${host.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(session.id)}?provider_result=${encodeURIComponent(result.sessionResult)}`;
      try {
        const answer = await fetch(url, { headers: { Accept: 'application/json' }, signal: host.signal });
        status = answer.ok ? ((await answer.json()) as { status?: string }).status : undefined;
      } catch (error) {
        if (isAbortError(error)) return;
      }
    }
    if (this.#stop.signal.aborted) return;
    // A completed payment, or a session the backend says is over: the widget's own read decides.
    if (completed || (status && status !== 'open')) return host.report({ type: 'accept', params: {} });
    host.report({ type: 'error', code: 'payment_failed', message: `Adyen: the payment was ${result.resultCode ?? 'refused'}`, retryable: true });
  }

  async destroy(): Promise<void> {
    this.#stop.abort();
    // An AdyenCheckout call in flight cannot be cancelled: wait, so nothing is mounted after teardown.
    await this.#creation;
    this.#unmount();
  }

  #unmount(): void {
    const dropin = this.#dropin;
    this.#dropin = undefined;
    try {
      dropin?.unmount();
    } catch {
      // Already gone with its node.
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The session kind this renderer draws (the provider registry reads it). */
export const SESSION_KIND = 'adyen';

export const createRenderer: RendererFactory = () => new AdyenDropinRenderer();
export default createRenderer;
