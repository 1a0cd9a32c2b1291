/**
 * The card-token flow end to end on the demo, offline: provider `sandbox-fields` answers a
 * `card-token` session, the widget's card-token renderer loads the sandbox PSP's Frames double
 * (`frames.js`), the card is typed into the PSP's own frame (the PAN never reaches the shop page),
 * the token goes to `POST /api/checkout/sessions/:id/token`, and the payment is confirmed by a GET.
 */
import { expect, test, type Page } from '@playwright/test';
import type { DisplayMode } from '../../core/display.js';
import { CARDS, recordCheckoutEvents, seedCart, triggerButton, waitForCheckoutEvent, widget, widgetState } from '../../../e2e/support/checkout.js';

async function openCardFields(page: Page, mode: DisplayMode) {
  await seedCart(page);
  await recordCheckoutEvents(page);
  await page.goto(`/checkout.html?provider=sandbox-fields&mode=${mode}`);
  if (mode !== 'embedded') await triggerButton(page).click();
  await waitForCheckoutEvent(page, 'checkout-ready');
  const card = page.locator('checkout-widget .card-frame iframe').contentFrame();
  const pay = widget(page).getByRole('button', { name: /^Pay / });
  return { card, pay };
}

async function typeCard(card: ReturnType<Page['frameLocator']>, number: string) {
  await card.getByLabel('Card number').fill(number);
  await card.getByLabel(/expir/i).fill('12/34');
  await card.getByLabel(/security code/i).fill('123');
}

test.describe('card fields (sandbox card-token)', () => {
  test('embedded: a card typed into the PSP frame pays, confirmed by the endpoint', async ({ page }) => {
    const { card, pay } = await openCardFields(page, 'embedded');
    await expect(pay).toBeDisabled();
    await typeCard(card, CARDS.success);
    await expect(pay).toBeEnabled();
    const token = page.waitForRequest((request) => request.method() === 'POST' && /\/api\/checkout\/sessions\/[^/]+\/token$/.test(request.url()));
    await pay.click();
    expect((await token).postDataJSON()).toEqual({ token: expect.stringMatching(/^tok_/) });
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session.status).toBe('complete');
    await expect.poll(() => widgetState(page)).toBe('complete');
  });

  test('a declined card is a retryable payment_failed with the form kept; another card then pays', async ({ page }) => {
    const { card, pay } = await openCardFields(page, 'embedded');
    await typeCard(card, CARDS.declined);
    await pay.click();
    const error = await waitForCheckoutEvent(page, 'checkout-error');
    expect(error).toMatchObject({ code: 'payment_failed', retryable: true });
    await typeCard(card, CARDS.success);
    await pay.click();
    await waitForCheckoutEvent(page, 'checkout-accept');
  });

  test('redirect: 3-D Secure leaves the page at top level and comes back accepted', async ({ page }) => {
    const { card, pay } = await openCardFields(page, 'redirect');
    await typeCard(card, CARDS.threeDSecure);
    await pay.click();
    await page.waitForURL(/\/3ds\//);
    await page.getByRole('button', { name: 'Complete' }).click();
    await page.waitForURL(/checkout_result=accept/);
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session.status).toBe('complete');
  });

  test('popup: 3-D Secure opens in the window the Pay click opened, and the accept comes back by message', async ({ page }) => {
    const { card, pay } = await openCardFields(page, 'popup');
    await typeCard(card, CARDS.threeDSecure);
    const opened = page.waitForEvent('popup');
    await pay.click();
    const popup = await opened;
    await popup.waitForURL(/\/3ds\//);
    await popup.getByRole('button', { name: 'Complete' }).click();
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session.status).toBe('complete');
    await expect.poll(() => popup.isClosed()).toBe(true);
  });

  test('two browsers are two shoppers of the demo: a 3-D Secure step in flight refuses its own browser a second payment of the cart, not another browser', async ({ page, browser, baseURL }) => {
    const { card, pay } = await openCardFields(page, 'redirect');
    await typeCard(card, CARDS.threeDSecure);
    await pay.click();
    await page.waitForURL(/\/3ds\//);

    // The same browser (its cart and shopper), another tab: the payment under way is not paid twice.
    const sameBrowser = await page.context().newPage();
    await recordCheckoutEvents(sameBrowser);
    await sameBrowser.goto('/checkout.html?provider=sandbox-fields&mode=embedded');
    expect(await waitForCheckoutEvent(sameBrowser, 'checkout-error')).toMatchObject({ code: 'payment_in_flight', retryable: false });

    // Another browser with the same cart is another shopper: its checkout opens.
    const other = await browser.newContext({ baseURL });
    try {
      const { card: otherCard } = await openCardFields(await other.newPage(), 'embedded');
      await expect(otherCard.getByLabel('Card number')).toBeVisible();
    } finally {
      await other.close();
    }

    await page.getByRole('button', { name: 'Complete' }).click();
    expect((await waitForCheckoutEvent(page, 'checkout-accept')).session.status).toBe('complete');
  });
});
