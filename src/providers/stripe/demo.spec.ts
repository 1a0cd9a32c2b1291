import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import type { DemoServer } from '../../../demo/server.js';
import type { CheckoutSession } from '../../core/protocol.js';
import { recordCheckoutEvents, seedCart, waitForCheckoutEvent, widget } from '../../../e2e/support/checkout.js';
import { printOnePerEndpoint, requestLine, startDemoWith } from '../../../e2e/support/demo.js';
import {
  completeCheckoutSession,
  decodeStripeForm,
  FAKE_PUBLISHABLE_KEY,
  FAKE_SECRET_KEY,
  FAKE_WEBHOOK_SECRET,
  startFakeStripe,
  type FakeStripe,
} from './fake-api.js';

/**
 * The demo shop paying through its real Stripe path: the demo's backend talks to a local fake
 * of Stripe's API (STRIPE_API_URL), the browser loads the Stripe.js test double in place of
 * https://js.stripe.com, and nothing else is stubbed.
 */

const FAKE_STRIPE_JS = readFileSync(new URL('./fake-stripe-js.js', import.meta.url), 'utf8');

let stripe: FakeStripe;
let demo: DemoServer;

test.beforeAll(async () => {
  stripe = await startFakeStripe();
  demo = await startDemoWith({
    STRIPE_SECRET_KEY: FAKE_SECRET_KEY,
    STRIPE_PUBLISHABLE_KEY: FAKE_PUBLISHABLE_KEY,
    STRIPE_WEBHOOK_SECRET: FAKE_WEBHOOK_SECRET,
    STRIPE_API_URL: stripe.server.url,
  });
});

test.afterAll(async () => {
  await demo?.close();
  await stripe?.close();
});

