import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { recordCheckoutEvents, waitForCheckoutEvent, widget } from '../support/checkout.js';

/**
 * Provider-native session answers (no contract session) from the endpoint, each rendered the
 * way its shape calls for. Stripe.js and checkout.js are the test doubles of e2e/stripe and
 * e2e/reepay; providers' hosted pages are stubs served by `route`.
 */

const FAKE_STRIPE_JS = readFileSync(new URL('../../src/providers/stripe/fake-stripe-js.js', import.meta.url), 'utf8');
const FAKE_REEPAY_JS = readFileSync(new URL('../../src/providers/reepay/fake-checkout-js.js', import.meta.url), 'utf8');
const PAGE_PATH = '/shapes-e2e/page.html';
const PUBLISHABLE_KEY = 'pk_test_51ShapesShopKey';
const REEPAY_ID = 'cs_0123456789abcdef0123456789abcdef';

type Json = Record<string, unknown>;

interface ShapeBed {
  requests: string[];
  /** Page errors and console errors. */
  problems: string[];
}

/**
 * The endpoint answers `created` to the POST and `read()` to every GET; pages of other origins
 * (hosted checkouts) answer with a stub titled after their host.
 */
async function setUpShape(page: Page, created: Json, read: () => Json = () => created): Promise<ShapeBed> {
  const bed: ShapeBed = { requests: [], problems: [] };
  page.on('pageerror', (error) => bed.problems.push(`${error.name}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') bed.problems.push(`console.error: ${message.text()}`);
  });
  page.on('request', (request) => bed.requests.push(`${request.method()} ${request.url()}`));
  await recordCheckoutEvents(page);
  const context = page.context();

  await context.route((url) => url.pathname === PAGE_PATH, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8" /><title>Session shapes</title>
<script type="module" src="/cdn/checkout-widget.js"></script></head>
<body><main><h1>Session shapes</h1>
<checkout-widget endpoint="/api/checkout/sessions" publishable-key="${PUBLISHABLE_KEY}" payload='{"items":[{"sku":"mug","quantity":1}]}'></checkout-widget>
</main></body></html>`,
    }),
  );
  await context.route('**/api/checkout/sessions**', (route) => {
    const request = route.request();
    if (request.method() === 'POST') return route.fulfill({ status: 201, json: created });
    return route.fulfill({ status: 200, json: read() });
  });
  await context.route('https://js.stripe.com/**', (route) =>
    route.fulfill({ status: 200, contentType: 'application/javascript', body: FAKE_STRIPE_JS }),
  );
  await context.route('https://checkout.reepay.com/checkout.js', (route) =>
    route.fulfill({ status: 200, contentType: 'application/javascript', body: FAKE_REEPAY_JS }),
  );
  for (const origin of ['https://checkout.stripe.com', 'https://pay.convergegate.test', 'https://api.checkout.com']) {
    await context.route(`${origin}/**`, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: `<!doctype html><html lang="en"><head><title>${new URL(origin).host}</title></head><body><h1>Hosted page at ${origin}</h1></body></html>`,
      }),
    );
  }
  return bed;
}

function stripeRecord(page: Page) {
  return page.evaluate(
    () =>
      JSON.parse(JSON.stringify((window as unknown as { __fakeStripe: unknown }).__fakeStripe)) as {
        constructed: Array<{ publishableKey: string; options: Json | null }>;
        clientSecrets: string[];
      },
  );
}

