import { expect, test } from '@playwright/test';
import type { DisplayMode } from '../src/core/display.js';
import {
  BLIK,
  CARDS,
  cancelPayment,
  eventTypes,
  openPaymentPage,
  payWithBlik,
  payWithCard,
  recordCheckoutEvents,
  seedCart,
  triggerButton,
  waitForCheckoutEvent,
  widgetState,
} from './support/checkout.js';

const MODES: DisplayMode[] = ['embedded', 'overlay', 'popup', 'redirect'];

test.beforeEach(async ({ page }) => {
  await seedCart(page);
  await recordCheckoutEvents(page);
});

for (const mode of MODES) {
  test.describe(`${mode} mode`, () => {
    test('a good card completes the checkout', async ({ page }) => {
      const { surface } = await openPaymentPage(page, mode);
      await payWithCard(surface, CARDS.success);

      const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
      expect(accepted.session.status).toBe('complete');
      await expect.poll(() => widgetState(page)).toBe('complete');
      await expect(page.getByRole('heading', { name: /payment is complete/i })).toBeVisible();
      expect(await eventTypes(page)).not.toContain('checkout-error');
    });

    test('a declined card is reported and a good card then pays', async ({ page }) => {
      const { surface } = await openPaymentPage(page, mode);
      await payWithCard(surface, CARDS.declined);

      await expect(surface.getByRole('alert')).toContainText(/declined/i);
      if (mode !== 'redirect') {
        // At top level (redirect) there is no widget on the page to tell.
        const error = await waitForCheckoutEvent(page, 'checkout-error');
        expect(error.code).toBe('payment_failed');
        expect(error.retryable).toBe(true);
      }

      await payWithCard(surface, CARDS.success);
      const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
      expect(accepted.session.status).toBe('complete');
    });

    test('3-D Secure completes after authentication', async ({ page }) => {
      const { surface } = await openPaymentPage(page, mode);
      await payWithCard(surface, CARDS.threeDSecure);
      await surface.getByRole('button', { name: 'Complete authentication' }).click();

      const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
      expect(accepted.session.status).toBe('complete');
    });

    test('cancelling on the payment page cancels the checkout', async ({ page }) => {
      const { surface } = await openPaymentPage(page, mode);
      await cancelPayment(surface);

      await waitForCheckoutEvent(page, 'checkout-cancel');
      // An overlay or popup that the page's cancel closed is reported closed too (focus goes back to the trigger).
      if (mode === 'overlay' || mode === 'popup') await waitForCheckoutEvent(page, 'checkout-close');
      await expect.poll(() => widgetState(page)).toBe('cancelled');
      await expect(page.getByRole('heading', { name: 'Payment cancelled' })).toBeVisible();
      expect(await eventTypes(page)).not.toContain('checkout-accept');
    });
  });
}

test.describe('overlay mode', () => {
  test('Esc closes the overlay as a cancel and focus returns to the trigger', async ({ page }) => {
    await openPaymentPage(page, 'overlay');
    await page.keyboard.press('Escape');

    await waitForCheckoutEvent(page, 'checkout-cancel');
    await waitForCheckoutEvent(page, 'checkout-close');
    await expect(page.locator('checkout-widget').getByRole('dialog')).toBeHidden();
    await expect(triggerButton(page)).toBeFocused();
  });

  test('the overlay close button cancels', async ({ page }) => {
    await openPaymentPage(page, 'overlay');
    await page.locator('checkout-widget').getByRole('button', { name: /close/i }).click();

    await waitForCheckoutEvent(page, 'checkout-cancel');
    await expect(triggerButton(page)).toBeFocused();
  });
});

test.describe('popup mode', () => {
  test('closing the popup is a cancel', async ({ page }) => {
    const { popup } = await openPaymentPage(page, 'popup');
    await popup?.close();

    await waitForCheckoutEvent(page, 'checkout-cancel');
    await waitForCheckoutEvent(page, 'checkout-close');
    await expect.poll(() => widgetState(page)).toBe('cancelled');
  });

  test('a blocked popup is reported as popup_blocked with popup-fallback="none"', async ({ page }) => {
    await page.addInitScript(() => {
      window.open = () => null;
    });
    await page.goto('/checkout.html?provider=sandbox&mode=popup');
    await page.locator('checkout-widget').evaluate((widget) => widget.setAttribute('popup-fallback', 'none'));
    await triggerButton(page).click();

    const error = await waitForCheckoutEvent(page, 'checkout-error');
    expect(error.code).toBe('popup_blocked');
    await expect(page.locator('checkout-widget').locator('[part="error"]')).toBeVisible();
  });
});

test.describe('BLIK', () => {
  test('a declined BLIK code is payment_failed, a good one pays', async ({ page }) => {
    const { surface } = await openPaymentPage(page, 'embedded');
    await payWithBlik(surface, BLIK.declined);
    const error = await waitForCheckoutEvent(page, 'checkout-error');
    expect(error.code).toBe('payment_failed');

    await payWithBlik(surface, BLIK.success);
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session.status).toBe('complete');
  });
});
