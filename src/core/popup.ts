/** The window popup mode shows a checkout page in; one name, so a second open reuses it. */
const POPUP_NAME = 'checkout-widget-popup';

/**
 * The checkout window, opened now and showing `texts.loading` under the title `texts.checkout` (the
 * widget's texts in the shopper's language): call it inside a click, or blockers refuse it. Null when
 * the browser refused.
 */
export function openPopup(texts: { readonly checkout: string; readonly loading: string }): Window | null {
  const width = 520;
  const height = 720;
  const left = Math.max(0, window.screenX + (window.outerWidth - width) / 2);
  const top = Math.max(0, window.screenY + (window.outerHeight - height) / 2);
  const popup = window.open('', POPUP_NAME, `popup,width=${width},height=${height},left=${Math.round(left)},top=${Math.round(top)}`);
  try {
    if (popup) {
      popup.document.title = texts.checkout;
      popup.document.body.textContent = texts.loading;
    }
  } catch {
    // A reused window may already show another origin: nothing to write then.
  }
  return popup;
}
