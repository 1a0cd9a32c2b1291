import { css } from 'lit';

// Logical properties throughout, so `dir="rtl"` mirrors the layout (the close button included).
// Dark mode follows the page's `color-scheme` (inherited): `light-dark()` picks the error colours,
// the dialog and buttons without a colour of ours take the browser's scheme colours.
export const checkoutWidgetStyles = css`
  :host {
    display: block;
    font: inherit;
    color: inherit;
  }
  :host([hidden]) {
    display: none;
  }
  .checkout-frame {
    display: block;
    inline-size: 100%;
    border: 0;
    min-block-size: var(--checkout-frame-min-height, 480px);
    border-radius: var(--checkout-radius, 8px);
    background: var(--checkout-frame-background, transparent);
  }
  button {
    font: inherit;
    cursor: pointer;
  }
  [part='trigger'],
  [part='retry'],
  [part='restart'] {
    padding: 0.6em 1.4em;
    border: 0;
    border-radius: var(--checkout-radius, 8px);
    background: var(--checkout-accent, #1a56db);
    color: var(--checkout-accent-contrast, #fff);
  }
  :focus-visible {
    outline: 2px solid var(--checkout-accent, #1a56db);
    outline-offset: 2px;
  }
  /* Inside the dialog's edge, where an outer ring would be clipped. */
  .checkout-close:focus-visible {
    outline-offset: -4px;
  }
  [part='error'] {
    padding: 0.75em 1em;
    border-radius: var(--checkout-radius, 8px);
    background: var(--checkout-error-background, light-dark(#fdecea, #511));
    color: var(--checkout-error-color, light-dark(#8a1c12, #fdd));
  }
  [part='error'] [part='retry'] {
    margin-inline-start: 0.75em;
  }
  /* Loading, message or error, in the live region. */
  [role='status'] > * {
    margin-block: 0.5em;
  }
  .checkout-dialog {
    inline-size: min(100vw - 2rem, var(--checkout-overlay-width, 560px));
    max-block-size: calc(100vh - 2rem);
    padding: 0;
    border: 0;
    border-radius: var(--checkout-radius, 8px);
    overflow: auto;
  }
  .checkout-dialog::backdrop {
    background: var(--checkout-overlay-backdrop, rgb(0 0 0 / 55%));
  }
  /* Small screens: the whole viewport, no margin wasted (a min-size wins over every max-size). */
  @media (max-width: 40rem) {
    .checkout-dialog {
      min-inline-size: 100%;
      min-block-size: 100%;
      border-radius: 0;
    }
  }
  .checkout-close {
    position: sticky;
    inset-block-start: 0;
    float: inline-end;
    inline-size: 2.5rem;
    block-size: 2.5rem;
    border: 0;
    background: transparent;
    font-size: 1.5rem;
    line-height: 1;
    z-index: 1;
  }
  /* Windows high contrast drops backgrounds: borders keep the buttons and the error box visible. */
  @media (forced-colors: active) {
    button[part],
    [part='error'] {
      border: 1px solid CanvasText;
    }
    :focus-visible {
      outline-color: Highlight;
    }
  }
  @media (prefers-reduced-motion: no-preference) {
    [part='loading'] {
      animation: checkout-fade-in 0.3s ease-in 0.2s both;
    }
  }
  @keyframes checkout-fade-in {
    from {
      opacity: 0;
    }
  }
`;
