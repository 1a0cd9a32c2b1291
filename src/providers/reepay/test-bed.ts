import { readFileSync } from 'node:fs';
import { expect, type Page, type Route } from '@playwright/test';
import type { DisplayMode } from '../../core/display.js';
import type { SessionStatus } from '../../core/protocol.js';
import { recordCheckoutEvents } from '../../../e2e/support/checkout.js';

/**
 * A shop page with one `<checkout-widget>`, Reepay's checkout.js replaced by a test double, and
 * the whole backend answered by `page.route`: the session endpoint, Reepay's hosted page (for
 * WindowCheckout and popups) and the return bridge Reepay's accept/cancel URLs point at.
 */

export const CHECKOUT_JS_URL = 'https://checkout.reepay.com/checkout.js';
export const FAKE_CHECKOUT_JS = readFileSync(new URL('./fake-checkout-js.js', import.meta.url), 'utf8');
export const PAGE_PATH = '/reepay-e2e/page.html';
const RETURN_PATH = '/reepay-e2e/return/';

/** What the double's Accept carries, as the widget must hand it on in `detail.params`. */
export function acceptParams(sessionId: string): Record<string, string> {
  return { id: sessionId, invoice: 'inv-e2e-1', customer: 'cust-e2e-1', payment_method: 'ca_e2e0001' };
}

export interface FakeReepayRecord {
  constructed: Array<{ kind: string; sessionId: string; options: Record<string, unknown> | null }>;
  destroyed: number;
  live: number;
  integrationErrors: string[];
}

export interface ReepayTestBed {
  sessionIds: string[];
  checkoutJsRequests: string[];
  /** GETs of a session, with the status answered, in order. */
  reads: Array<{ id: string; status: SessionStatus }>;
  pageProblems: string[];
  setStatus(sessionId: string, status: SessionStatus): void;
  /** Session GETs wait until `releaseReads()`. */
  holdReads(): void;
  heldReads(): number;
  releaseReads(): Promise<void>;
  /**
   * The shopper pays: the session reads `complete` from now on and `pay` clicks the provider's
   * Pay. Session reads are held until the widget has taken the provider's Accept (state
   * `processing`), then answered. Reepay's own order is the same (its backend completes the
   * charge, then checkout.js fires Accept), but a test that merely flips the status before the
   * click races the widget's status poll (2 s, then up to every 10 s): a poll landing between
   * the flip and the click settles the checkout without the Accept's params and tears the
   * payment form down under the click ("element was detached from the DOM").
   */
  payAndComplete(sessionId: string, pay: () => Promise<void>): Promise<void>;
  /** `'block'`: checkout.js fails to load. */
  setCheckoutJs(mode: 'serve' | 'block'): void;
  record(): Promise<FakeReepayRecord>;
}

function randomReepayId(): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `cs_${hex}`;
}

function pageHtml(mode: DisplayMode, preloadCheckoutJs: boolean): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Reepay checkout</title>
    ${preloadCheckoutJs ? `<script src="${CHECKOUT_JS_URL}"></script>` : ''}
    <script type="module" src="/cdn/checkout-widget.js"></script>
  </head>
  <body>
    <main>
      <h1>Reepay checkout</h1>
      <checkout-widget endpoint="/api/checkout/sessions" mode="${mode}" payload='{"provider":"reepay","items":[{"sku":"mug","quantity":1}]}'></checkout-widget>
    </main>
  </body>
</html>`;
}

/** Reepay's hosted page (`https://checkout.reepay.com/#/<id>`): pays or cancels, then goes to the accept or cancel URL. */
function hostedPageHtml(shopOrigin: string): string {
  const script = `
    const id = location.hash.replace(/^#\\/?/, '');
    const go = (result, extra) => {
      const url = new URL(${JSON.stringify(`${shopOrigin}${RETURN_PATH}`)} + result);
      for (const [name, value] of Object.entries({ id, ...extra })) url.searchParams.set(name, value);
      location.href = url.href;
    };
    document.getElementById('pay').addEventListener('click', () => go('accept', ${JSON.stringify({
      invoice: 'inv-e2e-1',
      customer: 'cust-e2e-1',
      payment_method: 'ca_e2e0001',
    })}));
    document.getElementById('cancel').addEventListener('click', () => go('cancel', {}));`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8" /><title>Reepay hosted checkout (test double)</title></head>
<body><h1>Reepay hosted checkout (test double)</h1><button id="pay" type="button">Pay</button><button id="cancel" type="button">Cancel</button>
<script>${script}</script></body></html>`;
}

/**
 * What the backend's return bridge does with Reepay's accept/cancel URL: in a popup it posts the
 * contract's message to the opener and closes; at top level it goes back to the shop page with
 * `checkout_session` and `checkout_result`.
 */
function returnBridgeHtml(): string {
  const script = `
    const result = location.pathname.split('/').pop();
    const query = new URLSearchParams(location.search);
    const session = query.get('id');
    const params = Object.fromEntries(query);
    if (window.opener) {
      window.opener.postMessage({ type: 'checkout-widget', version: 1, event: result, session, params }, location.origin);
      window.close();
    } else {
      const back = new URL(${JSON.stringify(PAGE_PATH)}, location.href);
      for (const [name, value] of query) back.searchParams.set(name, value);
      back.searchParams.set('checkout_session', session);
      back.searchParams.set('checkout_result', result);
      location.replace(back.href);
    }`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8" /><title>Returning…</title></head><body><script>${script}</script></body></html>`;
}

