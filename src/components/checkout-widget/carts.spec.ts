import { expect, test, type Page } from '@playwright/test';
import {
  CARDS,
  payWithCard,
  recordCheckoutEvents,
  recordedEvents,
  seedCart,
  SESSIONS_PATH,
  triggerButton,
  waitForCheckoutEvent,
  widget,
} from '../../../e2e/support/checkout.js';

/**
 * No lost carts and no dead ends (issue 12, items 2 and 3), on the demo's checkout page with the
 * sandbox: a reload resumes the open session, a paid one is never shown again, a changed cart gets
 * one new session, and a refused popup window falls back (`popup-fallback`).
 */

const MEMORY_PREFIX = 'checkout-widget:session:';

/** Counts the create calls (`POST {endpoint}`) of the page, across reloads. */
function countCreates(page: Page): { readonly count: number; bodies: unknown[] } {
  const creates = { count: 0, bodies: [] as unknown[] };
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === SESSIONS_PATH) {
      creates.count++;
      creates.bodies.push(request.postDataJSON());
    }
  });
  return creates;
}

async function sessionIds(page: Page): Promise<string[]> {
  return (await recordedEvents(page)).flatMap((event) => (event.type === 'checkout-session' ? [event.detail.session.id] : []));
}

/** The widget's entries in sessionStorage, by key. */
function memory(page: Page): Promise<Record<string, string>> {
  return page.evaluate(
    (prefix) => Object.fromEntries(Object.entries(sessionStorage).filter(([key]) => key.startsWith(prefix))),
    MEMORY_PREFIX,
  );
}

const frame = (page: Page) => widget(page).locator('iframe').contentFrame();

test.describe('no lost carts', () => {
  test.beforeEach(async ({ page }) => {
    await seedCart(page);
    await recordCheckoutEvents(page);
  });

  test('a reload of an embedded checkout resumes the same open session: one create in all', async ({ page }) => {
    const creates = countCreates(page);
    await page.goto('/checkout.html?provider=sandbox&mode=embedded');
    const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
    const stored = Object.values(await memory(page));
    expect(stored).toEqual([expect.stringContaining(session.id)]);
    // The key and id only: never the client secret or anything else of the session.
    expect(Object.keys(JSON.parse(stored[0]!) as object).sort()).toEqual(['id', 'key']);

    await page.reload();
    const resumed = await waitForCheckoutEvent(page, 'checkout-ready');
    expect(resumed.session).toMatchObject({ id: session.id, status: 'open' });
    await expect(frame(page).getByRole('button', { name: /^pay/i }).first()).toBeVisible();
    expect(creates.count).toBe(1);
  });

  test('a paid session is never resumed as open: a reload after paying starts a new session', async ({ page }) => {
    const creates = countCreates(page);
    await page.goto('/checkout.html?provider=sandbox&mode=embedded');
    const { session: paid } = await waitForCheckoutEvent(page, 'checkout-ready');
    // As the memory was when the payment was made: a reload at that moment finds it still there.
    const before = await memory(page);
    const cart = await page.evaluate(() => localStorage.getItem('checkout-demo-cart'));

    await payWithCard(frame(page), CARDS.success);
    await waitForCheckoutEvent(page, 'checkout-accept');
    expect(await memory(page)).toEqual({});

    // The same cart again, and the entry of the paid session as if the page had no time to drop it.
    await page.evaluate(
      ({ entries, lines }) => {
        for (const [key, value] of Object.entries(entries)) sessionStorage.setItem(key, value);
        localStorage.setItem('checkout-demo-cart', lines!);
      },
      { entries: before, lines: cart },
    );
    await page.reload();
    const { session: fresh } = await waitForCheckoutEvent(page, 'checkout-ready');
    expect(fresh.id).not.toBe(paid.id);
    expect(fresh.status).toBe('open');
    expect(await sessionIds(page)).toEqual([fresh.id]);
    expect((await recordedEvents(page)).map((event) => event.type)).not.toContain('checkout-accept');
    await expect(widget(page)).toHaveAttribute('state', 'ready');
    expect(creates.count).toBe(2);
  });

  test('a quantity change 2 → 5 (typed as 3, 4, 5) makes exactly one new session with the new amount', async ({ page }) => {
    const creates = countCreates(page);
    await page.goto('/checkout.html?provider=sandbox&mode=embedded');
    const { session: first } = await waitForCheckoutEvent(page, 'checkout-ready');
    expect(first.amount).toBe(2 * 24_900 + 12_900);

    await widget(page).evaluate(async (element) => {
      const payload = JSON.parse(element.getAttribute('payload')!) as { items: { sku: string; quantity: number }[] };
      for (const quantity of [3, 4, 5]) {
        payload.items[0]!.quantity = quantity;
        element.setAttribute('payload', JSON.stringify(payload));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    const { session: second } = await waitForCheckoutEvent(page, 'checkout-ready', { where: ({ session }) => session.id !== first.id });
    expect(second.amount).toBe(5 * 24_900 + 12_900);
    await expect(frame(page).getByRole('button', { name: /^pay/i }).first()).toContainText(/1[,.]?374[.,]00/);
    expect(creates.bodies.at(-1)).toMatchObject({ items: [{ sku: 'coffee-beans', quantity: 5 }, { sku: 'mug', quantity: 1 }] });
    // The old session's memory went with it.
    expect(Object.values(await memory(page))).toEqual([expect.stringContaining(second.id)]);
    // Nothing more follows the last change.
    await page.waitForTimeout(1_000);
    expect(creates.count).toBe(2);
  });
});

test.describe('popup-fallback: a page whose window.open returns null', () => {
  test.beforeEach(async ({ page }) => {
    await seedCart(page);
    await recordCheckoutEvents(page);
    await page.addInitScript(() => {
      window.open = () => null;
    });
  });

  test('default (overlay): the page shows in the overlay dialog', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox&mode=popup');
    await triggerButton(page).click();
    await waitForCheckoutEvent(page, 'checkout-ready');
    const dialog = widget(page).getByRole('dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog.locator('iframe').contentFrame().getByLabel(/card number/i)).toBeVisible();
    expect((await recordedEvents(page)).map((event) => event.type)).not.toContain('checkout-error');
  });

  test('a session that is not frameable leaves for its page instead', async ({ page }) => {
    await page.route(`**${SESSIONS_PATH}`, async (route) => {
      const response = await route.fetch();
      const session = (await response.json()) as Record<string, unknown>;
      await route.fulfill({ response, json: { ...session, frameable: false } });
    });
    await page.goto('/checkout.html?provider=sandbox&mode=popup');
    await triggerButton(page).click();
    await page.waitForURL(/\/pay\//);
    await expect(page.getByLabel(/card number/i)).toBeVisible();
  });

  test('popup-fallback="redirect" leaves for the page', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox&mode=popup');
    await widget(page).evaluate((element) => element.setAttribute('popup-fallback', 'redirect'));
    await triggerButton(page).click();
    await page.waitForURL(/\/pay\//);
    await expect(page.getByLabel(/card number/i)).toBeVisible();
  });
});
