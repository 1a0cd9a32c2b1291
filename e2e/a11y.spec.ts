import { expect, test, type Page } from '@playwright/test';
import { axeFor } from './support/axe.js';
import { SESSIONS_PATH, recordCheckoutEvents, seedCart, waitForCheckoutEvent } from './support/checkout.js';

/** Serious and critical violations only: the smoke test's bar. */
async function seriousViolations(page: Page) {
  const results = await axeFor(page).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
}

test('the shop page has no serious accessibility violations', async ({ page }) => {
  await seedCart(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Coffee gear' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the checkout page with the embedded widget has no serious accessibility violations', async ({ page }) => {
  await seedCart(page);
  await recordCheckoutEvents(page);
  await page.goto('/checkout.html?provider=sandbox&mode=embedded');
  await waitForCheckoutEvent(page, 'checkout-ready');
  expect(await seriousViolations(page)).toEqual([]);
});

test('the sandbox payment page has no serious accessibility violations', async ({ page, request }) => {
  const response = await request.post(SESSIONS_PATH, {
    data: { items: [{ sku: 'mug', quantity: 1 }] },
  });
  expect(response.status()).toBe(201);
  const session = (await response.json()) as { url: string };
  await page.goto(session.url);
  await expect(page.getByRole('heading').first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});
