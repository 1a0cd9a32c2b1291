/**
 * A shop page under a strict Content-Security-Policy (sent as a response header; no
 * 'unsafe-inline', no 'unsafe-eval') runs <checkout-widget> with the sandbox provider in all four
 * modes to `checkout-accept`, with no CSP violation in the page, its frames or the popup, and in
 * embedded, overlay and popup mode the accept comes from the return bridge's MESSAGE, not from
 * the widget's status poll.
 *
 * The page is the README's one recipe: the build's import map (dist/cdn/importmap.json, which pins
 * every chunk under /cdn/), then the module tag with its integrity. The policy proved here (<shop>
 * is the shop page's origin, which is also the API origin: the checkout handler is mounted on the
 * shop, as in the demo; <psp> is the sandbox PSP's origin; <import map> is dist/cdn/importmap.sha256):
 *
 *   default-src 'none';
 *   script-src <shop>/cdn/ 'sha256-<import map>';
 *   connect-src <shop>/api/checkout/;
 *   frame-src <psp> <shop>/api/checkout/return/;
 *   base-uri 'none';
 *   form-action 'none';
 *   object-src 'none';
 *   frame-ancestors 'none'
 *
 * In general terms:
 *
 *   script-src  the folder the widget is served from (dist/cdn/: checkout-widget.js imports its
 *               checkout-*.js chunks from beside it), and the hash of the inline import map that
 *               pins them: without it the map is blocked and the chunks load unpinned
 *               (e2e/sri.spec.ts shows a tampered chunk running then)
 *   connect-src the endpoint (POST {endpoint}, GET {endpoint}/{id})
 *   frame-src   the PSP's page origin AND the origin of the backend's return bridge
 *               ({API}/api/checkout/return/): after paying, the PSP redirects the *frame* there,
 *               and every navigation of an iframe is checked against the embedding page's
 *               frame-src. Without it the bridge is blocked, no message comes, and embedded and
 *               overlay only confirm when the status poll runs (2 s, then up to every 10 s).
 *               Paths are ignored after a redirect, so the bridge's origin is what counts.
 *   style-src   none needed: Lit adopts its styles as constructable stylesheets and the widget
 *               sizes its frame through CSSOM, neither of which CSP governs. (Browsers without
 *               adoptedStyleSheets make Lit write <style> elements instead; those need a nonce,
 *               given to Lit as window.litNonce.)
 *   form-action the shop page has no form of the widget's; the payment page's forms are governed
 *               by the PSP page's own policy.
 * Popup and redirect mode need no frame-src at all (a popup and a top-level page are not frames).
 *
 * The shop page is served, with the policy as a response header, by a small loopback server in
 * front of the demo (it answers the page itself and passes everything else to the demo, Host
 * header included, so the checkout handler sees it as its own origin). Not `page.route`:
 * Chromium's Local Network Access checks treat a page answered by `page.route` as a public one,
 * which may not frame the loopback sandbox PSP (ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
 *
 * How "by message, not by polling" is shown, without depending on timing: the spec records, at
 * the shop page's window, every contract message (`{ type: 'checkout-widget', … }`) with its
 * origin, and every `checkout-*` event. Session reads (GET {endpoint}/{id}) that the widget
 * starts before the bridge's `accept` message reached the page are held back (not changed) until
 * that message has arrived, so the status poll can never be first to see the payment. Then:
 *   - an `accept` message for the session arrived from the API origin (the bridge; the sandbox's
 *     payment page itself never posts `accept`), and
 *   - the widget went `ready → processing → complete`, `processing` after the message: only an
 *     accept message (or a redirect return) enters `processing` (the widget's #confirm); a
 *     completion found by the poll goes straight `ready → complete`.
 * The control test at the end shows both signals fail when the bridge's origin is missing from
 * frame-src: a frame-src violation is reported, no message arrives, and the accept only comes
 * from the poll (`ready → complete`, seconds later).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, test, type BrowserContext, type FrameLocator, type Page } from '@playwright/test';
import { CHECKOUT_EVENT_NAMES, type CheckoutEventDetails, type CheckoutEventName } from '../src/core/events.js';
import type { DisplayMode } from '../src/core/display.js';
import { SANDBOX_URL, SHOP_URL } from './playwright.config.js';
import { CARDS, SESSIONS_PATH, triggerButton, waitForCheckoutEvent, widget } from './support/checkout.js';

const DEMO = new URL(SHOP_URL);
const PSP_ORIGIN = new URL(SANDBOX_URL).origin;
const RETURN_PATH = '/api/checkout/return/';

/** The shop page under test; everything else on its origin is the demo's. */
const PAGE_PATH = '/csp-e2e/checkout.html';

