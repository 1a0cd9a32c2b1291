import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page, type Route } from '@playwright/test';

/**
 * `methods="choose"` in a real browser: the chooser (`POST {endpoint}/methods`, a radio group,
 * Continue), the create call it makes, `checkout-method`, resume after a reload, and a provider
 * script that cannot load (each SDK aborted by `page.route`) → the shopper picks another method
 * and pays. Against fakes served by `page.route` (the backend's methods route is its own work):
 * a shop origin (page, built CDN files, session endpoint, return bridge) and a hosted-page origin.
 * Needs `vite build` first, as `npm test` does.
 */

const SHOP = 'http://shop.test';
const PSP = 'http://psp.test';
const CDN_DIR = fileURLToPath(new URL('../../../dist/cdn/', import.meta.url));
const ENDPOINT = '/api/checkout/sessions';
const PAYLOAD = { items: [{ sku: 'mug', quantity: 1 }] };

interface Method {
  id: string;
  provider: string;
  label: string;
  kind: string;
}

const HOSTED: Method = { id: 'mobilepay', provider: 'sandbox', label: 'MobilePay', kind: 'hosted' };

/** A method per browser SDK, the session its provider answers, and the script the renderer loads. */
const SDKS: { name: string; method: Method; script: string; session: Record<string, unknown> }[] = [
  {
    name: 'Stripe.js',
    method: { id: 'card', provider: 'stripe', label: 'Card', kind: 'stripe-embedded' },
    script: 'https://js.stripe.com/**',
    session: { kind: 'stripe-embedded', client_secret: 'cs_test_1_secret_x', publishable_key: 'pk_test_chooser' },
  },
  {
    name: 'Adyen Web',
    method: { id: 'card', provider: 'adyen', label: 'Card', kind: 'adyen' },
    script: 'https://checkoutshopper-test.cdn.adyen.com/**',
    session: { kind: 'adyen', session_id: 'CS_CHOOSER1', session_data: 'Ab02b4c0!chooser', client_key: 'test_FAKECLIENTKEY0001', environment: 'test' },
  },
  {
    name: 'Mollie.js',
    method: { id: 'card', provider: 'mollie', label: 'Card', kind: 'card-token' },
    script: 'https://js.mollie.com/**',
    session: { kind: 'card-token', token_provider: 'mollie', profile_id: 'pfl_QkEhN94Ba', testmode: true },
  },
  {
    name: 'checkout.com Frames',
    method: { id: 'card', provider: 'commercelayer', label: 'Card', kind: 'card-token' },
    script: 'https://cdn.checkout.com/**',
    session: { kind: 'card-token', token_provider: 'checkout.com', public_key: 'pk_sbox_chooser' },
  },
];

interface FakeBackend {
  methods: Method[];
  /** Bodies of `POST {endpoint}/methods`. */
  methodCalls: Record<string, unknown>[];
  posts: Record<string, unknown>[];
  gets: string[];
  /** Session fields by provider, besides the hosted default. */
  sessions: Record<string, Record<string, unknown>>;
  statuses: Map<string, string>;
  /** Scripts requested from a provider's CDN (all aborted). */
  blocked: string[];
  /** The chooser chunk is answered only once the methods call has arrived. */
  holdChooser?: boolean;
}

const hostedPage = (id: string) => `<!doctype html><title>Pay</title><h1>Sandbox pay</h1>
<button id="pay">Pay now</button>
<script>
  const target = window.opener || window.parent;
  target !== window && target.postMessage({ type: 'checkout-widget', version: 1, session: ${JSON.stringify(id)}, event: 'resize', height: 500 }, '*');
  document.getElementById('pay').onclick = () => { location.href = ${JSON.stringify(`${SHOP}/api/checkout/return/accept?session=${id}`)}; };
</script>`;

/** The return bridge as docs/protocol.md describes it. */
const bridgePage = (id: string) => `<!doctype html><title>Return</title><script>
  const message = { type: 'checkout-widget', version: 1, event: 'accept', session: ${JSON.stringify(id)}, params: {} };
  const target = window.opener || (window.parent !== window ? window.parent : null);
  if (target) { target.postMessage(message, ${JSON.stringify(SHOP)}); if (window.opener) window.close(); }
  else location.replace('/shop.html?checkout_session=' + encodeURIComponent(message.session) + '&checkout_result=accept');
</script>`;

