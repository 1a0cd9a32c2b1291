import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { SHOP_URL } from '../../../e2e/playwright.config.js';
import { CARDS, payWithCard, SESSIONS_PATH, waitForCheckoutEvent, widget } from '../../../e2e/support/checkout.js';

/**
 * The inline starter (issue 26 item 1, README "Start during the parse"): dist/cdn/starter.html
 * pasted after the tag sends the create call during the parse; the element adopts it. Fakes by
 * `page.route` (one test pays against the demo's sandbox, under a CSP that allows the starter by
 * its hash alone); needs `npm run build`.
 */

// Secure origins (the starter's key is `crypto.randomUUID`, which a plain-http page lacks).
const SHOP = 'https://shop.test';
const PSP = 'https://psp.test';
const CDN_DIR = fileURLToPath(new URL('../../../dist/cdn/', import.meta.url));
const cdnFile = (name: string) => readFileSync(`${CDN_DIR}${name}`, 'utf8');
const ENDPOINT = '/api/checkout/sessions';
const PAYLOAD = '{"items":[{"sku":"mug","quantity":1}]}';

interface Backend {
  /** In arrival order, with what the page had fetched of the CDN by then. */
  posts: { body: string; key: string | null; cdnBefore: string[] }[];
  gets: string[];
  cdn: string[];
  /** The creates' answer statuses, one per create in order; 201 (a session) once they run out. */
  createStatuses: number[];
  /** Resolves the module's response; held until the create was sent when `holdModule`. */
  holdModule: boolean;
  /** With `holdCreate`: answers the first create, held until then (an answer to a call the page gave up is dropped). */
  releaseCreate: () => void;
}

const contractSession = (id: string) => ({ id, provider: 'sandbox', kind: 'hosted', status: 'open', url: `${PSP}/pay/${id}` });

interface SetUpOptions {
  starter: boolean;
  /** Copies of the starter after the tag (default 1 with `starter`). */
  starterCopies?: number;
  /** More of the head, before the module (a classic script that defines the element early). */
  head?: string;
  holdModule?: boolean;
  holdCreate?: boolean;
  createStatuses?: number[];
  attributes?: string;
  origin?: string;
}

async function setUp(page: Page, options: SetUpOptions): Promise<Backend> {
  let releaseCreate!: () => void;
  const createReleased = options.holdCreate ? new Promise<void>((resolve) => (releaseCreate = resolve)) : undefined;
  const backend: Backend = { posts: [], gets: [], cdn: [], createStatuses: options.createStatuses ?? [], holdModule: options.holdModule ?? false, releaseCreate: () => releaseCreate() };
  const starters = options.starter ? cdnFile('starter.html').repeat(options.starterCopies ?? 1) : '';
  const html = `<!doctype html><html lang="en"><head><script>
      window.__events = [];
      for (const name of ['checkout-status', 'checkout-session', 'checkout-ready', 'checkout-error'])
        document.addEventListener(name, (event) => window.__events.push({ type: name, detail: JSON.parse(JSON.stringify(event.detail)) }));
    </script>${options.head ?? ''}<script type="module" src="/cdn/checkout-widget.js"></script></head><body>
    <checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}' ${options.attributes ?? ''}></checkout-widget>${starters}</body></html>`;
  let counter = 0;
  const sessionsByKey = new Map<string, string>();
  let createSent!: () => void;
  const created = new Promise<void>((resolve) => (createSent = resolve));
  await page.route(`${options.origin ?? SHOP}/**`, async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (url.pathname.startsWith('/cdn/')) {
      const name = url.pathname.slice(5);
      // The module waits for the create: what sent it cannot have been the element.
      if (name === 'checkout-widget.js' && backend.holdModule) await created;
      backend.cdn.push(name);
      const file = await readFile(CDN_DIR + name).catch(() => null);
      return file ? route.fulfill({ body: file, contentType: 'text/javascript' }) : route.fulfill({ status: 404 });
    }
    if (url.pathname === ENDPOINT && request.method() === 'POST') {
      const key = await request.headerValue('idempotency-key');
      backend.posts.push({ body: request.postData() ?? '', key, cdnBefore: [...backend.cdn] });
      createSent();
      if (createReleased && backend.posts.length === 1) await createReleased;
      const status = backend.createStatuses.shift() ?? 201;
      if (status !== 201) return route.fulfill({ status, json: { error: { code: 'invalid_request', message: 'No such product: mug' } } });
      const id = (key && sessionsByKey.get(key)) ?? `ses_${++counter}`;
      if (key) sessionsByKey.set(key, id);
      // The page may have given the call up meanwhile (an element removed while it was under way).
      return route.fulfill({ status: 201, json: contractSession(id) }).catch(() => undefined);
    }
    if (url.pathname.startsWith(`${ENDPOINT}/`)) {
      const id = decodeURIComponent(url.pathname.slice(ENDPOINT.length + 1));
      backend.gets.push(id);
      return route.fulfill({ json: contractSession(id) });
    }
    return route.fulfill({ contentType: 'text/html', body: html });
  });
  await page.route(`${PSP}/**`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Pay</title><h1>Pay</h1>' }));
  return backend;
}

