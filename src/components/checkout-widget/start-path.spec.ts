import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';

/**
 * The start path (issue 13): the element starts in its first update, so properties a page set on
 * the tag before the element was defined (or as it is defined) are the ones used; a contract
 * answer is shown without the validators chunk, which loads only for answers the core's check
 * does not accept. Fakes by `page.route`; needs `npm run build`.
 */

const SHOP = 'http://shop.test';
const PSP = 'http://psp.test';
const CDN_DIR = fileURLToPath(new URL('../../../dist/cdn/', import.meta.url));
const ENDPOINT = '/api/checkout/sessions';
const PAYLOAD = '{"items":[{"sku":"mug","quantity":1}]}';

interface Backend {
  posts: { body: unknown; key: string | null }[];
  gets: string[];
  cdn: string[];
  /** The create answer; a contract session unless a test changes it. */
  answer: (id: string) => Record<string, unknown>;
}

const contractSession = (id: string) => ({ id, provider: 'sandbox', kind: 'hosted', status: 'open', url: `${PSP}/pay/${id}` });

/** `head`: markup before the module script; `body`: the page's body. */
async function setUp(page: Page, body: string, head = ''): Promise<Backend> {
  const backend: Backend = { posts: [], gets: [], cdn: [], answer: contractSession };
  const html = `<!doctype html><html lang="en"><head><script>
      window.__events = [];
      for (const name of ['checkout-session', 'checkout-ready', 'checkout-error'])
        document.addEventListener(name, (event) => window.__events.push({ type: name, detail: JSON.parse(JSON.stringify(event.detail)) }));
    </script>${head}<script type="module" src="/cdn/checkout-widget.js"></script></head><body>${body}</body></html>`;
  let counter = 0;
  const sessionsByKey = new Map<string, string>();
  await page.route(`${SHOP}/**`, async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (url.pathname.startsWith('/cdn/')) {
      const name = url.pathname.slice(5);
      backend.cdn.push(name);
      const file = await readFile(CDN_DIR + name).catch(() => null);
      return file ? route.fulfill({ body: file, contentType: 'text/javascript' }) : route.fulfill({ status: 404 });
    }
    if (url.pathname === ENDPOINT && request.method() === 'POST') {
      const key = await request.headerValue('idempotency-key');
      backend.posts.push({ body: request.postDataJSON(), key });
      // Idempotent, as the real backend: a key seen before answers its session again.
      const id = (key && sessionsByKey.get(key)) ?? `ses_${++counter}`;
      if (key) sessionsByKey.set(key, id);
      return route.fulfill({ status: 201, json: backend.answer(id) });
    }
    if (url.pathname.startsWith(`${ENDPOINT}/`)) {
      const id = decodeURIComponent(url.pathname.slice(ENDPOINT.length + 1));
      backend.gets.push(id);
      return route.fulfill({ json: backend.answer(id) });
    }
    return route.fulfill({ contentType: 'text/html', body: html });
  });
  await page.route(`${PSP}/**`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Pay</title><h1>Pay</h1>' }));
  return backend;
}

type Recorded = { type: string; detail: Record<string, unknown> };
const events = (page: Page) => page.evaluate(() => (window as unknown as { __events: Recorded[] }).__events);
const widget = (page: Page) => page.locator('checkout-widget');
const validatorsFetched = (backend: Backend) => backend.cdn.some((file) => file.startsWith('checkout-session-schema-'));

