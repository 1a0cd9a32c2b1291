import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { DemoServer } from '../../../demo/server.js';
import { recordCheckoutEvents, recordedEvents, seedCart, triggerButton, waitForCheckoutEvent, widget } from '../../../e2e/support/checkout.js';
import { printOnePerEndpoint, requestLine, startDemoWith } from '../../../e2e/support/demo.js';
import { ADYEN_API_KEY, ADYEN_CARDS, ADYEN_CLIENT_KEY, ADYEN_HMAC_KEY, ADYEN_MERCHANT, startFakeAdyen, type FakeAdyen } from './fake-api.js';
import { ADYEN_WEB_INTEGRITY, adyenWebUrl } from './renderer.js';

/**
 * The demo paying through Adyen: the demo's backend talks to a local fake of Adyen's Checkout API
 * (ADYEN_API_URL); the browser's calls to Adyen's hosts are answered by `page.route` (no internet):
 * Adyen Web's CDN, and its payments API (routed to the fake). Adyen Web is pinned with SRI, so a
 * double served in its place is refused by the browser (first test); the flows use the double the
 * way a shop that includes Adyen Web itself does (`window.AdyenWeb` present before the widget).
 */

const FAKE_ADYEN_WEB = readFileSync(new URL('./fake-adyen-web.js', import.meta.url), 'utf8');
const ENV = { ADYEN_API_KEY, ADYEN_MERCHANT_ACCOUNT: ADYEN_MERCHANT, ADYEN_CLIENT_KEY, ADYEN_HMAC_KEY };

let adyen: FakeAdyen;
let demo: DemoServer;
let hostedDemo: DemoServer;
let shortDemo: DemoServer;

test.beforeAll(async () => {
  adyen = await startFakeAdyen();
  demo = await startDemoWith({ ...ENV, ADYEN_API_URL: adyen.url });
  hostedDemo = await startDemoWith({ ...ENV, ADYEN_API_URL: adyen.url, ADYEN_MODE: 'hosted' });
  shortDemo = await startDemoWith({ ...ENV, ADYEN_API_URL: adyen.url, ADYEN_SESSION_TTL_SECONDS: '4' });
  adyen.webhookUrl = `${demo.shopUrl}/api/checkout/webhooks/adyen`;
});

test.afterAll(async () => {
  await demo?.close();
  await hostedDemo?.close();
  await shortDemo?.close();
  await adyen?.close();
});

/** Adyen's hosts answered locally: the CDN (recorded), and the Drop-in's payments API (to the fake). */
async function routeAdyen(page: Page, options: { preload: boolean }): Promise<string[]> {
  const cdn: string[] = [];
  await page.route('https://checkoutshopper-test.cdn.adyen.com/**', (route) => {
    cdn.push(route.request().url());
    const css = route.request().url().endsWith('.css');
    return route.fulfill({ status: 200, contentType: css ? 'text/css' : 'application/javascript', body: css ? '' : FAKE_ADYEN_WEB });
  });
  await page.route('https://checkoutshopper-test.adyen.com/**', async (route) => {
    const url = new URL(route.request().url());
    const response = await route.fetch({ url: `${adyen.url}${url.pathname}${url.search}` });
    await route.fulfill({ response });
  });
  if (options.preload) await page.addInitScript({ content: FAKE_ADYEN_WEB });
  return cdn;
}

async function openAdyenCheckout(page: Page, shop = demo): Promise<string> {
  await seedCart(page, [{ sku: 'mug', quantity: 1 }]);
  await recordCheckoutEvents(page);
  await page.goto(`${shop.shopUrl}/checkout.html?provider=adyen`);
  await expect(page.getByLabel('Payment provider')).toHaveValue('adyen');
  const { session } = await waitForCheckoutEvent(page, 'checkout-session');
  return session.id;
}

const dropin = (page: Page) => page.getByRole('region', { name: 'Adyen Drop-in (test double)' });

async function pay(page: Page, card: string, password?: string): Promise<void> {
  await dropin(page).getByLabel('Card number').fill(card);
  await dropin(page).getByRole('button', { name: 'Pay' }).click();
  if (password !== undefined) {
    await dropin(page).getByLabel('3-D Secure password').fill(password);
    await dropin(page).getByRole('button', { name: 'Pay' }).click();
  }
}

