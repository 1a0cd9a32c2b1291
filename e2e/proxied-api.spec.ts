import { expect, test } from '@playwright/test';
import { CARDS, payWithCard, recordCheckoutEvents, seedCart, waitForCheckoutEvent, widget } from './support/checkout.js';

/**
 * The shop page on one origin, its API reached through a proxy that the backend sees as another
 * (Vite's dev proxy, a reverse proxy without `publicUrl`): the return bridge and the payment page
 * post their messages to the origin the backend believes in, and the browser drops them. The
 * widget must still hear of a decline (from `failed_attempts` in its status reads) and of the
 * payment (from `status`), without any message.
 */
test('a decline and then a payment reach the page by status reads when the backend sees another origin', async ({ page, baseURL }) => {
  test.slow();
  const backend = new URL(baseURL!);
  const shop = new URL(baseURL!);
  shop.hostname = 'localhost';
  // The proxy: the page's /api/ calls go to the backend on 127.0.0.1, which so sees another host.
  await page.route(`${shop.origin}/api/**`, async (route) => {
    const url = new URL(route.request().url());
    url.hostname = backend.hostname;
    await route.fulfill({ response: await route.fetch({ url: url.href }) });
  });
  await seedCart(page, [{ sku: 'mug', quantity: 1 }]);
  await recordCheckoutEvents(page);
  await page.goto(`${shop.origin}/checkout.html?provider=sandbox&mode=embedded`);
  await waitForCheckoutEvent(page, 'checkout-ready');
  const frame = widget(page).locator('iframe').contentFrame();

  await payWithCard(frame, CARDS.declined);
  await expect(frame.getByRole('alert')).toContainText('declined');
  const error = await waitForCheckoutEvent(page, 'checkout-error');
  expect(error).toMatchObject({ code: 'payment_failed', retryable: true });
  // From a status read: the payment page's own message went to the origin the backend believes
  // in and was dropped (with the widget's status-read path switched off, no checkout-error comes).

  await payWithCard(frame, CARDS.success);
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session.status).toBe('complete');
});
