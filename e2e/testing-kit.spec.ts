/**
 * `checkout-widget/testing`'s `payInSandbox` on the demo shop: every display mode, every outcome
 * (card success and decline, 3-D Secure pass and fail, BLIK, cancel) and card-token sessions
 * (the PSP's card frame on the shop page, with their 3-D Secure step). Each outcome is checked by
 * what the shop sees: the widget's events, and for a decline the payment page's alert.
 */
import { expect, test } from '@playwright/test';
import type { DisplayMode } from '../src/core/display.js';
import { payInSandbox } from '../src/testing/index.js';
import { recordCheckoutEvents, seedCart, waitForCheckoutEvent } from './support/checkout.js';

const MODES: DisplayMode[] = ['embedded', 'overlay', 'popup', 'redirect'];
const SURFACE = { embedded: 'iframe', overlay: 'iframe', popup: 'popup', redirect: 'redirect' } as const;

test.beforeEach(async ({ page }) => {
  await seedCart(page);
  await recordCheckoutEvents(page);
});

for (const mode of MODES) {
  test(`${mode}: pays with the success card, found where the mode puts the payment page`, async ({ page }) => {
    await page.goto(`/checkout.html?provider=sandbox&mode=${mode}`);
    expect((await payInSandbox(page)).surface).toBe(SURFACE[mode]);
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session.status).toBe('complete');
  });
}

test('overlay: a declined card is reported retryable, and the payment page shows why', async ({ page }) => {
  await page.goto('/checkout.html?provider=sandbox&mode=overlay');
  await payInSandbox(page, { outcome: 'decline' });
  expect(await waitForCheckoutEvent(page, 'checkout-error')).toMatchObject({ code: 'payment_failed', retryable: true });
  await expect(page.locator('checkout-widget iframe').contentFrame().getByRole('alert')).toContainText(/declined/i);
});

test('redirect: a passed 3-D Secure completes', async ({ page }) => {
  await page.goto('/checkout.html?provider=sandbox&mode=redirect');
  await payInSandbox(page, { outcome: '3ds-pass' });
  expect((await waitForCheckoutEvent(page, 'checkout-accept')).session.status).toBe('complete');
});

test('popup: BLIK pays', async ({ page }) => {
  await page.goto('/checkout.html?provider=sandbox&mode=popup');
  await payInSandbox(page, { outcome: 'blik' });
  expect((await waitForCheckoutEvent(page, 'checkout-accept')).session.status).toBe('complete');
});

test('embedded: a failed 3-D Secure and a declined BLIK code are reported as payment failures', async ({ page }) => {
  await page.goto('/checkout.html?provider=sandbox&mode=embedded');
  await payInSandbox(page, { outcome: '3ds-fail' });
  await waitForCheckoutEvent(page, 'checkout-error', { where: (error) => error.code === 'payment_failed' });
  const frame = page.locator('checkout-widget iframe').contentFrame();
  await expect(frame.getByRole('alert')).toContainText(/authentication failed/i);
  await payInSandbox(page, { outcome: 'blik-decline' });
  await expect(frame.getByRole('alert')).toContainText(/BLIK payment was declined/i);
});

test('popup: cancel cancels the checkout', async ({ page }) => {
  await page.goto('/checkout.html?provider=sandbox&mode=popup');
  await payInSandbox(page, { outcome: 'cancel' });
  await waitForCheckoutEvent(page, 'checkout-cancel');
});

test.describe('card-token sessions (sandbox-fields)', () => {
  test('embedded: the card typed into the PSP frame pays', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox-fields&mode=embedded');
    expect(await payInSandbox(page)).toEqual({ surface: 'card-fields' });
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session.status).toBe('complete');
  });

  test('popup: 3-D Secure passed in the window the Pay click opened', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox-fields&mode=popup');
    const result = await payInSandbox(page, { outcome: '3ds-pass' });
    expect(result.surface).toBe('card-fields');
    expect(result.popup).toBeDefined();
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session.status).toBe('complete');
  });

  test('embedded: a declined card is a retryable payment_failed; cancel and BLIK are refused with a reason', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox-fields&mode=embedded');
    await payInSandbox(page, { outcome: 'decline' });
    expect(await waitForCheckoutEvent(page, 'checkout-error')).toMatchObject({ code: 'payment_failed', retryable: true });
    await expect(payInSandbox(page, { outcome: 'blik' })).rejects.toThrow(/card-token session/);
  });
});