type Recorded = { type: string; detail: Record<string, unknown> };
const events = (page: Page) => page.evaluate(() => (window as unknown as { __events: Recorded[] }).__events);
/** The events with the session ids and keys that differ between runs left in: types and details. */
const eventSummary = (recorded: Recorded[]) => recorded.map((event) => `${event.type}:${JSON.stringify(event.detail)}`);

test.describe('inline starter', () => {
  test('sends the create during the parse, before the module arrives; the element adopts it: one create, same events', async ({ page }) => {
    const backend = await setUp(page, { starter: true, holdModule: true });
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts).toHaveLength(1);
    expect(backend.posts[0]!.cdnBefore, 'the module was not fetched when the create left').toEqual([]);
    // The body the element would send (the payload with the page's locale), under a key of the starter's.
    expect(JSON.parse(backend.posts[0]!.body)).toEqual({ items: [{ sku: 'mug', quantity: 1 }], locale: 'en' });
    expect(backend.posts[0]!.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
    const recorded = await events(page);
    expect(recorded.map((event) => event.type)).toEqual(['checkout-status', 'checkout-session', 'checkout-status', 'checkout-ready']);
    expect(recorded[1]!.detail).toMatchObject({ session: { id: 'ses_1' } });
    // The memory entry the element keeps: the starter's key and the session.
    const memory = await page.evaluate(() => Object.entries(sessionStorage));
    expect(memory).toEqual([[expect.stringMatching(/^checkout-widget:session:[0-9a-z]+$/), JSON.stringify({ key: backend.posts[0]!.key, id: 'ses_1' })]]);
    expect(await widget(page).evaluate((element) => '_cs' in element), 'the call is taken once').toBe(false);
  });

  test('load="interaction": the starter sends nothing; the create leaves on the shopper\'s click, once', async ({ page }) => {
    const backend = await setUp(page, { starter: true, attributes: 'load="interaction"' });
    await page.goto(`${SHOP}/shop.html`);
    const trigger = widget(page).locator('[part~="trigger"]');
    await expect(trigger).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(backend.posts, 'no create before the shopper consents').toEqual([]);
    await trigger.click();
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts).toHaveLength(1);
  });

  test('a page with the starter fires what a page without it fires', async ({ page, browser }) => {
    const withStarter = await setUp(page, { starter: true });
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    const other = await browser.newPage();
    const without = await setUp(other, { starter: false });
    await other.goto(`${SHOP}/shop.html`);
    await expect(widget(other)).toHaveAttribute('state', 'ready');
    expect(eventSummary(await events(page))).toEqual(eventSummary(await events(other)));
    expect(withStarter.posts.map((post) => post.body)).toEqual(without.posts.map((post) => post.body));
    await other.close();
  });

  test('a reload resumes the session the adopted call made: a read, no second create', async ({ page }) => {
    const backend = await setUp(page, { starter: true });
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    await page.reload();
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts).toHaveLength(1);
    // The resume's read, then maybe the status watcher's.
    expect(backend.gets[0]).toBe('ses_1');
    expect(new Set(backend.gets)).toEqual(new Set(['ses_1']));
    expect((await events(page)).find((event) => event.type === 'checkout-session')!.detail).toMatchObject({ session: { id: 'ses_1' } });
  });

  test("the starter's call answered with an error: the element reports it as it reports its own", async ({ page, browser }) => {
    const backend = await setUp(page, { starter: true, holdModule: true, createStatuses: [400] });
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'error');
    // A 400 is not retried: the starter's one call.
    expect(backend.posts).toHaveLength(1);
    expect(backend.posts[0]!.cdnBefore).toEqual([]);
    const other = await browser.newPage();
    await setUp(other, { starter: false, createStatuses: [400] });
    await other.goto(`${SHOP}/shop.html`);
    await expect(widget(other)).toHaveAttribute('state', 'error');
    const errors = (recorded: Recorded[]) => recorded.filter((event) => event.type === 'checkout-error').map((event) => event.detail);
    expect(errors(await events(page))).toEqual([{ code: 'endpoint_error', message: 'No such product: mug', retryable: false }]);
    expect(errors(await events(page))).toEqual(errors(await events(other)));
    await expect(widget(page).locator('[part="error"]')).toBeVisible();
    await other.close();
  });

  test('a page that is not a secure context: the starter sends nothing, the element creates as without it', async ({ page }) => {
    const backend = await setUp(page, { starter: true, origin: 'http://shop.test' });
    await page.goto('http://shop.test/shop.html');
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts).toHaveLength(1);
    expect(backend.posts[0]!.cdnBefore, 'the element sent it, once its module had arrived').toContain('checkout-widget.js');
    expect(await page.evaluate(() => isSecureContext)).toBe(false);
  });

  test('a retried create (a 503 first) keeps the idempotency key the starter chose', async ({ page }) => {
    // The second attempt (the element's retry) is answered.
    const backend = await setUp(page, { starter: true, holdModule: true, createStatuses: [503] });
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts).toHaveLength(2);
    expect(backend.posts[1]!.key).toBe(backend.posts[0]!.key);
    expect(backend.posts[1]!.body).toBe(backend.posts[0]!.body);
  });
});