async function createStripeSession(): Promise<CheckoutSession> {
  const response = await fetch(`${demo.shopUrl}/api/checkout/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'stripe', items: [{ sku: 'mug', quantity: 1 }] }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as CheckoutSession;
}

test('the demo checkout pays through Stripe: session at the fake API, Stripe.js double, accept after the confirming read', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await seedCart(page, [
    { sku: 'coffee-beans', quantity: 2 },
    { sku: 'mug', quantity: 1 },
  ]);
  await recordCheckoutEvents(page);
  const stripeJsRequests: string[] = [];
  await page.route('https://js.stripe.com/**', (route) => {
    stripeJsRequests.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'application/javascript', body: FAKE_STRIPE_JS });
  });
  const shopResponses: string[] = [];
  page.on('response', async (response) => {
    if (response.url().startsWith(demo.shopUrl) && response.url().includes('/api/')) {
      shopResponses.push(await response.text().catch(() => ''));
    }
  });

  await page.goto(`${demo.shopUrl}/checkout.html?provider=stripe`);
  // The switcher offers the chooser, then what the server has (Stripe and the sandbox), in the server's order.
  const providerSelect = page.getByLabel('Payment provider');
  await expect(providerSelect).toHaveValue('stripe');
  expect([...demo.providers].sort()).toEqual(['sandbox', 'sandbox-dropin', 'sandbox-fields', 'sandbox-mollie', 'stripe']);
  expect(await providerSelect.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(
    ['choose', ...demo.providers],
  );

  const { session } = await waitForCheckoutEvent(page, 'checkout-session');
  expect(session).toMatchObject({ provider: 'stripe', kind: 'stripe-embedded', status: 'open', amount: 2 * 24900 + 12900, currency: 'DKK' });
  await waitForCheckoutEvent(page, 'checkout-ready');
  expect(stripeJsRequests.length).toBeGreaterThan(0);

  // What the demo's backend sent to Stripe: catalog prices, embedded_page, our return bridge.
  const reference = stripe.sessions.get(session.id)?.['client_reference_id'];
  const create = stripe.requests.find(
    (request) => requestLine(request) === 'POST /v1/checkout/sessions' && decodeStripeForm(request.body)['client_reference_id'] === reference,
  );
  expect(create, 'the create call for this session').toBeDefined();
  expect(create!.headers.authorization).toBe(`Bearer ${FAKE_SECRET_KEY}`);
  expect(create!.headers['idempotency-key']).toBeTruthy();
  const params = decodeStripeForm(create!.body);
  expect(params).toMatchObject({
    mode: 'payment',
    ui_mode: 'embedded_page',
    redirect_on_completion: 'if_required',
    customer_email: 'shopper@example.com',
    line_items: [
      { quantity: '2', price_data: { currency: 'dkk', unit_amount: '24900', tax_behavior: 'inclusive' } },
      { quantity: '1', price_data: { currency: 'dkk', unit_amount: '12900', tax_behavior: 'inclusive' } },
    ],
  });
  expect(String(params['return_url'])).toMatch(
    new RegExp(`^${demo.shopUrl}/api/checkout/return/accept\\?checkout_session=\\{CHECKOUT_SESSION_ID\\}&checkout_ref=ord_[0-9a-f]+$`),
  );

  // The browser got the publishable key and the fake's client secret, never the secret key.
  const record = await page.evaluate(() => (window as unknown as { __fakeStripe: { constructed: Array<{ publishableKey: string }>; clientSecrets: string[] } }).__fakeStripe);
  expect(record.constructed.map((entry) => entry.publishableKey)).toEqual([FAKE_PUBLISHABLE_KEY]);
  expect(record.clientSecrets).toEqual([stripe.sessions.get(session.id)?.['client_secret']]);
  expect(shopResponses.join('\n')).not.toContain(FAKE_SECRET_KEY);
  expect(shopResponses.join('\n')).not.toContain(FAKE_WEBHOOK_SECRET);
  expect(await page.content()).not.toContain('sk_test_');

  // Stripe completes the session, then Stripe.js calls onComplete: the widget must read it back.
  const readsBefore = stripe.requests.filter((request) => request.method === 'GET').length;
  completeCheckoutSession(stripe, session.id);
  await widget(page).getByRole('region', { name: 'Stripe checkout (test double)' }).getByRole('button', { name: 'Pay' }).click();

  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ id: session.id, provider: 'stripe', status: 'complete' });
  const confirmingReads = stripe.requests
    .filter((request) => request.method === 'GET')
    .slice(readsBefore)
    .map(requestLine);
  expect(confirmingReads[0]).toBe(`GET /v1/checkout/sessions/${session.id}?expand[0]=payment_intent`);
  await expect(page.getByRole('heading', { name: 'Thank you! Your payment is complete.' })).toBeVisible();
  expect(pageErrors).toEqual([]);
  printOnePerEndpoint('stripe', stripe.requests, /(?<=\/sessions\/)[^/]+/);
});

test('a signed Stripe webhook is accepted once, a replay is a duplicate, a wrong secret or a changed body is refused', async () => {
  const session = await createStripeSession();
  const url = `${demo.shopUrl}/api/checkout/webhooks/stripe`;
  const event = (id: string) =>
    JSON.stringify({
      id,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: Math.floor(Date.now() / 1000),
      type: 'checkout.session.completed',
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: { id: session.id, object: 'checkout.session', status: 'complete', payment_status: 'paid' } },
    });
  const post = (body: string, signature: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });
  const sessionReads = () => stripe.requests.filter((request) => request.method === 'GET' && request.url.includes(session.id)).length;

  const first = event('evt_e2e_first');
  const signature = stripe.stripe.webhooks.generateTestHeaderString({ payload: first, secret: FAKE_WEBHOOK_SECRET });
  const accepted = await post(first, signature);
  expect(accepted.status).toBe(200);
  expect(await accepted.json()).toEqual({ received: true });
  // Handled once: the handler re-reads the session the event names from Stripe.
  await expect.poll(sessionReads).toBe(1);

  const replay = await post(first, signature);
  expect(replay.status).toBe(200);
  expect(await replay.json()).toEqual({ received: true, duplicate: true });

  const forgedEvent = event('evt_e2e_forged');
  const wrongSecret = stripe.stripe.webhooks.generateTestHeaderString({ payload: forgedEvent, secret: 'whsec_not_the_shops_secret' });
  const forged = await post(forgedEvent, wrongSecret);
  expect(forged.status).toBe(400);
  expect(await forged.json()).toMatchObject({ error: { code: 'invalid_signature' } });

  const changed = await post(first.replace('"livemode":false', '"livemode":true'), signature);
  expect(changed.status).toBe(400);

  // A new event after all that is handled, and the replay never caused a read of its own.
  const second = event('evt_e2e_second');
  const secondAnswer = await post(second, stripe.stripe.webhooks.generateTestHeaderString({ payload: second, secret: FAKE_WEBHOOK_SECRET }));
  expect(await secondAnswer.json()).toEqual({ received: true });
  await expect.poll(sessionReads).toBe(2);
});
