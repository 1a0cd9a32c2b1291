import { CheckoutError } from '../../core/errors.js';
import { acceptMessage, originOf } from '../../core/message-filter.js';
import type { CheckoutMessage, CheckoutSession } from '../../core/protocol.js';
import type { Renderer, RendererFactory, RendererHost } from '../types.js';

/** How often a popup is checked for being closed: there is no event for it. */
const POPUP_POLL_MS = 500;
/** How long a closed popup's last messages may take to arrive. */
const POPUP_CLOSE_GRACE_MS = 750;

/**
 * A provider's hosted page (`kind: "hosted"`), shown inline in an iframe, in a modal dialog,
 * in a popup, or by redirecting the page. Listens for the protocol's messages (docs/protocol.md).
 */
export class HostedRenderer implements Renderer {
  #frame: HTMLIFrameElement | undefined;
  #dialog: HTMLDialogElement | undefined;
  #popup: Window | null = null;
  #popupTimer: ReturnType<typeof setInterval> | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #accepted = false;
  #destroyed = false;
  #listeners = new AbortController();

  async mount(session: CheckoutSession, host: RendererHost): Promise<void> {
    let url = session.url;
    if (!url) throw new CheckoutError('provider_load_failed', 'The checkout could not be shown: A hosted session needs a url', { retryable: true });
    // A page that asks for the shop's theme (a `theme` parameter) gets it; the reading is a lazy chunk.
    // Not a frame the server rendered with the session's url: it is adopted as it is, at once.
    if (/[?&]theme=/.test(url) && host.container.querySelector('iframe')?.getAttribute('src') != url) url = (await import('../theme.js')).themedUrl(url, host.element);
    if (this.#destroyed) return;

    // A page that refuses framing can only be shown by leaving for it.
    const mode = session.frameable === false && (host.mode === 'embedded' || host.mode === 'overlay') ? 'redirect' : host.mode;
    if (mode === 'redirect') {
      // For the funnel: the page is about to leave for the provider's (`mode` is `redirect` here).
      host.report({ type: 'page', status: mode });
      window.location.assign(url);
      return;
    }

    const trustedOrigins = [originOf(url), originOf(host.endpoint, window.location.href)].filter(
      (origin): origin is string => origin !== undefined,
    );
    window.addEventListener(
      'message',
      (event) => {
        const message = acceptMessage(event, {
          trustedOrigins,
          sources: [this.#frame?.contentWindow ?? null, this.#popup],
          sessionId: session.id,
        });
        if (message) this.#onMessage(message, host);
      },
      { signal: this.#listeners.signal },
    );

    if (mode === 'popup') {
      this.#mountPopup(url, host);
      return;
    }
    const frame = this.#createFrame(url, host);
    if (mode === 'overlay') this.#mountDialog(frame, host);
    else if (!frame.isConnected) host.container.append(frame);
  }

  #createFrame(url: string, host: RendererHost): HTMLIFrameElement {
    const ready = () => host.report({ type: 'ready' });
    // A frame the server rendered for this page (renderCheckoutWidget) is adopted, not loaded again.
    // It may have loaded before this module ran, and then its load event is gone; the document's
    // load waits for every frame parsed into it, so it is loaded by then. (A ready after a teardown
    // is dropped by the widget.) Only an embedded element is rendered with a frame (a page that
    // switched it to overlay meanwhile has it moved into the dialog, loaded again).
    let frame = host.container.querySelector('iframe');
    if (frame?.getAttribute('src') === url) {
      if (document.readyState === 'complete') ready();
      else addEventListener('load', ready);
    } else {
      frame?.remove();
      frame = document.createElement('iframe');
      frame.setAttribute('part', 'frame');
      frame.title = host.strings.checkout;
      frame.allow = 'payment';
      frame.className = 'checkout-frame';
      frame.src = url;
    }
    // Again after a navigation inside the frame: the widget takes the first.
    frame.addEventListener('load', ready);
    this.#frame = frame;
    return frame;
  }

  #mountDialog(frame: HTMLIFrameElement, host: RendererHost): void {
    const dialog = document.createElement('dialog');
    dialog.setAttribute('part', 'dialog');
    dialog.setAttribute('aria-label', host.strings.checkout);
    dialog.className = 'checkout-dialog';
    const close = document.createElement('button');
    close.type = 'button';
    close.setAttribute('part', 'close');
    close.setAttribute('aria-label', host.strings.close);
    close.className = 'checkout-close';
    close.textContent = '×';
    const signal = this.#listeners.signal;
    let cancelled = false;
    const cancelByShopper = () => {
      if (this.#destroyed || cancelled) return;
      cancelled = true;
      host.report({ type: 'cancel', params: {} });
      host.report({ type: 'close' });
    };
    close.addEventListener('click', cancelByShopper, { signal });
    // Esc: keep the dialog for the widget to tear down, so the order of events stays one.
    dialog.addEventListener(
      'cancel',
      (event) => {
        event.preventDefault();
        cancelByShopper();
      },
      { signal },
    );
    // Browsers may close a modal without a cancellable event (a second Esc): same meaning.
    dialog.addEventListener('close', cancelByShopper, { signal });
    dialog.append(close, frame);
    host.container.append(dialog);
    this.#dialog = dialog;
    dialog.showModal();
  }

  #mountPopup(url: string, host: RendererHost): void {
    const popup = host.popup;
    if (!popup || popup.closed) throw new CheckoutError('popup_blocked', 'The checkout window was blocked or closed', { retryable: true });
    this.#popup = popup;
    popup.location.href = url;
    host.report({ type: 'ready' });
    this.#popupTimer = setInterval(() => {
      if (!popup.closed || this.#destroyed) return;
      clearInterval(this.#popupTimer);
      // The return bridge posts its accept and closes at once; the message can reach us after
      // we see the window closed, so wait a moment before calling the closing a cancel.
      this.#graceTimer = setTimeout(() => {
        if (this.#destroyed) return;
        if (!this.#accepted) host.report({ type: 'cancel', params: {} });
        host.report({ type: 'close' });
      }, POPUP_CLOSE_GRACE_MS);
    }, POPUP_POLL_MS);
  }

  #onMessage(message: CheckoutMessage, host: RendererHost): void {
    const params = message.params ?? {};
    switch (message.event) {
      case 'accept':
        this.#accepted = true;
        host.report({ type: 'accept', params });
        return;
      case 'cancel': {
        // Asked before reporting: the cancel tears this renderer down at once, dialog and popup included.
        const closable = Boolean(this.#dialog || this.#popup);
        host.report({ type: 'cancel', params });
        if (closable) host.report({ type: 'close' });
        return;
      }
      case 'close':
        // Escape pressed inside the page: a cancel, as close() is; an inline page has nothing to close.
        if (!this.#dialog && !this.#popup) return;
        host.report({ type: 'cancel', params: {} });
        host.report({ type: 'close' });
        return;
      case 'error':
        host.report({
          type: 'error',
          code: 'payment_failed',
          message: params.message ?? 'The payment did not go through. Please try again.',
          retryable: true,
        });
        return;
      case 'resize':
        if (message.height !== undefined && this.#frame) {
          this.#frame.style.height = `${Math.ceil(message.height)}px`;
          host.report({ type: 'resize', height: message.height });
        }
        return;
      case 'status':
        // The widget's status watcher reads the endpoint; a page's word alone changes nothing but
        // the funnel, which reads 3-D Secure from it (a hint, like every word of the page).
        host.report({ type: 'page', status: message.status });
    }
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#listeners.abort();
    clearInterval(this.#popupTimer);
    clearTimeout(this.#graceTimer);
    if (this.#dialog?.open) this.#dialog.close();
    this.#dialog?.remove();
    this.#frame?.remove();
    if (this.#popup && !this.#popup.closed) this.#popup.close();
    this.#dialog = undefined;
    this.#frame = undefined;
    this.#popup = null;
  }
}

export const createHostedRenderer: RendererFactory = () => new HostedRenderer();
