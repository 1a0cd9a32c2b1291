// The hosted renderer's overlay dialog and popup window: a lazy chunk, fetched only by a checkout
// shown in one of them, so a plain embedded start carries none of these bytes (issue 26).
import { CheckoutError } from '../../core/errors.js';
import type { RendererHost } from '../types.js';

/** How often a popup is checked for being closed: there is no event for it. */
const POPUP_POLL_MS = 500;
/** How long a closed popup's last messages may take to arrive. */
const POPUP_CLOSE_GRACE_MS = 750;

/**
 * The modal dialog with the frame and a close button, shown. A close, Esc or a browser's own
 * closing is the shopper's cancel, reported once (and never after `destroyed()`).
 */
export function mountDialog(frame: HTMLIFrameElement, host: RendererHost, signal: AbortSignal, destroyed: () => boolean): HTMLDialogElement {
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
  let cancelled = false;
  const cancelByShopper = () => {
    if (destroyed() || cancelled) return;
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
  dialog.showModal();
  return dialog;
}

/**
 * Sends the window the click opened to `url` and watches it: closed without an accept, it is the
 * shopper's cancel. Returns what stops the watching.
 */
export function mountPopup(url: string, host: RendererHost, destroyed: () => boolean, accepted: () => boolean): () => void {
  const popup = host.popup;
  if (!popup || popup.closed) throw new CheckoutError('popup_blocked', 'The checkout window was blocked or closed', { retryable: true });
  popup.location.href = url;
  host.report({ type: 'ready' });
  let grace: ReturnType<typeof setTimeout> | undefined;
  const poll = setInterval(() => {
    if (!popup.closed || destroyed()) return;
    clearInterval(poll);
    // The return bridge posts its accept and closes at once; the message can reach us after
    // we see the window closed, so wait a moment before calling the closing a cancel.
    grace = setTimeout(() => {
      if (destroyed()) return;
      if (!accepted()) host.report({ type: 'cancel', params: {} });
      host.report({ type: 'close' });
    }, POPUP_CLOSE_GRACE_MS);
  }, POPUP_POLL_MS);
  return () => {
    clearInterval(poll);
    clearTimeout(grace);
  };
}
