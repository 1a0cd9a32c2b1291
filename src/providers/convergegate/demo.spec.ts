import { expect, test, type Page } from '@playwright/test';
import type { DemoServer } from '../../../demo/server.js';
import { recordCheckoutEvents, recordedEvents, seedCart, triggerButton, waitForCheckoutEvent } from '../../../e2e/support/checkout.js';
import {
  CONVERGEGATE_DECLINED_BLIK,
  CONVERGEGATE_SECRET_KEY,
  startFakeConvergeGate,
  type FakeConvergeGate,
} from './fake-api.js';
import { printOnePerEndpoint, requestLine, startDemoWith } from '../../../e2e/support/demo.js';

/**
 * ConvergeGate's hosted BLIK page through the demo: the demo's backend talks to a local fake of
 * ConvergeGate (CONVERGEGATE_BASE_URL), whose payment page lives on its own origin and refuses
 * frames, so the shopper leaves the shop (redirect) and comes back through the return bridge.
 * ConvergeGate cannot put its session id into the return URL: the bridge finds the session by
 * our order reference (`checkout_ref`).
 */

let convergeGate: FakeConvergeGate;
let demo: DemoServer;

test.beforeAll(async () => {
  convergeGate = await startFakeConvergeGate();
  demo = await startDemoWith({ CONVERGEGATE_BASE_URL: convergeGate.url, CONVERGEGATE_SECRET_KEY: CONVERGEGATE_SECRET_KEY });
});

test.afterAll(async () => {
  await demo?.close();
  await convergeGate?.close();
});

/** Opens the demo checkout with ConvergeGate in redirect mode and follows the trigger to the BLIK page. */
async function goToBlikPage(page: Page): Promise<{ sessionId: string; visited: string[] }> {
  // Top-level pages in order (the widget tidies the return parameters out of the final URL).
  const visited: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) visited.push(frame.url());
  });
  await seedCart(page, [{ sku: 'grinder', quantity: 1 }]);
  await recordCheckoutEvents(page);
  await page.goto(`${demo.shopUrl}/checkout.html?provider=convergegate&mode=redirect`);
  await expect(page.getByLabel('Payment provider')).toHaveValue('convergegate');
  // Redirect mode creates the session on the click, then leaves for the session's page.
  await triggerButton(page).click();
  await page.waitForURL((url) => url.origin === convergeGate.url && url.pathname.startsWith('/pay/'));
  return { sessionId: decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? ''), visited };
}

/** The first page visited after `from` whose path is `path`. */
function visitedAfter(visited: string[], from: number, path: string): URL | undefined {
  return visited
    .slice(from)
    .map((href) => new URL(href))
    .find((url) => url.pathname === path);
}

test('pays with BLIK on ConvergeGate’s page and is accepted back in the shop after the confirming read', async ({ page }) => {
  const { sessionId, visited } = await goToBlikPage(page);
  expect(sessionId).toMatch(/^AW-[A-Za-z0-9_-]{19}$/);

  // What the demo's backend sent: form fields as documented, catalog price, the named shopper.
  const session = convergeGate.sessions.get(sessionId);
  const create = convergeGate.requests.find(
    (request) =>
      requestLine(request) === 'POST /v1/checkout/sessions' && new URLSearchParams(request.body).get('success_url') === session?.success_url,
  );
  expect(create?.headers.authorization).toBe(`Basic ${Buffer.from(`${CONVERGEGATE_SECRET_KEY}:`).toString('base64')}`);
  expect(create?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  const fields = new URLSearchParams(create?.body);
  expect(Object.fromEntries(fields)).toMatchObject({
    amount: '89900',
    currency: 'dkk',
    customer_email: 'shopper@example.com',
    customer_firstname: 'Demo',
    customer_lastname: 'Shopper',
    payment_method: 'blik',
    notification_url: `${demo.shopUrl}/api/checkout/webhooks/convergegate`,
  });
  const successUrl = new URL(fields.get('success_url') ?? '');
  expect(`${successUrl.origin}${successUrl.pathname}`).toBe(`${demo.shopUrl}/api/checkout/return/accept`);
  // No session id placeholder (ConvergeGate would send it back literally), only our reference.
  expect(successUrl.searchParams.has('checkout_session')).toBe(false);
  const reference = successUrl.searchParams.get('checkout_ref');
  expect(reference).toMatch(/^ord_[0-9a-f]+$/);
  expect(fields.get('metadata[reference]')).toBe(reference);

  const onBlikPage = visited.length;
  await page.getByLabel('BLIK code').fill('777123');
  await page.getByRole('button', { name: 'Pay with BLIK' }).click();

  // Back in the shop: the bridge named the session it found by reference, and the widget confirmed it.
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  const bridge = visitedAfter(visited, onBlikPage, '/api/checkout/return/accept');
  expect(bridge?.searchParams.get('checkout_ref')).toBe(reference);
  expect(bridge?.searchParams.has('checkout_session')).toBe(false);
  const shopReturn = visitedAfter(visited, onBlikPage, '/checkout.html');
  expect(shopReturn?.origin).toBe(demo.shopUrl);
  expect(shopReturn?.searchParams.get('checkout_session')).toBe(sessionId);
  expect(shopReturn?.searchParams.get('checkout_result')).toBe('accept');
  expect(accepted.session).toMatchObject({ id: sessionId, provider: 'convergegate', kind: 'hosted', status: 'complete', frameable: false, amount: 89900 });
  expect(convergeGate.requests.map(requestLine)).toContain(`GET /v1/checkout/sessions/${sessionId}`);
  await expect(page.getByRole('heading', { name: 'Thank you! Your payment is complete.' })).toBeVisible();

  // ConvergeGate's signed webhook reached the demo's endpoint and was verified.
  await expect.poll(() => convergeGate.webhooks.map((delivery) => delivery.status)).toEqual([200]);
  printOnePerEndpoint('convergegate', convergeGate.requests, /(?<=\/(?:sessions|pay)\/)[^/]+/);
  for (const delivery of convergeGate.webhooks) console.log(`convergegate webhook sent: POST ${delivery.url} ${delivery.body} -> ${delivery.status}`);
});

test('a declined BLIK code stays on ConvergeGate’s page; cancelling there returns to the shop as a cancel', async ({ page }) => {
  const { sessionId, visited } = await goToBlikPage(page);
  await page.getByLabel('BLIK code').fill(CONVERGEGATE_DECLINED_BLIK);
  await page.getByRole('button', { name: 'Pay with BLIK' }).click();
  await expect(page.getByRole('alert')).toHaveText('The bank declined this BLIK code.');
  expect(convergeGate.sessions.get(sessionId)?.status).toBe('open');

  const onBlikPage = visited.length;
  await page.getByRole('link', { name: 'Cancel and return to the shop' }).click();
  const cancelled = await waitForCheckoutEvent(page, 'checkout-cancel');
  expect(cancelled.session.id).toBe(sessionId);
  const shopReturn = visitedAfter(visited, onBlikPage, '/checkout.html');
  expect(shopReturn?.searchParams.get('checkout_session')).toBe(sessionId);
  expect(shopReturn?.searchParams.get('checkout_result')).toBe('cancel');
  expect((await recordedEvents(page)).map((event) => event.type)).not.toContain('checkout-accept');
  await expect(page.getByRole('heading', { name: 'Payment cancelled' })).toBeVisible();
});
