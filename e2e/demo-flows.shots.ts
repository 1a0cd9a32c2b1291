import { fileURLToPath } from 'node:url';
import { test } from '@playwright/test';
import {
  CARDS,
  cancelPayment,
  openPaymentPage,
  payWithCard,
  recordCheckoutEvents,
  seedCart,
  triggerButton,
  waitForCheckoutEvent,
  widget,
} from './support/checkout.js';

const DIR = process.env['SCREENSHOT_DIR'] ?? '/tmp/checkout-widget-screenshots';
const shot = (name: string) => ({ path: `${DIR}/${name}.png`, fullPage: true });

test.beforeEach(async ({ page }) => {
  await page.setViewportSize({ width: 1200, height: 900 });
  await seedCart(page);
  await recordCheckoutEvents(page);
});

test('shop and embedded checkout', async ({ page }) => {
  await page.goto('/');
  await page.screenshot(shot('01-shop'));
  const { surface } = await openPaymentPage(page, 'embedded');
  await page.screenshot(shot('02-checkout-embedded'));
  await payWithCard(surface, CARDS.declined);
  await waitForCheckoutEvent(page, 'checkout-error');
  await page.screenshot(shot('03-embedded-declined'));
  await payWithCard(surface, CARDS.success);
  await waitForCheckoutEvent(page, 'checkout-accept');
  await page.screenshot(shot('04-embedded-accepted'));
});

test('overlay with 3-D Secure', async ({ page }) => {
  const { surface } = await openPaymentPage(page, 'overlay');
  await page.screenshot(shot('05-overlay-open'));
  await payWithCard(surface, CARDS.threeDSecure);
  await surface.getByRole('button', { name: 'Complete authentication' }).waitFor();
  await page.screenshot(shot('06-overlay-3ds'));
  await surface.getByRole('button', { name: 'Complete authentication' }).click();
  await waitForCheckoutEvent(page, 'checkout-accept');
  await page.screenshot(shot('07-overlay-accepted'));
});

test('popup and redirect', async ({ page }) => {
  const { popup } = await openPaymentPage(page, 'popup');
  if (popup) await popup.screenshot(shot('08-popup-window'));
  await page.screenshot(shot('09-popup-opener'));
  if (popup) await cancelPayment(popup);
  await waitForCheckoutEvent(page, 'checkout-cancel');
  await page.screenshot(shot('10-popup-cancelled'));

  const { surface } = await openPaymentPage(page, 'redirect');
  await page.screenshot(shot('11-redirect-sandbox-page'));
  await payWithCard(surface, CARDS.success);
  await waitForCheckoutEvent(page, 'checkout-accept');
  await page.screenshot(shot('12-redirect-returned'));
});

/** The README's pictures, checked in: `docs/screenshots/`, small (1000 × 700 or the widget's card). */
const README_DIR = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const readmeShot = (name: string) => ({ path: `${README_DIR}${name}.png` });

test.describe('README pictures', () => {
  test.beforeEach(async ({ page }) => {
    await page.setViewportSize({ width: 1000, height: 700 });
  });

  test('embedded', async ({ page }) => {
    const { surface } = await openPaymentPage(page, 'embedded');
    await surface.getByLabel(/card number/i).waitFor();
    await page.locator('section.card').first().screenshot(readmeShot('embedded'));
  });

  for (const [name, path] of [
    ['overlay', '/checkout.html?provider=sandbox&mode=overlay'],
    ['overlay-da', '/checkout.html?provider=sandbox&mode=overlay&locale=da-DK'],
  ] as const) {
    test(name, async ({ page }) => {
      await page.goto(path);
      await triggerButton(page).or(widget(page).getByRole('button', { name: 'Betal' })).click();
      await waitForCheckoutEvent(page, 'checkout-ready');
      const frame = widget(page).getByRole('dialog').locator('iframe').contentFrame();
      await frame.locator('#card-number').waitFor();
      // Where a shopper starts typing (the dialog opens with focus on its close button).
      await frame.locator('#card-number').focus();
      await page.screenshot(readmeShot(name));
    });
  }

  test('popup', async ({ page }) => {
    const { popup } = await openPaymentPage(page, 'popup');
    await popup!.setViewportSize({ width: 520, height: 700 });
    await popup!.getByLabel(/card number/i).waitFor();
    await popup!.screenshot(readmeShot('popup'));
  });

  test('redirect', async ({ page }) => {
    const { surface } = await openPaymentPage(page, 'redirect');
    await surface.getByLabel(/card number/i).waitFor();
    await page.screenshot(readmeShot('redirect'));
  });
});
