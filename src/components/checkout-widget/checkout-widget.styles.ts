import { css } from 'lit';

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
    width: 100%;
    border: 0;
    min-height: var(--checkout-frame-min-height, 480px);
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
  [part='trigger']:focus-visible,
  [part='retry']:focus-visible,
  [part='restart']:focus-visible,
  .checkout-close:focus-visible {
    outline: 2px solid var(--checkout-accent, #1a56db);
    outline-offset: 2px;
  }
  [part='error'] {
    margin: 0.5em 0;
    padding: 0.75em 1em;
    border-radius: var(--checkout-radius, 8px);
    background: var(--checkout-error-background, #fdecea);
    color: var(--checkout-error-color, #8a1c12);
  }
  [part='error'] [part='retry'] {
    margin-inline-start: 0.75em;
  }
  [part='loading'],
  [part='message'] {
    margin: 0.5em 0;
  }
  .checkout-dialog {
    width: min(100vw - 2rem, var(--checkout-overlay-width, 560px));
    max-height: calc(100vh - 2rem);
    padding: 0;
    border: 0;
    border-radius: var(--checkout-radius, 8px);
    overflow: auto;
  }
  .checkout-dialog::backdrop {
    background: var(--checkout-overlay-backdrop, rgb(0 0 0 / 55%));
  }
  .checkout-close {
    position: sticky;
    top: 0;
    float: inline-end;
    width: 2.5rem;
    height: 2.5rem;
    border: 0;
    background: transparent;
    font-size: 1.5rem;
    line-height: 1;
    z-index: 1;
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
