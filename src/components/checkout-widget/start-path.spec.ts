import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';

/**
 * The start path of the CDN module (issue 13): a widget already in the page has its create call
 * sent before the element is even defined, exactly as the element would send it; a contract
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
  // Records each create call with whether the element was defined when the page called fetch.
  const html = `<!doctype html><html lang="en"><head><script>
      window.__fetches = [];
      const pageFetch = window.fetch;
      window.fetch = (...args) => { window.__fetches.push({ defined: Boolean(customElements.get('checkout-widget')) }); return pageFetch(...args); };
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
const fetches = (page: Page) => page.evaluate(() => (window as unknown as { __fetches: { defined: boolean }[] }).__fetches);
const widget = (page: Page) => page.locator('checkout-widget');
const validatorsFetched = (backend: Backend) => backend.cdn.some((file) => file.startsWith('checkout-session-schema-'));

test.describe('start path', () => {
  test('a widget in the page sends its create call before the element is defined, once, and shows that session', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(await fetches(page)).toEqual([{ defined: false }]);
    expect(backend.posts).toEqual([{ body: { items: [{ sku: 'mug', quantity: 1 }], locale: 'en' }, key: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
    const session = (await events(page)).find((event) => event.type === 'checkout-session');
    expect(session?.detail['session']).toMatchObject({ id: 'ses_1' });
    await expect(widget(page).locator('iframe')).toHaveAttribute('src', `${PSP}/pay/ses_1`);
  });

  test('a reload resumes the early session with a GET, no second create', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    await page.reload();
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts).toHaveLength(1);
    expect(backend.gets).toEqual(['ses_1']);
    expect(await fetches(page)).toEqual([{ defined: false }]);
  });

  test('properties the page set before the module ran decide the call, not the attributes', async ({ page }) => {
    const backend = await setUp(
      page,
      `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>
       <script>document.querySelector('checkout-widget').payload = { items: [{ sku: 'mug', quantity: 3 }] };</script>`,
    );
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts.map((post) => post.body)).toEqual([{ items: [{ sku: 'mug', quantity: 3 }], locale: 'en' }]);
    // Made by the element itself, once defined.
    expect(await fetches(page)).toEqual([{ defined: true }]);
  });

  test('a property set in a whenDefined callback wins: the early call is aborted, the element makes its own', async ({ page }) => {
    const backend = await setUp(
      page,
      `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>`,
      `<script>customElements.whenDefined('checkout-widget').then(() => {
        document.querySelector('checkout-widget').payload = { items: [{ sku: 'mug', quantity: 3 }] };
      });</script>`,
    );
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    // The early call was made, then the element's own.
    expect(await fetches(page)).toEqual([{ defined: false }, { defined: true }]);
    // Aborted within microtasks, the early call may never reach the backend; if it did, with the
    // attribute's cart and a key of its own.
    const bodies = backend.posts.map((post) => post.body);
    expect(bodies.at(-1)).toEqual({ items: [{ sku: 'mug', quantity: 3 }], locale: 'en' });
    expect(bodies.slice(0, -1)).toEqual(bodies.length === 2 ? [{ items: [{ sku: 'mug', quantity: 1 }], locale: 'en' }] : []);
    expect(new Set(backend.posts.map((post) => post.key)).size).toBe(backend.posts.length);
    const shown = (await events(page)).filter((event) => event.type === 'checkout-session').map((event) => event.detail['session']);
    expect(shown).toEqual([expect.objectContaining({ id: `ses_${backend.posts.length}` })]);
  });

  test("overlay set in a whenDefined callback: nothing shown until the click, which reuses the early call's key", async ({ page }) => {
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
    await widget(page).getByRole('button', { name: 'Pay' }).click();
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    // One key in all: the backend answers (or the widget reads) the session the early call made.
    expect(new Set(backend.posts.map((post) => post.key)).size).toBe(1);
    const shown = (await events(page)).filter((event) => event.type === 'checkout-session').map((event) => event.detail['session']);
    expect(shown).toEqual([expect.objectContaining({ id: 'ses_1' })]);
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

  test('the early call carries the locale and publishable key the element would use', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}' locale="da-DK" publishable-key="pk_test_1"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts.map((post) => post.body)).toEqual([{ items: [{ sku: 'mug', quantity: 1 }], locale: 'da-DK' }]);
    expect(await fetches(page)).toEqual([{ defined: false }]);
  });

  test('no early call for widgets that do not start by themselves: overlay, session-id, a bad payload', async ({ page }) => {
    const backend = await setUp(
      page,
      `<checkout-widget mode="overlay" endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>
       <checkout-widget id="resume" endpoint="${ENDPOINT}" session-id="ses_7"></checkout-widget>
       <checkout-widget id="bad" endpoint="${ENDPOINT}" payload="{oops"></checkout-widget>`,
    );
    await page.goto(`${SHOP}/shop.html`);
    await expect(page.locator('#resume')).toHaveAttribute('state', 'ready');
    await expect(page.locator('#bad')).toHaveAttribute('state', 'error');
    await expect(widget(page).first()).toHaveAttribute('state', 'idle');
    expect(backend.posts).toHaveLength(0);
    expect(backend.gets).toEqual(['ses_7']);
  });

  test('a redirect return resumes its session: no create call', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>`);
    backend.answer = (id) => ({ ...contractSession(id), status: 'complete' });
    await page.goto(`${SHOP}/shop.html?checkout_session=ses_9&checkout_result=accept`);
    await expect(widget(page)).toHaveAttribute('state', 'complete');
    expect(backend.posts).toHaveLength(0);
    expect(backend.gets).toContain('ses_9');
  });

  test('a contract answer is shown without fetching the validators chunk', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    // The start set: the core alone.
    expect(backend.cdn).toEqual(['checkout-widget.js']);
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

  test('an invalid answer is refused by name, from the core check or the validators chunk', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" payload='${PAYLOAD}'></checkout-widget>`);
    // Well-formed fields, but a hosted session without its page: the core's rule refuses it.
    backend.answer = (id) => ({ id, provider: 'sandbox', kind: 'hosted', status: 'open' });
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'error');
    expect((await events(page)).find((event) => event.type === 'checkout-error')?.detail).toMatchObject({
      code: 'invalid_session',
      message: 'session.url is required for kind hosted',
    });
    expect(validatorsFetched(backend)).toBe(false);

    // A malformed field: the chunk's parser names it.
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