async function setUp(page: Page, attributes: string, backend: Partial<FakeBackend> = {}, lang = 'en'): Promise<FakeBackend> {
  const state: FakeBackend = { methods: [SDKS[0]!.method, HOSTED], methodCalls: [], posts: [], gets: [], sessions: {}, statuses: new Map(), blocked: [], ...backend };
  let methodsArrived!: () => void;
  const methodsCalled = new Promise<void>((resolve) => (methodsArrived = resolve));
  const html = `<!doctype html><html lang="${lang}"><head><title>Shop</title><script type="module" src="/cdn/checkout-widget.js"></script></head>
    <body><main><h1>Shop</h1><checkout-widget endpoint="${ENDPOINT}" methods="choose" payload='${JSON.stringify(PAYLOAD)}' ${attributes}></checkout-widget></main><script>
      window.__events = [];
      for (const name of ['checkout-session','checkout-ready','checkout-accept','checkout-cancel','checkout-error','checkout-method'])
        document.addEventListener(name, (e) => window.__events.push({ type: name, detail: JSON.parse(JSON.stringify(e.detail)) }));
    </script></body></html>`;
  const session = (id: string) => {
    const { provider } = JSON.parse(id.split('.')[1] ?? '{}') as { provider?: string };
    return {
      id,
      provider,
      kind: 'hosted',
      url: `${PSP}/pay/${id}`,
      frameable: true,
      ...state.sessions[provider ?? ''],
      status: state.statuses.get(id) ?? 'open',
      amount: 12_500,
      currency: 'DKK',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      livemode: false,
    };
  };
  const context = page.context();
  for (const sdk of SDKS) {
    await context.route(sdk.script, (route) => {
      state.blocked.push(route.request().url());
      return route.abort('blockedbyclient');
    });
  }
  await context.route(`${SHOP}/**`, async (route: Route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (url.pathname.startsWith('/cdn/')) {
      const name = url.pathname.slice(5);
      if (state.holdChooser && name.startsWith('checkout-method-chooser-')) await methodsCalled;
      const body = await readFile(CDN_DIR + name).catch(() => null);
      return body ? route.fulfill({ body, contentType: 'text/javascript' }) : route.fulfill({ status: 404 });
    }
    if (url.pathname === `${ENDPOINT}/methods` && request.method() === 'POST') {
      state.methodCalls.push(request.postDataJSON() as Record<string, unknown>);
      methodsArrived();
      return route.fulfill({ status: 200, json: { methods: state.methods } });
    }
    if (url.pathname === ENDPOINT && request.method() === 'POST') {
      const body = request.postDataJSON() as Record<string, unknown>;
      state.posts.push(body);
      // The session id carries what it was made for, so reads answer the same provider.
      const id = `ses_${state.posts.length}.${JSON.stringify({ provider: body['provider'] })}`;
      return route.fulfill({ status: 201, json: session(id) });
    }
    if (url.pathname.startsWith(`${ENDPOINT}/`)) {
      const id = decodeURIComponent(url.pathname.slice(ENDPOINT.length + 1));
      state.gets.push(id);
      return route.fulfill({ status: 200, json: session(id) });
    }
    if (url.pathname === '/api/checkout/return/accept') {
      const id = url.searchParams.get('session') ?? '';
      state.statuses.set(id, 'complete');
      return route.fulfill({ contentType: 'text/html', body: bridgePage(id) });
    }
    return route.fulfill({ contentType: 'text/html', body: html });
  });
  await context.route(`${PSP}/**`, (route) =>
    route.fulfill({ contentType: 'text/html', body: hostedPage(decodeURIComponent(new URL(route.request().url()).pathname.split('/').pop() ?? '')) }),
  );
  return state;
}

type Recorded = { type: string; detail: Record<string, unknown> };
const events = (page: Page) => page.evaluate(() => (window as unknown as { __events: Recorded[] }).__events);
const eventTypes = async (page: Page) => (await events(page)).map((event) => event.type);
const widget = (page: Page) => page.locator('checkout-widget');
const chooser = (page: Page) => widget(page).getByRole('group', { name: 'Choose a way to pay' });
const frame = (page: Page) => widget(page).locator('iframe').contentFrame();