/**
 * One checkout, one session: what could make a page send two creates for one cart (the examples'
 * Worker once logged two creates about 50 ms apart and could not say why) pinned with the starter and
 * without it. Two creates are one session only when they carry one `Idempotency-Key`.
 */
test.describe('one create per cart, with the starter and without', () => {
  const keysOf = (backend: Backend) => new Set(backend.posts.map((post) => post.key));
  /** The page re-inserts the widget (a framework moving it), as it would in a task of its own. */
  const reinsert = (page: Page) =>
    page.evaluate(() => {
      const element = document.querySelector('checkout-widget')!;
      element.remove();
      document.body.append(element);
    });

  for (const starter of [false, true]) {
    const how = starter ? 'with the starter' : 'without the starter';
    test(`${how}: re-inserted while its create is under way, the next start repeats that create's key: one session`, async ({ page }) => {
      const backend = await setUp(page, { starter, holdCreate: true });
      await page.goto(`${SHOP}/shop.html`);
      await expect.poll(() => backend.posts.length).toBe(1);
      await expect(widget(page)).toHaveAttribute('state', 'loading');
      await reinsert(page);
      backend.releaseCreate();
      await expect(widget(page)).toHaveAttribute('state', 'ready');
      expect(backend.posts.length).toBeLessThanOrEqual(2);
      expect(keysOf(backend), 'every create of this cart under one key').toEqual(new Set([backend.posts[0]!.key]));
      expect(await widget(page).locator('iframe').getAttribute('src')).toBe(`${PSP}/pay/ses_1`);
    });

    test(`${how}: re-inserted once its session answered, it resumes that session: a read, no second create`, async ({ page }) => {
      const backend = await setUp(page, { starter });
      await page.goto(`${SHOP}/shop.html`);
      await expect(widget(page)).toHaveAttribute('state', 'ready');
      await reinsert(page);
      await expect(widget(page)).toHaveAttribute('state', 'ready');
      await expect.poll(() => backend.gets).toContain('ses_1');
      expect(backend.posts).toHaveLength(1);
    });
  }

  test('two copies of the starter on the page, the module held back: one create, adopted by the element', async ({ page }) => {
    const backend = await setUp(page, { starter: true, starterCopies: 2, holdModule: true });
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts).toHaveLength(1);
    expect(backend.posts[0]!.cdnBefore).toEqual([]);
    expect(await widget(page).evaluate((element) => '_cs' in element), 'the call is taken once').toBe(false);
  });

  test('the element defined before the parser reaches its tag (a classic script in the head), then the starter: one create, the element\'s', async ({ page }) => {
    const backend = await setUp(page, { starter: true, head: '<script src="/cdn/checkout-widget.iife.js"></script>' });
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    await page.waitForLoadState('networkidle');
    expect(backend.posts).toHaveLength(1);
    expect(backend.posts[0]!.cdnBefore, 'sent once the element was defined').toContain('checkout-widget.iife.js');
  });
});

/**
 * A shop page served in front of the demo (as csp.spec.ts does: not by `page.route`, whose pages
 * may not frame the loopback sandbox), with a policy whose script-src allows the CDN folder, the
 * import map's hash and the starter's hash, no 'unsafe-inline'.
 */
