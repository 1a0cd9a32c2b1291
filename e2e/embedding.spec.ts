import { expect, test, type Page } from '@playwright/test';
import {
  CARDS,
  payWithCard,
  recordCheckoutEvents,
  waitForCheckoutEvent,
  widget,
} from './support/checkout.js';

/**
 * Opens one of the integration examples in `public/examples/`: plain pages that load the
 * widget from `/cdn/` the way a shop's own page would. (They are served by the demo server,
 * not by a Playwright route: Chromium treats a routed page as public and refuses its frame to
 * a local PSP.)
 */
async function openExample(page: Page, name: string): Promise<string[]> {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await recordCheckoutEvents(page);
  await page.goto(`/examples/${name}`);
  return pageErrors;
}

async function payAndExpectAccept(page: Page): Promise<void> {
  await waitForCheckoutEvent(page, 'checkout-ready');
  await payWithCard(widget(page).locator('iframe').contentFrame(), CARDS.success);
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session.status).toBe('complete');
}

test('a plain HTML page with the module script tag checks out', async ({ page }) => {
  const pageErrors = await openExample(page, 'plain.html');
  const created = await waitForCheckoutEvent(page, 'checkout-session');
  // The server priced one mug; the page sent no price at all.
  expect(created.session.amount).toBeGreaterThan(0);
  await payAndExpectAccept(page);
  expect(pageErrors).toEqual([]);
});

test('the IIFE loaded twice raises no page error and the element works', async ({ page }) => {
  const pageErrors = await openExample(page, 'iife-twice.html');
  await payAndExpectAccept(page);
  expect(await page.evaluate(() => customElements.get('checkout-widget') !== undefined)).toBe(true);
  expect(pageErrors).toEqual([]);
});

test('the module and the IIFE on one page raise no page error', async ({ page }) => {
  const pageErrors = await openExample(page, 'module-and-iife.html');
  await payAndExpectAccept(page);
  expect(pageErrors).toEqual([]);
});