/** What `npm run build` wrote for the demo's /cdn/: the import map's exact text, its CSP hash, the entry's integrity. */
const CDN_DIR = fileURLToPath(new URL('../dist/cdn/', import.meta.url));
const cdnFile = (name: string) => readFileSync(`${CDN_DIR}${name}`, 'utf8');
const pinning = {
  importMap: cdnFile('importmap.json'),
  hash: cdnFile('importmap.sha256'),
  entryIntegrity: (JSON.parse(cdnFile('integrity.json')) as Record<string, string>)['checkout-widget.js'],
};

type PolicyName = 'strict' | 'without-bridge';

function policy(name: PolicyName, shop: string): string {
  const directives = [
    "default-src 'none'",
    `script-src ${shop}/cdn/ ${pinning.hash}`,
    `connect-src ${shop}/api/checkout/`,
    // The finding: the PSP allowed in frames, the return bridge not.
    name === 'strict' ? `frame-src ${PSP_ORIGIN} ${shop}${RETURN_PATH}` : `frame-src ${PSP_ORIGIN}`,
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ];
  return directives.join('; ');
}

const PAYLOAD = JSON.stringify({
  provider: 'sandbox',
  items: [
    { sku: 'coffee-beans', quantity: 2 },
    { sku: 'mug', quantity: 1 },
  ],
});

const MODES: readonly DisplayMode[] = ['embedded', 'overlay', 'popup', 'redirect'];

/** The shop page: the import map that pins the CDN folder, the widget from it and one element. No other inline script, no style. */
function shopPage(mode: DisplayMode): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Checkout under a strict CSP</title>
    <script type="importmap">${pinning.importMap}</script>
    <script type="module" src="/cdn/checkout-widget.js" integrity="${pinning.entryIntegrity}" crossorigin="anonymous"></script>
  </head>
  <body>
    <main>
      <h1>Checkout under a strict CSP</h1>
      <checkout-widget endpoint="${SESSIONS_PATH}" mode="${mode}" payload='${PAYLOAD}'></checkout-widget>
    </main>
  </body>
