/**
 * The `card-token` renderer, provider-neutral: card fields of the session's token provider
 * (`token_provider`: checkout.com Frames, the sandbox's double of it, Mollie Components) in a
 * light-DOM mount slotted into the widget, a Pay button, the token sent to the backend
 * (`host.submitToken`), then 3-D Secure handed over to the widget's hosted flow or a final status
 * reported. What differs per token provider is a small driver (`CardFields`, a provider folder's
 * `card-fields.ts`), loaded lazily: a Frames session never fetches Mollie's driver and vice versa.
 *
 * Token providers' scripts look up their fields in the document (Frames) or refuse shadow roots
 * (as Stripe.js does; Mollie's is unknown): the fields live in the light DOM. The card number stays
 * inside the token provider's frames; only the token reaches this page and the backend.
 *
 * It imports no core module that has imports of its own (the session client, say): the bundler
 * would then split those shared modules into a chunk of their own, one more request per start.
 */
import { CheckoutError, isAbortError } from '../../core/errors.js';
import { openPopup } from '../../core/popup.js';
import type { CheckoutSession } from '../../core/protocol.js';
import type { Renderer, RendererFactory, RendererHost } from '../types.js';

/** What a card-fields driver is handed: where its fields go, and how it tells the renderer about them. */
export interface CardFieldsHost {
  /** A light-DOM element, attached to the document, for the token provider's fields. */
  readonly target: HTMLElement;
  /** The widget's locale (`da-DK`, `en`). */
  readonly locale: string;
  /** Loads a script once per URL and page (shared by every widget) and resolves with the global it defines. */
  loadScript<T>(src: string, global: string): Promise<T>;
  /** The fields are shown and usable. */
  ready(): void;
  /** Whether the card as entered can be sent for a token (the Pay button follows it). */
  validity(valid: boolean): void;
}

/** One token provider's card fields, mounted once for one session. */
export interface CardFields {
  /** Loads the token provider's script and mounts its fields; rejects when either fails. */
  mount(session: CheckoutSession, host: CardFieldsHost): Promise<void>;
  /** A token for the card entered; rejects when the token provider cannot make one. */
  createToken(): Promise<string>;
  /** After a decline: the fields take another card. */
  again?(): void;
  destroy(): void;
}

/** A token provider's driver (a provider folder's `card-fields.ts`: `createCardFields`). */
export type CardFieldsFactory = () => CardFields;
/** Token provider → its driver's lazy chunk (generated from the provider folders). */
export type CardFieldsLoaders = Readonly<Record<string, () => Promise<CardFieldsFactory>>>;

/** The widget's button look (its shadow styles do not reach the light DOM); a constructed sheet needs no CSP style-src. */
const PAY_BUTTON_CSS = `.checkout-card-pay{margin-top:.75em;padding:.6em 1.4em;border:0;border-radius:var(--checkout-radius,8px);background:var(--checkout-accent,#1a56db);color:var(--checkout-accent-contrast,#fff);font:inherit;cursor:pointer}.checkout-card-pay:disabled{opacity:.55;cursor:default}.checkout-card-pay:focus-visible{outline:2px solid var(--checkout-accent,#1a56db);outline-offset:2px}`;

/** One script load per URL and page, shared by every widget; a failed one is forgotten so "Try again" loads anew. */
const scriptLoads = new Map<string, Promise<unknown>>();
let styled = false;

