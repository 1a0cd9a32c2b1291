import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { SANDBOX_URL } from '../../../e2e/playwright.config.js';
import { CARDS, payWithCard, recordCheckoutEvents, waitForCheckoutEvent } from '../../../e2e/support/checkout.js';
import type { DisplayMode } from '../../core/display.js';

/**
 * `load="interaction"` (issue 25, item 2): before the shopper presses the widget's own "Continue
 * to payment" button, no request reaches the session endpoint or any provider origin, no provider
 * frame, script or preconnect is on the page and no cookie is set; after it, the checkout runs
 * and pays. Each mode with the sandbox, and an SDK session (Stripe.js, faked at its CDN).
 */

const PAGE_PATH = '/consent-e2e/page.html';
const ENDPOINT = '/api/checkout/sessions';
const CART = { provider: 'sandbox', items: [{ sku: 'mug', quantity: 1 }] };
const PROVIDER_ORIGINS = [new URL(SANDBOX_URL).origin, 'https://js.stripe.com', 'https://checkoutshopper-test.adyen.com', 'https://js.mollie.com'];

/**
 * The test page: the demo server's own (404) answer at PAGE_PATH, rewritten before any script runs
 * into a page with one widget. Served by the local server, not fulfilled by `page.route`, so
 * Chromium lets it frame the local sandbox (a fulfilled page counts as public: Private Network Access).
 */
async function serve(page: Page, mode: DisplayMode): Promise<void> {
  await page.addInitScript(
    ({ path, mode, endpoint, payload }) => {
      if (window.top !== window || location.pathname !== path) return;
      document.addEventListener('DOMContentLoaded', () => {
        document.documentElement.lang = 'en';
        document.title = 'Consent first';
        const widget = document.createElement('checkout-widget');
        widget.setAttribute('endpoint', endpoint);
        widget.setAttribute('mode', mode);
        widget.setAttribute('load', 'interaction');
        widget.setAttribute('payload', payload);
        const main = document.createElement('main');
        const heading = document.createElement('h1');
        heading.textContent = 'Checkout';
        main.append(heading, widget);
        document.body.replaceChildren(main);
        const script = document.createElement('script');
        script.type = 'module';
        script.src = '/cdn/checkout-widget.js';
        document.head.append(script);
      });
    },
    { path: PAGE_PATH, mode, endpoint: ENDPOINT, payload: JSON.stringify(CART) },
  );
}

/** Every request the page makes (frames and popups of its context included) to the endpoint or a provider. */
function countRequests(page: Page): { endpoint: string[]; providers: string[] } {
  const seen = { endpoint: [] as string[], providers: [] as string[] };
  page.context().on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/checkout')) seen.endpoint.push(`${request.method()} ${url.pathname}`);
    if (PROVIDER_ORIGINS.includes(url.origin)) seen.providers.push(`${request.method()} ${url.href}`);
  });
  return seen;
}

/** Nothing of a provider on the page: no frame, no preconnect, no provider script, no cookie. */
async function expectNothingLoaded(page: Page, seen: { endpoint: string[]; providers: string[] }): Promise<void> {
  // Long enough for a start at connect, its create and the frame to have begun.
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(500);
  expect(seen.endpoint).toEqual([]);
  expect(seen.providers).toEqual([]);
  const widget = page.locator('checkout-widget');
  await expect(widget).toHaveAttribute('state', 'idle');
  await expect(widget.locator('iframe')).toHaveCount(0);
  expect(await page.locator('link[rel="preconnect"], script[src^="http"]').count()).toBe(0);
  expect(await page.context().cookies()).toEqual([]);
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
}

const proceed = (page: Page) => page.locator('checkout-widget').getByRole('button', { name: 'Continue to payment' });

