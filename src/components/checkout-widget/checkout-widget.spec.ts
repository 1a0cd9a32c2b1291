import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page, type Route } from '@playwright/test';

/**
 * `<checkout-widget>` in a real browser, against fakes served by `page.route`: a shop origin
 * (page, built CDN files, session endpoint, return bridge) and a hosted-page origin. Needs
 * `vite build` (and `--mode iife`) first, as `npm test` does.
 */

const SHOP = 'http://shop.test';
const PSP = 'http://psp.test';
const CDN_DIR = fileURLToPath(new URL('../../../dist/cdn/', import.meta.url));
const ENDPOINT = '/api/checkout/sessions';

interface FakeBackend {
  posts: { body: Record<string, unknown>; idempotencyKey: string | undefined }[];
  gets: string[];
  /** Status the next GETs report. */
  status: 'open' | 'complete' | 'expired' | 'cancelled' | 'failed';
  /** Answers for the next POSTs, in order; afterwards 201. */
  postFailures: number[];
  expiresAt?: string;
  frameable?: boolean;
}

function sessionJson(backend: FakeBackend, id: string) {
  return {
    id,
    provider: 'sandbox',
    kind: 'hosted',
    status: backend.status,
    url: `${PSP}/pay/${id}`,
    frameable: backend.frameable ?? true,
    amount: 12_500,
    currency: 'DKK',
    expires_at: backend.expiresAt ?? new Date(Date.now() + 3_600_000).toISOString(),
    livemode: false,
    client_secret_never_used: 'ignored unknown field',
  };
}

const hostedPage = (id: string) => `<!doctype html><title>Pay</title><h1>Sandbox pay</h1>
<button id="pay">Pay now</button><button id="decline">Decline</button><button id="escape">Escape</button><a id="cancel" href="${SHOP}/api/checkout/return/cancel?session=${id}">Cancel</a>
<script>
  const target = window.opener || window.parent;
  const post = (data) => target !== window && target.postMessage({ type: 'checkout-widget', version: 1, session: ${JSON.stringify(id)}, ...data }, '*');
  post({ event: 'resize', height: 777 });
  document.getElementById('pay').onclick = () => { location.href = ${JSON.stringify(`${SHOP}/api/checkout/return/accept?session=${id}&invoice=inv_1`)}; };
  document.getElementById('decline').onclick = () => post({ event: 'error', params: { message: 'Card declined' } });
  document.getElementById('escape').onclick = () => post({ event: 'close' });
</script>`;

/** The return bridge as docs/protocol.md describes it. */
const bridgePage = (result: string, id: string, invoice: string | null) => `<!doctype html><title>Return</title><script>
  const message = { type: 'checkout-widget', version: 1, event: ${JSON.stringify(result)}, session: ${JSON.stringify(id)}, params: ${JSON.stringify(invoice ? { invoice } : {})} };
  const target = window.opener || (window.parent !== window ? window.parent : null);
  if (target) { target.postMessage(message, ${JSON.stringify(SHOP)}); if (window.opener) window.close(); }
  else location.replace('/shop.html?checkout_session=' + encodeURIComponent(message.session) + '&checkout_result=${result}&keep=1');
</script>`;

