import { render } from '@lit-labs/ssr';
import { collectResult } from '@lit-labs/ssr/lib/render-result.js';
import { html } from 'lit';
import { describe, expect, it } from 'vitest';
import { CheckoutWidget } from '../../define.js';

describe('<checkout-widget> on the server (Node, no DOM)', () => {
  it('constructs without a document', () => {
    expect(typeof document).toBe('undefined');
    const widget = new CheckoutWidget();
    expect(widget.state).toBe('idle');
    expect(widget.mode).toBe('embedded');
  });

  it('renders with Lit SSR into a declarative shadow root', async () => {
    const markup = await collectResult(
      render(html`<checkout-widget endpoint="/api/checkout/sessions" mode="overlay" locale="da-DK"></checkout-widget>`),
    );
    expect(markup).toMatch(/<checkout-widget\s+endpoint="\/api\/checkout\/sessions" mode="overlay" locale="da-DK">/);
    expect(markup).toContain('<template shadowroot="open" shadowrootmode="open">');
    // overlay mode shows its Pay trigger until the shopper clicks; in English, as the server does
    // not wait for the Danish chunk (the browser's render switches once it arrives)
    expect(markup).toMatch(/<button part="trigger" type="button" aria-busy="false">(<!--lit-part-->)?Pay(<!--\/lit-part-->)?<\/button>/);
  });
});
