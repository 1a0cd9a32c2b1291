/**
 * Card fields that make a card token (`kind: 'card-token'`: Commerce Layer + checkout.com, or the
 * sandbox's double of it). Loaded lazily by the renderer registry, so none of this is in the core
 * bundle, and the token provider's script is fetched only for such a session.
 *
 * Frames finds its `.card-frame` placeholder in the document and cannot see into a shadow root,
 * so the fields and the Pay button live in a light-DOM mount slotted into the widget. The card
 * number stays inside the token provider's frame; only the token reaches this page and the
 * backend (`POST {endpoint}/{id}/token`). The answered session decides what follows: 3-D Secure
 * is handed over to the widget's hosted flow, a final status is confirmed by the widget.
 *
 * It imports no core module that has imports of its own (the session client, say): the bundler
 * would then split those shared modules into a chunk of their own, one more request for every
 * start. The widget sends the token for it (`host.submitToken`).
 */
import { CheckoutError, isAbortError } from '../../core/errors.js';
import { openPopup } from '../../core/popup.js';
import type { CheckoutSession } from '../../core/protocol.js';
import type { Renderer, RendererFactory, RendererHost } from '../../renderers/types.js';

/** checkout.com's Frames script; the sandbox names its own double in `frames_url`. */
export const FRAMES_URL = 'https://cdn.checkout.com/js/framesv2.min.js';

/** The part of checkout.com Frames this renderer uses (the sandbox's script offers the same). */
export interface FramesApi {
  Events: { READY: string; CARD_VALIDATION_CHANGED: string };
  init(config: { publicKey: string; localization?: string }): void;
  addEventHandler(name: string, handler: (event?: { isValid?: boolean }) => void): void;
  removeAllEventHandlers(name: string): void;
  submitCard(): Promise<{ token: string }>;
  enableSubmitForm(): void;
}

/** Frames' own translations for the widget's languages; anything else is English. */
const FRAMES_LOCALES: Record<string, string> = { da: 'DA-DK', de: 'DE-DE', fi: 'FI-FI', nb: 'NB-NO', no: 'NB-NO', sv: 'SV-SE' };

/** The widget's button look (its shadow styles do not reach the light DOM); a constructed sheet needs no CSP style-src. */
const PAY_BUTTON_CSS = `.checkout-card-pay{margin-top:.75em;padding:.6em 1.4em;border:0;border-radius:var(--checkout-radius,8px);background:var(--checkout-accent,#1a56db);color:var(--checkout-accent-contrast,#fff);font:inherit;cursor:pointer}.checkout-card-pay:disabled{opacity:.55;cursor:default}.checkout-card-pay:focus-visible{outline:2px solid var(--checkout-accent,#1a56db);outline-offset:2px}`;

/** One script load per URL and page, shared by every widget; a failed one is forgotten so "Try again" loads anew. */
const scriptLoads = new Map<string, Promise<FramesApi>>();
let styled = false;

function loadFrames(src: string): Promise<FramesApi> {
  let load = scriptLoads.get(src);
  if (!load) {
    const script = document.createElement('script');
    load = new Promise<FramesApi>((resolve, reject) => {
      script.onload = () => {
        const frames = (window as { Frames?: FramesApi }).Frames;
        if (frames) resolve(frames);
        else reject(new Error('it defined no window.Frames'));
      };
      script.onerror = () => reject(new Error(`${src} did not load`));
    });
    load.catch(() => {
      scriptLoads.delete(src);
      script.remove();
    });
    scriptLoads.set(src, load);
    script.src = src;
    document.head.append(script);
  }
  return load;
}

