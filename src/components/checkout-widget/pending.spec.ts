import { expect, test, type Page } from '@playwright/test';
import { CARDS, payWithCard, recordCheckoutEvents, recordedEvents, waitForCheckoutEvent } from '../../../e2e/support/checkout.js';

/**
 * A payment in flight (issue 25, item 3), with the sandbox: 3-D Secure started in the embedded
 * frame → the widget shows "Payment in progress" with no Try again or Pay, a second create for the
 * same cart is refused (409 payment_in_flight), a reload resumes the pending view (no new create),
 * and finishing 3-D Secure ends in checkout-accept; a widget whose create is refused with
 * `409 payment_in_flight` shows the pending text as its error, with no Try again.
 */

const PAGE_PATH = '/pending-e2e/page.html';
const ENDPOINT = '/api/checkout/sessions';

/** An identified cart (the backend tells carts apart by who pays: a guest's cart is never refused). */
function cart(email: string) {
  return { provider: 'sandbox', items: [{ sku: 'mug', quantity: 1 }], customer: { email } };
}

/** The demo server's own 404 page at PAGE_PATH, rewritten into a page with one embedded widget (see consent.spec.ts). */
async function serve(page: Page, payload: unknown, locale = 'en', attributes: Record<string, string> = {}): Promise<void> {
  await page.addInitScript(
    ({ path, endpoint, payload, locale, attributes }) => {
      if (window.top !== window || location.pathname !== path) return;
      document.addEventListener('DOMContentLoaded', () => {
        document.documentElement.lang = locale;
        document.title = 'Pending';
        const widget = document.createElement('checkout-widget');
        widget.setAttribute('endpoint', endpoint);
        widget.setAttribute('payload', payload);
        for (const [name, value] of Object.entries(attributes)) widget.setAttribute(name, value);
        const main = document.createElement('main');
        main.append(widget);
        document.body.replaceChildren(main);
        const script = document.createElement('script');
        script.type = 'module';
        script.src = '/cdn/checkout-widget.js';
        document.head.append(script);
      });
    },
    { path: PAGE_PATH, endpoint: ENDPOINT, payload: JSON.stringify(payload), locale, attributes },
  );
}

function countCreates(page: Page): { count: number } {
  const creates = { count: 0 };
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === ENDPOINT) creates.count++;
  });
  return creates;
}

const widget = (page: Page) => page.locator('checkout-widget');
const frame = (page: Page) => widget(page).locator('iframe').contentFrame();

