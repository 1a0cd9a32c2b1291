/**
 * Commerce Layer + checkout.com through the demo's own backend: the demo talks to a local fake of
 * Commerce Layer's API (COMMERCELAYER_BASE_URL, after the document in ../shared/providers), the
 * widget's card-token renderer loads the Frames double in place of checkout.com's CDN script, and
 * the token goes to the demo's `POST /api/checkout/sessions/:id/token`, which creates and
 * authorises the `checkout_com_payments` resource. 3-D Secure leaves the shop (its page refuses
 * frames) and comes back through the return bridge with `cko-session-id`, which `_details` checks.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { DemoServer } from '../../../demo/server.js';
import { recordCheckoutEvents, seedCart, triggerButton, waitForCheckoutEvent, widget } from '../../../e2e/support/checkout.js';
import { printOnePerEndpoint, startDemoWith } from '../../../e2e/support/demo.js';
import {
  FAKE_CHECKOUT_PUBLIC_KEY,
  FAKE_CHECKOUT_TOKENS,
  FAKE_COMMERCELAYER_ACCESS_TOKEN,
  startFakeCommerceLayer,
  type FakeCommerceLayer,
} from './fake-api.js';

const FAKE_FRAMES_JS = readFileSync(new URL('./fake-frames.js', import.meta.url), 'utf8');
const ORDER_ID = 'ABCRtyUpBa';

let commerceLayer: FakeCommerceLayer;
let demo: DemoServer;

test.beforeAll(async () => {
  // The demo's catalog: one grinder is 899,00 kr.
  commerceLayer = await startFakeCommerceLayer({ [ORDER_ID]: { total_amount_with_taxes_cents: 89_900, currency_code: 'DKK' } });
  demo = await startDemoWith({
    COMMERCELAYER_BASE_URL: commerceLayer.url,
    COMMERCELAYER_ACCESS_TOKEN: FAKE_COMMERCELAYER_ACCESS_TOKEN,
    COMMERCELAYER_ORDER_ID: ORDER_ID,
    COMMERCELAYER_CHECKOUT_PUBLIC_KEY: FAKE_CHECKOUT_PUBLIC_KEY,
  });
});

test.afterAll(async () => {
  printOnePerEndpoint('commercelayer', commerceLayer?.requests ?? [], /\b[A-Za-z0-9]{10}\b(?=$|\/)/g);
  await demo?.close();
  await commerceLayer?.close();
});

async function openCardFields(page: Page, mode: 'embedded' | 'redirect') {
  await page.route('https://cdn.checkout.com/js/framesv2.min.js', (route) =>
    route.fulfill({ status: 200, contentType: 'application/javascript', body: FAKE_FRAMES_JS }),
  );
  await seedCart(page, [{ sku: 'grinder', quantity: 1 }]);
  await recordCheckoutEvents(page);
  await page.goto(`${demo.shopUrl}/checkout.html?provider=commercelayer&mode=${mode}`);
  if (mode !== 'embedded') await triggerButton(page).click();
  const session = await waitForCheckoutEvent(page, 'checkout-session');
  expect(session.session).toMatchObject({ kind: 'card-token', token_provider: 'checkout.com', public_key: FAKE_CHECKOUT_PUBLIC_KEY, amount: 89_900 });
  const form = widget(page);
  await form.getByLabel('Card number').fill('4242 4242 4242 4242');
  await form.getByLabel('Expiry date').fill('12/34');
  await form.getByLabel('Security code (CVC)').fill('123');
  return form.getByRole('button', { name: /^Pay / });
}

test('pays a Commerce Layer order with a card token, confirmed by the endpoint', async ({ page }) => {
  const pay = await openCardFields(page, 'embedded');
  await pay.click();
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ provider: 'commercelayer', status: 'complete' });
  expect(commerceLayer.requests.map((request) => `${request.method} ${new URL(request.url, commerceLayer.url).pathname}`)).toEqual(
    expect.arrayContaining([`GET /api/orders/${ORDER_ID}`, 'POST /api/checkout_com_payments']),
  );
});

test('3-D Secure: the issuer page at top level, back through the bridge with cko-session-id, accepted', async ({ page }) => {
  const pay = await openCardFields(page, 'redirect');
  // The Frames double's token for this card stands for one checkout.com answers with 3-D Secure.
  await page.route(/\/api\/checkout\/sessions\/[^/]+\/token$/, (route) =>
    route.continue({ postData: JSON.stringify({ token: FAKE_CHECKOUT_TOKENS.threeDSecure }) }),
  );
  await pay.click();
  await page.waitForURL((url) => url.origin === commerceLayer.url && url.pathname.startsWith('/3ds/'));
  await page.getByRole('link', { name: 'Complete authentication' }).click();
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ provider: 'commercelayer', status: 'complete' });
  expect(new URL(page.url()).origin).toBe(demo.shopUrl);
  // The return's cko-session-id was checked with Commerce Layer before the order counted as paid.
  expect(commerceLayer.requests.some((request) => request.method === 'PATCH' && request.body.includes('"_details":true'))).toBe(true);
});