function adoptPayButtonStyle(): void {
  if (styled) return;
  styled = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(PAY_BUTTON_CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

/** "Betal 498,00 kr." in the widget's locale and language; the bare word without an amount. */
function payLabel(session: CheckoutSession, locale: string, pay: string): string {
  if (session.amount === undefined || !session.currency) return pay;
  try {
    const format = new Intl.NumberFormat(locale || undefined, { style: 'currency', currency: session.currency });
    return `${pay} ${format.format(session.amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2))}`;
  } catch {
    return pay;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class CardTokenRenderer implements Renderer {
  #frames: FramesApi | undefined;
  #form: HTMLElement | undefined;
  #button: HTMLButtonElement | undefined;
  /** The window opened in the Pay click (popup mode), ours until handed over for 3-D Secure. */
  #popup: Window | null = null;
  #valid = false;
  #paying = false;
  #destroyed = false;

  async mount(session: CheckoutSession, host: RendererHost): Promise<void> {
    // The card fields are on the shop's page in every mode: the window a popup-mode trigger
    // opened (before the kind was known) is not needed; the Pay click opens its own.
    if (host.popup && !host.popup.closed) host.popup.close();
    const { public_key: publicKey } = session;
    const src = session.token_provider === 'sandbox' ? session.frames_url : FRAMES_URL;
    if (!publicKey || !src) throw new CheckoutError('invalid_session', 'The card-token session has no public_key or script to load.');

    let frames: FramesApi;
    try {
      frames = await loadFrames(src);
    } catch (error) {
      if (this.#destroyed) return;
      throw new CheckoutError('provider_load_failed', `The card fields could not be loaded (${messageOf(error)}). Check your connection and try again.`, {
        retryable: true,
      });
    }
    if (this.#destroyed) return;

    adoptPayButtonStyle();
    const form = document.createElement('div');
    form.className = 'checkout-card';
    const fields = document.createElement('div');
    fields.className = 'card-frame';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'checkout-card-pay';
    button.textContent = payLabel(session, host.locale, host.strings.pay);
    button.addEventListener('click', () => void this.#pay(host));
    form.append(fields, button);
    host.lightMount().append(form);
    this.#form = form;
    this.#button = button;
    this.#frames = frames;
    this.#render();

    try {
      frames.init({ publicKey, localization: FRAMES_LOCALES[host.locale.slice(0, 2).toLowerCase()] ?? 'EN-GB' });
    } catch (error) {
      this.destroy();
      throw new CheckoutError('provider_load_failed', `The card fields could not be shown: ${messageOf(error)}`, { retryable: true });
    }
    frames.addEventHandler(frames.Events.READY, () => this.#destroyed || host.report({ type: 'ready' }));
    frames.addEventHandler(frames.Events.CARD_VALIDATION_CHANGED, (event) => {
      this.#valid = Boolean(event?.isValid);
      this.#render();
    });
  }

  /** The Pay button: enabled for a valid card, busy while a payment is under way. */
  #render(): void {
    const button = this.#button;
    if (!button) return;
    button.disabled = !this.#valid || this.#paying;
    button.setAttribute('aria-busy', String(this.#paying));
  }

  async #pay(host: RendererHost): Promise<void> {
    const frames = this.#frames;
    if (!frames || this.#paying || !this.#valid) return;
    // Now, inside the click, or blockers refuse it: 3-D Secure may need it once the backend answers.
    if (host.mode === 'popup') this.#popup = openPopup(host.strings);
    this.#paying = true;
    this.#render();

    let token: string;
    try {
      ({ token } = await frames.submitCard());
    } catch {
      return this.#declined(host, 'The card details could not be processed. Check them or use another card.');
    }
    if (this.#destroyed) return;

    let answer: CheckoutSession;
    try {
      answer = await host.submitToken(token);
    } catch (error) {
      if (this.#destroyed || isAbortError(error)) return;
      const failure = error as CheckoutError;
      if (failure.status === 402) return this.#declined(host, failure.message);
      this.#closePopup();
      host.report({ type: 'error', code: failure.code ?? 'endpoint_error', message: failure.message, retryable: failure.retryable ?? true });
      return;
    }
    if (this.#destroyed) return;
    if (answer.status === 'complete') {
      this.#closePopup();
      host.report({ type: 'accept', params: {} });
      return;
    }
    // 3-D Secure (a url) goes on in the window opened in the click; a failed session needs none.
    const popup = answer.url ? this.#popup : null;
    if (!answer.url) this.#closePopup();
    this.#popup = null;
    host.report({ type: 'handover', session: answer, popup });
  }

  /** A decline or a card the provider could not tokenize: the form stays for another card. */
  #declined(host: RendererHost, message: string): void {
    if (this.#destroyed) return;
    this.#closePopup();
    this.#paying = false;
    this.#frames?.enableSubmitForm();
    this.#render();
    host.report({ type: 'error', code: 'payment_failed', message, retryable: true });
  }

  #closePopup(): void {
    if (this.#popup && !this.#popup.closed) this.#popup.close();
    this.#popup = null;
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const frames = this.#frames;
    if (frames) for (const name of [frames.Events.READY, frames.Events.CARD_VALIDATION_CHANGED]) frames.removeAllEventHandlers(name);
    this.#form?.remove();
    this.#closePopup();
  }
}

/** The session kind this renderer draws (the provider registry reads it). */
export const SESSION_KIND = 'card-token';

export const createRenderer: RendererFactory = () => new CardTokenRenderer();
export default createRenderer;
