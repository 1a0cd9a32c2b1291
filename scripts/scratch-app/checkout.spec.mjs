// The shop's own e2e test, written with checkout-widget/testing only: pay (in a popup window),
// decline then pay again (in the widget's iframe), and cancel.
import { expect, test } from '@playwright/test';
import { payInSandbox } from 'checkout-widget/testing';

const state = (page) => page.locator('checkout-widget').getAttribute('state');

test('pays with the success card (popup)', async ({ page }) => {
  await page.goto('/?mode=popup');
  const { surface, popup } = await payInSandbox(page);
  expect(surface).toBe('popup');
  await expect.poll(() => state(page)).toBe('complete');
  await expect.poll(() => popup.isClosed()).toBe(true);
});

test('a declined card leaves the session open; the next try pays (embedded)', async ({ page }) => {
  await page.goto('/?mode=embedded');
  expect(await payInSandbox(page, { outcome: 'decline' })).toEqual({ surface: 'iframe' });
  await expect(page.locator('checkout-widget iframe').contentFrame().locator('[role=alert]')).toBeVisible();
  expect(await state(page)).not.toBe('complete');
  await payInSandbox(page, { outcome: 'success' });
  await expect.poll(() => state(page)).toBe('complete');
});

test('cancels (embedded)', async ({ page }) => {
  await page.goto('/?mode=embedded');
  await payInSandbox(page, { outcome: 'cancel' });
  await expect.poll(() => state(page)).toBe('cancelled');
});