async function setUp(page: Page, widgetHtml: string, backend: Partial<FakeBackend> = {}): Promise<FakeBackend> {
  const state: FakeBackend = { posts: [], gets: [], status: 'open', postFailures: [], ...backend };
  let counter = 0;
  // English, so these specs read the widget's English texts; locales.spec.ts covers the others.
  const html = `<!doctype html><html lang="en"><head><script type="module" src="/cdn/checkout-widget.js"></script></head>
    <body><main>${widgetHtml}</main><script>
      window.__events = [];
      for (const name of ['checkout-session','checkout-ready','checkout-accept','checkout-cancel','checkout-expired','checkout-error','checkout-status','checkout-close'])
        document.addEventListener(name, (e) => window.__events.push({ type: name, detail: JSON.parse(JSON.stringify(e.detail)) }));
    </script></body></html>`;
  // On the context, so popups are served too.
  await page.context().route(`${SHOP}/**`, async (route: Route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (url.pathname.startsWith('/cdn/')) {
      const body = await readFile(CDN_DIR + url.pathname.slice(5)).catch(() => null);
      return body ? route.fulfill({ body, contentType: 'text/javascript' }) : route.fulfill({ status: 404 });
    }
    if (url.pathname === ENDPOINT && request.method() === 'POST') {
      state.posts.push({ body: request.postDataJSON() as Record<string, unknown>, idempotencyKey: await request.headerValue('idempotency-key') ?? undefined });
      const failure = state.postFailures.shift();
      if (failure) return route.fulfill({ status: failure, json: { error: { code: 'x', message: `failure ${failure}` } } });
      return route.fulfill({ status: 201, json: sessionJson(state, `ses_${++counter}`) });
    }
    if (url.pathname.startsWith(`${ENDPOINT}/`)) {
      const id = decodeURIComponent(url.pathname.slice(ENDPOINT.length + 1));
      state.gets.push(id);
      return route.fulfill({ status: 200, json: sessionJson(state, id) });
    }
    const bridge = /^\/api\/checkout\/return\/(accept|cancel)$/.exec(url.pathname);
    if (bridge) {
      if (bridge[1] === 'accept') state.status = 'complete';
      return route.fulfill({ contentType: 'text/html', body: bridgePage(bridge[1]!, url.searchParams.get('session') ?? '', url.searchParams.get('invoice')) });
    }
    return route.fulfill({ contentType: 'text/html', body: html });
  });
  await page.context().route(`${PSP}/**`, (route) =>
    route.fulfill({ contentType: 'text/html', body: hostedPage(new URL(route.request().url()).pathname.split('/').pop() ?? '') }),
  );
  return state;
}

const events = (page: Page) => page.evaluate(() => (window as unknown as { __events: { type: string; detail: Record<string, unknown> }[] }).__events);
const eventTypes = async (page: Page) => (await events(page)).filter((event) => event.type !== 'checkout-status').map((event) => event.type);
const states = async (page: Page) => (await events(page)).filter((event) => event.type === 'checkout-status').map((event) => event.detail['state']);
const frame = (page: Page) => page.locator('checkout-widget').locator('iframe').contentFrame();

