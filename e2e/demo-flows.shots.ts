import { fileURLToPath } from 'node:url';
import { test, type Page } from '@playwright/test';
import {
  CARDS,
  SESSIONS_PATH,
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

/**
 * The README's light and dark pictures (its "Dark mode and theming" section) and the forced colours
 * and reflow states (its "Accessibility" section): cropped to the widget's slot on the demo's
 * checkout page. Dark is the demo's page turned dark by a style tag (`color-scheme: dark` and
 * dark shop colours; the demo itself is light), under a dark `prefers-color-scheme`.
 */
const DARK_SHOP = `:root { color-scheme: dark; --shop-ink: #e6e8ec; --shop-muted: #a9b1bd; --shop-line: #39414d;
  --shop-surface: #1b1f27; --shop-page: #111318 }`;

/** The demo's checkout in a state: the chooser, the sandbox page embedded, or the error an unreachable endpoint gives. */
async function showState(page: Page, state: 'chooser' | 'embedded' | 'error'): Promise<void> {
  if (state === 'error') await page.route(`**${SESSIONS_PATH}`, (route) => route.abort('connectionrefused'));
  await page.goto(state === 'chooser' ? '/checkout.html' : '/checkout.html?provider=sandbox&mode=embedded');
  if (state === 'chooser') await widget(page).getByRole('button', { name: 'Continue' }).waitFor();
  if (state === 'embedded') await widget(page).locator('iframe').contentFrame().getByLabel(/card number/i).waitFor();
  if (state === 'error') await widget(page).getByRole('button', { name: 'Try again' }).waitFor();
}

/** The widget's slot and 12 px of the card around it. */
async function slotShot(page: Page, name: string): Promise<void> {
  const box = (await page.locator('#widget-slot').boundingBox())!;
  const x = Math.max(0, box.x - 12);
  const y = Math.max(0, box.y - 12);
  await page.screenshot({ ...readmeShot(name), fullPage: true, clip: { x, y, width: box.x - x + box.width + 12, height: box.y - y + box.height + 12 } });
}

test.describe('README pictures: light, dark, forced colours, reflow', () => {
  for (const scheme of ['light', 'dark'] as const) {
    test.describe(scheme, () => {
      test.use({ colorScheme: scheme });

      for (const state of ['chooser', 'embedded', 'error'] as const) {
        test(state, async ({ page }) => {
          await page.setViewportSize({ width: 900, height: 800 });
          if (scheme === 'dark') await page.addInitScript((css) => {
            document.addEventListener('DOMContentLoaded', () => document.head.append(Object.assign(document.createElement('style'), { textContent: css })));
          }, DARK_SHOP);
          await showState(page, state);
          await slotShot(page, `${state}-${scheme}`);
        });
      }
    });
  }

  test.describe('forced colours', () => {
    test.use({ forcedColors: 'active' });
    for (const state of ['chooser', 'error'] as const) {
      test(state, async ({ page }) => {
        await page.setViewportSize({ width: 900, height: 800 });
        await showState(page, state);
        // The focus ring in Highlight, where a keyboard shopper is.
        await widget(page).getByRole('button', { name: state === 'chooser' ? 'Continue' : 'Try again' }).focus();
        await slotShot(page, `${state}-forced-colors`);
      });
    }
  });

  // 200 % zoom of a 1280 px screen: 640 CSS px drawn with deviceScaleFactor 2; 320 px is 400 %.
  for (const zoom of [
    { name: 'zoom-200', width: 640, deviceScaleFactor: 2 },
    { name: '320px', width: 320, deviceScaleFactor: 1 },
  ]) {
    test.describe(zoom.name, () => {
      test.use({ deviceScaleFactor: zoom.deviceScaleFactor });
      for (const state of ['chooser', 'error'] as const) {
        test(state, async ({ page }) => {
          await page.setViewportSize({ width: zoom.width, height: 640 });
          await showState(page, state);
          await slotShot(page, `${state}-${zoom.name}`);
        });
      }
    });
  }
});