test('loads Adyen Web 6.6.0 from the test CDN with SRI; a script that is not the pinned one is refused', async ({ page }) => {
  const cdn = await routeAdyen(page, { preload: false });
  await openAdyenCheckout(page);
  const failure = await waitForCheckoutEvent(page, 'checkout-error');
  expect(failure.code).toBe('provider_load_failed');
  expect(cdn).toContain(adyenWebUrl('test', 'adyen.js'));
  // The double is not the pinned file: the browser refused it (integrity), so nothing defined AdyenWeb.
  expect(await page.evaluate(() => 'AdyenWeb' in window)).toBe(false);
  // (A refused load removes its tags; what was attempted is in the error text.)
  expect(failure.message).toContain(adyenWebUrl('test', 'adyen.js'));
  expect(ADYEN_WEB_INTEGRITY.js).toMatch(/^sha384-/);
});

test('Drop-in in the light DOM: a card payment is accepted after the backend read Adyen with the sessionResult', async ({ page }) => {
  adyen.webhookUrl = `${demo.shopUrl}/api/checkout/webhooks/adyen`;
  const cdn = await routeAdyen(page, { preload: true });
  const id = await openAdyenCheckout(page);
  await waitForCheckoutEvent(page, 'checkout-ready');
  expect(cdn).toEqual([]);
  // Mounted in the widget's light DOM child (the double throws in a shadow root).
  expect(await page.evaluate(() => (window as unknown as { __fakeAdyen: { mountErrors: string[] } }).__fakeAdyen.mountErrors)).toEqual([]);
  await expect(widget(page).locator('.adyen-checkout__dropin')).toBeVisible();
  const config = await page.evaluate(() => (window as unknown as { __fakeAdyen: { configurations: unknown[] } }).__fakeAdyen.configurations[0]);
  expect(config).toMatchObject({ environment: 'test', clientKey: ADYEN_CLIENT_KEY, session: { id, sessionData: adyen.sessions.get(id)!.sessionData } });

  const create = adyen.requests.find((request) => requestLine(request) === 'POST /v71/sessions' && JSON.parse(request.body).reference === adyen.sessions.get(id)!.reference)!;
  expect(create.headers['x-api-key']).toBe(ADYEN_API_KEY);
  expect(JSON.parse(create.body)).toMatchObject({ merchantAccount: ADYEN_MERCHANT, amount: { value: 12900, currency: 'DKK' }, channel: 'Web' });

  await pay(page, ADYEN_CARDS.visa);
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ id, provider: 'adyen', kind: 'adyen', status: 'complete' });
  expect(accepted.session).not.toHaveProperty('session_data');
  expect(adyen.requests.some((request) => request.method === 'GET' && request.url.startsWith(`/v71/sessions/${id}?sessionResult=`))).toBe(true);
  // The signed AUTHORISATION reached the demo and was answered [accepted].
  await expect.poll(() => adyen.webhooks.filter((hook) => hook.body.includes(adyen.sessions.get(id)!.reference)).map((hook) => [hook.status, hook.answer])).toEqual([[200, '[accepted]']]);
  printOnePerEndpoint('adyen', adyen.requests, /(?<=\/sessions\/)CS[0-9A-F]+/);
});

