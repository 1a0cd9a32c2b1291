// `checkout-widget/ssr`: the element's HTML for a page whose server made the session, for Node
// (Lit SSR); never in a browser bundle or the edge handler. Lit SSR's DOM shim must be installed
// before the element's module is evaluated: `@lit-labs/ssr` first.
import { render } from '@lit-labs/ssr';
import { collectResult } from '@lit-labs/ssr/lib/render-result.js';
import { html, unsafeStatic } from 'lit/static-html.js';
import { CheckoutWidget } from './components/checkout-widget/checkout-widget.js';
import { loadStrings } from './components/checkout-widget/i18n.js';
import { en } from './components/checkout-widget/locales/en.js';
import type { CheckoutSession } from './core/protocol.js';
import type { DisplayMode } from './core/display.js';
import { parseSessionLazily } from './provider-registry/session-validators.js';

/** What `renderCheckoutWidget` renders. */
export interface RenderCheckoutWidgetOptions {
  /**
   * The session your server made (the contract's session, as your endpoint answers it). It is
   * checked as the browser checks it: an invalid one throws.
   */
  session: CheckoutSession | Record<string, unknown>;
  /** The `mode` attribute; default `embedded`, the only mode whose frame is server-rendered. */
  mode?: DisplayMode;
  /** The `locale` attribute; also the language of the frame's title. */
  locale?: string;
  /**
   * More attributes of `<checkout-widget>`, such as `endpoint` (needed to watch the session's
   * status and confirm an accept), `id` or `class`. `mode` and `locale` are the options'.
   */
  attributes?: Record<string, string>;
}

/** The element's markup in the shadow root, where the provider's frame goes. */
const CONTAINER = '<div class="checkout-container" part="container"></div>';

/** Text for an HTML attribute value in double quotes (also safe as element text). */
function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** JSON for a `<script>` element's text: no `</script>`, `<!--` or `]]>` in it can end the element early. */
function escapeJson(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const END_TAG = '</checkout-widget>';

/**
 * The element's server-rendered HTML for one set of attributes, without the session: an element
 * that has not started renders from its attributes alone, so it is rendered once per set (Lit SSR
 * took most of a render's time, ahead of the page's first byte) and kept; at most `MARKUP_CACHE_SIZE`
 * sets, the oldest dropped first.
 */
const markupCache = new Map<string, Promise<string>>();
const MARKUP_CACHE_SIZE = 64;

function elementMarkup(text: string): Promise<string> {
  let markup = markupCache.get(text);
  if (!markup) {
    markup = collectResult(render(html`<checkout-widget ${unsafeStatic(text)}></checkout-widget>`));
    // A render that failed is not kept.
    markup.catch(() => markupCache.delete(text));
    if (markupCache.size >= MARKUP_CACHE_SIZE) markupCache.delete(markupCache.keys().next().value!);
    markupCache.set(text, markup);
  }
  return markup;
}

/**
 * The HTML of a `<checkout-widget>` for a session your server already made, to write into the
 * page (Lit SSR, a declarative shadow root). For a frameable `hosted` session in `embedded` mode
 * the provider's iframe is in it, so its page starts loading while the browser parses yours; the
 * element adopts that frame when its module arrives (no second load) and goes on as with the
 * `session` property: the same checks and events, status watching, accept and cancel. Other
 * kinds and modes: the element's markup without a frame, starting as it does today. The session
 * travels as escaped JSON in a `<script type="application/json">` child (not an attribute: a
 * Stripe `client_secret` may be in it).
 */
export async function renderCheckoutWidget(options: RenderCheckoutWidgetOptions): Promise<string> {
  const session = await parseSessionLazily(options.session);
  if (!customElements.get('checkout-widget')) customElements.define('checkout-widget', CheckoutWidget);
  const attributes: Record<string, string> = { ...options.attributes };
  if (options.mode) attributes['mode'] = options.mode;
  if (options.locale) attributes['locale'] = options.locale;
  const text = Object.entries(attributes)
    .map(([name, value]) => {
      if (!/^[a-z][a-z0-9-]*$/i.test(name)) throw new TypeError(`renderCheckoutWidget: "${name}" is not an attribute name`);
      return `${name}="${escapeAttribute(value)}"`;
    })
    .join(' ');
  const json = `<script type="application/json">${escapeJson(JSON.stringify(options.session))}</script>`;
  const markup = (await elementMarkup(text)).replace(END_TAG, () => `${json}${END_TAG}`);
  const frameable = session.kind === 'hosted' && session.frameable !== false && session.url && (options.mode ?? 'embedded') === 'embedded';
  if (!frameable) return markup;
  if (!/^https?:/i.test(session.url!)) throw new TypeError('renderCheckoutWidget: a hosted session url must be http(s)');
  if (!markup.includes(CONTAINER)) throw new Error('renderCheckoutWidget: the element rendered no frame container');
  const title = ((options.locale && (await loadStrings(options.locale))) || en).checkout;
  const frame = `<iframe part="frame" title="${escapeAttribute(title)}" allow="payment" class="checkout-frame" src="${escapeAttribute(session.url!)}"></iframe>`;
  return markup.replace(CONTAINER, () => CONTAINER.replace('></div>', `>${frame}</div>`));
}
