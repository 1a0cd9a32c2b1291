/**
 * `checkout-widget/testing`'s `payInSandbox` on the demo shop: every display mode, every outcome
 * (card success and decline, 3-D Secure pass and fail, BLIK, cancel in each mode), the method
 * chooser, card-token sessions (the PSP's card frame, and the Mollie Components double of
 * `sandbox-mollie`, each with its 3-D Secure step) and the Adyen Drop-in double of
 * `sandbox-dropin`. Each outcome is checked by what the shop sees: the widget's events, and for a
 * decline the payment page's alert.
 */
import { expect, test } from '@playwright/test';
import type { DisplayMode } from '../src/core/display.js';
import { payInSandbox } from '../src/testing/index.js';
import { eventTypes, recordCheckoutEvents, seedCart, waitForCheckoutEvent } from './support/checkout.js';

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

for (const mode of MODES) {
  test(`${mode}: cancel on the payment page cancels the checkout`, async ({ page }) => {
    await page.goto(`/checkout.html?provider=sandbox&mode=${mode}`);
    expect((await payInSandbox(page, { outcome: 'cancel' })).surface).toBe(SURFACE[mode]);
    await waitForCheckoutEvent(page, 'checkout-cancel');
    expect(await eventTypes(page)).not.toContain('checkout-accept');
  });
}

test.describe('the method chooser (methods="choose", the demo’s default)', () => {
  test('overlay: picks card by default and pays on the hosted page', async ({ page }) => {
    await page.goto('/checkout.html?mode=overlay');
    expect((await payInSandbox(page)).surface).toBe('iframe');
    expect(await waitForCheckoutEvent(page, 'checkout-method')).toEqual({ method: 'card', provider: 'sandbox' });
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session.status).toBe('complete');
  });

  test('popup: a BLIK outcome picks BLIK, whose Continue opens the window', async ({ page }) => {
    await page.goto('/checkout.html?mode=popup');
    const result = await payInSandbox(page, { outcome: 'blik' });
    expect(result.surface).toBe('popup');
    expect(await waitForCheckoutEvent(page, 'checkout-method')).toEqual({ method: 'blik', provider: 'sandbox' });
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session.status).toBe('complete');
  });

  test('embedded: method picks the card fields, a card-token session', async ({ page }) => {
    await page.goto('/checkout.html?mode=embedded');
    expect((await payInSandbox(page, { method: 'card-fields' })).surface).toBe('card-fields');
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session).toMatchObject({ kind: 'card-token', status: 'complete' });
  });
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
    await expect(payInSandbox(page, { outcome: 'blik' })).rejects.toThrow(/hosted page; this session pays on your page \(card fields\)/);
    await expect(payInSandbox(page, { outcome: 'cancel' })).rejects.toThrow(/hosted page/);
  });

  test('overlay: a failed 3-D Secure ends the session as a cancel', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox-fields&mode=overlay');
    await payInSandbox(page, { outcome: '3ds-fail' });
    await waitForCheckoutEvent(page, 'checkout-cancel');
    expect(await eventTypes(page)).not.toContain('checkout-accept');
  });
});

test.describe('card-token sessions with the Mollie Components double (sandbox-mollie)', () => {
  test('embedded: the card typed into the components on the page pays', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox-mollie&mode=embedded');
    expect(await payInSandbox(page)).toEqual({ surface: 'card-fields' });
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session).toMatchObject({ token_provider: 'mollie', status: 'complete' });
  });

  test('redirect: 3-D Secure passed on the PSP’s page at top level', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox-mollie&mode=redirect');
    expect((await payInSandbox(page, { outcome: '3ds-pass' })).surface).toBe('card-fields');
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session).toMatchObject({ token_provider: 'mollie', status: 'complete' });
  });

  test('overlay: a declined card is a retryable payment_failed', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox-mollie&mode=overlay');
    await payInSandbox(page, { outcome: 'decline' });
    expect(await waitForCheckoutEvent(page, 'checkout-error')).toMatchObject({ code: 'payment_failed', retryable: true });
  });
});

test.describe('Adyen Drop-in double sessions (sandbox-dropin)', () => {
  test('embedded: the card typed into the Drop-in pays', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox-dropin&mode=embedded');
    expect(await payInSandbox(page)).toEqual({ surface: 'dropin' });
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session).toMatchObject({ kind: 'adyen', status: 'complete' });
  });

  test('popup: 3-D Secure passed inside the Drop-in', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox-dropin&mode=popup');
    expect(await payInSandbox(page, { outcome: '3ds-pass' })).toEqual({ surface: 'dropin' });
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session).toMatchObject({ kind: 'adyen', status: 'complete' });
  });

  test('overlay: a failed 3-D Secure is a retryable payment failure; cancel is refused with a reason', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox-dropin&mode=overlay');
    await payInSandbox(page, { outcome: '3ds-fail' });
    expect(await waitForCheckoutEvent(page, 'checkout-error')).toMatchObject({ code: 'payment_failed', retryable: true });
    await expect(payInSandbox(page, { outcome: 'cancel' })).rejects.toThrow(/this session pays on your page \(the Drop-in\)/);
  });
});
