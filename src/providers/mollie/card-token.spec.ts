import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { DemoServer } from '../../../demo/server.js';
import { recordCheckoutEvents, recordedEvents, seedCart, waitForCheckoutEvent } from '../../../e2e/support/checkout.js';
import { startDemoWith } from '../../../e2e/support/demo.js';
import { MOLLIE_JS_URL } from './card-fields.js';
import { MOLLIE_PROFILE_ID, MOLLIE_TEST_CARDS, MOLLIE_TEST_KEY, startFakeMollie, type FakeMollie } from './fake-api.js';

/**
 * Mollie Components through the demo (`MOLLIE_COMPONENTS=true`): the widget's provider-neutral
 * card-token renderer loads Mollie.js (a double served in place of js.mollie.com, which throws in
 * a shadow root) only for this session, mounts the four components in the light DOM, posts the
 * token to the demo's backend, whose adapter pays it at the fake Mollie API (`method: creditcard`,
 * `cardToken`). 3-D Secure is the payment's checkout link, on the fake's own origin, at top level.
 */

const FAKE_MOLLIE_JS = readFileSync(new URL('./fake-mollie-js.js', import.meta.url), 'utf8');
let mollie: FakeMollie;
let demo: DemoServer;

test.beforeAll(async () => {
  mollie = await startFakeMollie();
  demo = await startDemoWith({ MOLLIE_API_KEY: MOLLIE_TEST_KEY, MOLLIE_API_URL: mollie.url, MOLLIE_PROFILE_ID, MOLLIE_COMPONENTS: 'true' });
});

test.afterAll(async () => {
  await demo?.close();
  await mollie?.close();
});

async function openCardFields(page: Page): Promise<string[]> {
  const scripts: string[] = [];
  await page.context().route(MOLLIE_JS_URL, (route) => {
    scripts.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'application/javascript', body: FAKE_MOLLIE_JS });
  });
  await seedCart(page, [{ sku: 'grinder', quantity: 1 }]);
  await recordCheckoutEvents(page);
  await page.goto(`${demo.shopUrl}/checkout.html?provider=mollie&mode=embedded`);
  await waitForCheckoutEvent(page, 'checkout-ready');
  return scripts;
}

async function payWith(page: Page, number: string): Promise<void> {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Card holder').fill('Jan Jansen');
  await page.getByLabel('Expiry date').fill('12/34');
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: /^Pay\b/ }).click();
}

const cardPayments = () => mollie.requests.filter((request) => request.method === 'POST' && request.url === '/v2/payments' && request.body.includes('cardToken'));

test('Mollie.js loads only for this session, its components mount in the light DOM, a card pays and is accepted', async ({ page }) => {
  const scripts = await openCardFields(page);
  expect(scripts).toEqual([MOLLIE_JS_URL]);
  const calls = await page.evaluate(() => (window as unknown as { __mollieCalls: unknown[] }).__mollieCalls);
  expect(calls[0]).toEqual({ profileId: MOLLIE_PROFILE_ID, options: { locale: 'en_US', testmode: true } });
  expect(calls.slice(1)).toEqual([{ mount: 'cardNumber' }, { mount: 'cardHolder' }, { mount: 'expiryDate' }, { mount: 'verificationCode' }]);
  // In the widget's light DOM (the double throws in a shadow root).
  expect(await page.getByLabel('Card number').evaluate((input) => input.getRootNode() === document && input.closest('checkout-widget') !== null)).toBe(true);
  await expect(page.getByRole('button', { name: /^Pay\b/ })).toBeDisabled();

  const before = cardPayments().length;
  await payWith(page, MOLLIE_TEST_CARDS.success);
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ provider: 'mollie', kind: 'card-token', status: 'complete', token_provider: 'mollie', amount: 89900 });
  const [sent] = cardPayments().slice(before);
  const body = JSON.parse(sent!.body) as Record<string, unknown>;
  expect(body).toMatchObject({ method: 'creditcard', amount: { currency: 'DKK', value: '899.00' } });
  expect(body['cardToken']).toMatch(/^tkn_P[a-z0-9]+test$/);
  expect(String(body['webhookUrl'])).toBe(`${demo.shopUrl}/api/checkout/webhooks/mollie?session=${accepted.session.id}`);
  console.log(`mollie POST /v2/payments (card token) ${sent!.body}`);
});

test('a declined card keeps the fields for another card, which then pays', async ({ page }) => {
  await openCardFields(page);
  await payWith(page, MOLLIE_TEST_CARDS.declined);
  const error = await waitForCheckoutEvent(page, 'checkout-error');
  expect(error).toMatchObject({ code: 'payment_failed', retryable: true });
  await expect(page.getByLabel('Card number')).toBeVisible();
  await page.getByLabel('Card number').fill(MOLLIE_TEST_CARDS.success);
  await page.getByRole('button', { name: /^Pay\b/ }).click();
  await waitForCheckoutEvent(page, 'checkout-accept');
});

test('3-D Secure: handed over to the payment’s checkout link at top level, completed, accepted after the read', async ({ page }) => {
  await openCardFields(page);
  await payWith(page, MOLLIE_TEST_CARDS.threeDSecure);
  await page.waitForURL((url) => url.origin === mollie.url && url.pathname.startsWith('/checkout/credit-card/3ds/'));
  await page.getByRole('button', { name: 'Complete authentication' }).click();
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ kind: 'card-token', status: 'complete' });
  expect((await recordedEvents(page)).map((event) => event.type)).not.toContain('checkout-error');
});

test('the Mollie.js double refuses a shadow root, as the renderer assumes the real one may', async ({ page }) => {
  await openCardFields(page);
  const message = await page.evaluate(() => {
    const host = document.createElement('div');
    document.body.append(host);
    const inner = host.attachShadow({ mode: 'open' }).appendChild(document.createElement('div'));
    const Mollie = (window as unknown as { Mollie: (id: string, options: object) => { createComponent(type: string): { mount(el: Element): void } } }).Mollie;
    try {
      Mollie('pfl_QkEhN94Ba', { testmode: true }).createComponent('cardNumber').mount(inner);
      return 'mounted';
    } catch (error) {
      return (error as Error).message;
    }
  });
  expect(message).toMatch(/ShadowRoot/);
});
