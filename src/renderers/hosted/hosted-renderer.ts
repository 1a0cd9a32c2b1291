import { CheckoutError } from '../../core/errors.js';
import { acceptMessage, originOf } from '../../core/message-filter.js';
import type { CheckoutMessage, CheckoutSession } from '../../core/protocol.js';
import type { Renderer, RendererFactory, RendererHost } from '../types.js';

/**
 * A provider's hosted page (`kind: "hosted"`), shown inline in an iframe, in a modal dialog,
 * in a popup, or by redirecting the page. Listens for the protocol's messages (docs/protocol.md).
 * The dialog and the popup are a lazy chunk (hosted-windows.ts): an embedded start runs neither.
 */
export class HostedRenderer implements Renderer {
  #frame: HTMLIFrameElement | undefined;
  #dialog: HTMLDialogElement | undefined;
  #popup: Window | null = null;
  #stopPopup: (() => void) | undefined;
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

    // The dialog or popup code (a lazy chunk) before any listener or frame: nothing to undo if it fails.
    const windows = mode === 'embedded' ? undefined : await import('./hosted-windows.js');
    if (this.#destroyed) return;
    const destroyed = () => this.#destroyed;

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
      this.#popup = host.popup;
      this.#stopPopup = windows!.mountPopup(url, host, destroyed, () => this.#accepted);
      return;
    }
    const frame = this.#createFrame(url, host);
    if (windows) this.#dialog = windows.mountDialog(frame, host, this.#listeners.signal, destroyed);
    else if (!frame.isConnected) host.container.append(frame);
  }

  #createFrame(url: string, host: RendererHost): HTMLIFrameElement {
    const ready = () => host.report({ type: 'ready' });
    // A frame the server rendered for this page (renderCheckoutWidget) is adopted, not loaded again.
    // It may have loaded before this module ran, and then its load event is gone. A cross-origin
    // frame's Resource Timing entry is added at its load (HTML's iframe load event steps; Chromium
    // adds a same-origin frame's earlier, at its response, hence only when contentDocument is null):
    // ready at once. Else the document's load, which waits for every frame parsed into it. (A ready
    // after a teardown is dropped by the widget.) Only an embedded element is rendered with a frame
    // (a page that switched it to overlay meanwhile has it moved into the dialog, loaded again).
    let frame = host.container.querySelector('iframe');
    if (frame?.getAttribute('src') === url) {
      if (document.readyState === 'complete' || (!frame.contentDocument && performance.getEntriesByName(url).length)) ready();
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
    this.#stopPopup?.();
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
