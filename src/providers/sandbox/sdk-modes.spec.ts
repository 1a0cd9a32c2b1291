/**
 * The sandbox's SDK-shaped modes end to end on the demo, offline. The demo page preloads the
 * sandbox PSP's double (as a shop that self-hosts Mollie.js or Adyen Web does), and the widget's
 * own renderers for those providers draw the session: the Mollie card-fields driver for
 * `sandbox-mollie` (`token_provider: "mollie"`), the Adyen Drop-in renderer for `sandbox-dropin`
 * (`kind: "adyen"`). Neither may reach for Mollie's or Adyen's CDN (routed here, and recorded).
 */
import { expect, test, type Page } from '@playwright/test';
import type { DisplayMode } from '../../core/display.js';
import { CARDS, recordCheckoutEvents, recordedEvents, seedCart, triggerButton, waitForCheckoutEvent, widget, widgetState } from '../../../e2e/support/checkout.js';

/** Requests to the real SDKs' CDNs: there must be none (they fail offline anyway). */
async function recordCdnRequests(page: Page): Promise<string[]> {
  const seen: string[] = [];
  for (const pattern of ['https://js.mollie.com/**', 'https://checkoutshopper-*.cdn.adyen.com/**']) {
    await page.context().route(pattern, (route) => {
      seen.push(route.request().url());
      return route.abort();
    });
  }
  return seen;
}

async function open(page: Page, provider: string, mode: DisplayMode = 'embedded') {
  const cdn = await recordCdnRequests(page);
  await seedCart(page);
  await recordCheckoutEvents(page);
  await page.goto(`/checkout.html?provider=${provider}&mode=${mode}`);
  await expect(page.getByLabel('Payment provider')).toHaveValue(provider);
  if (mode !== 'embedded') await triggerButton(page).click();
  await waitForCheckoutEvent(page, 'checkout-ready');
  return { cdn, pay: widget(page).getByRole('button', { name: /^Pay / }) };
}

const inLightDom = (page: Page, label: string) =>
  widget(page)
    .getByLabel(label)
    .evaluate((input) => input.getRootNode() === document && input.closest('checkout-widget') !== null);

test.describe('sandbox Mollie Components-like card fields (sandbox-mollie)', () => {
  async function typeCard(page: Page, number: string) {
    await widget(page).getByLabel('Card number').fill(number);
    await widget(page).getByLabel('Card holder').fill('Jan Jansen');
    await widget(page).getByLabel('Expiry date (MM/YY)').fill('12/34');
    await widget(page).getByLabel('Security code').fill('123');
  }

  test('the widget’s Mollie driver mounts the preloaded double in the light DOM; a card pays with a sandbox token', async ({ page }) => {
    const { cdn, pay } = await open(page, 'sandbox-mollie');
    expect(await page.locator('script[data-preload="sandbox-mollie"]').getAttribute('src')).toMatch(/\/v1\/mollie\.js$/);
    expect(await inLightDom(page, 'Card number')).toBe(true);
    await expect(pay).toBeDisabled();
    await typeCard(page, CARDS.success);
    await expect(pay).toBeEnabled();
    const token = page.waitForRequest((request) => request.method() === 'POST' && /\/api\/checkout\/sessions\/[^/]+\/token$/.test(request.url()));
    await pay.click();
    expect((await token).postDataJSON()).toEqual({ token: expect.stringMatching(/^tok_sbx_/) });
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session).toMatchObject({ provider: 'sandbox-mollie', kind: 'card-token', token_provider: 'mollie', status: 'complete' });
    await expect.poll(() => widgetState(page)).toBe('complete');
    expect(cdn).toEqual([]);
  });

  test('a declined card keeps the fields for another card, which then pays', async ({ page }) => {
    const { pay } = await open(page, 'sandbox-mollie');
    await typeCard(page, CARDS.declined);
    await pay.click();
    expect(await waitForCheckoutEvent(page, 'checkout-error')).toMatchObject({ code: 'payment_failed', retryable: true });
    await widget(page).getByLabel('Card number').fill(CARDS.success);
    await pay.click();
    await waitForCheckoutEvent(page, 'checkout-accept');
  });

  test('redirect: 3-D Secure goes to the PSP’s challenge page at top level and comes back accepted', async ({ page }) => {
    const { pay } = await open(page, 'sandbox-mollie', 'redirect');
    await typeCard(page, CARDS.threeDSecure);
    await pay.click();
    await page.waitForURL(/\/v1\/3ds\//);
    await page.getByRole('button', { name: 'Complete' }).click();
    await page.waitForURL(/checkout_result=accept/);
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session).toMatchObject({ token_provider: 'mollie', status: 'complete' });
  });
});

test.describe('sandbox Adyen Drop-in-like mount (sandbox-dropin)', () => {
  const dropin = (page: Page) => widget(page).getByRole('region', { name: 'Sandbox Drop-in' });

  async function typeCard(page: Page, number: string) {
    await dropin(page).getByLabel('Card number').fill(number);
    await dropin(page).getByLabel('Expiry date (MM/YY)').fill('12/34');
    await dropin(page).getByLabel('Security code').fill('123');
    await dropin(page).getByRole('button', { name: 'Pay' }).click();
  }

  test('the widget’s Adyen renderer mounts the preloaded double in the light DOM; the backend reads the session after the result', async ({ page }) => {
    const { cdn } = await open(page, 'sandbox-dropin');
    const { session } = (await recordedEvents(page)).find((event) => event.type === 'checkout-session')!.detail as { session: { id: string; kind: string } };
    expect(session.kind).toBe('adyen');
    expect(await inLightDom(page, 'Card number')).toBe(true);
    const read = page.waitForRequest((request) => request.method() === 'GET' && request.url().includes(`/api/checkout/sessions/${session.id}?provider_result=sbxres_`));
    await typeCard(page, CARDS.success);
    await read;
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session).toMatchObject({ id: session.id, provider: 'sandbox-dropin', kind: 'adyen', status: 'complete' });
    expect(accepted.session).not.toHaveProperty('session_data');
    expect(cdn).toEqual([]);
  });

  test('a refused card keeps the Drop-in for another card, which then pays', async ({ page }) => {
    await open(page, 'sandbox-dropin');
    await typeCard(page, CARDS.declined);
    expect(await waitForCheckoutEvent(page, 'checkout-error')).toMatchObject({ code: 'payment_failed', retryable: true });
    await expect(dropin(page)).toBeVisible();
    await typeCard(page, CARDS.success);
    await waitForCheckoutEvent(page, 'checkout-accept');
  });

  test('3-D Secure is challenged inside the Drop-in: Complete pays', async ({ page }) => {
    await open(page, 'sandbox-dropin');
    await typeCard(page, CARDS.threeDSecure);
    const challenge = dropin(page).getByRole('group', { name: '3-D Secure' });
    await challenge.getByRole('button', { name: 'Complete' }).click();
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session).toMatchObject({ kind: 'adyen', status: 'complete' });
    expect((await recordedEvents(page)).map((event) => event.type)).not.toContain('checkout-error');
  });

  test('switching from a sandbox SDK mode to another provider starts a fresh page (the double stays off other widgets)', async ({ page }) => {
    await open(page, 'sandbox-dropin');
    const navigation = page.waitForEvent('framenavigated');
    await page.getByLabel('Payment provider').selectOption('sandbox');
    await navigation;
    await expect(page.getByLabel('Payment provider')).toHaveValue('sandbox');
    expect(await page.evaluate(() => 'AdyenWeb' in window)).toBe(false);
  });
});