function loadScript<T>(src: string, global: string): Promise<T> {
  let load = scriptLoads.get(src);
  if (!load) {
    const script = document.createElement('script');
    load = new Promise<unknown>((resolve, reject) => {
      script.onload = () => {
        const value = (window as unknown as Record<string, unknown>)[global];
        if (value) resolve(value);
        else reject(new Error(`it defined no window.${global}`));
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
  return load as Promise<T>;
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

const loadFailed = (what: string, error: unknown) =>
  new CheckoutError('provider_load_failed', `The card fields could not be ${what} (${messageOf(error)}). Check your connection and try again.`, { retryable: true });

export class CardTokenRenderer implements Renderer {
  #fields: CardFields | undefined;
  #form: HTMLElement | undefined;
  #button: HTMLButtonElement | undefined;
  /** The window opened in the Pay click (popup mode), ours until handed over for 3-D Secure. */
  #popup: Window | null = null;
  #valid = false;
  #paying = false;
  #destroyed = false;

  constructor(readonly loaders: CardFieldsLoaders) {}

  async mount(session: CheckoutSession, host: RendererHost): Promise<void> {
    // The card fields are on the shop's page in every mode: the window a popup-mode trigger
    // opened (before the kind was known) is not needed; the Pay click opens its own.
    if (host.popup && !host.popup.closed) host.popup.close();
    const loader = this.loaders[session.token_provider ?? ''];
    if (!loader) throw new CheckoutError('invalid_session', `The card-token session names no known token provider ("${session.token_provider ?? ''}").`);
    let fields: CardFields;
    try {
      fields = (await loader())();
    } catch (error) {
      if (this.#destroyed) return;
      throw loadFailed('loaded', error);
    }
    if (this.#destroyed) return;

    adoptPayButtonStyle();
    const form = document.createElement('div');
    form.className = 'checkout-card';
    const target = document.createElement('div');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'checkout-card-pay';
    button.textContent = payLabel(session, host.locale, host.strings.pay);
    button.addEventListener('click', () => void this.#pay(host));
    form.append(target, button);
    host.lightMount().append(form);
    this.#form = form;
    this.#button = button;
    this.#fields = fields;
    this.#render();

    try {
      await fields.mount(session, {
        target,
        locale: host.locale,
        loadScript,
        ready: () => this.#destroyed || host.report({ type: 'ready' }),
        validity: (valid) => {
          this.#valid = valid;
          this.#render();
        },
      });
    } catch (error) {
      if (this.#destroyed) return;
      this.destroy();
      throw error instanceof CheckoutError ? error : loadFailed('shown', error);
    }
  }

  /** The Pay button: enabled for a valid card, busy while a payment is under way. */
  #render(): void {
    const button = this.#button;
    if (!button) return;
    button.disabled = !this.#valid || this.#paying;
    button.setAttribute('aria-busy', String(this.#paying));
  }

  async #pay(host: RendererHost): Promise<void> {
    const fields = this.#fields;
    if (!fields || this.#paying || !this.#valid) return;
    // Now, inside the click, or blockers refuse it: 3-D Secure may need it once the backend answers.
    if (host.mode === 'popup') this.#popup = openPopup(host.strings);
    this.#paying = true;
    this.#render();

    let token: string;
    try {
      token = await fields.createToken();
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
      if (failure.code === 'payment_in_flight') {
        // Another payment of this session runs (another tab's 3-D Secure): the widget shows the
        // pending view and reads the session at once; the form stays disabled until that payment
        // is declined (the widget's `checkout-error`) or the session ends (this renderer goes).
        host.element.addEventListener('checkout-error', () => this.#again(), { once: true, signal: host.signal });
        host.report({ type: 'page', status: 'in_flight' });
        return;
      }
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
    this.#again();
    host.report({ type: 'error', code: 'payment_failed', message, retryable: true });
  }

  /** The form takes another attempt. */
  #again(): void {
    this.#paying = false;
    this.#fields?.again?.();
    this.#render();
  }

  #closePopup(): void {
    if (this.#popup && !this.#popup.closed) this.#popup.close();
    this.#popup = null;
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#fields?.destroy();
    this.#form?.remove();
    this.#closePopup();
  }
}

/** The card-token renderer factory over the token providers' drivers. */
export function cardTokenRenderer(loaders: CardFieldsLoaders): RendererFactory {
  return () => new CardTokenRenderer(loaders);
}
