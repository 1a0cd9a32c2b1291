import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { CARDS, openPaymentPage, payWithCard, recordCheckoutEvents, seedCart, waitForCheckoutEvent } from './support/checkout.js';

/**
 * The demo's back office: the order ledger at /orders.html, written by the checkout before the
 * provider is called and moved by what the backend reads from it.
 */
test('a checkout appears on the orders page as pending, then paid and fulfilled once the payment lands', async ({ page, context }) => {
  await seedCart(page, [{ sku: 'grinder', quantity: 1 }, { sku: 'mug', quantity: 2 }]);
  await recordCheckoutEvents(page);
  const { surface } = await openPaymentPage(page, 'embedded');
  const { session } = await waitForCheckoutEvent(page, 'checkout-session');

  type LedgerOrder = { sessionId?: string; amount: number; reference: string; status: string };
  const ledger = async (query = '') =>
    ((await (await page.request.get(`/api/demo/orders${query}`)).json()) as { orders: LedgerOrder[] }).orders;
  // Written before the shopper paid; other tests run alongside, so it is found by its session.
  const order = (await ledger()).find((candidate) => candidate.sessionId === session.id)!;
  expect(order).toMatchObject({ status: 'pending', amount: 89900 + 2 * 12900 });

  const back = await context.newPage();
  await back.goto('/orders.html');
  const row = back.locator(`#orders tbody tr[data-reference="${order.reference}"]`);
  await expect(row).toHaveAttribute('data-status', 'pending');
  await expect(row.locator('[data-field="lines"]')).toHaveText('1 × Hand grinder, 2 × Stoneware mug');
  await expect(row.locator('[data-field="provider"]')).toHaveText('sandbox');
  await expect(row.locator('[data-field="paid-at"]')).toHaveText('');
  // Each provider's circuit breaker, shared by the handlers on the store.
  await expect(back.locator('#provider-breakers li[data-provider="sandbox"]')).toHaveAttribute('data-state', 'closed');
  await expect(back.locator('#provider-breakers li[data-provider="sandbox"]')).toHaveText(/^sandbox: closed \(\d+ recent failures\)$/);

  await payWithCard(surface, CARDS.success);
  await waitForCheckoutEvent(page, 'checkout-accept');

  // The page refreshes itself: no reload.
  await expect(row).toHaveAttribute('data-status', 'paid');
  await expect(row.locator('[data-field="paid-at"]')).not.toHaveText('');
  await expect(row.locator('[data-field="fulfilled-at"]')).not.toHaveText('');
  expect((await ledger('?status=paid')).map((candidate) => candidate.reference)).toContain(order.reference);
  expect((await ledger('?status=pending')).map((candidate) => candidate.reference)).not.toContain(order.reference);

  const violations = (await new AxeBuilder({ page: back }).analyze()).violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
  expect(violations.map((violation) => violation.id)).toEqual([]);
});

test('the orders route refuses an unknown status filter', async ({ request }) => {
  const answer = await request.get('/api/demo/orders?status=shipped');
  expect(answer.status()).toBe(400);
  expect(await answer.json()).toMatchObject({ error: { code: 'invalid_request' } });
});