test.describe('inline starter against the demo, under a strict CSP', () => {
  const PAGE_PATH = '/starter-e2e/checkout.html';
  const demo = new URL(SHOP_URL);
  let server: http.Server;
  let origin: string;
  const page = () => `<!doctype html><html lang="en"><head><meta charset="utf-8" /><title>Starter</title>
    <script type="importmap">${cdnFile('importmap.json')}</script>
    <script type="module" src="/cdn/checkout-widget.js"></script></head>
    <body><checkout-widget endpoint="${SESSIONS_PATH}" payload='${JSON.stringify({ provider: 'sandbox', items: [{ sku: 'mug', quantity: 1 }] })}'></checkout-widget>${cdnFile('starter.html')}</body></html>`;

  test.beforeAll(async () => {
    server = http.createServer((request, response) => {
      const [path, query] = (request.url ?? '').split('?');
      if (path === PAGE_PATH) {
        const shop = `http://${request.headers.host}`;
        // `?without-starter-hash`: the control, a policy that does not name the starter.
        const starterHash = query === 'without-starter-hash' ? '' : cdnFile('starter.sha256');
        response.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': `default-src 'none'; script-src ${shop}/cdn/ ${cdnFile('importmap.sha256')} ${starterHash}; connect-src ${shop}/api/checkout/; frame-src http: ; base-uri 'none'`,
        });
        return response.end(page());
      }
      const upstream = http.request({ host: demo.hostname, port: demo.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      upstream.on('error', () => response.end());
      request.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  test.afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('the starter runs by its hash alone, sends the one create, and the shopper pays', async ({ context, page: shopPage }) => {
    const violations: string[] = [];
    const creates: string[] = [];
    await context.exposeBinding('__starterViolation', (_source, text: string) => violations.push(text));
    await context.addInitScript(() => {
      window.addEventListener('securitypolicyviolation', (event) => {
        void (window as unknown as { __starterViolation: (text: string) => void }).__starterViolation(`${event.effectiveDirective} ${event.blockedURI} ${event.sample}`);
      });
      const recorded: unknown[] = [];
      (window as unknown as { __checkoutEvents: unknown[] }).__checkoutEvents = recorded;
      // Who sent each POST: before <checkout-widget> is defined, only the starter can have.
      const senders: string[] = [];
      (window as unknown as { __senders: string[] }).__senders = senders;
      const pageFetch = window.fetch;
      window.fetch = (input, init) => {
        if (init?.method === 'POST') senders.push(customElements.get('checkout-widget') ? 'element' : 'starter');
        return pageFetch(input, init);
      };
      for (const name of ['checkout-session', 'checkout-ready', 'checkout-accept', 'checkout-error'])
        document.addEventListener(name, (event) => recorded.push({ type: name, detail: JSON.parse(JSON.stringify((event as CustomEvent).detail)) }));
    });
    shopPage.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === SESSIONS_PATH) creates.push(request.headers()['idempotency-key'] ?? '');
    });
    await shopPage.goto(`${origin}${PAGE_PATH}`);
    const session = (await waitForCheckoutEvent(shopPage, 'checkout-ready')).session;
    expect(creates).toHaveLength(1);
    expect(await shopPage.evaluate(() => (window as unknown as { __senders: string[] }).__senders), 'the starter (not the element) sent the create').toEqual(['starter']);
    expect(creates[0], 'a UUID of the starter\'s').toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
    await payWithCard(widget(shopPage).locator('iframe').contentFrame(), CARDS.success);
    const accepted = await waitForCheckoutEvent(shopPage, 'checkout-accept');
    expect(accepted.session).toMatchObject({ id: session.id, status: 'complete' });
    expect(creates).toHaveLength(1);
    expect(violations).toEqual([]);
  });

  test('control: a policy without the starter\'s hash blocks it, and the element makes the create itself', async ({ context, page: shopPage }) => {
    const violations: string[] = [];
    const creates: string[] = [];
    await context.exposeBinding('__starterViolation', (_source, text: string) => violations.push(text));
    await context.addInitScript(() => {
      window.addEventListener('securitypolicyviolation', (event) => {
        void (window as unknown as { __starterViolation: (text: string) => void }).__starterViolation(event.effectiveDirective);
      });
    });
    shopPage.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === SESSIONS_PATH) creates.push(request.headers()['idempotency-key'] ?? '');
    });
    await shopPage.goto(`${origin}${PAGE_PATH}?without-starter-hash`);
    await expect(widget(shopPage)).toHaveAttribute('state', 'ready');
    expect(violations).toContain('script-src-elem');
    expect(creates).toHaveLength(1);
    expect(creates[0], "the element's own key, a UUID").toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
  });
});
