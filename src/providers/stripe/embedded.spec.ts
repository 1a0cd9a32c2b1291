import { readFileSync } from 'node:fs';
import { expect, test, type Page, type Route } from '@playwright/test';
import { recordCheckoutEvents, recordedEvents, waitForCheckoutEvent } from '../../../e2e/support/checkout.js';

/**
 * Stripe embedded checkout in the browser, against a test double of Stripe.js served in place
 * of https://js.stripe.com and a session endpoint answered by `page.route`.
 */

const FAKE_STRIPE_JS = readFileSync(new URL('./fake-stripe-js.js', import.meta.url), 'utf8');
/** Where @stripe/stripe-js 10.x (release train "endive") loads Stripe.js from: see its dist/pure.mjs. */
const STRIPE_JS_URL = 'https://js.stripe.com/endive/stripe.js';
const PUBLISHABLE_KEY = 'pk_test_51e2eShopKey';
const PAGE_PATH = '/stripe-e2e/page.html';

interface FakeStripeRecord {
  constructed: Array<{ publishableKey: string; options: Record<string, unknown> | null }>;
  clientSecrets: string[];
  created: number;
  destroyed: number;
  integrationErrors: string[];
  live: number;
}

interface StripeTestOptions {
  /** How many `<checkout-widget>`s the page holds. */
  widgets?: number;
  stripeAccount?: string;
  fake?: { api?: 'legacy'; holdCreation?: boolean };
}

interface StripeTestBed {
  /** Client secrets handed out, in order of session creation. */
  secrets: string[];
  sessionIds: string[];
  stripeJsRequests: string[];
  /** Page errors and console errors seen so far. */
  pageProblems: string[];
  consoleMessages: string[];
  /** Makes every later GET of that session answer `status: "complete"`. */
  markComplete(sessionId: string): void;
  /** `'block'`: Stripe.js requests fail; `'hold'`: they wait for `releaseStripeJs()`. */
  setStripeJs(mode: 'serve' | 'block' | 'hold'): void;
  releaseStripeJs(): Promise<void>;
  record(): Promise<FakeStripeRecord>;
}

