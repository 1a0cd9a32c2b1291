import { parseFragment, type DefaultTreeAdapterMap } from 'parse5';
import { describe, expect, it } from 'vitest';
import { renderCheckoutWidget } from './ssr.js';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

const hosted = {
  id: 'cs_ssr_1',
  provider: 'sandbox',
  kind: 'hosted',
  status: 'open',
  url: 'https://pay.example.test/checkout/cs_ssr_1',
  expires_at: '2099-01-01T00:00:00.000Z',
};

/** Every element of a parsed fragment, template contents (declarative shadow roots) included. */
function elements(node: Node): Element[] {
  const found: Element[] = [];
  const visit = (n: Node): void => {
    if ('tagName' in n) found.push(n);
    const children = 'childNodes' in n ? n.childNodes : [];
    for (const child of children) visit(child);
    if ('content' in n && n.content) visit(n.content as unknown as Node);
  };
  visit(node);
  return found;
}

function attr(element: Element, name: string): string | undefined {
  return element.attrs.find((a) => a.name === name)?.value;
}

function parse(markup: string) {
  const all = elements(parseFragment(markup) as unknown as Node);
  const widget = all.find((e) => e.tagName === 'checkout-widget')!;
  const scripts = all.filter((e) => e.tagName === 'script');
  // The session's JSON: the widget's own child, in the light DOM.
  const json = widget.childNodes.find((n): n is Element => 'tagName' in n && n.tagName === 'script');
  const text = json?.childNodes.map((n) => ('value' in n ? n.value : '')).join('');
  return { all, widget, scripts, frames: all.filter((e) => e.tagName === 'iframe'), session: text === undefined ? undefined : JSON.parse(text) as unknown, json: json! };
}