test.describe('start path', () => {
  test('properties the page set on the tag before the element was defined decide the call, not the attributes', async ({ page }) => {
    const backend = await setUp(
      page,
      `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>
       <script>document.querySelector('checkout-widget').payload = { items: [{ sku: 'mug', quantity: 3 }] };</script>`,
    );
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts.map((post) => post.body)).toEqual([{ items: [{ sku: 'mug', quantity: 3 }], locale: 'en' }]);
  });

  test('a server-made session set on the tag before the element was defined is shown: no create call', async ({ page }) => {
    const backend = await setUp(
      page,
      `<checkout-widget endpoint="${ENDPOINT}"></checkout-widget>
       <script>document.querySelector('checkout-widget').session = ${JSON.stringify(contractSession('ses_server'))};</script>`,
    );
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    await expect(widget(page).locator('iframe')).toHaveAttribute('src', `${PSP}/pay/ses_server`);
    expect(backend.posts).toEqual([]);
  });

  test('a property set in a whenDefined callback decides the call', async ({ page }) => {
    const backend = await setUp(
      page,
      `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>`,
      `<script>customElements.whenDefined('checkout-widget').then(() => {
        document.querySelector('checkout-widget').payload = { items: [{ sku: 'mug', quantity: 3 }] };
      });</script>`,
    );
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts.map((post) => post.body)).toEqual([{ items: [{ sku: 'mug', quantity: 3 }], locale: 'en' }]);
  });

  test('overlay set in a whenDefined callback: no create call until the click', async ({ page }) => {
    const backend = await setUp(
      page,
      `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>`,
      `<script>customElements.whenDefined('checkout-widget').then(() => {
        document.querySelector('checkout-widget').mode = 'overlay';
      });</script>`,
    );
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page).getByRole('button', { name: 'Pay' })).toBeVisible();
    await expect(widget(page)).toHaveAttribute('state', 'idle');
    expect(backend.posts).toEqual([]);
    await widget(page).getByRole('button', { name: 'Pay' }).click();
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts).toHaveLength(1);
  });

  test('a checkout-status listener that sets the locale as the run starts gets its texts', async ({ page }) => {
    await setUp(
      page,
      `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>
       <script>document.addEventListener('checkout-status', (event) => {
         if (event.detail.state === 'loading') event.target.locale = 'da';
       }, { once: true });</script>`,
    );
    // The create call hangs: the widget stays loading.
    await page.route(`${SHOP}${ENDPOINT}`, () => undefined);
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page).locator('[part=loading]')).toHaveText('Indlæser betaling…');
  });

  test('a contract answer is shown without fetching the validators chunk', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    // The start set: the core, and the funnel's steps (a chunk fetched once the create has left).
    expect(backend.cdn.filter((file) => !/^checkout-funnel-steps-[\w-]+\.js$/.test(file))).toEqual(['checkout-widget.js']);
    expect(validatorsFetched(backend)).toBe(false);
  });

  test('a provider-native answer loads the validators chunk and is shown', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>`);
    const reepayId = 'cs_0123456789abcdef0123456789abcdef';
    backend.answer = () => ({ id: reepayId, url: `https://checkout.reepay.com/#/${reepayId}` });
    await page.route('https://checkout.reepay.com/**', (route) => route.abort());
    await page.goto(`${SHOP}/shop.html`);
    await expect.poll(async () => (await events(page)).find((event) => event.type === 'checkout-session')?.detail['session']).toMatchObject({
      id: reepayId,
      kind: 'reepay',
    });
    expect(validatorsFetched(backend)).toBe(true);
  });

  test('an invalid answer is refused by name, by the validators chunk (the core check only accepts or defers)', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>`);
    // Well-formed fields, but a hosted session without its page: the core defers, the chunk names it.
    backend.answer = (id) => ({ id, provider: 'sandbox', kind: 'hosted', status: 'open' });
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'error');
    expect((await events(page)).find((event) => event.type === 'checkout-error')?.detail).toMatchObject({
      code: 'invalid_session',
      message: 'session.url is required for kind hosted',
    });
    expect(validatorsFetched(backend)).toBe(true);

    // A malformed field: the chunk's parser names it too.
    backend.answer = (id) => ({ ...contractSession(id), status: 'opened' });
    await page.evaluate(() => {
      const element = document.querySelector('checkout-widget')!;
      element.reset();
      void element.start();
    });
    await expect
      .poll(async () => (await events(page)).filter((event) => event.type === 'checkout-error').map((event) => event.detail['message']))
      .toContain('session.status must be one of open, complete, expired, cancelled, failed');
    expect(validatorsFetched(backend)).toBe(true);
  });
});