function pageHtml(widgets: number): string {
  const widget = `<checkout-widget endpoint="/api/checkout/sessions" payload='{"items":[{"sku":"mug","quantity":1}]}'></checkout-widget>`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Stripe embedded checkout</title>
    <script type="module" src="/cdn/checkout-widget.js"></script>
  </head>
  <body>
    <main>
      <h1>Stripe embedded checkout</h1>
      ${Array.from({ length: widgets }, (_, index) => `<section id="widget-${index + 1}">${widget}</section>`).join('\n')}
    </main>
  </body>
</html>`;
}

async function setUpStripe(page: Page, options: StripeTestOptions = {}): Promise<StripeTestBed> {
  const secrets: string[] = [];
  const sessionIds: string[] = [];
  const completed = new Set<string>();
  const stripeJsRequests: string[] = [];
  const pageProblems: string[] = [];
  const consoleMessages: string[] = [];
  let stripeJsMode: 'serve' | 'block' | 'hold' = 'serve';
  const heldStripeJs: Route[] = [];

  page.on('pageerror', (error) => pageProblems.push(`${error.name}: ${error.message}`));
  page.on('console', (message) => {
    consoleMessages.push(message.text());
    if (message.type() === 'error') pageProblems.push(`console.error: ${message.text()}`);
  });

  await recordCheckoutEvents(page);
  if (options.fake) {
    await page.addInitScript((fakeOptions) => {
      (window as unknown as { __fakeStripeOptions: unknown }).__fakeStripeOptions = fakeOptions;
    }, options.fake);
  }

  await page.route('https://js.stripe.com/**', async (route) => {
    stripeJsRequests.push(route.request().url());
    if (stripeJsMode === 'block') return route.abort('blockedbyclient');
    if (stripeJsMode === 'hold') {
      heldStripeJs.push(route);
      return;
    }
    return route.fulfill({ status: 200, contentType: 'application/javascript', body: FAKE_STRIPE_JS });
  });

  await page.route('**/api/checkout/sessions**', async (route) => {
    const request = route.request();
    const path = new URL(request.url()).pathname;
    if (request.method() === 'POST' && path === '/api/checkout/sessions') {
      const number = sessionIds.length + 1;
      const id = `cs_test_e2e${number}`;
      const secret = `${id}_secret_${Math.random().toString(36).slice(2)}${number}`;
      sessionIds.push(id);
      secrets.push(secret);
      return route.fulfill({ status: 201, json: session(id, secret, 'open') });
    }
    const id = path.split('/').pop() ?? '';
    const index = sessionIds.indexOf(id);
    if (request.method() === 'GET' && index >= 0) {
      return route.fulfill({ status: 200, json: session(id, secrets[index] ?? '', completed.has(id) ? 'complete' : 'open') });
    }
    return route.fulfill({ status: 404, json: { error: { code: 'not_found', message: `No session ${id}` } } });
  });

  function session(id: string, secret: string, status: string) {
    return {
      id,
      provider: 'stripe',
      kind: 'stripe-embedded',
      status,
      client_secret: secret,
      publishable_key: PUBLISHABLE_KEY,
      ...(options.stripeAccount ? { stripe_account: options.stripeAccount } : {}),
      amount: 12900,
      currency: 'DKK',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      livemode: false,
    };
  }

  await page.route(`**${PAGE_PATH}`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: pageHtml(options.widgets ?? 1) }),
  );

  return {
    secrets,
    sessionIds,
    stripeJsRequests,
    pageProblems,
    consoleMessages,
    markComplete: (sessionId) => completed.add(sessionId),
    setStripeJs: (mode) => {
      stripeJsMode = mode;
    },
    releaseStripeJs: async () => {
      for (const route of heldStripeJs.splice(0)) {
        await route.fulfill({ status: 200, contentType: 'application/javascript', body: FAKE_STRIPE_JS });
      }
    },
    record: () => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __fakeStripe: unknown }).__fakeStripe)) as FakeStripeRecord),
  };
}

/** Every attribute value in the document, shadow roots included, plus the page URL and storage. */
async function visibleTraces(page: Page): Promise<{ attributes: string[]; url: string; storage: string[] }> {
  return page.evaluate(() => {
    const attributes: string[] = [];
    const visit = (root: Document | ShadowRoot): void => {
      for (const element of root.querySelectorAll('*')) {
        for (const attribute of element.attributes) attributes.push(`${element.localName}[${attribute.name}]=${attribute.value}`);
        if (element.shadowRoot) visit(element.shadowRoot);
      }
    };
    visit(document);
    const storage: string[] = [];
    for (const store of [localStorage, sessionStorage]) {
      for (let i = 0; i < store.length; i++) {
        const key = store.key(i) ?? '';
        storage.push(`${key}=${store.getItem(key) ?? ''}`);
      }
    }
    return { attributes, url: window.location.href, storage };
  });
}

async function expectSecretNowhere(page: Page, bed: StripeTestBed, requestUrls: string[]): Promise<void> {
  const traces = await visibleTraces(page);
  for (const secret of bed.secrets) {
    expect(traces.attributes.filter((value) => value.includes(secret))).toEqual([]);
    expect(traces.url).not.toContain(secret);
    expect(traces.storage.filter((value) => value.includes(secret))).toEqual([]);
    expect(bed.consoleMessages.filter((text) => text.includes(secret))).toEqual([]);
    expect(requestUrls.filter((url) => url.includes(secret))).toEqual([]);
  }
}

/** Pays in the test double inside the given widget and waits for the confirmed accept. */
async function payAndConfirm(page: Page, bed: StripeTestBed, widgetIndex: number, sessionId: string): Promise<void> {
  bed.markComplete(sessionId);
  await page.locator('checkout-widget').nth(widgetIndex).getByRole('button', { name: 'Pay' }).click();
  await waitForCheckoutEvent(page, 'checkout-accept', { where: (detail) => detail.session.id === sessionId });
}

test.describe('Stripe embedded checkout', () => {
  test('loads Stripe.js lazily, mounts in the light DOM, and a payment ends in checkout-accept', async ({ page }) => {
    const bed = await setUpStripe(page);
    const requestUrls: string[] = [];
    page.on('request', (request) => requestUrls.push(request.url()));

    await page.goto(PAGE_PATH);
    const ready = await waitForCheckoutEvent(page, 'checkout-ready');
    expect(ready.session.kind).toBe('stripe-embedded');
    expect(bed.stripeJsRequests).toEqual([STRIPE_JS_URL]);

    const record = await bed.record();
    expect(record.constructed).toEqual([{ publishableKey: PUBLISHABLE_KEY, options: null }]);
    expect(record.clientSecrets).toEqual([bed.secrets[0]]);
    expect(record.live).toBe(1);

    // The form sits in the widget's light DOM (Stripe refuses shadow roots), shown through its slot.
    const form = page.locator('checkout-widget > .checkout-light-mount > .fake-stripe-embedded-checkout');
    await expect(form).toBeVisible();
    await expectSecretNowhere(page, bed, requestUrls);

    const sessionId = bed.sessionIds[0] ?? '';
    await payAndConfirm(page, bed, 0, sessionId);
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'complete');
    await expect.poll(async () => (await bed.record()).live).toBe(0);
    expect((await bed.record()).destroyed).toBe(1);

    await expectSecretNowhere(page, bed, requestUrls);
    expect(bed.pageProblems).toEqual([]);
  });

  test('works with a Stripe.js that only knows initEmbeddedCheckout', async ({ page }) => {
    const bed = await setUpStripe(page, { fake: { api: 'legacy' } });
    await page.goto(PAGE_PATH);
    await waitForCheckoutEvent(page, 'checkout-ready');
    await payAndConfirm(page, bed, 0, bed.sessionIds[0] ?? '');
    const record = await bed.record();
    expect(record.created).toBe(1);
    expect(record.integrationErrors).toEqual([]);
    expect(bed.pageProblems).toEqual([]);
  });

  test('a Connect account reaches Stripe(pk, { stripeAccount })', async ({ page }) => {
    const bed = await setUpStripe(page, { stripeAccount: 'acct_1E2eConnected' });
    await page.goto(PAGE_PATH);
    await waitForCheckoutEvent(page, 'checkout-ready');
    const record = await bed.record();
    expect(record.constructed).toEqual([{ publishableKey: PUBLISHABLE_KEY, options: { stripeAccount: 'acct_1E2eConnected' } }]);
  });

  test('blocked Stripe.js reports provider_load_failed, and Try again loads it once it is reachable', async ({ page }) => {
    const bed = await setUpStripe(page);
    bed.setStripeJs('block');
    await page.goto(PAGE_PATH);

    const error = await waitForCheckoutEvent(page, 'checkout-error');
    expect(error).toMatchObject({ code: 'provider_load_failed', retryable: true });
    expect(error.message).toMatch(/Stripe\.js/);
    for (const secret of bed.secrets) expect(error.message).not.toContain(secret);
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'error');
    expect(bed.stripeJsRequests.length).toBeGreaterThanOrEqual(1);

    bed.setStripeJs('serve');
    await page.getByRole('button', { name: 'Try again' }).click();
    await waitForCheckoutEvent(page, 'checkout-ready');
    await expect(page.locator('checkout-widget .fake-stripe-embedded-checkout')).toBeVisible();
    const record = await bed.record();
    expect(record.created).toBe(1);
    expect(record.integrationErrors).toEqual([]);
  });

  test('two widgets on one page: the second waits until the first is torn down, never a second instance', async ({ page }) => {
    const bed = await setUpStripe(page, { widgets: 2 });
    await page.goto(PAGE_PATH);

    const widgets = page.locator('checkout-widget');
    const firstReady = await waitForCheckoutEvent(page, 'checkout-ready');
    // Whichever widget took the page's turn first is "first"; the other must be waiting.
    const states = await widgets.evaluateAll((elements) => elements.map((element) => element.getAttribute('state')));
    const firstIndex = states.indexOf('ready');
    const secondIndex = 1 - firstIndex;
    expect(states[secondIndex]).toBe('loading');
    expect(await widgets.nth(secondIndex).locator('.fake-stripe-embedded-checkout').count()).toBe(0);
    expect((await bed.record()).live).toBe(1);

    await payAndConfirm(page, bed, firstIndex, firstReady.session.id);
    await expect(widgets.nth(firstIndex)).toHaveAttribute('state', 'complete');
    await expect(widgets.nth(secondIndex)).toHaveAttribute('state', 'ready');
    await expect(widgets.nth(secondIndex).locator('.fake-stripe-embedded-checkout')).toBeVisible();

    const record = await bed.record();
    expect(record).toMatchObject({ created: 2, destroyed: 1, live: 1, integrationErrors: [] });
    expect(bed.pageProblems.filter((text) => /IntegrationError|multiple Embedded Checkout/.test(text))).toEqual([]);
    expect(bed.pageProblems).toEqual([]);
  });

  test('removing and re-adding the element mounts a fresh checkout', async ({ page }) => {
    const bed = await setUpStripe(page);
    await page.goto(PAGE_PATH);
    await waitForCheckoutEvent(page, 'checkout-ready');

    await page.evaluate(() => {
      const element = document.querySelector('checkout-widget');
      const parent = element?.parentElement;
      if (!element || !parent) throw new Error('no widget');
      element.remove();
      parent.append(element);
    });
    await expect.poll(async () => (await recordedEvents(page)).filter((event) => event.type === 'checkout-ready').length).toBe(2);
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'ready');
    await expect(page.locator('checkout-widget .fake-stripe-embedded-checkout')).toHaveCount(1);

    const record = await bed.record();
    expect(record).toMatchObject({ created: 2, destroyed: 1, live: 1, integrationErrors: [] });
    expect(bed.pageProblems).toEqual([]);
  });

  test('reset() while Stripe.js is still loading leaves no instance behind', async ({ page }) => {
    const bed = await setUpStripe(page);
    bed.setStripeJs('hold');
    await page.goto(PAGE_PATH);
    await expect.poll(() => bed.stripeJsRequests.length).toBe(1);

    await page.locator('checkout-widget').evaluate((element) => (element as HTMLElement & { reset(): void }).reset());
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'idle');
    await bed.releaseStripeJs();
    await page.waitForFunction(() => 'Stripe' in window);

    // A fresh start can only become ready if the reset left no live Embedded Checkout.
    bed.setStripeJs('serve');
    await page.locator('checkout-widget').evaluate((element) => (element as HTMLElement & { start(): Promise<void> }).start());
    await waitForCheckoutEvent(page, 'checkout-ready');
    const record = await bed.record();
    expect(record).toMatchObject({ created: 1, live: 1, integrationErrors: [] });
    expect(bed.pageProblems).toEqual([]);
  });

  test('reset() while the checkout is being created destroys it once it arrives', async ({ page }) => {
    const bed = await setUpStripe(page, { fake: { holdCreation: true } });
    await page.goto(PAGE_PATH);
    await expect.poll(async () => (await page.evaluate(() => (window as unknown as { __fakeStripe?: { created: number } }).__fakeStripe?.created ?? 0))).toBe(1);
    await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'loading');

    await page.locator('checkout-widget').evaluate((element) => (element as HTMLElement & { reset(): void }).reset());
    await page.evaluate(() => (window as unknown as { __fakeStripe: { finishCreation(): void } }).__fakeStripe.finishCreation());
    await expect.poll(async () => (await bed.record()).destroyed).toBe(1);

    const record = await bed.record();
    expect(record).toMatchObject({ created: 1, live: 0, integrationErrors: [] });
    await expect(page.locator('checkout-widget .fake-stripe-embedded-checkout')).toHaveCount(0);
    expect((await recordedEvents(page)).map((event) => event.type)).not.toContain('checkout-ready');
    expect(bed.pageProblems).toEqual([]);
  });
});
