import { expect, test, type Page } from '@playwright/test';
import { eventTypes, recordedEvents, waitForCheckoutEvent, widget } from '../../../e2e/support/checkout.js';
import { acceptParams, CHECKOUT_JS_URL, PAGE_PATH, setUpReepay } from './test-bed.js';

/**
 * Reepay (Frisbii) Checkout through checkout.js, against a test double of checkout.js and a
 * backend answered by `page.route` (see test-bed.ts).
 */

function shopOrigin(baseURL: string | undefined): string {
  if (!baseURL) throw new Error('The Playwright config must set baseURL');
  return baseURL;
}

function reepayForm(page: Page) {
  return page.getByRole('region', { name: 'Reepay checkout (test double)' });
}

test.describe('Reepay checkout', () => {
  test('embedded: checkout.js in the light DOM; Accept becomes checkout-accept only after a confirming GET', async ({ page, baseURL }) => {
    const bed = await setUpReepay(page, { shopOrigin: shopOrigin(baseURL) });
    await page.goto(PAGE_PATH);

    const ready = await waitForCheckoutEvent(page, 'checkout-ready');
    expect(ready.session.kind).toBe('reepay');
    const id = bed.sessionIds[0] ?? '';
    expect(bed.checkoutJsRequests).toEqual([CHECKOUT_JS_URL]);
    const record = await bed.record();
    expect(record.constructed).toHaveLength(1);
    expect(record.constructed[0]).toMatchObject({ kind: 'EmbeddedCheckout', sessionId: id });
    // checkout.js finds its element by id in the document: the widget's light DOM, shown through its slot.
    const form = page.locator('checkout-widget > .checkout-light-mount > .checkout-reepay > .fake-reepay-checkout');
    await expect(form).toBeVisible();

    bed.holdReads();
    bed.setStatus(id, 'complete');
    await reepayForm(page).getByRole('button', { name: 'Pay' }).click();
    await expect(widget(page)).toHaveAttribute('state', 'processing');
    await expect.poll(() => bed.heldReads()).toBeGreaterThan(0);
    expect(await eventTypes(page)).not.toContain('checkout-accept');

    await bed.releaseReads();
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.params).toEqual(acceptParams(id));
    expect(accepted.session).toMatchObject({ id, status: 'complete' });
    expect(bed.reads).toContainEqual({ id, status: 'complete' });
    await expect(widget(page)).toHaveAttribute('state', 'complete');

    // Torn down once: the double throws on a second destroy, which would show up as a page problem.
    await expect.poll(async () => (await bed.record()).live).toBe(0);
    expect((await bed.record()).destroyed).toBe(1);
    await expect(form).toHaveCount(0);
    expect((await bed.record()).integrationErrors).toEqual([]);
    expect(bed.pageProblems).toEqual([]);
  });

  test('embedded: Cancel becomes checkout-cancel with its params', async ({ page, baseURL }) => {
    const bed = await setUpReepay(page, { shopOrigin: shopOrigin(baseURL) });
    await page.goto(PAGE_PATH);
    await waitForCheckoutEvent(page, 'checkout-ready');

    await reepayForm(page).getByRole('button', { name: 'Cancel' }).click();
    const cancelled = await waitForCheckoutEvent(page, 'checkout-cancel');
    expect(cancelled.params).toEqual({ id: bed.sessionIds[0] });
    await expect(widget(page)).toHaveAttribute('state', 'cancelled');
    expect(await eventTypes(page)).not.toContain('checkout-accept');
    await expect.poll(async () => (await bed.record()).live).toBe(0);
    expect(bed.pageProblems).toEqual([]);
  });

  test('embedded: a declined payment is reported and a second try pays', async ({ page, baseURL }) => {
    const bed = await setUpReepay(page, { shopOrigin: shopOrigin(baseURL) });
    await page.goto(PAGE_PATH);
    await waitForCheckoutEvent(page, 'checkout-ready');

    await reepayForm(page).getByRole('button', { name: 'Decline' }).click();
    const error = await waitForCheckoutEvent(page, 'checkout-error');
    expect(error).toMatchObject({ code: 'payment_failed', retryable: true, message: 'Card declined (test double)' });
    await expect(widget(page)).toHaveAttribute('state', 'ready');

    const id = bed.sessionIds[0] ?? '';
    await bed.payAndComplete(id, () => reepayForm(page).getByRole('button', { name: 'Pay' }).click());
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).params).toEqual(acceptParams(id));
  });

  test('overlay: ModalCheckout opens from the trigger and an accept is confirmed', async ({ page, baseURL }) => {
    const bed = await setUpReepay(page, { shopOrigin: shopOrigin(baseURL), mode: 'overlay' });
    await page.goto(PAGE_PATH);
    await widget(page).getByRole('button', { name: 'Pay' }).click();

    await waitForCheckoutEvent(page, 'checkout-ready');
    const id = bed.sessionIds[0] ?? '';
    expect((await bed.record()).constructed).toEqual([{ kind: 'ModalCheckout', sessionId: id, options: null }]);
    const modal = page.getByRole('dialog', { name: 'Reepay checkout (test double)' });
    await expect(modal).toBeVisible();

    await bed.payAndComplete(id, () => modal.getByRole('button', { name: 'Pay' }).click());
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.params).toEqual(acceptParams(id));
    expect(bed.reads).toContainEqual({ id, status: 'complete' });
    await expect(modal).toHaveCount(0);
    expect((await bed.record()).destroyed).toBe(1);
    expect(bed.pageProblems).toEqual([]);
  });

  test('overlay: closing the modal unpaid is a cancel and a close', async ({ page, baseURL }) => {
    const bed = await setUpReepay(page, { shopOrigin: shopOrigin(baseURL), mode: 'overlay' });
    await page.goto(PAGE_PATH);
    await widget(page).getByRole('button', { name: 'Pay' }).click();
    await waitForCheckoutEvent(page, 'checkout-ready');

    await page.getByRole('dialog', { name: 'Reepay checkout (test double)' }).getByRole('button', { name: 'Close' }).click();
    await waitForCheckoutEvent(page, 'checkout-cancel');
    await waitForCheckoutEvent(page, 'checkout-close');
    await expect(widget(page)).toHaveAttribute('state', 'cancelled');
    const types = await eventTypes(page);
    expect(types.indexOf('checkout-cancel')).toBeLessThan(types.indexOf('checkout-close'));
    expect(types).not.toContain('checkout-accept');
    expect(bed.pageProblems).toEqual([]);
  });

  test('redirect: WindowCheckout leaves for Reepay and the return is confirmed into checkout-accept', async ({ page, baseURL }) => {
    const bed = await setUpReepay(page, { shopOrigin: shopOrigin(baseURL), mode: 'redirect' });
    await page.goto(PAGE_PATH);
    await widget(page).getByRole('button', { name: 'Pay' }).click();

    await page.waitForURL(/^https:\/\/checkout\.reepay\.com\/#\/cs_[a-f0-9]{32}$/);
    const id = bed.sessionIds[0] ?? '';
    expect(page.url()).toBe(`https://checkout.reepay.com/#/${id}`);
    bed.setStatus(id, 'complete');
    await page.getByRole('button', { name: 'Pay' }).click();

    await page.waitForURL((url) => url.pathname === PAGE_PATH);
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.params).toEqual(acceptParams(id));
    expect(accepted.session).toMatchObject({ id, status: 'complete' });
    expect(bed.reads).toContainEqual({ id, status: 'complete' });
    // The widget claimed the return: a reload does not report it again.
    expect(new URL(page.url()).searchParams.has('checkout_session')).toBe(false);
    expect(bed.pageProblems).toEqual([]);
  });

  test('redirect: cancelling on Reepay comes back as checkout-cancel', async ({ page, baseURL }) => {
    const bed = await setUpReepay(page, { shopOrigin: shopOrigin(baseURL), mode: 'redirect' });
    await page.goto(PAGE_PATH);
    await widget(page).getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(/checkout\.reepay\.com/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL((url) => url.pathname === PAGE_PATH);

    const cancelled = await waitForCheckoutEvent(page, 'checkout-cancel');
    expect(cancelled.params).toEqual({ id: bed.sessionIds[0] });
    expect(await eventTypes(page)).not.toContain('checkout-accept');
  });

  test('popup: the session opens in the popup and the return bridge message is confirmed', async ({ page, baseURL }) => {
    const bed = await setUpReepay(page, { shopOrigin: shopOrigin(baseURL), mode: 'popup' });
    await page.goto(PAGE_PATH);
    const popupOpened = page.waitForEvent('popup');
    await widget(page).getByRole('button', { name: 'Pay' }).click();
    const popup = await popupOpened;
    await popup.waitForURL(/^https:\/\/checkout\.reepay\.com\/#\/cs_/);
    // checkout.js has no popup mode: it is not loaded for this.
    expect(bed.checkoutJsRequests).toEqual([]);

    const id = bed.sessionIds[0] ?? '';
    await bed.payAndComplete(id, () => popup.getByRole('button', { name: 'Pay' }).click());
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.params).toEqual(acceptParams(id));
    expect(bed.reads).toContainEqual({ id, status: 'complete' });
    await expect.poll(() => popup.isClosed()).toBe(true);
  });

  test('blocked checkout.js is provider_load_failed, and Try again loads it once reachable', async ({ page, baseURL }) => {
    const bed = await setUpReepay(page, { shopOrigin: shopOrigin(baseURL) });
    bed.setCheckoutJs('block');
    await page.goto(PAGE_PATH);

    const error = await waitForCheckoutEvent(page, 'checkout-error');
    expect(error).toMatchObject({ code: 'provider_load_failed', retryable: true });
    expect(error.message).toMatch(/Reepay/);
    await expect(widget(page)).toHaveAttribute('state', 'error');
    expect(await page.locator(`script[src="${CHECKOUT_JS_URL}"]`).count()).toBe(0);

    bed.setCheckoutJs('serve');
    await widget(page).getByRole('button', { name: 'Try again' }).click();
    await waitForCheckoutEvent(page, 'checkout-ready');
    await expect(reepayForm(page)).toBeVisible();
    expect(bed.checkoutJsRequests).toHaveLength(2);
    expect(await page.locator(`script[src="${CHECKOUT_JS_URL}"]`).count()).toBe(1);
  });

  test('a checkout.js the page already loaded is reused', async ({ page, baseURL }) => {
    const bed = await setUpReepay(page, { shopOrigin: shopOrigin(baseURL), preloadCheckoutJs: true });
    await page.goto(PAGE_PATH);
    await waitForCheckoutEvent(page, 'checkout-ready');
    expect(bed.checkoutJsRequests).toEqual([CHECKOUT_JS_URL]);
    expect(await page.locator(`script[src="${CHECKOUT_JS_URL}"]`).count()).toBe(1);
    const errors = (await recordedEvents(page)).filter((event) => event.type === 'checkout-error');
    expect(errors).toEqual([]);
  });
});
