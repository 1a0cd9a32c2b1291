import { expect, test, type Page } from '@playwright/test';
import type { DemoServer } from '../../../demo/server.js';
import { recordCheckoutEvents, recordedEvents, seedCart, triggerButton, waitForCheckoutEvent, widget } from '../../../e2e/support/checkout.js';
import { printOnePerEndpoint, requestLine, startDemoWith } from '../../../e2e/support/demo.js';
import {
  startFakeVipps,
  VIPPS_CLIENT_ID,
  VIPPS_CLIENT_SECRET,
  VIPPS_MSN,
  VIPPS_SUBSCRIPTION_KEY,
  VIPPS_WEBHOOK_SECRET,
  type FakeVipps,
} from './fake-api.js';
import { registerVippsWebhook } from './register-webhook.js';

/**
 * Vipps MobilePay's landing page through the demo: the demo's backend talks to a local fake of the
 * ePayment API (VIPPS_MOBILEPAY_API_URL), whose landing page lives on its own origin and refuses
 * every frame, so the shopper goes there by redirect or in a popup (overlay and embedded fall back
 * to redirect) and comes back through the return bridge, which finds the session by the
 * `checkout_session` the adapter filled into `returnUrl`. The handler's URL is registered with the
 * fake's Webhooks API, as the README tells a shop to.
 */

let vipps: FakeVipps;
let demo: DemoServer;

test.beforeAll(async () => {
  vipps = await startFakeVipps();
  demo = await startDemoWith({
    VIPPS_MOBILEPAY_CLIENT_ID: VIPPS_CLIENT_ID,
    VIPPS_MOBILEPAY_CLIENT_SECRET: VIPPS_CLIENT_SECRET,
    VIPPS_MOBILEPAY_SUBSCRIPTION_KEY: VIPPS_SUBSCRIPTION_KEY,
    VIPPS_MOBILEPAY_MERCHANT_SERIAL_NUMBER: VIPPS_MSN,
    VIPPS_MOBILEPAY_WEBHOOK_SECRET: VIPPS_WEBHOOK_SECRET,
    VIPPS_MOBILEPAY_API_URL: vipps.url,
  });
  const { secret } = await registerVippsWebhook({
    clientId: VIPPS_CLIENT_ID,
    clientSecret: VIPPS_CLIENT_SECRET,
    subscriptionKey: VIPPS_SUBSCRIPTION_KEY,
    merchantSerialNumber: VIPPS_MSN,
    apiUrl: vipps.url,
    url: `${demo.shopUrl}/api/checkout/webhooks/vipps-mobilepay`,
  });
  expect(secret).toBe(VIPPS_WEBHOOK_SECRET);
});

test.afterAll(async () => {
  await demo?.close();
  await vipps?.close();
});

const LANDING = (url: URL) => url.origin === vipps.url && url.pathname === '/landing';

/** Opens the demo checkout with Vipps MobilePay in `mode`; redirect-like modes end on the landing page. */
async function openCheckout(page: Page, mode: 'redirect' | 'overlay' | 'embedded'): Promise<string> {
  await seedCart(page, [{ sku: 'grinder', quantity: 1 }]);
  await recordCheckoutEvents(page);
  await page.goto(`${demo.shopUrl}/checkout.html?provider=vipps-mobilepay&mode=${mode}`);
  // Embedded starts by itself and may have left for the landing page already; the others wait for the click.
  if (mode !== 'embedded') {
    await expect(page.getByLabel('Payment provider')).toHaveValue('vipps-mobilepay');
    await triggerButton(page).click();
  }
  await page.waitForURL(LANDING);
  return referenceOn(page);
}

/** The payment the landing page shows (the fake prints its reference). */
async function referenceOn(surface: Page): Promise<string> {
  const text = (await surface.getByText(/^Payment /).textContent()) ?? '';
  return /^Payment ([A-Za-z0-9-]+):/.exec(text)?.[1] ?? '';
}

/** Opens the demo checkout in popup mode; the popup ends on the landing page. */
async function openPopup(page: Page): Promise<{ popup: Page; reference: string }> {
  await seedCart(page, [{ sku: 'grinder', quantity: 1 }]);
  await recordCheckoutEvents(page);
  await page.goto(`${demo.shopUrl}/checkout.html?provider=vipps-mobilepay&mode=popup`);
  const popupOpened = page.waitForEvent('popup');
  await triggerButton(page).click();
  const popup = await popupOpened;
  await popup.waitForURL(LANDING);
  const reference = await referenceOn(popup);
  return { popup, reference };
}