for (const theme of [
  {
    name: 'light with the accent',
    scheme: 'light' as const,
    css: 'checkout-widget { color-scheme: light dark; --checkout-accent: #0a7d45 }',
    styles: { base: { color: '#00112c', caretColor: '#0a7d45' }, placeholder: { color: '#687282' } },
  },
  {
    name: 'dark with the accent',
    scheme: 'dark' as const,
    css: 'checkout-widget { color-scheme: light dark; --checkout-accent: rebeccapurple }',
    styles: { base: { color: '#f3f4f6', caretColor: '#663399' }, placeholder: { color: '#9ca3af' } },
  },
]) {
  test(`the shop's theme reaches the Drop-in's card as Adyen's card styles (${theme.name})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: theme.scheme });
    await page.addInitScript((css) => {
      document.addEventListener('DOMContentLoaded', () => {
        const style = document.createElement('style');
        style.textContent = css;
        document.head.append(style);
      });
    }, theme.css);
    await routeAdyen(page, { preload: true });
    await openAdyenCheckout(page);
    await waitForCheckoutEvent(page, 'checkout-ready');
    const options = await page.evaluate(() => (window as unknown as { __fakeAdyen: { dropinOptions: unknown[] } }).__fakeAdyen.dropinOptions);
    expect(options).toEqual([{ paymentMethodsConfiguration: { card: { styles: theme.styles } } }]);
  });
}

test('a refused card keeps the Drop-in up for another try, and the next card is accepted', async ({ page }) => {
  await routeAdyen(page, { preload: true });
  const id = await openAdyenCheckout(page);
  await waitForCheckoutEvent(page, 'checkout-ready');
  await pay(page, ADYEN_CARDS.refused);
  const declined = await waitForCheckoutEvent(page, 'checkout-error');
  expect(declined).toMatchObject({ code: 'payment_failed', retryable: true });
  await expect(dropin(page)).toBeVisible();
  await pay(page, ADYEN_CARDS.visa);
  expect((await waitForCheckoutEvent(page, 'checkout-accept')).session.id).toBe(id);
});

test('3-D Secure: a wrong challenge password is refused, the right one is accepted', async ({ page }) => {
  await routeAdyen(page, { preload: true });
  await openAdyenCheckout(page);
  await waitForCheckoutEvent(page, 'checkout-ready');
  await pay(page, ADYEN_CARDS.challenge, 'wrong');
  expect(await waitForCheckoutEvent(page, 'checkout-error')).toMatchObject({ code: 'payment_failed', retryable: true });
  await pay(page, ADYEN_CARDS.challenge, 'password');
  expect((await waitForCheckoutEvent(page, 'checkout-accept')).session.status).toBe('complete');
});

test('cancel in the Drop-in is a checkout-cancel, and no accept', async ({ page }) => {
  await routeAdyen(page, { preload: true });
  await openAdyenCheckout(page);
  await waitForCheckoutEvent(page, 'checkout-ready');
  await dropin(page).getByRole('button', { name: 'Cancel' }).click();
  await waitForCheckoutEvent(page, 'checkout-cancel');
  expect((await recordedEvents(page)).map((event) => event.type)).not.toContain('checkout-accept');
});

test('an unpaid session expires (ADYEN_SESSION_TTL_SECONDS=4): checkout-expired, and Adyen refuses a late payment', async ({ page }) => {
  await routeAdyen(page, { preload: true });
  const id = await openAdyenCheckout(page, shortDemo);
  const expired = await waitForCheckoutEvent(page, 'checkout-expired');
  expect(expired.session.id).toBe(id);
  expect((await adyen.pay(id, ADYEN_CARDS.visa)).status).toBe(422);
});

test('hosted mode (ADYEN_MODE=hosted): redirect to Adyen’s page, back through the return bridge, accepted on the signed webhook', async ({ page }) => {
  // Adyen's webhook URL is one per account: this shop's, for this test.
  adyen.webhookUrl = `${hostedDemo.shopUrl}/api/checkout/webhooks/adyen`;
  test.info().annotations.push({ type: 'note', description: 'no sessionResult reaches the read in hosted mode: the signed AUTHORISATION decides' });
  await seedCart(page, [{ sku: 'mug', quantity: 1 }]);
  await recordCheckoutEvents(page);
  await page.goto(`${hostedDemo.shopUrl}/checkout.html?provider=adyen&mode=redirect`);
  await triggerButton(page).click();
  await page.waitForURL((url) => url.origin === adyen.url && url.pathname.startsWith('/hosted/'));
  const id = new URL(page.url()).pathname.split('/').pop()!;
  expect(JSON.parse(adyen.requests.find((request) => requestLine(request) === 'POST /v71/sessions' && JSON.parse(request.body).reference === adyen.sessions.get(id)!.reference)!.body).mode).toBe('hosted');
  await page.getByLabel('Card number').fill(ADYEN_CARDS.visa);
  await page.getByRole('button', { name: 'Pay' }).click();
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ id, provider: 'adyen', kind: 'hosted', status: 'complete', frameable: false });
});
