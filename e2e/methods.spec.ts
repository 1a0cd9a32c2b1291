import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page, type Request } from '@playwright/test';
import type { DisplayMode } from '../src/core/display.js';
import {
  BLIK,
  CARDS,
  SESSIONS_PATH,
  eventTypes,
  payWithBlik,
  recordCheckoutEvents,
  seedCart,
  triggerButton,
  waitForCheckoutEvent,
  widget,
  widgetState,
} from './support/checkout.js';
import { payByKeyboard, tabTo, type Surface } from './support/keyboard.js';

/**
 * The demo's default checkout, `methods="choose"`, against the real backend (no `page.route`):
 * `POST /api/checkout/sessions/methods` answers the sandbox's card, BLIK and card fields from the
 * handler's routing, the shopper picks with the keyboard alone in every display mode, the create
 * carries `{ provider, method }`, and each method pays at the sandbox PSP.
 */

const MODES: DisplayMode[] = ['embedded', 'overlay', 'popup', 'redirect'];

test.beforeEach(async ({ page }) => {
  await seedCart(page);
  await recordCheckoutEvents(page);
});

const chooser = (page: Page) => widget(page).getByRole('group', { name: 'Choose a way to pay' });
const radio = (page: Page, name: string) => widget(page).getByRole('radio', { name, exact: true });
const posted = (page: Page, path: string) =>
  page.waitForRequest((request: Request) => request.method() === 'POST' && new URL(request.url()).pathname === path);

/** Opens the demo's checkout (the chooser by default) and waits for the methods the backend offers. */
async function openChooser(page: Page, mode: DisplayMode): Promise<Record<string, unknown>> {
  const methodsCall = posted(page, `${SESSIONS_PATH}/methods`);
  await page.goto(`/checkout.html?mode=${mode}`);
  if (mode !== 'embedded') {
    // Nothing is asked before the shopper starts: the trigger comes first, reached with Tab.
    await tabTo(page, triggerButton(page));
    await page.keyboard.press('Enter');
  }
  const answer = await (await methodsCall).response();
  expect(answer?.status()).toBe(200);
  await expect(chooser(page)).toBeVisible();
  return (await answer!.json()) as Record<string, unknown>;
}

test('the backend offers the sandbox’s card, BLIK and card fields; the chooser shows them and axe finds nothing', async ({ page }) => {
  const offered = await openChooser(page, 'embedded');
  expect(offered).toEqual({
    methods: [
      { id: 'card', provider: 'sandbox', label: 'Card', kind: 'hosted' },
      { id: 'blik', provider: 'sandbox', label: 'BLIK', kind: 'hosted' },
      { id: 'card-fields', provider: 'sandbox', label: 'Card (on this page)', kind: 'card-token' },
    ],
  });
  await expect(widget(page).locator('[part~="method"]')).toHaveCount(3);
  await expect(radio(page, 'Card')).toBeChecked();
  // Choosing, not paying yet: no session was made.
  expect(await eventTypes(page)).not.toContain('checkout-session');
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((violation) => violation.id)).toEqual([]);
});

for (const mode of MODES) {
  test(`${mode}: keyboard only, the shopper chooses card and pays at the sandbox`, async ({ page }) => {
    await openChooser(page, mode);
    // Embedded starts by itself and leaves the page's focus alone; after the trigger, focus is on the choice.
    if (mode === 'embedded') await tabTo(page, radio(page, 'Card'));
    else await expect(radio(page, 'Card')).toBeFocused();
    // The group is one tab stop: arrows move the choice, back to card.
    await page.keyboard.press('ArrowDown');
    await expect(radio(page, 'BLIK')).toBeChecked();
    await page.keyboard.press('ArrowUp');
    await expect(radio(page, 'Card')).toBeChecked();
    await page.keyboard.press('Tab');
    await expect(widget(page).getByRole('button', { name: 'Continue' })).toBeFocused();

    const createCall = posted(page, SESSIONS_PATH);
    const popup = mode === 'popup' ? page.waitForEvent('popup') : undefined;
    await page.keyboard.press('Enter');
    expect((await createCall).postDataJSON()).toMatchObject({ provider: 'sandbox', method: 'card' });

    let keys = page;
    let surface: Surface = page;
    if (mode === 'embedded') surface = widget(page).locator('iframe').contentFrame();
    else if (mode === 'overlay') surface = widget(page).getByRole('dialog').locator('iframe').contentFrame();
    else if (popup) {
      keys = await popup;
      surface = keys;
    }
    if (mode === 'popup' || mode === 'redirect') await keys.waitForURL(/\/pay\//);
    await payByKeyboard(keys, surface);

    const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
    expect(accepted.session).toMatchObject({ provider: 'sandbox', status: 'complete' });
    await expect.poll(() => widgetState(page)).toBe('complete');
    await expect(page.getByRole('heading', { name: /payment is complete/i })).toBeVisible();
    if (mode !== 'redirect') {
      // At top level (redirect) the page that heard the pick was left; the pick is the create body above.
      const picked = await waitForCheckoutEvent(page, 'checkout-method');
      expect(picked).toEqual({ method: 'card', provider: 'sandbox' });
    }
    expect(await eventTypes(page)).not.toContain('checkout-error');
  });
}

test('overlay: the shopper chooses BLIK and pays with a BLIK code', async ({ page }) => {
  await openChooser(page, 'overlay');
  await radio(page, 'BLIK').check();
  const createCall = posted(page, SESSIONS_PATH);
  await widget(page).getByRole('button', { name: 'Continue' }).click();
  expect((await createCall).postDataJSON()).toMatchObject({ provider: 'sandbox', method: 'blik' });
  const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
  expect(new URL(session.url!).searchParams.get('method')).toBe('blik');
  await payWithBlik(widget(page).getByRole('dialog').locator('iframe').contentFrame(), BLIK.success);
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ provider: 'sandbox', status: 'complete' });
});

test('embedded: the shopper chooses card fields and pays in the PSP’s frame on the shop page', async ({ page }) => {
  await openChooser(page, 'embedded');
  await radio(page, 'Card (on this page)').check();
  const createCall = posted(page, SESSIONS_PATH);
  await widget(page).getByRole('button', { name: 'Continue' }).click();
  expect((await createCall).postDataJSON()).toMatchObject({ provider: 'sandbox', method: 'card-fields' });
  const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
  expect(session.kind).toBe('card-token');
  const card = page.locator('checkout-widget .card-frame iframe').contentFrame();
  await card.getByLabel('Card number').fill(CARDS.success);
  await card.getByLabel(/expir/i).fill('12/34');
  await card.getByLabel(/security code/i).fill('123');
  const token = posted(page, `${SESSIONS_PATH}/${session.id}/token`);
  await widget(page).getByRole('button', { name: /^Pay / }).click();
  expect((await token).postDataJSON()).toEqual({ token: expect.stringMatching(/^tok_/) });
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ provider: 'sandbox', status: 'complete', kind: 'card-token' });
});