test.describe('a payment in flight', () => {
  test.beforeEach(async ({ page }) => {
    await recordCheckoutEvents(page);
  });

  test('3-D Secure started: pending view, no new attempt, a second create refused, a reload resumes it, and finishing it accepts', async ({ page }) => {
    test.setTimeout(90_000);
    const payload = cart(`pending-${test.info().workerIndex}-${Date.now()}@example.com`);
    await serve(page, payload);
    const creates = countCreates(page);
    await page.goto(PAGE_PATH);
    const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
    await expect(widget(page).getByText('Payment in progress')).toHaveCount(0);

    await payWithCard(frame(page), CARDS.threeDSecure);
    await expect(frame(page).getByRole('button', { name: 'Complete authentication' })).toBeVisible();
    // The status watcher reads the session (at most 10 s apart) and the provider says: in flight.
    const status = widget(page).getByRole('status');
    await expect(status).toHaveText("Payment in progress. Don't pay again.", { timeout: 20_000 });
    await expect(widget(page).getByRole('button', { name: /try again|start again|pay/i })).toHaveCount(0);
    await expect(widget(page)).toHaveAttribute('state', 'ready');

    // Another tab, or a script, asks for a new payment of the same cart: refused.
    const second = await page.request.post(ENDPOINT, { data: payload, headers: { 'idempotency-key': `second-${Date.now()}` } });
    expect(second.status()).toBe(409);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('payment_in_flight');
    const read = await page.request.get(`${ENDPOINT}/${session.id}`);
    expect(await read.json()).toMatchObject({ id: session.id, status: 'open', payment: 'in_flight' });

    await page.reload();
    await expect(widget(page).getByRole('status')).toHaveText("Payment in progress. Don't pay again.");
    await waitForCheckoutEvent(page, 'checkout-ready');
    expect(creates.count).toBe(1);
    const resumed = (await recordedEvents(page)).flatMap((event) => (event.type === 'checkout-session' ? [event.detail.session] : []));
    expect(resumed).toEqual([expect.objectContaining({ id: session.id, payment: 'in_flight' })]);

    // The frame shows the bank's challenge again; the shopper finishes it.
    await frame(page).getByRole('button', { name: 'Complete authentication' }).click();
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session).toMatchObject({ id: session.id, status: 'complete' });
    await expect(widget(page).getByRole('status')).toHaveText('Payment complete.');
    expect(creates.count).toBe(1);
  });

  test('a create refused with 409 payment_in_flight (another device): the pending text as the error, no Try again, no retried create', async ({ page, browser }) => {
    test.setTimeout(90_000);
    const payload = cart(`pending-409-${test.info().workerIndex}-${Date.now()}@example.com`);
    await serve(page, payload);
    await page.goto(PAGE_PATH);
    await waitForCheckoutEvent(page, 'checkout-ready');
    await payWithCard(frame(page), CARDS.threeDSecure);
    await expect(widget(page).getByRole('status')).toHaveText("Payment in progress. Don't pay again.", { timeout: 20_000 });

    // The same shopper's cart on another device (no session memory): its create is refused.
    const other = await browser.newContext();
    try {
      const second = await other.newPage();
      await recordCheckoutEvents(second);
      await serve(second, payload);
      const creates = countCreates(second);
      await second.goto(PAGE_PATH);
      const error = await waitForCheckoutEvent(second, 'checkout-error');
      expect(error).toMatchObject({ code: 'payment_in_flight', retryable: false });
      await expect(widget(second).getByRole('status')).toHaveText("Payment in progress. Don't pay again.");
      await expect(widget(second).getByRole('button', { name: /try again|start again/i })).toHaveCount(0);
      await expect(widget(second)).toHaveAttribute('state', 'error');
      expect(creates.count).toBe(1);
    } finally {
      await other.close();
    }
  });

  test('overlay: 3-D Secure shows the pending view at once (the page said so), the challenge stays usable; a closed overlay keeps the pending view, a reload resumes the same session', async ({ page }) => {
    test.setTimeout(90_000);
    const payload = cart(`pending-overlay-${test.info().workerIndex}-${Date.now()}@example.com`);
    await serve(page, payload, 'en', { mode: 'overlay' });
    const creates = countCreates(page);
    await page.goto(PAGE_PATH);
    await widget(page).getByRole('button', { name: 'Pay' }).click();
    const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
    const dialog = widget(page).getByRole('dialog', { name: 'Checkout' });
    const challenge = dialog.locator('iframe').contentFrame();
    await payWithCard(challenge, CARDS.threeDSecure);
    const complete = challenge.getByRole('button', { name: 'Complete authentication' });
    await expect(complete).toBeVisible();
    // The page's `authenticating` sets it: no wait for the status watcher (2 s, 4 s, 8 s … apart).
    await expect(widget(page).getByRole('status')).toHaveText("Payment in progress. Don't pay again.", { timeout: 1_500 });
    // Nothing covers the challenge: the dialog is still the top layer and its button takes a click's focus.
    await complete.focus();
    await expect(complete).toBeFocused();

    // The shopper closes the overlay mid-challenge: no cancel, the pending view stays and polling goes on.
    await dialog.getByRole('button', { name: 'Close checkout' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(widget(page).getByRole('status')).toHaveText("Payment in progress. Don't pay again.");
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    const afterClose = (await recordedEvents(page)).map((event) => event.type);
    expect(afterClose).toContain('checkout-close');
    expect(afterClose).not.toContain('checkout-cancel');
    const read = await page.request.get(`${ENDPOINT}/${session.id}`);
    expect(await read.json()).toMatchObject({ id: session.id, status: 'open', payment: 'in_flight' });

    // A reload: the trigger resumes the same session (no new create); its page shows the challenge again.
    await page.reload();
    await widget(page).getByRole('button', { name: 'Pay' }).click();
    await expect(widget(page).getByRole('status')).toHaveText("Payment in progress. Don't pay again.");
    await dialog.locator('iframe').contentFrame().getByRole('button', { name: 'Complete authentication' }).click();
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session).toMatchObject({ id: session.id, status: 'complete' });
    expect(creates.count).toBe(1);
  });

  test('embedded: a reload mid-challenge shows the pending view from the page\'s word before the frame is back, and no new create', async ({ page }) => {
    test.setTimeout(90_000);
    const payload = cart(`pending-reload-${test.info().workerIndex}-${Date.now()}@example.com`);
    await serve(page, payload);
    const creates = countCreates(page);
    await page.goto(PAGE_PATH);
    const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
    await payWithCard(frame(page), CARDS.threeDSecure);
    await expect(frame(page).getByRole('button', { name: 'Complete authentication' })).toBeVisible();
    await expect(widget(page).getByRole('status')).toHaveText("Payment in progress. Don't pay again.", { timeout: 1_500 });
    expect(await page.evaluate((id) => sessionStorage.getItem(`checkout-widget:in-flight:${id}`), session.id)).toBe('1');

    // After the reload the sandbox page is held back: the pending view shows before it loads.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/pay\/[\w-]+(\?.*)?$/, async (route) => {
      await held;
      await route.continue();
    });
    await page.reload();
    await expect(widget(page).getByRole('status')).toHaveText("Payment in progress. Don't pay again.");
    await expect(widget(page)).toHaveAttribute('state', 'loading');
    release();
    await frame(page).getByRole('button', { name: 'Complete authentication' }).click();
    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session).toMatchObject({ id: session.id, status: 'complete' });
    expect(creates.count).toBe(1);
    // An outcome drops the hint.
    expect(await page.evaluate((id) => sessionStorage.getItem(`checkout-widget:in-flight:${id}`), session.id)).toBeNull();
  });

  test('a card token refused with 409 payment_in_flight (the same session\'s 3-D Secure in another tab): the pending view, the form disabled, polling until the other tab pays', async ({ page, context }) => {
    test.setTimeout(90_000);
    await serve(page, { ...cart(`pending-token-${test.info().workerIndex}-${Date.now()}@example.com`), provider: 'sandbox-fields' }, 'en', { mode: 'popup' });
    await page.goto(PAGE_PATH);
    await widget(page).getByRole('button', { name: 'Pay' }).click();
    const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
    const fields = async (surface: Page) => {
      const card = surface.locator('checkout-widget .card-frame iframe').contentFrame();
      await card.getByLabel('Card number').fill(CARDS.threeDSecure);
      await card.getByLabel(/expir/i).fill('12/34');
      await card.getByLabel(/security code/i).fill('123');
      return widget(surface).getByRole('button', { name: /^Pay / });
    };
    const opened = page.waitForEvent('popup');
    await (await fields(page)).click();
    const popup = await opened;
    await popup.waitForURL(/\/3ds\//);

    // The same session in another tab (its id, as a shop's order page would have it): a second card.
    const other = await context.newPage();
    await recordCheckoutEvents(other);
    await serve(other, {}, 'en', { 'session-id': session.id });
    await other.goto(PAGE_PATH);
    await waitForCheckoutEvent(other, 'checkout-ready');
    const pay = await fields(other);
    const refused = other.waitForResponse((response) => response.url().endsWith(`/${session.id}/token`));
    await pay.click();
    expect((await refused).status()).toBe(409);
    await expect(widget(other).getByRole('status')).toHaveText("Payment in progress. Don't pay again.");
    await expect(pay).toBeDisabled();
    // Not an error: the run goes on (it used to end in state `error` with `payment_in_flight`).
    await expect(widget(other)).toHaveAttribute('state', 'ready');
    expect((await recordedEvents(other)).filter((event) => event.type === 'checkout-error')).toEqual([]);

    // The first tab's 3-D Secure finishes: the other tab's reads see the session paid.
    await popup.getByRole('button', { name: 'Complete' }).click();
    expect((await waitForCheckoutEvent(other, 'checkout-accept')).session).toMatchObject({ id: session.id, status: 'complete' });
    await expect(widget(other).getByRole('status')).toHaveText('Payment complete.');
  });

  test('the pending text is in the shopper\'s language (da)', async ({ page }) => {
    await serve(page, cart(`pending-da-${test.info().workerIndex}-${Date.now()}@example.com`), 'da-DK');
    await page.goto(PAGE_PATH);
    await waitForCheckoutEvent(page, 'checkout-ready');
    // The sandbox page speaks Danish too: its fields by name.
    const surface = frame(page);
    await surface.locator('#card-number').fill(CARDS.threeDSecure);
    await surface.locator('#card-expiry').fill('12/34');
    await surface.locator('#card-cvc').fill('123');
    await surface.locator('form[action$="/card"] button.pay').click();
    await expect(widget(page).getByRole('status')).toHaveText('Betalingen er i gang. Betal ikke igen.', { timeout: 20_000 });
    await expect(widget(page).getByRole('button')).toHaveCount(0);
  });
});