test.describe('load="interaction": nothing before the shopper acts', () => {
  test.beforeEach(async ({ page }) => {
    await recordCheckoutEvents(page);
  });

  test('embedded: no request to the endpoint or the sandbox before the click; the keyboard starts it, and it pays', async ({ page }) => {
    await serve(page, 'embedded');
    const seen = countRequests(page);
    await page.goto(PAGE_PATH);
    await expect(proceed(page)).toBeVisible();
    await expectNothingLoaded(page, seen);
    const { violations } = await new AxeBuilder({ page }).analyze();
    expect(violations.map((violation) => violation.id)).toEqual([]);

    await page.keyboard.press('Tab');
    await expect(proceed(page)).toBeFocused();
    await page.keyboard.press('Enter');
    const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
    expect(seen.endpoint).toEqual([`POST ${ENDPOINT}`]);
    expect(seen.providers.length).toBeGreaterThan(0);
    await expect(proceed(page)).toHaveCount(0);
    await payWithCard(page.locator('checkout-widget iframe').contentFrame(), CARDS.success);
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session).toMatchObject({ id: session.id, status: 'complete' });
  });

  test('overlay: the button reads "Continue to payment", nothing loads before it, and the dialog pays', async ({ page }) => {
    await serve(page, 'overlay');
    const seen = countRequests(page);
    await page.goto(PAGE_PATH);
    await expect(proceed(page)).toBeVisible();
    await expectNothingLoaded(page, seen);
    await proceed(page).click();
    await waitForCheckoutEvent(page, 'checkout-ready');
    const dialog = page.locator('checkout-widget').getByRole('dialog');
    await expect(dialog).toBeVisible();
    await payWithCard(dialog.locator('iframe').contentFrame(), CARDS.success);
    await waitForCheckoutEvent(page, 'checkout-accept');
  });

  test('popup: nothing before the click, which opens the sandbox window and pays', async ({ page }) => {
    await serve(page, 'popup');
    const seen = countRequests(page);
    await page.goto(PAGE_PATH);
    await expect(proceed(page)).toBeVisible();
    await expectNothingLoaded(page, seen);
    const opened = page.waitForEvent('popup');
    await proceed(page).click();
    const popup = await opened;
    await popup.waitForURL(/\/pay\//);
    expect(seen.endpoint).toContain(`POST ${ENDPOINT}`);
    await payWithCard(popup, CARDS.success);
    await waitForCheckoutEvent(page, 'checkout-accept');
  });

  test('redirect: nothing before the click, which leaves for the sandbox page', async ({ page }) => {
    await serve(page, 'redirect');
    const seen = countRequests(page);
    await page.goto(PAGE_PATH);
    await expect(proceed(page)).toBeVisible();
    await expectNothingLoaded(page, seen);
    await proceed(page).click();
    await page.waitForURL(/\/pay\//);
    expect(new URL(page.url()).origin).toBe(new URL(SANDBOX_URL).origin);
    expect(seen.endpoint).toEqual([`POST ${ENDPOINT}`]);
  });

  test('a remembered open session is not read before the click either; the click resumes it (no second create)', async ({ page }) => {
    await serve(page, 'embedded');
    const seen = countRequests(page);
    await page.goto(PAGE_PATH);
    await proceed(page).click();
    const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
    seen.endpoint.length = 0;
    seen.providers.length = 0;
    await page.reload();
    await expect(proceed(page)).toBeVisible();
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(500);
    expect(seen.endpoint).toEqual([]);
    expect(seen.providers).toEqual([]);
    await proceed(page).click();
    const resumed = await waitForCheckoutEvent(page, 'checkout-ready');
    expect(resumed.session.id).toBe(session.id);
    expect(seen.endpoint).toEqual([`GET ${ENDPOINT}/${session.id}`]);
  });
});

test.describe('load="interaction" with an SDK session (Stripe.js)', () => {
  const FAKE_STRIPE_JS = readFileSync(new URL('../../providers/stripe/fake-stripe-js.js', import.meta.url), 'utf8');

  test('no Stripe.js, no create before the click; after it Stripe.js loads and mounts', async ({ page }) => {
    await recordCheckoutEvents(page);
    const seen = countRequests(page);
    await page.route('https://js.stripe.com/**', (route) => route.fulfill({ status: 200, contentType: 'application/javascript', body: FAKE_STRIPE_JS }));
    await page.route(`**${ENDPOINT}**`, (route) =>
      route.fulfill({
        status: route.request().method() === 'POST' ? 201 : 200,
        json: {
          id: 'cs_test_consent',
          provider: 'stripe',
          kind: 'stripe-embedded',
          status: 'open',
          client_secret: 'cs_test_consent_secret_x',
          publishable_key: 'pk_test_consent',
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        },
      }),
    );
    await serve(page, 'embedded');
    await page.goto(PAGE_PATH);
    await expect(proceed(page)).toBeVisible();
    await expectNothingLoaded(page, seen);
    await proceed(page).click();
    await waitForCheckoutEvent(page, 'checkout-ready');
    expect(seen.endpoint).toEqual([`POST ${ENDPOINT}`]);
    expect(seen.providers.some((url) => url.includes('js.stripe.com'))).toBe(true);
  });
});
