import { expect, test, type Page } from '@playwright/test';
import type { DemoServer } from '../../../demo/server.js';
import { recordCheckoutEvents, recordedEvents, seedCart, triggerButton, waitForCheckoutEvent, widget } from '../../../e2e/support/checkout.js';
import { printOnePerEndpoint, startDemoWith } from '../../../e2e/support/demo.js';
import { MOLLIE_TEST_KEY, startFakeMollie, type FakeMollie } from './fake-api.js';

/**
 * Mollie's hosted checkout through the demo: the demo's backend talks to a local fake of Mollie
 * (MOLLIE_API_URL), whose checkout page (test mode: the shopper picks the outcome) lives on its own
 * origin. Framing is undocumented, so sessions are `frameable: false`: redirect and popup show the
 * page, embedded and overlay fall back to a redirect. Mollie cannot put its payment id into the
 * return URL: the bridge finds the session by our reference (`checkout_ref`). Its classic webhook
 * (`id=tr_…`, unsigned) reaches the demo and is answered 200.
 */

let mollie: FakeMollie;
let demo: DemoServer;

test.beforeAll(async () => {
  mollie = await startFakeMollie();
  demo = await startDemoWith({ MOLLIE_API_KEY: MOLLIE_TEST_KEY, MOLLIE_API_URL: mollie.url });
});

test.afterAll(async () => {
  await demo?.close();
  await mollie?.close();
});

const onCheckoutPage = (url: URL) => url.origin === mollie.url && url.pathname.startsWith('/checkout/select-method/');
const paymentIdOf = (url: string) => new URL(url).pathname.split('/').pop() ?? '';

/** Opens the demo checkout with Mollie in `mode` and follows the trigger to Mollie's page (the page itself, or the popup). */
async function goToMollie(page: Page, mode: 'redirect' | 'popup' | 'embedded' | 'overlay'): Promise<{ surface: Page; paymentId: string }> {
  await seedCart(page, [{ sku: 'grinder', quantity: 1 }]);
  await recordCheckoutEvents(page);
  await page.goto(`${demo.shopUrl}/checkout.html?provider=mollie&mode=${mode}`);
  // Embedded starts at once, and leaves for Mollie before anything can be looked at.
  if (mode !== 'embedded') await expect(page.getByLabel('Payment provider')).toHaveValue('mollie');
  if (mode === 'popup') {
    const opened = page.waitForEvent('popup');
    await triggerButton(page).click();
    const popup = await opened;
    await popup.waitForURL(onCheckoutPage);
    return { surface: popup, paymentId: paymentIdOf(popup.url()) };
  }
  // Embedded starts on its own; overlay and redirect on the trigger. Not frameable: all leave for Mollie.
  if (mode !== 'embedded') await triggerButton(page).click();
  await page.waitForURL(onCheckoutPage);
  return { surface: page, paymentId: paymentIdOf(page.url()) };
}

test('redirect: paid on Mollie’s page, accepted back in the shop after the confirming read; the webhook is answered 200', async ({ page }) => {
  const { surface, paymentId } = await goToMollie(page, 'redirect');
  expect(paymentId).toMatch(/^tr_/);
  const payment = mollie.payments.get(paymentId)!;
  const create = mollie.requests.find((request) => request.method === 'POST' && request.url === '/v2/payments' && JSON.parse(request.body).redirectUrl === payment.redirectUrl);
  expect(create?.headers).toMatchObject({ authorization: `Bearer ${MOLLIE_TEST_KEY}`, 'content-type': 'application/json' });
  const body = JSON.parse(create!.body) as Record<string, unknown>;
  const reference = (body['metadata'] as { reference: string }).reference;
  expect(reference).toMatch(/^ord_[0-9a-f]+$/);
  expect(create!.headers['idempotency-key']).toBe(`${reference}:payment`);
  expect(body).toMatchObject({ amount: { currency: 'DKK', value: '899.00' }, webhookUrl: `${demo.shopUrl}/api/checkout/webhooks/mollie` });
  expect(new URL(body['redirectUrl'] as string).searchParams.get('checkout_ref')).toBe(reference);

  await surface.getByRole('button', { name: 'Paid' }).click();
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ id: paymentId, provider: 'mollie', kind: 'hosted', status: 'complete', frameable: false, amount: 89900 });
  await expect(page.getByRole('heading', { name: 'Thank you! Your payment is complete.' })).toBeVisible();
  await expect.poll(() => mollie.webhooks.filter((delivery) => delivery.body === `id=${paymentId}`).map((delivery) => delivery.status)).toEqual([200]);
  printOnePerEndpoint('mollie', mollie.requests, /(?<=\/(?:payments|select-method)\/)[^/]+/);
  for (const delivery of mollie.webhooks) console.log(`mollie webhook sent: POST ${delivery.url} ${delivery.body} -> ${delivery.status}`);
});

test('popup: paid in the popup, the shop page accepts after its read', async ({ page }) => {
  const { surface, paymentId } = await goToMollie(page, 'popup');
  await surface.getByRole('button', { name: 'Paid' }).click();
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ id: paymentId, status: 'complete' });
  expect(page.url()).toMatch(/\/checkout\.html/);
});

test('embedded falls back to a redirect (frameable: false): no iframe of Mollie’s page', async ({ page }) => {
  const { surface, paymentId } = await goToMollie(page, 'embedded');
  expect(mollie.payments.get(paymentId)?.status).toBe('open');
  await surface.getByRole('button', { name: 'Paid' }).click();
  await waitForCheckoutEvent(page, 'checkout-accept');
  await expect(widget(page).locator('iframe')).toHaveCount(0);
});

test('cancel on Mollie’s page returns through the cancel bridge as a cancel', async ({ page }) => {
  const { surface, paymentId } = await goToMollie(page, 'redirect');
  await surface.getByRole('button', { name: 'Canceled' }).click();
  const cancelled = await waitForCheckoutEvent(page, 'checkout-cancel');
  expect(cancelled.session.id).toBe(paymentId);
  await expect(page.getByRole('heading', { name: 'Payment cancelled' })).toBeVisible();
  expect((await recordedEvents(page)).map((event) => event.type)).not.toContain('checkout-accept');
});

test('a failed payment comes back as payment_failed, never accepted', async ({ page }) => {
  const { surface, paymentId } = await goToMollie(page, 'redirect');
  await surface.getByRole('button', { name: 'Failed' }).click();
  const error = await waitForCheckoutEvent(page, 'checkout-error');
  expect(error).toMatchObject({ code: 'payment_failed' });
  expect(mollie.payments.get(paymentId)?.status).toBe('failed');
  expect((await recordedEvents(page)).map((event) => event.type)).not.toContain('checkout-accept');
});

test('an expired payment comes back as expired', async ({ page }) => {
  const { surface, paymentId } = await goToMollie(page, 'redirect');
  await surface.getByRole('button', { name: 'Expired' }).click();
  const expired = await waitForCheckoutEvent(page, 'checkout-expired');
  expect(expired.session.id).toBe(paymentId);
  await expect(page.getByRole('heading', { name: 'This checkout expired' })).toBeVisible();
});