async function expectNoViolations(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((node) => node.target.join(' ')) }))).toEqual([]);
}

test.describe('<checkout-widget methods="choose">', () => {
  test('embedded: asks for the methods, shows the chooser, creates for the pick, fires checkout-method, pays', async ({ page }) => {
    const backend = await setUp(page, '');
    await page.goto(`${SHOP}/shop.html`);
    await expect(chooser(page)).toBeVisible();
    expect(backend.methodCalls).toEqual([{ ...PAYLOAD, locale: 'en' }]);
    expect(backend.posts).toHaveLength(0);
    // One row per method, each with its parts and logo slot; the first is preselected.
    const card = widget(page).getByRole('radio', { name: 'Card' });
    const mobilepay = widget(page).getByRole('radio', { name: 'MobilePay' });
    await expect(card).toBeChecked();
    await expect(widget(page).locator('[part~="method"]')).toHaveCount(2);
    await expect(widget(page).locator('[part="method method-mobilepay"] slot[name="method-mobilepay-logo"]')).toHaveCount(1);
    // Choosing, not loading: no "Loading checkout…", and nothing announced.
    await expect(widget(page).locator('[part="loading"]')).toHaveCount(0);
    await expect(widget(page)).toHaveAttribute('state', 'loading');

    await mobilepay.check();
    expect(backend.posts).toHaveLength(0);
    expect(await eventTypes(page)).not.toContain('checkout-method');
    await widget(page).getByRole('button', { name: 'Continue' }).click();
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    await expect(chooser(page)).toHaveCount(0);
    expect(backend.posts).toEqual([{ ...PAYLOAD, locale: 'en', provider: 'sandbox', method: 'mobilepay' }]);
    const picked = (await events(page)).filter((event) => event.type === 'checkout-method');
    expect(picked.map((event) => event.detail)).toEqual([{ method: 'mobilepay', provider: 'sandbox' }]);

    await frame(page).getByRole('button', { name: 'Pay now' }).click();
    await expect(widget(page)).toHaveAttribute('state', 'complete');
    expect(await eventTypes(page)).toEqual(['checkout-method', 'checkout-session', 'checkout-ready', 'checkout-accept']);
  });

  test('overlay: the trigger opens the chooser, Continue opens the dialog with the chosen method', async ({ page }) => {
    const backend = await setUp(page, 'mode="overlay"');
    await page.goto(`${SHOP}/shop.html`);
    // Nothing before the click: no methods request either.
    await expect(widget(page).getByRole('button', { name: 'Pay' })).toBeVisible();
    expect(backend.methodCalls).toHaveLength(0);
    await widget(page).getByRole('button', { name: 'Pay' }).click();
    await expect(chooser(page)).toBeVisible();
    // The click took the shopper to the choice.
    await expect(widget(page).getByRole('radio', { name: 'Card' })).toBeFocused();
    await widget(page).getByText('MobilePay').click();
    await widget(page).getByRole('button', { name: 'Continue' }).click();
    const dialog = widget(page).getByRole('dialog');
    await expect(dialog).toBeVisible();
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.posts.map((body) => body['method'])).toEqual(['mobilepay']);
    await frame(page).getByRole('button', { name: 'Pay now' }).click();
    await expect(widget(page)).toHaveAttribute('state', 'complete');
  });

  test('popup: the Continue click opens the window for the chosen method', async ({ page }) => {
    const backend = await setUp(page, 'mode="popup"');
    await page.goto(`${SHOP}/shop.html`);
    let popups = 0;
    page.on('popup', () => popups++);
    await widget(page).getByRole('button', { name: 'Pay' }).click();
    await expect(chooser(page)).toBeVisible();
    // No window while the shopper chooses.
    expect(popups).toBe(0);
    await widget(page).getByRole('radio', { name: 'MobilePay' }).check();
    const popupOpened = page.waitForEvent('popup');
    await widget(page).getByRole('button', { name: 'Continue' }).click();
    const popup = await popupOpened;
    await popup.getByRole('button', { name: 'Pay now' }).click();
    await expect(widget(page)).toHaveAttribute('state', 'complete');
    expect(backend.posts.map((body) => body['method'])).toEqual(['mobilepay']);
    expect(popups).toBe(1);
  });

  test('redirect: the chosen method’s page, and the result on return', async ({ page }) => {
    const backend = await setUp(page, 'mode="redirect"');
    await page.goto(`${SHOP}/shop.html`);
    await widget(page).getByRole('button', { name: 'Pay' }).click();
    await widget(page).getByRole('radio', { name: 'MobilePay' }).check();
    await widget(page).getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${PSP}/pay/**`);
    await page.getByRole('button', { name: 'Pay now' }).click();
    await expect(widget(page)).toHaveAttribute('state', 'complete');
    expect(backend.posts.map((body) => body['provider'])).toEqual(['sandbox']);
    expect((await events(page)).find((event) => event.type === 'checkout-accept')?.detail).toMatchObject({ session: { provider: 'sandbox', status: 'complete' } });
  });

  test('keyboard only: Tab, Enter, Arrow keys, Space and Enter choose and continue', async ({ page }) => {
    const backend = await setUp(page, 'mode="overlay"', { methods: [SDKS[0]!.method, HOSTED, { id: 'blik', provider: 'sandbox', label: 'BLIK', kind: 'hosted' }] });
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page).getByRole('button', { name: 'Pay' })).toBeVisible();
    await page.keyboard.press('Tab');
    await expect(widget(page).getByRole('button', { name: 'Pay' })).toBeFocused();
    await page.keyboard.press('Enter');
    const card = widget(page).getByRole('radio', { name: 'Card' });
    await expect(card).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(widget(page).getByRole('radio', { name: 'BLIK' })).toBeChecked();
    await page.keyboard.press('ArrowUp');
    const mobilepay = widget(page).getByRole('radio', { name: 'MobilePay' });
    await expect(mobilepay).toBeFocused();
    await page.keyboard.press('Space');
    await expect(mobilepay).toBeChecked();
    // One tab stop for the group: the next Tab is Continue.
    await page.keyboard.press('Tab');
    await expect(widget(page).getByRole('button', { name: 'Continue' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(widget(page).getByRole('dialog')).toBeVisible();
    expect(backend.posts.map((body) => body['method'])).toEqual(['mobilepay']);
    expect((await events(page)).find((event) => event.type === 'checkout-method')?.detail).toEqual({ method: 'mobilepay', provider: 'sandbox' });
  });

  test('axe finds nothing in the chooser, nor in the chooser after a script failed', async ({ page }) => {
    await setUp(page, '', { sessions: { stripe: SDKS[0]!.session } });
    await page.goto(`${SHOP}/shop.html`);
    await expect(chooser(page)).toBeVisible();
    await expectNoViolations(page);
    await widget(page).getByRole('button', { name: 'Continue' }).click();
    await expect(widget(page).getByRole('radio', { name: 'Card' })).toBeDisabled();
    await expectNoViolations(page);
  });

  test('the methods call leaves from the core as the run begins, not after the chooser chunk', async ({ page }) => {
    // The chunk is held until the methods call arrives: a call sent from the chunk would never come.
    const backend = await setUp(page, '', { holdChooser: true });
    await page.goto(`${SHOP}/shop.html`);
    await expect(chooser(page)).toBeVisible();
    expect(backend.methodCalls).toEqual([{ ...PAYLOAD, locale: 'en' }]);
    await widget(page).getByRole('button', { name: 'Continue' }).click();
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(backend.methodCalls).toHaveLength(1);
  });

  test('one method offered: no chooser, straight to its session', async ({ page }) => {
    const backend = await setUp(page, '', { methods: [HOSTED] });
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    await expect(chooser(page)).toHaveCount(0);
    expect(backend.methodCalls).toHaveLength(1);
    expect(backend.posts).toEqual([{ ...PAYLOAD, locale: 'en', provider: 'sandbox', method: 'mobilepay' }]);
    expect(await eventTypes(page)).not.toContain('checkout-method');
  });

  test('a reload resumes the chosen method’s open session: no chooser, no methods call, no create', async ({ page }) => {
    const backend = await setUp(page, '');
    await page.goto(`${SHOP}/shop.html`);
    await widget(page).getByRole('radio', { name: 'MobilePay' }).check();
    await widget(page).getByRole('button', { name: 'Continue' }).click();
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    const id = backend.posts.length && (await events(page)).find((event) => event.type === 'checkout-session')?.detail['session'];
    expect(id).toMatchObject({ provider: 'sandbox' });

    await page.reload();
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    await expect(chooser(page)).toHaveCount(0);
    expect(backend.methodCalls).toHaveLength(1);
    expect(backend.posts).toHaveLength(1);
    expect(backend.gets).toContain((id as { id: string }).id);
    expect((await events(page)).find((event) => event.type === 'checkout-session')?.detail['session']).toMatchObject({ id: (id as { id: string }).id });

    // Paid: the next visit with the same cart chooses again.
    backend.statuses.set((id as { id: string }).id, 'complete');
    await frame(page).getByRole('button', { name: 'Pay now' }).click();
    await expect(widget(page)).toHaveAttribute('state', 'complete');
    await page.reload();
    await expect(chooser(page)).toBeVisible();
    // The last pick is preselected.
    await expect(widget(page).getByRole('radio', { name: 'MobilePay' })).toBeChecked();
  });

  test('the chooser speaks the widget’s language', async ({ page }) => {
    await setUp(page, 'locale="da-DK"');
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page).getByRole('group', { name: 'Vælg betalingsmetode' })).toBeVisible();
    await expect(widget(page).getByRole('button', { name: 'Fortsæt' })).toBeVisible();
  });

  for (const sdk of SDKS) {
    test(`${sdk.name} blocked: provider_load_failed is reported, the chooser offers the next method, the shopper pays`, async ({ page }) => {
      const backend = await setUp(page, '', { methods: [sdk.method, HOSTED], sessions: { [sdk.method.provider]: sdk.session } });
      await page.goto(`${SHOP}/shop.html`);
      await expect(widget(page).getByRole('radio', { name: 'Card' })).toBeChecked();
      await widget(page).getByRole('button', { name: 'Continue' }).click();

      // Reported as today, then the chooser again: the card marked unavailable, MobilePay preselected and focused.
      const card = widget(page).getByRole('radio', { name: 'Card' });
      await expect(card).toBeDisabled();
      await expect(widget(page).getByRole('radio', { name: 'MobilePay' })).toBeChecked();
      await expect(widget(page).getByRole('radio', { name: 'MobilePay' })).toBeFocused();
      await expect(widget(page).locator('[part="method-unavailable"]')).toHaveText('Not available right now');
      await expect(card).toHaveAccessibleDescription('Not available right now');
      await expect(chooser(page)).toHaveAccessibleDescription('The checkout could not be shown. Choose another way to pay.');
      expect(backend.blocked.length).toBeGreaterThan(0);
      const errors = (await events(page)).filter((event) => event.type === 'checkout-error');
      expect(errors.map((event) => event.detail['code'])).toEqual(['provider_load_failed']);
      expect(errors[0]!.detail['session']).toMatchObject({ provider: sdk.method.provider, kind: sdk.session['kind'] });
      // The methods were known: no second methods call.
      expect(backend.methodCalls).toHaveLength(1);

      await widget(page).getByRole('button', { name: 'Continue' }).click();
      await expect(widget(page)).toHaveAttribute('state', 'ready');
      expect(backend.posts.map((body) => body['provider'])).toEqual([sdk.method.provider, 'sandbox']);
      await frame(page).getByRole('button', { name: 'Pay now' }).click();
      await expect(widget(page)).toHaveAttribute('state', 'complete');
      expect((await events(page)).filter((event) => event.type === 'checkout-method').map((event) => event.detail)).toEqual([
        { method: 'card', provider: sdk.method.provider },
        { method: 'mobilepay', provider: 'sandbox' },
      ]);
    });
  }

  test('a blocked script with no other method keeps today’s error and Try again', async ({ page }) => {
    const backend = await setUp(page, '', { methods: [SDKS[0]!.method], sessions: { stripe: SDKS[0]!.session } });
    await page.goto(`${SHOP}/shop.html`);
    await expect(widget(page)).toHaveAttribute('state', 'error');
    await expect(widget(page).getByRole('button', { name: 'Try again' })).toBeVisible();
    await expect(chooser(page)).toHaveCount(0);
    expect((await events(page)).filter((event) => event.type === 'checkout-error').map((event) => event.detail['code'])).toEqual(['provider_load_failed']);
    expect(backend.posts).toHaveLength(1);
  });
});
