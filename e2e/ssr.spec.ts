import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { SHOP_URL } from './playwright.config.js';
import { CARDS, eventTypes, payWithCard, recordCheckoutEvents, recordedEvents, SESSIONS_PATH, waitForCheckoutEvent, widget } from './support/checkout.js';
import { renderCheckoutWidget } from '../src/ssr.js';

/**
 * Server-rendered sessions (issue 26 item 2, README "Server-rendered sessions"): a page whose
 * server made the session (a POST to the demo's checkout handler) writes
 * `renderCheckoutWidget({ session })` into its HTML, so the sandbox page is framed during the parse;
 * the element adopts that frame. Served in front of the demo (not by `page.route`, whose pages may
 * not frame the loopback sandbox); needs `npm run build`.
 */

const CDN_DIR = fileURLToPath(new URL('../dist/cdn/', import.meta.url));
const cdnFile = (name: string) => readFileSync(`${CDN_DIR}${name}`, 'utf8');
const PAGE_PATH = '/ssr-e2e/checkout.html';
const demo = new URL(SHOP_URL);

/** What the shop's server does before it renders the page: creates the session itself. */
async function createSession(): Promise<Record<string, unknown>> {
  const answer = await fetch(`${SHOP_URL}${SESSIONS_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: SHOP_URL, 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ provider: 'sandbox', items: [{ sku: 'mug', quantity: 1 }], locale: 'en' }),
  });
  expect(answer.status).toBe(201);
  return (await answer.json()) as Record<string, unknown>;
}

let server: http.Server;
let origin: string;
/** Per page load: how the session is changed before rendering, and how long the module is held. */
let pageOptions: { expired?: boolean; holdModuleMs?: number; starter?: boolean; slowImageMs?: number } = {};
const SLOW_IMAGE_PATH = '/ssr-e2e/slow.gif';

test.beforeAll(async () => {
  server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path === PAGE_PATH) {
      void (async () => {
        const session = await createSession();
        // Made a while ago, and its time ran out before the shopper's browser ran the module.
        if (pageOptions.expired) session['expires_at'] = new Date(Date.now() - 1_000).toISOString();
        const element = await renderCheckoutWidget({ session, attributes: { endpoint: SESSIONS_PATH } });
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8" /><title>SSR</title>
          <script type="importmap">${cdnFile('importmap.json')}</script>
          <script type="module" src="/cdn/checkout-widget.js"></script></head><body>${element}${pageOptions.starter ? cdnFile('starter.html') : ''}${
            // Something else on the page (a slow image) holds the document's load event.
            pageOptions.slowImageMs ? `<img src="${SLOW_IMAGE_PATH}" alt="">` : ''
          }</body></html>`);
      })().catch((error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      });
      return;
    }
    if (path === SLOW_IMAGE_PATH) {
      setTimeout(() => response.writeHead(404).end(), pageOptions.slowImageMs);
      return;
    }
    const forward = () => {
      const upstream = http.request({ host: demo.hostname, port: demo.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      upstream.on('error', () => response.end());
      request.pipe(upstream);
    };
    // The module late: the frame has loaded before the element can listen to it.
    if (path === '/cdn/checkout-widget.js' && pageOptions.holdModuleMs) setTimeout(forward, pageOptions.holdModuleMs);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test.describe('server-rendered session (renderCheckoutWidget)', () => {
  test.describe.configure({ mode: 'serial' });

  // The late module's page also has the inline starter after the element: it must leave it alone.
  for (const holdModuleMs of [0, 1_500]) {
    test(`the frame is in the HTML, loads once, and the shopper pays${holdModuleMs ? ' (module arrives after the frame loaded; the inline starter on the page)' : ''}`, async ({ page }) => {
      pageOptions = { holdModuleMs, starter: holdModuleMs > 0 };
      await recordCheckoutEvents(page);
      const frameLoads: string[] = [];
      const creates: string[] = [];
      const frameLoaded: number[] = [];
      let moduleArrived = 0;
      page.on('request', (request) => {
        if (request.isNavigationRequest() && request.frame() !== page.mainFrame()) frameLoads.push(request.url());
        if (request.method() === 'POST' && new URL(request.url()).pathname === SESSIONS_PATH) creates.push(request.url());
      });
      page.on('requestfinished', (request) => {
        if (new URL(request.url()).pathname === '/cdn/checkout-widget.js') moduleArrived = Date.now();
      });
      page.on('framenavigated', (frame) => {
        if (frame !== page.mainFrame()) frameLoaded.push(Date.now());
      });
      await page.goto(`${origin}${PAGE_PATH}`);
      const ready = await waitForCheckoutEvent(page, 'checkout-ready');
      const url = ready.session.url!;
      if (holdModuleMs) expect(frameLoaded[0]!, 'the frame was there before the module').toBeLessThan(moduleArrived);
      const types = await eventTypes(page);
      expect(types.filter((type) => type !== 'checkout-step')).toEqual(['checkout-status', 'checkout-session', 'checkout-status', 'checkout-ready']);
      // the funnel's steps come a moment after what they note (a lazy chunk), as on any start
      await expect.poll(async () => (await recordedEvents(page)).filter((event) => event.type === 'checkout-step').map((event) => (event.detail as { step: string }).step)).toEqual(['shown', 'provider-loaded']);
      // One frame, the server's, in the container of the shadow root; its page requested once.
      expect(await widget(page).evaluate((element) => element.shadowRoot!.querySelectorAll('.checkout-container > iframe[part="frame"]').length)).toBe(1);
      expect(await widget(page).evaluate((element) => element.shadowRoot!.querySelectorAll('.checkout-container').length)).toBe(1);
      expect(frameLoads).toEqual([url]);
      await payWithCard(widget(page).locator('iframe').contentFrame(), CARDS.success);
      const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
      expect(accepted.session).toMatchObject({ id: ready.session.id, status: 'complete' });
      await expect(widget(page)).toHaveAttribute('state', 'complete');
      // No create from the browser: the server made the session.
      expect(creates).toEqual([]);
      expect(frameLoads.filter((load) => load === url)).toHaveLength(1);
    });
  }

  test('the frame loaded before the module ran: checkout-ready comes when the module has run, not at the document\'s load (a slow image holds it); the same frame element, loaded once', async ({ page }) => {
    pageOptions = { holdModuleMs: 2_500, slowImageMs: 8_000 };
    await recordCheckoutEvents(page);
    await page.addInitScript(() => {
      const record = window as unknown as { __ready?: { at: number; readyState: string }; __frameLoadedAt?: number };
      // In the provider's frame: when its document loaded (epoch milliseconds, comparable across processes).
      if (window !== window.top) return void addEventListener('load', () => (record.__frameLoadedAt = performance.timeOrigin + performance.now()));
      document.addEventListener('checkout-ready', () => (record.__ready = { at: performance.timeOrigin + performance.now(), readyState: document.readyState }), { once: true });
    });
    const frameLoads: string[] = [];
    let moduleArrived = 0;
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.frame() !== page.mainFrame()) frameLoads.push(request.url());
    });
    page.on('requestfinished', (request) => {
      if (new URL(request.url()).pathname === '/cdn/checkout-widget.js') moduleArrived = Date.now();
    });
    await page.goto(`${origin}${PAGE_PATH}`, { waitUntil: 'commit' });
    // The server's frame, marked before the module arrives: after hydration it must be the same element.
    const serverFrame = widget(page).locator('iframe');
    await expect(serverFrame).toHaveCount(1);
    await serverFrame.evaluate((frame) => ((frame as HTMLIFrameElement & { serverRendered?: true }).serverRendered = true));
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame())!;
    await expect.poll(() => frame.evaluate(() => (window as unknown as { __frameLoadedAt?: number }).__frameLoadedAt ?? 0)).toBeGreaterThan(0);
    const frameLoadedAt = await frame.evaluate(() => (window as unknown as { __frameLoadedAt: number }).__frameLoadedAt);
    expect(moduleArrived, 'the frame loaded before the module arrived').toBe(0);
    const ready = await waitForCheckoutEvent(page, 'checkout-ready');
    const { at, readyState } = await page.evaluate(() => (window as unknown as { __ready: { at: number; readyState: string } }).__ready);
    // The old element waited for the document's load: the image's 8 s.
    expect(readyState, 'ready before the document loaded').not.toBe('complete');
    expect(at).toBeGreaterThanOrEqual(frameLoadedAt - 1);
    expect(await widget(page).evaluate((element) => element.shadowRoot!.querySelectorAll('iframe').length)).toBe(1);
    expect(await serverFrame.evaluate((frame) => (frame as HTMLIFrameElement & { serverRendered?: true }).serverRendered)).toBe(true);
    expect(frameLoads).toEqual([ready.session.url]);
  });

  test('a session that expired meanwhile: the element reports expired and takes the frame down', async ({ page }) => {
    pageOptions = { expired: true };
    await recordCheckoutEvents(page);
    await page.goto(`${origin}${PAGE_PATH}`);
    const expired = await waitForCheckoutEvent(page, 'checkout-expired');
    expect(expired.session.status).toBe('open');
    await expect(widget(page)).toHaveAttribute('state', 'expired');
    await expect(widget(page).locator('[part="message"]')).toBeVisible();
    expect(await widget(page).evaluate((element) => element.shadowRoot!.querySelectorAll('iframe').length)).toBe(0);
  });
});