test.describe('provider-native session shapes', () => {
  test('a BokaMera embedded answer goes through Stripe embedded checkout on its connected account', async ({ page }) => {
    let status = 'open';
    const answer = () => ({
      SessionId: 'cs_test_b0kaE2e',
      Url: null,
      Status: status,
      ClientSecret: 'cs_test_b0kaE2e_secret_1',
      PaymentIntentClientSecret: 'pi_e2e_secret_2',
      StripeAccount: 'acct_1BokaMeraE2e',
    });
    const bed = await setUpShape(page, answer(), answer);
    await page.goto(PAGE_PATH);

    const { session } = await waitForCheckoutEvent(page, 'checkout-session');
    expect(session).toMatchObject({ id: 'cs_test_b0kaE2e', provider: 'bokamera', kind: 'stripe-embedded', stripe_account: 'acct_1BokaMeraE2e' });
    await waitForCheckoutEvent(page, 'checkout-ready');
    const record = await stripeRecord(page);
    expect(record.constructed).toEqual([{ publishableKey: PUBLISHABLE_KEY, options: { stripeAccount: 'acct_1BokaMeraE2e' } }]);
    expect(record.clientSecrets).toEqual(['cs_test_b0kaE2e_secret_1']);

    status = 'complete';
    await widget(page).getByRole('button', { name: 'Pay' }).click();
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session).toMatchObject({ id: 'cs_test_b0kaE2e', status: 'complete' });
    expect(bed.problems).toEqual([]);
  });

  test("a Stripe checkout.session (embedded_page) goes through Stripe with the page's publishable key", async ({ page }) => {
    const bed = await setUpShape(page, {
      id: 'cs_test_stripeE2e',
      object: 'checkout.session',
      client_secret: 'cs_test_stripeE2e_secret_1',
      ui_mode: 'embedded_page',
      status: 'open',
      payment_status: 'unpaid',
      url: null,
      amount_total: 12900,
      currency: 'dkk',
      livemode: false,
    });
    await page.goto(PAGE_PATH);
    const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
    expect(session).toMatchObject({ provider: 'stripe', kind: 'stripe-embedded', amount: 12900, currency: 'DKK' });
    expect((await stripeRecord(page)).clientSecrets).toEqual(['cs_test_stripeE2e_secret_1']);
    expect(bed.problems).toEqual([]);
  });

  test('a hosted Stripe checkout.session cannot be framed, so embedded mode redirects to it', async ({ page }) => {
    const url = 'https://checkout.stripe.com/c/pay/cs_test_hostedE2e';
    await setUpShape(page, { id: 'cs_test_hostedE2e', object: 'checkout.session', ui_mode: 'hosted_page', status: 'open', url });
    await page.goto(PAGE_PATH);
    await page.waitForURL(url);
    await expect(page.getByRole('heading', { name: 'Hosted page at https://checkout.stripe.com' })).toBeVisible();
  });

  test("a Reepay { id, url } answer renders through Reepay's checkout.js", async ({ page }) => {
    const bed = await setUpShape(page, { id: REEPAY_ID, url: `https://checkout.reepay.com/#/${REEPAY_ID}` });
    await page.goto(PAGE_PATH);
    const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
    expect(session).toMatchObject({ id: REEPAY_ID, provider: 'reepay', kind: 'reepay', status: 'open' });
    const constructed = await page.evaluate(
      () => (window as unknown as { __fakeReepay: { constructed: Array<{ kind: string; sessionId: string }> } }).__fakeReepay.constructed,
    );
    expect(constructed).toMatchObject([{ kind: 'EmbeddedCheckout', sessionId: REEPAY_ID }]);
    await expect(page.getByRole('region', { name: 'Reepay checkout (test double)' })).toBeVisible();
    expect(bed.problems).toEqual([]);
  });

  test('a ConvergeGate session renders its hosted page in the iframe', async ({ page }) => {
    const url = 'https://pay.convergegate.test/pay/AW-kLcRRC5P8U68CYe0kVA';
    const bed = await setUpShape(page, {
      id: 'AW-kLcRRC5P8U68CYe0kVA',
      amount_total: 12900,
      amount_sub_total: 12900,
      currency: 'dkk',
      expire_at: Math.floor(Date.now() / 1000) + 3600,
      created_at: Math.floor(Date.now() / 1000),
      payment_method: ['blik'],
      url,
      status: 'open',
      livemode: false,
    });
    await page.goto(PAGE_PATH);
    const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
    expect(session).toMatchObject({ provider: 'convergegate', kind: 'hosted', amount: 12900, currency: 'DKK' });
    const frame = widget(page).locator('iframe');
    await expect(frame).toHaveAttribute('src', url);
    await expect(frame.contentFrame().getByRole('heading', { name: 'Hosted page at https://pay.convergegate.test' })).toBeVisible();
    expect(bed.problems).toEqual([]);
  });

  test('a Commerce Layer checkout_com_payments resource leaves for its 3-D Secure page', async ({ page }) => {
    const redirect = 'https://api.checkout.com/3ds/pay_mbabizu24mvu3mela5njyhpit4';
    await setUpShape(page, {
      data: {
        id: 'xYZkjABcde',
        type: 'checkout_com_payments',
        attributes: { public_key: 'pk_test_xxxx-yyyy-zzzz', redirect_uri: redirect, payment_response: { status: 'Pending' } },
        meta: { mode: 'test' },
      },
    });
    await page.goto(PAGE_PATH);
    await page.waitForURL(redirect);
    await expect(page.getByRole('heading', { name: 'Hosted page at https://api.checkout.com' })).toBeVisible();
  });

  test('an unrecognised answer is invalid_session naming the accepted shapes', async ({ page }) => {
    await setUpShape(page, { checkout: { link: 'https://psp.example/pay/1' } });
    await page.goto(PAGE_PATH);
    const error = await waitForCheckoutEvent(page, 'checkout-error');
    expect(error.code).toBe('invalid_session');
    expect(error.retryable).toBe(false);
    for (const name of ['contract session', 'Stripe checkout.session', 'BokaMera', 'Reepay', 'ConvergeGate', 'Commerce Layer']) {
      expect(error.message).toContain(name);
    }
    await expect(widget(page)).toHaveAttribute('state', 'error');
    // The shapes are named to the shop (the event), not to the shopper.
    await expect(widget(page).locator('[part="error"]')).toHaveText('The checkout could not be started.');
    expect(error.message).toContain('session is not a known shape');
  });
});