test('redirect: approved in the app, captured by the backend, accepted back in the shop after the confirming read', async ({ page }) => {
  const reference = await openCheckout(page, 'redirect');
  expect(reference).toMatch(/^ord-5F[0-9a-f]{20}$/);

  // What the demo's backend sent: the documented headers and body, catalog price, the bridge's return URL.
  const create = vipps.requests.find((request) => requestLine(request) === 'POST /epayment/v1/payments' && JSON.parse(request.body).reference === reference)!;
  expect(create.headers).toMatchObject({
    'ocp-apim-subscription-key': VIPPS_SUBSCRIPTION_KEY,
    'merchant-serial-number': VIPPS_MSN,
    'idempotency-key': reference,
    authorization: expect.stringMatching(/^Bearer /),
  });
  const body = JSON.parse(create.body) as { returnUrl: string; metadata: { orderReference: string } };
  expect(body).toMatchObject({ amount: { currency: 'DKK', value: 89900 }, paymentMethod: { type: 'WALLET' }, userFlow: 'WEB_REDIRECT', reference });
  const returnUrl = new URL(body.returnUrl);
  expect(`${returnUrl.origin}${returnUrl.pathname}`).toBe(`${demo.shopUrl}/api/checkout/return/accept`);
  expect(returnUrl.searchParams.get('checkout_session')).toBe(reference);
  expect(returnUrl.searchParams.get('checkout_ref')).toBe(body.metadata.orderReference);

  // The landing page refuses frames.
  const landing = await page.request.get(page.url());
  expect(landing.headers()['x-frame-options']).toBe('DENY');
  expect(landing.headers()['content-security-policy']).toBe("frame-ancestors 'none'");

  await page.getByRole('button', { name: 'Approve in the app' }).click();
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ id: reference, provider: 'vipps-mobilepay', kind: 'hosted', status: 'complete', frameable: false, amount: 89900, currency: 'DKK' });
  await expect(page.getByRole('heading', { name: 'Thank you! Your payment is complete.' })).toBeVisible();
  // Captured in full before it read complete, once, whoever read first (webhook or widget).
  expect(vipps.payments.get(reference)!.aggregate.capturedAmount.value).toBe(89900);
  // The signed webhooks of the registered events (authorized, captured; not created) reached the demo and were verified.
  const deliveries = () => vipps.webhooks.filter((delivery) => delivery.body.includes(reference));
  await expect.poll(() => deliveries().map((delivery) => `${(JSON.parse(delivery.body) as { name: string }).name} ${delivery.status}`).sort()).toEqual(['AUTHORIZED 200', 'CAPTURED 200']);
  printOnePerEndpoint('vipps-mobilepay', vipps.requests, /(?<=\/payments\/)[A-Za-z0-9-]+/);
  for (const delivery of deliveries()) {
    console.log(`vipps-mobilepay webhook sent: POST ${delivery.url} ${delivery.body} -> ${delivery.status}`);
  }
});

test('redirect: rejected in the app returns to the shop as a cancel, nothing captured', async ({ page }) => {
  const reference = await openCheckout(page, 'redirect');
  await page.getByRole('button', { name: 'Reject in the app' }).click();
  const cancelled = await waitForCheckoutEvent(page, 'checkout-cancel');
  expect(cancelled.session).toMatchObject({ id: reference, status: 'cancelled' });
  await expect(page.getByRole('heading', { name: 'Payment cancelled' })).toBeVisible();
  expect((await recordedEvents(page)).map((event) => event.type)).not.toContain('checkout-accept');
  expect(vipps.payments.get(reference)!.aggregate.capturedAmount.value).toBe(0);
});

test('redirect: a payment left to expire returns to the shop as expired', async ({ page }) => {
  const reference = await openCheckout(page, 'redirect');
  await page.getByRole('button', { name: 'Let it expire' }).click();
  const expired = await waitForCheckoutEvent(page, 'checkout-expired');
  expect(expired.session).toMatchObject({ id: reference, status: 'expired' });
  await expect(page.getByRole('heading', { name: 'This checkout expired' })).toBeVisible();
});

for (const mode of ['overlay', 'embedded'] as const) {
  test(`${mode} falls back to redirect (the landing page may not be framed) and is accepted back`, async ({ page }) => {
    const reference = await openCheckout(page, mode);
    expect(reference).not.toBe('');
    await page.getByRole('button', { name: 'Approve in the app' }).click();
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session).toMatchObject({ id: reference, status: 'complete', frameable: false });
  });
}

test('popup: the landing page opens in a popup; approved there, the bridge tells the shop and the read confirms', async ({ page }) => {
  const { popup, reference } = await openPopup(page);
  // The shop page never left, and nothing was framed.
  expect(new URL(page.url()).origin).toBe(demo.shopUrl);
  await expect(widget(page).locator('iframe')).toHaveCount(0);

  const closed = popup.waitForEvent('close');
  await popup.getByRole('button', { name: 'Approve in the app' }).click();
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ id: reference, status: 'complete', amount: 89900 });
  await closed;
  expect(vipps.payments.get(reference)!.aggregate.capturedAmount.value).toBe(89900);
});

test('popup: rejected in the app is a cancel in the shop', async ({ page }) => {
  const { popup, reference } = await openPopup(page);
  await popup.getByRole('button', { name: 'Reject in the app' }).click();
  const cancelled = await waitForCheckoutEvent(page, 'checkout-cancel');
  expect(cancelled.session).toMatchObject({ id: reference, status: 'cancelled' });
});