export interface ReepayTestOptions {
  /** The shop's origin (Playwright's `baseURL`), where Reepay's accept and cancel URLs lead. */
  shopOrigin: string;
  mode?: DisplayMode;
  /** The page loads checkout.js itself before the widget does. */
  preloadCheckoutJs?: boolean;
}

export async function setUpReepay(page: Page, options: ReepayTestOptions): Promise<ReepayTestBed> {
  const statuses = new Map<string, SessionStatus>();
  const sessionIds: string[] = [];
  const checkoutJsRequests: string[] = [];
  const reads: ReepayTestBed['reads'] = [];
  const pageProblems: string[] = [];
  let checkoutJsMode: 'serve' | 'block' = 'serve';
  let holding = false;
  const held: Array<() => Promise<void>> = [];

  page.on('pageerror', (error) => pageProblems.push(`${error.name}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageProblems.push(`console.error: ${message.text()}`);
  });
  await recordCheckoutEvents(page);
  // Context routes also answer for the popup, which is a page of its own.
  const context = page.context();

  await context.route(CHECKOUT_JS_URL, (route) => {
    checkoutJsRequests.push(route.request().url());
    if (checkoutJsMode === 'block') return route.abort('blockedbyclient');
    return route.fulfill({ status: 200, contentType: 'application/javascript', body: FAKE_CHECKOUT_JS });
  });
  await context.route(/^https:\/\/checkout\.reepay\.com\/(#.*)?$/, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: hostedPageHtml(new URL(options.shopOrigin).origin) }),
  );

  const session = (id: string) => ({
    id,
    provider: 'reepay',
    kind: 'reepay',
    status: statuses.get(id) ?? 'open',
    url: `https://checkout.reepay.com/#/${id}`,
    frameable: true,
    amount: 12900,
    currency: 'DKK',
    expires_at: new Date(Date.now() + 30 * 60_000).toISOString(),
    livemode: false,
  });

  await context.route('**/api/checkout/sessions**', async (route: Route) => {
    const request = route.request();
    const path = new URL(request.url()).pathname;
    if (request.method() === 'POST' && path === '/api/checkout/sessions') {
      const id = randomReepayId();
      sessionIds.push(id);
      return route.fulfill({ status: 201, json: session(id) });
    }
    const id = decodeURIComponent(path.split('/').pop() ?? '');
    if (request.method() !== 'GET' || !sessionIds.includes(id)) {
      return route.fulfill({ status: 404, json: { error: { code: 'not_found', message: `No session ${id}` } } });
    }
    const answer = async () => {
      const fresh = session(id);
      reads.push({ id, status: fresh.status });
      await route.fulfill({ status: 200, json: fresh });
    };
    if (holding) held.push(answer);
    else await answer();
  });

  const shopPage = (mode: DisplayMode) => (route: Route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: pageHtml(mode, options.preloadCheckoutJs ?? false) });
  await context.route((url) => url.pathname === PAGE_PATH, shopPage(options.mode ?? 'embedded'));
  await context.route((url) => url.pathname.startsWith(RETURN_PATH), (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: returnBridgeHtml() }),
  );

  const releaseReads = async () => {
    holding = false;
    for (const answer of held.splice(0)) await answer();
  };

  return {
    sessionIds,
    checkoutJsRequests,
    reads,
    pageProblems,
    setStatus: (id, status) => statuses.set(id, status),
    holdReads: () => {
      holding = true;
    },
    heldReads: () => held.length,
    releaseReads,
    payAndComplete: async (id, pay) => {
      // Both at once, in this process: a read is answered `open` before them or held after them.
      holding = true;
      statuses.set(id, 'complete');
      await pay();
      await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'processing');
      await releaseReads();
    },
    setCheckoutJs: (mode) => {
      checkoutJsMode = mode;
    },
    record: () => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __fakeReepay: unknown }).__fakeReepay)) as FakeReepayRecord),
  };
}
