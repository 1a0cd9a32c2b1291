import { expect, test } from '@playwright/test';
import type { DisplayMode } from '../src/core/display.js';
import { eventTypes, recordCheckoutEvents, seedCart, triggerButton, waitForCheckoutEvent, widget } from './support/checkout.js';
import { payByKeyboard, tabTo, type Surface } from './support/keyboard.js';

/**
 * The demo and the sandbox page with the keyboard alone (Tab, Enter, typing; no clicks), in each
 * mode, and where focus lands after the outcome.
 */

const MODES: DisplayMode[] = ['embedded', 'overlay', 'popup', 'redirect'];

test.beforeEach(async ({ page }) => {
  await seedCart(page);
  await recordCheckoutEvents(page);
});

for (const mode of MODES) {
  test(`${mode}: a keyboard-only payment; focus ends on the widget's message`, async ({ page }) => {
    await page.goto(`/checkout.html?provider=sandbox&mode=${mode}`);
    let keys = page;
    let surface: Surface = page;
    if (mode === 'embedded') {
      await waitForCheckoutEvent(page, 'checkout-ready');
      surface = widget(page).locator('iframe').contentFrame();
    } else {
      await tabTo(page, triggerButton(page));
      const popup = mode === 'popup' ? page.waitForEvent('popup') : undefined;
      await page.keyboard.press('Enter');
      if (mode === 'overlay') {
        const dialog = widget(page).getByRole('dialog');
        await expect(dialog.getByRole('button', { name: 'Close checkout' })).toBeFocused();
        surface = dialog.locator('iframe').contentFrame();
      } else if (popup) {
        keys = await popup;
        await keys.waitForURL(/\/pay\//);
        surface = keys;
      } else {
        await page.waitForURL(/\/pay\//);
      }
    }
    await payByKeyboard(keys, surface);

    await waitForCheckoutEvent(page, 'checkout-accept');
    // Paid: no trigger any more, so the message takes focus (never <body>).
    await expect(widget(page).locator('[part=message]')).toBeFocused();
    await expect(widget(page).locator('[part=message]')).toHaveText('Payment complete.');
  });
}

test('overlay: Escape inside the sandbox page closes it as a cancel; focus back on the trigger', async ({ page }) => {
  await page.goto('/checkout.html?provider=sandbox&mode=overlay');
  await tabTo(page, triggerButton(page));
  await page.keyboard.press('Enter');
  const frame = widget(page).getByRole('dialog').locator('iframe').contentFrame();
  await tabTo(page, frame.locator('#card-number'));
  await page.keyboard.press('Escape');

  await waitForCheckoutEvent(page, 'checkout-cancel');
  await waitForCheckoutEvent(page, 'checkout-close');
  await expect(widget(page).getByRole('dialog')).toHaveCount(0);
  await expect(triggerButton(page)).toBeFocused();
  expect(await eventTypes(page)).not.toContain('checkout-error');
});

test('embedded: Escape inside the sandbox page changes nothing (there is nothing to close)', async ({ page }) => {
  await page.goto('/checkout.html?provider=sandbox&mode=embedded');
  await waitForCheckoutEvent(page, 'checkout-ready');
  const frame = widget(page).locator('iframe').contentFrame();
  await tabTo(page, frame.locator('#card-number'));
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300);
  await expect(widget(page)).toHaveAttribute('state', 'ready');
  await expect(frame.locator('#card-number')).toBeFocused();
});

test('popup: closing the window by keyboard leaves focus on the trigger', async ({ page }) => {
  await page.goto('/checkout.html?provider=sandbox&mode=popup');
  await tabTo(page, triggerButton(page));
  const opened = page.waitForEvent('popup');
  await page.keyboard.press('Enter');
  const popup = await opened;
  await popup.waitForURL(/\/pay\//);
  // Escape inside the popup page: the contract's close, a cancel.
  await tabTo(popup, popup.locator('#card-number'));
  // The window closes on the key down, so the key up may find it gone.
  await popup.keyboard.press('Escape').catch((error: unknown) => {
    if (!popup.isClosed()) throw error;
  });
  await waitForCheckoutEvent(page, 'checkout-close');
  await expect.poll(() => popup.isClosed()).toBe(true);
  await expect(widget(page)).toHaveAttribute('state', 'cancelled');
  await expect(triggerButton(page)).toBeFocused();
});

test('360 × 640: the overlay fills the screen, nothing scrolls sideways, the close button is in view and focused', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 640 });
  await page.goto('/checkout.html?provider=sandbox&mode=overlay');
  await tabTo(page, triggerButton(page));
  await page.keyboard.press('Enter');
  await waitForCheckoutEvent(page, 'checkout-ready');
  const dialog = widget(page).getByRole('dialog');
  expect(await dialog.boundingBox()).toEqual({ x: 0, y: 0, width: 360, height: 640 });
  const close = dialog.getByRole('button', { name: 'Close checkout' });
  await expect(close).toBeFocused();
  await expect(close).toBeInViewport({ ratio: 1 });
  const frame = dialog.locator('iframe').contentFrame();
  await expect(frame.locator('#card-number')).toBeVisible();
  expect(await page.locator('html').evaluate((html) => html.scrollWidth - html.clientWidth)).toBeLessThanOrEqual(0);
  expect(await frame.locator('html').evaluate((html) => html.scrollWidth - html.clientWidth)).toBeLessThanOrEqual(0);
  const dialogOverflow = await dialog.evaluate((element) => element.scrollWidth - element.clientWidth);
  expect(dialogOverflow).toBeLessThanOrEqual(0);

  // Scrolled down through the page, the close button stays in view (sticky) and closes it.
  await tabTo(page, frame.getByRole('button', { name: /^pay/i }));
  await expect(close).toBeInViewport({ ratio: 1 });
  await tabTo(page, close);
  await page.keyboard.press('Enter');
  await waitForCheckoutEvent(page, 'checkout-cancel');
  await expect(triggerButton(page)).toBeFocused();
});