</html>`;
}

interface Shop {
  origin: string;
  /** Shop page URLs served, in order (the redirect return comes back with checkout_result). */
  served: string[];
  close(): Promise<void>;
}

/**
 * The shop: `PAGE_PATH?mode=…&policy=…` with the policy as a header, everything else proxied to
 * the demo with the browser's Host header.
 */
async function startShop(): Promise<Shop> {
  const served: string[] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://shop.invalid');
    if (url.pathname === PAGE_PATH) {
      served.push(`${url.pathname}${url.search}`);
      const mode = MODES.find((candidate) => candidate === url.searchParams.get('mode')) ?? 'embedded';
      const name: PolicyName = url.searchParams.get('policy') === 'without-bridge' ? 'without-bridge' : 'strict';
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': policy(name, `http://${request.headers.host}`),
        'cache-control': 'no-store',
      });
      response.end(shopPage(mode));
      return;
    }
    const upstream = http.request(
      { host: DEMO.hostname, port: DEMO.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let shop: Shop;
test.beforeAll(async () => {
  shop = await startShop();
});
test.afterAll(async () => {
  await shop?.close();
});
test.beforeEach(() => {
  shop.served.length = 0;
});

interface Violation {
  directive: string;
  blockedURI: string;
  documentURI: string;
  sample: string;
  disposition: string;
  frame: string;
}

interface TimedEvent {
  type: CheckoutEventName;
  detail: CheckoutEventDetails[CheckoutEventName];
  at: number;
}

interface ContractMessage {
  origin: string;
  event: string;
  session: string;
  at: number;
}

interface Bed {
  violations: Violation[];
  /** Console lines about CSP, from every page and frame of the context. */
  cspConsole: string[];
  pageErrors: string[];
  /** Session reads (status polls) that were held until the bridge's accept message arrived. */
  heldReads: number;
  events(page: Page): Promise<TimedEvent[]>;
  messages(page: Page): Promise<ContractMessage[]>;
}

async function setUp(
  context: BrowserContext,
  page: Page,
  options: { holdReadsUntilBridgeMessage: boolean },
): Promise<Bed> {
  const bed: Bed = {
    violations: [],
    cspConsole: [],
    pageErrors: [],
    heldReads: 0,
    events: (p) => p.evaluate(() => (window as unknown as { __cspE2eEvents: TimedEvent[] }).__cspE2eEvents),
    messages: (p) => p.evaluate(() => (window as unknown as { __cspE2eMessages: ContractMessage[] }).__cspE2eMessages),
  };
  let bridgeMessageSeen = false;
  let bridgeAccepted!: () => void;
  const bridgeAccept = new Promise<void>((resolve) => {
    bridgeAccepted = () => {
      bridgeMessageSeen = true;
      resolve();
    };
  });

  // Bindings and init scripts are the test's own instruments: CDP installs them, so the page's
  // policy neither blocks them nor is loosened by them (bypassCSP stays off).
  await context.exposeBinding('__cspE2eViolation', ({ frame }, violation: Omit<Violation, 'frame'>) => {
    bed.violations.push({ ...violation, frame: frame.url() });
  });
  await context.exposeBinding('__cspE2eBridgeAccept', () => bridgeAccepted());
  await context.addInitScript(
    ({ pagePath, eventNames }) => {
      const w = window as unknown as Record<string, unknown> & {
        __cspE2eViolation?: (v: unknown) => void;
        __cspE2eBridgeAccept?: () => void;
      };
      // Every document of the context: the shop page, the PSP's page and the bridge in the frame
      // or popup, the popup itself.
      window.addEventListener(
        'securitypolicyviolation',
        (event) => {
          void w.__cspE2eViolation?.({
            directive: event.effectiveDirective,
            blockedURI: event.blockedURI,
            documentURI: event.documentURI,
            sample: event.sample,
            disposition: event.disposition,
          });
        },
        true,
      );
      if (window.top !== window || location.pathname !== pagePath) return;
      const events: unknown[] = [];
      const messages: unknown[] = [];
      w['__cspE2eEvents'] = events;
      w['__cspE2eMessages'] = messages;
      // Registered before the widget's own listener (init scripts run first).
      window.addEventListener(
        'message',
        (event) => {
          const data = event.data as { type?: unknown; event?: unknown; session?: unknown } | null;
          if (!data || data.type !== 'checkout-widget') return;
          messages.push({ origin: event.origin, event: data.event, session: data.session, at: Date.now() });
          if (data.event === 'accept') void w.__cspE2eBridgeAccept?.();
        },
        true,
      );
      for (const name of eventNames) {
        document.addEventListener(name, (event) => {
          const detail = (event as CustomEvent).detail;
          events.push({ type: name, detail: JSON.parse(JSON.stringify(detail ?? null)), at: Date.now() });
        });
      }
      // waitForCheckoutEvent (support/checkout.ts) reads this record.
      w['__checkoutEvents'] = events;
    },
    {
      pagePath: PAGE_PATH,
      eventNames: CHECKOUT_EVENT_NAMES,
    },
  );

  context.on('console', (message) => {
    if (/content[- ]security[- ]policy|refused to/i.test(message.text())) bed.cspConsole.push(`${message.type()}: ${message.text()}`);
  });
  context.on('weberror', (error) => bed.pageErrors.push(error.error().message));

  if (options.holdReadsUntilBridgeMessage) {
    await context.route(
      (url) => url.origin === shop.origin && url.pathname.startsWith(`${SESSIONS_PATH}/`),
      async (route) => {
        if (route.request().method() === 'GET' && !bridgeMessageSeen) {
          bed.heldReads++;
          await bridgeAccept;
        }
        // The test may end with a read still held; nothing is left to answer then.
        await route.continue().catch(() => undefined);
      },
    );
  }
  return bed;
}

/** Fills the sandbox card form; returns the moment just before Pay is clicked. */
async function payWithCard(surface: Page | FrameLocator, number: string): Promise<number> {
  await surface.getByLabel(/card number/i).fill(number);
  await surface.getByLabel(/expir/i).fill('12/34');
  await surface.getByLabel(/cvc|security code/i).fill('123');
  const pay = surface.getByRole('button', { name: /^pay/i });
  await expect(pay).toBeEnabled();
  const submittedAt = Date.now();
  await pay.click();
  return submittedAt;
}

function states(events: TimedEvent[]): string[] {
  return events
    .filter((event) => event.type === 'checkout-status')
    .map((event) => (event.detail as CheckoutEventDetails['checkout-status']).state);
}

function expectNoCspProblems(bed: Bed): void {
  expect(bed.violations, 'securitypolicyviolation events').toEqual([]);
  expect(bed.cspConsole, 'CSP messages on the console').toEqual([]);
  expect(bed.pageErrors, 'uncaught errors').toEqual([]);
}

const MESSAGE_MODES = ['embedded', 'overlay', 'popup'] as const;

test.describe('strict CSP on the shop page (sandbox provider)', () => {
  for (const mode of MESSAGE_MODES) {
    test(`${mode}: pays, the accept comes by the bridge's message, no CSP violation`, async ({ context, page }) => {
      const bed = await setUp(context, page, { holdReadsUntilBridgeMessage: true });
      const response = await page.goto(`${shop.origin}${PAGE_PATH}?mode=${mode}&policy=strict`);
      expect(response?.headers()['content-security-policy']).toBe(policy('strict', shop.origin));

      let surface: Page | FrameLocator;
      let popup: Page | undefined;
      if (mode === 'embedded') {
        await waitForCheckoutEvent(page, 'checkout-ready');
        surface = widget(page).locator('iframe').contentFrame();
      } else if (mode === 'overlay') {
        await triggerButton(page).click();
        await waitForCheckoutEvent(page, 'checkout-ready');
        const dialog = widget(page).getByRole('dialog');
        await expect(dialog).toBeVisible();
        surface = dialog.locator('iframe').contentFrame();
      } else {
        const opened = page.waitForEvent('popup');
        await triggerButton(page).click();
        popup = await opened;
        await popup.waitForURL(/\/pay\//);
        surface = popup;
      }
      const session = (await waitForCheckoutEvent(page, 'checkout-session')).session;
      expect(new URL(session.url ?? '').origin, 'the policy names the PSP the session uses').toBe(PSP_ORIGIN);

      const submittedAt = await payWithCard(surface, CARDS.success);
      const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
      expect(accepted.session).toMatchObject({ id: session.id, status: 'complete' });

      // The bridge (API origin) told the page; the PSP's own page never posts accept.
      const messages = await bed.messages(page);
      const bridgeAccept = messages.find((message) => message.event === 'accept');
      expect(bridgeAccept, `an accept message from the return bridge (messages: ${JSON.stringify(messages)})`).toMatchObject({
        origin: shop.origin,
        session: session.id,
      });

      // ready → processing (entered only by an accept message) → complete, in that order.
      const events = await bed.events(page);
      const order = states(events);
      expect(order.slice(-3)).toEqual(['ready', 'processing', 'complete']);
      const processing = events.find(
        (event) => event.type === 'checkout-status' && (event.detail as CheckoutEventDetails['checkout-status']).state === 'processing',
      )!;
      const accept = events.find((event) => event.type === 'checkout-accept')!;
      expect(processing.at).toBeGreaterThanOrEqual(bridgeAccept!.at);
      expect(accept.at).toBeGreaterThanOrEqual(processing.at);

      if (popup) await expect.poll(() => popup.isClosed()).toBe(true);
      test.info().annotations.push({
        type: 'timing',
        description: `Pay clicked → bridge message ${bridgeAccept!.at - submittedAt} ms → checkout-accept ${accept.at - submittedAt} ms; reads held until the message: ${bed.heldReads}`,
      });
      expectNoCspProblems(bed);
    });
  }

  test('redirect: pays, the bridge sends the shopper back, no CSP violation', async ({ context, page }) => {
    const bed = await setUp(context, page, { holdReadsUntilBridgeMessage: false });
    const response = await page.goto(`${shop.origin}${PAGE_PATH}?mode=redirect&policy=strict`);
    expect(response?.headers()['content-security-policy']).toBe(policy('strict', shop.origin));
    await triggerButton(page).click();
    await page.waitForURL((url) => url.origin === PSP_ORIGIN && url.pathname.startsWith('/pay/'));
    const sessionId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');

    const submittedAt = await payWithCard(page, CARDS.success);
    await page.waitForURL((url) => url.origin === shop.origin && url.pathname === PAGE_PATH);
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session).toMatchObject({ id: sessionId, status: 'complete' });

    // The bridge sent the top-level page back with the outcome; the widget resumed from it.
    const returned = shop.served.map((served) => new URL(served, shop.origin)).find((url) => url.searchParams.has('checkout_result'));
    expect(returned?.searchParams.get('checkout_result')).toBe('accept');
    expect(returned?.searchParams.get('checkout_session')).toBe(sessionId);
    const events = await bed.events(page);
    const accept = events.find((event) => event.type === 'checkout-accept')!;
    test.info().annotations.push({ type: 'timing', description: `Pay clicked → checkout-accept on the returned page ${accept.at - submittedAt} ms` });
    expectNoCspProblems(bed);
  });

  test('control: without the bridge in frame-src the frame is blocked and only the poll confirms', async ({ context, page }) => {
    // The finding this spec guards against. No reads are held, so the poll can confirm.
    test.slow();
    const bed = await setUp(context, page, { holdReadsUntilBridgeMessage: false });
    await page.goto(`${shop.origin}${PAGE_PATH}?mode=embedded&policy=without-bridge`);
    await waitForCheckoutEvent(page, 'checkout-ready');
    const session = (await waitForCheckoutEvent(page, 'checkout-session')).session;
    const submittedAt = await payWithCard(widget(page).locator('iframe').contentFrame(), CARDS.success);

    await expect
      .poll(() => bed.violations.find((violation) => violation.directive === 'frame-src')?.blockedURI, { message: 'a frame-src violation' })
      .toMatch(/\/api\/checkout\/return\/accept/);
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept', { timeout: 40_000 });
    expect(accepted.session).toMatchObject({ id: session.id, status: 'complete' });

    expect((await bed.messages(page)).filter((message) => message.event === 'accept')).toEqual([]);
    const events = await bed.events(page);
    expect(states(events).slice(-2)).toEqual(['ready', 'complete']);
    expect(bed.cspConsole.some((line) => /frame-src/.test(line))).toBe(true);
    const accept = events.find((event) => event.type === 'checkout-accept')!;
    test.info().annotations.push({ type: 'timing', description: `Pay clicked → checkout-accept by the poll ${accept.at - submittedAt} ms` });
  });
});
