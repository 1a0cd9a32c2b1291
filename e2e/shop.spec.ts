import { expect, test } from '@playwright/test';
import { SESSIONS_PATH, recordCheckoutEvents, waitForCheckoutEvent } from './support/checkout.js';

test('products added in the shop reach the checkout as skus and quantities only', async ({ page }) => {
  await recordCheckoutEvents(page);
  await page.goto('/');
  await page.getByRole('button', { name: /add coffee beans/i }).click();
  await page.getByRole('button', { name: /add coffee beans/i }).click();
  await page.getByRole('button', { name: /add stoneware mug/i }).click();
  await expect(page.getByRole('link', { name: /checkout, 3 items in cart/i })).toBeVisible();

  const posted = (path: string) =>
    page.waitForRequest((request) => request.method() === 'POST' && new URL(request.url()).pathname === path);
  // The demo's checkout starts with the method chooser: first the methods for this cart, then the session for the pick.
  const methodsCall = posted(`${SESSIONS_PATH}/methods`);
  await page.getByRole('link', { name: 'Go to checkout' }).click();
  const methodsBody = (await methodsCall).postDataJSON() as Record<string, unknown>;
  const createCall = posted(SESSIONS_PATH);
  await page.locator('checkout-widget').getByRole('button', { name: 'Continue' }).click();
  const body = (await createCall).postDataJSON() as Record<string, unknown>;

  // Prices never travel from the browser: the server's catalog decides the amount.
  for (const sent of [methodsBody, body]) {
    expect(sent['items']).toEqual([
      { sku: 'coffee-beans', quantity: 2 },
      { sku: 'mug', quantity: 1 },
    ]);
    expect(JSON.stringify(sent)).not.toMatch(/amount|price/i);
  }
  expect(body).toMatchObject({ provider: 'sandbox', method: 'card' });

  const { session } = await waitForCheckoutEvent(page, 'checkout-session');
  expect(session.status).toBe('open');
  await expect(page.getByRole('list').filter({ hasText: '2 × Coffee beans' })).toBeVisible();
});

test('the checkout page with an empty cart points back to the shop', async ({ page }) => {
  await page.goto('/checkout.html');
  await expect(page.getByText('Your cart is empty.')).toBeVisible();
  await expect(page.locator('checkout-widget')).toHaveCount(0);
});