describe('renderCheckoutWidget (checkout-widget/ssr)', () => {
  it('renders an embedded hosted session with its frame inside the declarative shadow root', async () => {
    const markup = await renderCheckoutWidget({ session: hosted, attributes: { endpoint: '/api/checkout/sessions' } });
    expect(markup).toContain('<template shadowroot="open" shadowrootmode="open">');
    const { widget, frames, session, json } = parse(markup);
    expect(attr(widget, 'endpoint')).toBe('/api/checkout/sessions');
    expect(attr(json, 'type')).toBe('application/json');
    expect(session).toEqual(hosted);
    expect(frames).toHaveLength(1);
    const frame = frames[0]!;
    expect(attr(frame, 'src')).toBe(hosted.url);
    expect(attr(frame, 'part')).toBe('frame');
    expect(attr(frame, 'allow')).toBe('payment');
    expect(attr(frame, 'title')).toBe('Checkout');
    // in the container, inside the template (the shadow root), not in the light DOM
    expect(markup.indexOf('<iframe')).toBeGreaterThan(markup.indexOf('<template'));
    expect(markup).toMatch(/<div class="checkout-container" part="container"><iframe [^>]+><\/iframe><\/div>/);
  });

  it('titles the frame in the locale and writes mode and locale attributes', async () => {
    const markup = await renderCheckoutWidget({ session: hosted, locale: 'da-DK', mode: 'embedded' });
    const { widget, frames } = parse(markup);
    expect(attr(widget, 'locale')).toBe('da-DK');
    expect(attr(widget, 'mode')).toBe('embedded');
    const { default: da } = await import('./components/checkout-widget/locales/da.js');
    expect(da.checkout).not.toBe('Checkout');
    expect(attr(frames[0]!, 'title')).toBe(da.checkout);
  });

  it('escapes the session JSON: a url with "</script>" and quotes cannot break out of the attribute', async () => {
    const evil = { ...hosted, url: 'https://pay.example.test/x?a="><script>alert(1)</script>&b=\'</iframe>' };
    const markup = await renderCheckoutWidget({ session: evil, attributes: { 'data-note': '"><script>alert(2)</script>' } });
    // the one script is the session's JSON
    expect(markup.match(/<script/g)).toHaveLength(1);
    expect(markup.match(/<\/script>/g)).toHaveLength(1);
    const { widget, frames, scripts, session } = parse(markup);
    expect(scripts).toHaveLength(1);
    expect(session).toEqual(evil);
    expect(attr(widget, 'data-note')).toBe('"><script>alert(2)</script>');
    expect(frames.map((f) => attr(f, 'src'))).toEqual([evil.url]);
  });

  it('a secret (Stripe client_secret) is never written to an attribute', async () => {
    const markup = await renderCheckoutWidget({ session: { id: 'cs_s', provider: 'stripe', kind: 'stripe-embedded', status: 'open', client_secret: 'cs_test_secret_123', publishable_key: 'pk_test_123' } });
    const { all, session } = parse(markup);
    expect((session as { client_secret: string }).client_secret).toBe('cs_test_secret_123');
    expect(all.flatMap((e) => e.attrs.map((a) => a.value)).some((value) => value.includes('cs_test_secret'))).toBe(false);
  });

  it('renders the element once per set of attributes: another session gets the same markup with its own JSON and frame', async () => {
    const first = await renderCheckoutWidget({ session: hosted, attributes: { endpoint: '/api/cached' } });
    const other = { ...hosted, id: 'cs_ssr_2', url: 'https://pay.example.test/checkout/cs_ssr_2?a=1&b=2' };
    const second = await renderCheckoutWidget({ session: other, attributes: { endpoint: '/api/cached' } });
    expect(second).not.toContain(hosted.id);
    // The frame comes before the JSON: the first occurrence of the url is the frame's src.
    expect(second).toBe(first.replace(hosted.url, other.url.replace('&', '&amp;')).replace(JSON.stringify(hosted), JSON.stringify(other).replace('&', '\\u0026')));
    const { frames, session } = parse(second);
    expect(session).toEqual(other);
    expect(frames.map((frame) => attr(frame, 'src'))).toEqual([other.url]);
    // Other attributes, other markup.
    const elsewhere = parse(await renderCheckoutWidget({ session: other, mode: 'overlay', attributes: { endpoint: '/api/elsewhere' } }));
    expect([attr(elsewhere.widget, 'endpoint'), attr(elsewhere.widget, 'mode'), elsewhere.frames.length]).toEqual(['/api/elsewhere', 'overlay', 0]);
  });

  it('refuses attribute names that are not names', async () => {
    await expect(renderCheckoutWidget({ session: hosted, attributes: { 'onload="x" a': '1' } })).rejects.toThrow(/not an attribute name/);
  });

  it('refuses a hosted url that is not http(s) (a javascript: frame would run in the shop page)', async () => {
    await expect(renderCheckoutWidget({ session: { ...hosted, url: 'javascript:alert(1)' } })).rejects.toThrow();
  });

  it('refuses an invalid session as the browser would', async () => {
    await expect(renderCheckoutWidget({ session: { id: 'x', kind: 'hosted' } })).rejects.toThrow();
  });

  it.each([
    ['overlay mode', { session: hosted, mode: 'overlay' as const }],
    ['popup mode', { session: hosted, mode: 'popup' as const }],
    ['a page that refuses frames', { session: { ...hosted, frameable: false } }],
    ['a stripe session', { session: { id: 'cs_s', provider: 'stripe', kind: 'stripe-embedded', status: 'open', client_secret: 'cs_test_secret_123', publishable_key: 'pk_test_123' } }],
  ])('%s: the element without a frame', async (_, options) => {
    const markup = await renderCheckoutWidget(options);
    const { frames, session } = parse(markup);
    expect(frames).toHaveLength(0);
    expect(markup).toContain('<template shadowroot="open" shadowrootmode="open">');
    expect(markup).toContain('<div class="checkout-container" part="container"></div>');
    expect(session).toEqual(options.session);
  });
});

describe('renderCheckoutWidget inside React (docs/ssr.md)', () => {
  it("renderToString with dangerouslySetInnerHTML keeps the element's HTML as rendered", async () => {
    const { createElement } = await import('react');
    const { renderToString } = await import('react-dom/server');
    const element = await renderCheckoutWidget({ session: hosted, attributes: { endpoint: '/api/checkout/sessions' } });
    const page = renderToString(createElement('main', { dangerouslySetInnerHTML: { __html: element } }));
    expect(page).toBe(`<main>${element}</main>`);
    const { frames, session } = parse(page);
    expect(frames.map((frame) => attr(frame, 'src'))).toEqual([hosted.url]);
    expect(session).toEqual(hosted);
  });
});
