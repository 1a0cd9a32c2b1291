import { expect, test, type Page } from '@playwright/test';
import type { CheckoutStepEventDetail } from '../src/core/events.js';
import type { DisplayMode } from '../src/core/display.js';
import { CARDS, cancelPayment, openPaymentPage, payWithCard, recordCheckoutEvents, seedCart, waitForCheckoutEvent } from './support/checkout.js';

/**
 * The funnel (`checkout-step`) against the demo shop and the sandbox PSP: the steps of each display
 * mode and outcome, in order, and that no step carries personal data or an amount. Steps are kept
 * in sessionStorage, so a redirect out and back (and a page left while open) keep their record.
 */

const FIELDS = ['step', 'mode', 'provider', 'method', 'code'];

async function recordSteps(page: Page): Promise<void> {
  await page.addInitScript(() => {
    document.addEventListener('checkout-step', (event) => {
      const steps = JSON.parse(sessionStorage.getItem('steps') ?? '[]') as unknown[];
      steps.push((event as CustomEvent).detail);
      sessionStorage.setItem('steps', JSON.stringify(steps));
    });
  });
}

const steps = (page: Page) =>
  page.evaluate(() => JSON.parse(sessionStorage.getItem('steps') ?? '[]') as CheckoutStepEventDetail[]);
const names = async (page: Page) => (await steps(page)).map(({ step, code }) => (code ? `${step}:${code}` : step));

/** Every step has the contract's fields only: no email, name, cart line or amount anywhere in it. */
async function expectNoPersonalData(page: Page, mode: DisplayMode): Promise<void> {
  const recorded = await steps(page);
  expect(recorded.length).toBeGreaterThan(0);
  for (const detail of recorded) {
    expect(Object.keys(detail).filter((key) => !FIELDS.includes(key)), JSON.stringify(detail)).toEqual([]);
    expect(detail.mode).toBe(mode);
    // A run's first step comes before its session: no provider yet.
    expect(detail.provider).toBe(detail.step === 'shown' || detail.step === 'returned' ? undefined : 'sandbox');
  }
  expect(JSON.stringify(recorded)).not.toMatch(/shopper@example|Demo|Shopper|coffee|mug|\d{3,}/i);
}

test.beforeEach(async ({ page }) => {
  await seedCart(page);
  await recordCheckoutEvents(page);
  await recordSteps(page);
});

for (const mode of ['embedded', 'overlay', 'popup'] as const) {
  test.describe(`${mode}`, () => {
    test('paid: shown, provider-loaded, paid', async ({ page }) => {
      const { surface } = await openPaymentPage(page, mode);
      await payWithCard(surface, CARDS.success);
      await waitForCheckoutEvent(page, 'checkout-accept');
      await expect.poll(() => names(page)).toEqual(['shown', 'provider-loaded', 'paid']);
      await expectNoPersonalData(page, mode);
    });

    test('3-D Secure: authentication started and finished between loaded and paid', async ({ page }) => {
      const { surface } = await openPaymentPage(page, mode);
      await payWithCard(surface, CARDS.threeDSecure);
      await surface.getByRole('button', { name: 'Complete authentication' }).click();
      await waitForCheckoutEvent(page, 'checkout-accept');
      await expect
        .poll(() => names(page))
        .toEqual(['shown', 'provider-loaded', 'authentication-started', 'authentication-finished', 'paid']);
      await expectNoPersonalData(page, mode);
    });

    test('a decline: failed with its code, then paid with another card', async ({ page }) => {
      const { surface } = await openPaymentPage(page, mode);
      await payWithCard(surface, CARDS.declined);
      await expect.poll(() => names(page)).toEqual(['shown', 'provider-loaded', 'failed:payment_failed']);
      await payWithCard(surface, CARDS.success);
      await expect.poll(() => names(page)).toEqual(['shown', 'provider-loaded', 'failed:payment_failed', 'paid']);
      await expectNoPersonalData(page, mode);
    });

    test('cancelled on the payment page: abandoned with code cancelled', async ({ page }) => {
      const { surface } = await openPaymentPage(page, mode);
      await cancelPayment(surface);
      await waitForCheckoutEvent(page, 'checkout-cancel');
      await expect.poll(() => names(page)).toEqual(['shown', 'provider-loaded', 'abandoned:cancelled']);
      await expectNoPersonalData(page, mode);
    });
  });
}

test.describe('redirect', () => {
  test('paid: shown and redirected-out on the way out, returned and paid back on the shop', async ({ page }) => {
    // On the PSP's origin now: the shop's sessionStorage is read once back.
    const { surface } = await openPaymentPage(page, 'redirect');
    await payWithCard(surface, CARDS.success);
    await waitForCheckoutEvent(page, 'checkout-accept');
    // The page left on purpose: no `abandoned` for it.
    await expect.poll(() => names(page)).toEqual(['shown', 'redirected-out', 'returned', 'paid']);
    await expectNoPersonalData(page, 'redirect');
  });

  test('cancelled on the payment page: back on the shop, abandoned with code cancelled', async ({ page }) => {
    const { surface } = await openPaymentPage(page, 'redirect');
    await cancelPayment(surface);
    await waitForCheckoutEvent(page, 'checkout-cancel');
    await expect.poll(() => names(page)).toEqual(['shown', 'redirected-out', 'returned', 'abandoned:cancelled']);
    await expectNoPersonalData(page, 'redirect');
  });
});

test('abandoned: the shopper leaves the page while the checkout is open', async ({ page }) => {
  await openPaymentPage(page, 'embedded');
  await page.goto('/');
  expect(await names(page)).toEqual(['shown', 'provider-loaded', 'abandoned']);
  await expectNoPersonalData(page, 'embedded');
});

test('abandoned once: the tab hidden while open (another tab), not again when hidden twice', async ({ page }) => {
  await openPaymentPage(page, 'overlay');
  const hide = () =>
    page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, value: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
  await hide();
  await hide();
  expect(await names(page)).toEqual(['shown', 'provider-loaded', 'abandoned']);
});