test.describe('<checkout-widget>', () => {
  test('a session the page already holds as complete is confirmed with a GET before checkout-accept', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" mode="overlay"></checkout-widget>`, { status: 'open' });
    await page.goto(`${SHOP}/shop.html`);
    const held = { id: 'ses_held', provider: 'sandbox', kind: 'hosted', status: 'complete', url: `${PSP}/pay/ses_held` };
    await page.evaluate((session) => {
      const widget = document.querySelector('checkout-widget')!;
      widget.session = session as never;
      void widget.start();
    }, held);
    const widget = page.locator('checkout-widget');
    // The endpoint says open: no accept on the page's word alone.
    await expect(widget).toHaveAttribute('state', 'error', { timeout: 15_000 });
    expect((await events(page)).find((event) => event.type === 'checkout-error')?.detail['code']).toBe('verification_failed');
    expect(await eventTypes(page)).not.toContain('checkout-accept');
    expect(backend.gets.length).toBeGreaterThan(0);
    expect(backend.gets.every((id) => id === 'ses_held')).toBe(true);

    backend.status = 'complete';
    await widget.getByRole('button', { name: 'Try again' }).click();
    await expect(widget).toHaveAttribute('state', 'complete');
    expect(await eventTypes(page)).toContain('checkout-accept');
    expect(backend.posts).toHaveLength(0);
  });

  test('embedded: creates the session at once, shows the page, confirms an accept with a GET', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" payload='{"items":[{"sku":"mug","quantity":1}]}'></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    const widget = page.locator('checkout-widget');
    await expect(widget).toHaveAttribute('state', 'ready');
    expect(backend.posts).toHaveLength(1);
    expect(backend.posts[0]?.body).toEqual({ items: [{ sku: 'mug', quantity: 1 }], locale: 'en' });
    expect(backend.posts[0]?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    const iframe = widget.locator('iframe');
    await expect(iframe).toHaveAttribute('allow', 'payment');
    await expect(iframe).toHaveAttribute('title', 'Checkout');
    await expect(iframe).toHaveCSS('height', '777px');
    await expect(page.locator(`link[rel=preconnect][href="${PSP}"]`)).toHaveCount(1);

    await frame(page).getByRole('button', { name: 'Pay now' }).click();
    await expect(widget).toHaveAttribute('state', 'complete');
    expect(backend.gets).toContain('ses_1');
    expect(await eventTypes(page)).toEqual(['checkout-session', 'checkout-ready', 'checkout-accept']);
    const accept = (await events(page)).find((event) => event.type === 'checkout-accept');
    expect(accept?.detail).toMatchObject({ session: { id: 'ses_1', status: 'complete' }, params: { invoice: 'inv_1' } });
    expect(accept?.detail['session']).not.toHaveProperty('client_secret_never_used');
    expect(await states(page)).toEqual(['loading', 'ready', 'processing', 'complete']);
    await expect(iframe).toHaveCount(0);
  });

  test('an accept the endpoint does not confirm becomes verification_failed, never an accept', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'ready');
    // A forged accept from the top page itself: wrong source, dropped.
    await page.evaluate(() => window.postMessage({ type: 'checkout-widget', version: 1, event: 'accept', session: 'ses_1' }, '*'));
    // The page's own accept while the backend still says open.
    await frame(page).locator('body').evaluate(() =>
      parent.postMessage({ type: 'checkout-widget', version: 1, event: 'accept', session: 'ses_1', params: {} }, '*'),
    );
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'error', { timeout: 15_000 });
    await expect(page.locator('checkout-widget').locator('[part="error"]')).toContainText('could not be confirmed');
    expect(await eventTypes(page)).not.toContain('checkout-accept');
    expect(backend.gets.length).toBeGreaterThanOrEqual(4);
    // Once the backend knows, "Try again" confirms without a new session.
    backend.status = 'complete';
    await page.locator('checkout-widget').getByRole('button', { name: 'Try again' }).click();
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'complete');
    expect(backend.posts).toHaveLength(1);
  });

  test('a completion the status watch finds after verification_failed keeps the accept params', async ({ page }) => {
    await page.clock.install();
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    const widget = page.locator('checkout-widget');
    await expect(widget).toHaveAttribute('state', 'ready');
    await frame(page).locator('body').evaluate(() =>
      parent.postMessage({ type: 'checkout-widget', version: 1, event: 'accept', session: 'ses_1', params: { invoice: 'inv_9' } }, '*'),
    );
    await expect(widget).toHaveAttribute('state', 'processing');
    // Each step lets the page's reads answer before the next timers are due.
    const stateAfterSteps = async () => {
      await page.clock.runFor(500);
      return widget.getAttribute('state');
    };
    // Progress is counted in fake-clock steps, not in wall time: a loaded machine takes more real
    // time per step, so the poll steps at a steady pace and waits as long as the steps need.
    const steps = { intervals: [50], timeout: 30_000 };
    await expect.poll(stateAfterSteps, steps).toBe('error');
    // No "Try again": the watch's own next read sees the backend's completion.
    backend.status = 'complete';
    await expect.poll(stateAfterSteps, steps).toBe('complete');
    const accept = (await events(page)).find((event) => event.type === 'checkout-accept');
    expect(accept?.detail).toMatchObject({ session: { id: 'ses_1', status: 'complete' }, params: { invoice: 'inv_9' } });
  });

  test('retries a 5xx with the same Idempotency-Key; a 4xx is an alert without retry', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}"></checkout-widget>`, { postFailures: [503, 500] });
    await page.goto(`${SHOP}/shop.html`);
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'ready');
    expect(backend.posts).toHaveLength(3);
    expect(new Set(backend.posts.map((post) => post.idempotencyKey)).size).toBe(1);

    backend.postFailures = [400];
    await page.locator('checkout-widget').evaluate((element) => {
      (element as HTMLElement & { reset(): void }).reset();
      // Else the start resumes the open session it remembers (a GET) instead of creating one.
      sessionStorage.clear();
      return (element as HTMLElement & { start(): Promise<void> }).start();
    });
    const widget = page.locator('checkout-widget');
    await expect(widget).toHaveAttribute('state', 'error');
    // The shopper reads the widget's own text; the endpoint's message is the shop's (below).
    await expect(widget.locator('[part="error"]')).toHaveText('The checkout could not be started. Try again in a moment.');
    await expect(widget.getByRole('button', { name: 'Try again' })).toHaveCount(0);
    expect(backend.posts).toHaveLength(4);
    const error = (await events(page)).find((event) => event.type === 'checkout-error');
    expect(error?.detail).toMatchObject({ code: 'endpoint_error', message: 'failure 400', retryable: false });
  });

  test('a declined card keeps the page up and reports a retryable payment_failed', async ({ page }) => {
    await setUp(page, `<checkout-widget endpoint="${ENDPOINT}"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'ready');
    await frame(page).getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => eventTypes(page)).toContain('checkout-error');
    const error = (await events(page)).find((event) => event.type === 'checkout-error');
    expect(error?.detail).toMatchObject({ code: 'payment_failed', message: 'Card declined', retryable: true });
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'ready');
    await expect(page.locator('checkout-widget iframe')).toHaveCount(1);
  });

  test('overlay: one session per double click; Esc cancels, closes and returns focus to the trigger', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" mode="overlay"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    const trigger = page.locator('checkout-widget').getByRole('button', { name: 'Pay' });
    await trigger.dblclick();
    const dialog = page.locator('checkout-widget').getByRole('dialog');
    await expect(dialog).toBeVisible();
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'ready');
    expect(backend.posts).toHaveLength(1);
    await expect(dialog.getByRole('button', { name: 'Close checkout' })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'cancelled');
    await expect(dialog).toHaveCount(0);
    expect(await eventTypes(page)).toEqual(['checkout-session', 'checkout-ready', 'checkout-cancel', 'checkout-close']);
    await expect(trigger).toBeFocused();
  });

  test('overlay: a close message from the page (Escape pressed inside it) cancels and closes, as close() does', async ({ page }) => {
    await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" mode="overlay"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    await page.locator('checkout-widget').getByRole('button', { name: 'Pay' }).click();
    const dialog = page.locator('checkout-widget').getByRole('dialog');
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'ready');
    await dialog.locator('iframe').contentFrame().getByRole('button', { name: 'Escape' }).click();
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'cancelled');
    await expect(dialog).toHaveCount(0);
    expect(await eventTypes(page)).toEqual(['checkout-session', 'checkout-ready', 'checkout-cancel', 'checkout-close']);
  });

  test('embedded: a close message changes nothing (there is nothing to close)', async ({ page }) => {
    await setUp(page, `<checkout-widget endpoint="${ENDPOINT}"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'ready');
    await page.locator('checkout-widget').locator('iframe').contentFrame().getByRole('button', { name: 'Escape' }).click();
    await page.waitForTimeout(300);
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'ready');
    expect(await eventTypes(page)).toEqual(['checkout-session', 'checkout-ready']);
  });

  test('overlay: after an unconfirmed accept the close button takes the dialog away, and Try again still confirms', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" mode="overlay"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    const widget = page.locator('checkout-widget');
    await widget.getByRole('button', { name: 'Pay' }).click();
    const dialog = widget.getByRole('dialog');
    await expect(widget).toHaveAttribute('state', 'ready');
    // The page's own accept while the backend still says open.
    await frame(page).locator('body').evaluate(() =>
      parent.postMessage({ type: 'checkout-widget', version: 1, event: 'accept', session: 'ses_1', params: {} }, '*'),
    );
    await expect(widget).toHaveAttribute('state', 'error', { timeout: 15_000 });
    await dialog.getByRole('button', { name: 'Close checkout' }).click();
    await expect(dialog).toHaveCount(0);
    expect(await eventTypes(page)).toEqual(['checkout-session', 'checkout-ready', 'checkout-error', 'checkout-close']);
    backend.status = 'complete';
    await widget.getByRole('button', { name: 'Try again' }).click();
    await expect(widget).toHaveAttribute('state', 'complete');
    expect(backend.posts).toHaveLength(1);
  });

  test('popup: opens in the click, navigates to the page, a closed window is a cancel', async ({ page }) => {
    await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" mode="popup"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    const popupOpened = page.waitForEvent('popup');
    await page.locator('checkout-widget').getByRole('button', { name: 'Pay' }).click();
    const popup = await popupOpened;
    await popup.waitForURL(`${PSP}/pay/ses_1`);
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'ready');
    await popup.close();
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'cancelled');
    expect(await eventTypes(page)).toEqual(['checkout-session', 'checkout-ready', 'checkout-cancel', 'checkout-close']);
  });

  test('popup: an accept from the popup is confirmed', async ({ page }) => {
    await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" mode="popup"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    const popupOpened = page.waitForEvent('popup');
    await page.locator('checkout-widget').getByRole('button', { name: 'Pay' }).click();
    const popup = await popupOpened;
    await popup.getByRole('button', { name: 'Pay now' }).click();
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'complete');
    expect(await eventTypes(page)).toContain('checkout-accept');
    expect(await eventTypes(page)).not.toContain('checkout-cancel');
    // Paid: nothing left to start.
    await expect(page.locator('checkout-widget').getByRole('button', { name: 'Pay' })).toHaveCount(0);
  });

  test('popup: close() before the session arrives abandons the start and closes the window', async ({ page }) => {
    await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" mode="popup"></checkout-widget>`);
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    // Holds the create call (page routes go before the context's), then lets the fake answer it.
    await page.route(`${SHOP}${ENDPOINT}`, async (route) => {
      await answered;
      // Aborted by then when the close worked: nothing left to answer.
      await route.fallback().catch(() => undefined);
    });
    await page.goto(`${SHOP}/shop.html`);
    const popupOpened = page.waitForEvent('popup');
    await page.locator('checkout-widget').getByRole('button', { name: 'Pay' }).click();
    const popup = await popupOpened;
    const widget = page.locator('checkout-widget');
    await expect(widget).toHaveAttribute('state', 'loading');
    await widget.evaluate((element) => {
      const widgetElement = element as HTMLElement & { start(): Promise<void>; close(): void };
      // start() during a start hands back that start's promise: kept to await its end below.
      (window as unknown as { __run: Promise<void> }).__run = widgetElement.start();
      widgetElement.close();
    });
    await expect(widget).toHaveAttribute('state', 'idle');
    await expect.poll(() => popup.isClosed()).toBe(true);
    answer();
    // The late answer finds no start to finish.
    await page.evaluate(() => (window as unknown as { __run: Promise<void> }).__run);
    await expect(widget).toHaveAttribute('state', 'idle');
    expect(await eventTypes(page)).toEqual([]);
    expect(await states(page)).toEqual(['loading', 'idle']);
  });

  test('popup blocked with popup-fallback="none": popup_blocked with a Try again that opens it', async ({ page }) => {
    await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" mode="popup" popup-fallback="none"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    await page.evaluate(() => {
      const open = window.open.bind(window);
      let blocked = true;
      window.open = (...args: Parameters<typeof window.open>) => (blocked ? ((blocked = false), null) : open(...args));
    });
    await page.locator('checkout-widget').getByRole('button', { name: 'Pay' }).click();
    const widget = page.locator('checkout-widget');
    await expect(widget).toHaveAttribute('state', 'error');
    await expect(widget.locator('[part="error"]')).toContainText('blocked');
    const popupOpened = page.waitForEvent('popup');
    await widget.getByRole('button', { name: 'Try again' }).click();
    await (await popupOpened).waitForURL(/psp\.test\/pay\//);
    await expect(widget).toHaveAttribute('state', 'ready');
  });

  test('redirect: leaves for the page and resumes the result on return', async ({ page }) => {
    const backend = await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" mode="redirect"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    await page.locator('checkout-widget').getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(`${PSP}/pay/ses_1`);
    await page.getByRole('button', { name: 'Pay now' }).click();
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'complete');
    expect(page.url()).toBe(`${SHOP}/shop.html?keep=1`);
    const accept = (await events(page)).find((event) => event.type === 'checkout-accept');
    expect(accept?.detail).toMatchObject({ session: { id: 'ses_1', status: 'complete' }, params: { keep: '1' } });
    expect(backend.posts).toHaveLength(1);
  });

  test('frameable: false makes embedded redirect', async ({ page }) => {
    await setUp(page, `<checkout-widget endpoint="${ENDPOINT}"></checkout-widget>`, { frameable: false });
    await page.goto(`${SHOP}/shop.html`);
    await page.waitForURL(`${PSP}/pay/ses_1`);
  });

  test('expiry tears the page down and reports checkout-expired', async ({ page }) => {
    await setUp(page, `<checkout-widget endpoint="${ENDPOINT}"></checkout-widget>`, {
      expiresAt: new Date(Date.now() + 2_500).toISOString(),
    });
    await page.goto(`${SHOP}/shop.html`);
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'expired', { timeout: 10_000 });
    await expect(page.locator('checkout-widget iframe')).toHaveCount(0);
    expect(await eventTypes(page)).toContain('checkout-expired');
  });

  test('bad payload JSON is an invalid_session alert; removal tears everything down', async ({ page }) => {
    await setUp(page, `<checkout-widget endpoint="${ENDPOINT}" payload="{oops"></checkout-widget>`);
    await page.goto(`${SHOP}/shop.html`);
    const widget = page.locator('checkout-widget');
    await expect(widget).toHaveAttribute('state', 'error');
    await expect(widget.locator('[part="error"]')).toHaveText('The checkout could not be started.');
    const error = (await events(page)).find((event) => event.type === 'checkout-error');
    expect(String(error?.detail['message'])).toContain('payload attribute must be a JSON object');
    await widget.evaluate((element) => {
      (element as HTMLElement & { payload: unknown }).payload = { items: [] };
      return (element as HTMLElement & { start(): Promise<void> }).start();
    });
    await expect(widget).toHaveAttribute('state', 'ready');
    const stateAfterRemoval = await widget.evaluate((element) => {
      element.remove();
      return (element as HTMLElement & { state: string }).state;
    });
    expect(stateAfterRemoval).toBe('idle');
    expect(await page.locator('iframe').count()).toBe(0);
  });

  test('the ES module and the IIFE load together without throwing', async ({ page }) => {
    await setUp(page, '<checkout-widget mode="overlay"></checkout-widget>');
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${SHOP}/shop.html`);
    await page.addScriptTag({ url: '/cdn/checkout-widget.iife.js' });
    await page.addScriptTag({ url: '/cdn/checkout-widget.iife.js' });
    await page.addScriptTag({ type: 'module', url: '/cdn/checkout-widget.js?again' });
    await expect(page.locator('checkout-widget').getByRole('button', { name: 'Pay' })).toBeVisible();
    expect(errors).toEqual([]);
    expect(await page.evaluate(() => customElements.get('checkout-widget') !== undefined)).toBe(true);
  });
});
