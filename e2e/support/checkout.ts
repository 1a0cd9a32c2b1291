import { expect, type Frame, type FrameLocator, type Page } from '@playwright/test';
import { CHECKOUT_EVENT_NAMES, type CheckoutEventDetails, type CheckoutEventName } from '../../src/core/events.js';
import type { DisplayMode } from '../../src/core/display.js';

export const SESSIONS_PATH = '/api/checkout/sessions';

export const CARDS = {
  success: '4242 4242 4242 4242',
  declined: '4000 0000 0000 0002',
  threeDSecure: '4000 0000 0000 3220',
  /** Pays and saves fine; every later charge of the saved card is declined. */
  declinesLater: '4000 0000 0000 0341',
} as const;

export const BLIK = { success: '777123', declined: '777000' } as const;

export type CartLine = { sku: string; quantity: number };
export const DEFAULT_CART: CartLine[] = [
  { sku: 'coffee-beans', quantity: 2 },
  { sku: 'mug', quantity: 1 },
];

/** One recorded event; details are JSON copies taken when the event fired. */
export type RecordedEvent = {
  [K in CheckoutEventName]: { type: K; detail: CheckoutEventDetails[K] };
}[CheckoutEventName];

/**
 * Records every `checkout-*` event at `document` level in `window.__checkoutEvents`, from the
 * first script of every page load, so nothing fired early is missed.
 */
export async function recordCheckoutEvents(page: Page): Promise<void> {
  await page.addInitScript((names: readonly string[]) => {
    const target = window as unknown as { __checkoutEvents?: unknown[] };
    target.__checkoutEvents = [];
    for (const name of names) {
      document.addEventListener(name, (event) => {
        const detail = (event as CustomEvent).detail;
        target.__checkoutEvents?.push({ type: name, detail: JSON.parse(JSON.stringify(detail ?? null)) });
      });
    }
  }, CHECKOUT_EVENT_NAMES);
}

export async function recordedEvents(page: Page): Promise<RecordedEvent[]> {
  return page.evaluate(
    () => ((window as unknown as { __checkoutEvents?: RecordedEvent[] }).__checkoutEvents ?? []) as RecordedEvent[],
  );
}

export async function eventTypes(page: Page): Promise<string[]> {
  return (await recordedEvents(page)).map((event) => event.type);
}

function isNavigationError(error: unknown): boolean {
  return error instanceof Error && /Execution context was destroyed|navigat/i.test(error.message);
}

/** Waits (by polling the record, never sleeping) until an event of that name was fired. */
export async function waitForCheckoutEvent<K extends CheckoutEventName>(
  page: Page,
  name: K,
  options: { timeout?: number; where?: (detail: CheckoutEventDetails[K]) => boolean } = {},
): Promise<CheckoutEventDetails[K]> {
  let found: CheckoutEventDetails[K] | undefined;
  await expect
    .poll(
      async () => {
        // A redirect navigates under the poll; the record of the new page is read next time.
        const events = await recordedEvents(page).catch((error: unknown) => {
          if (isNavigationError(error)) return [];
          throw error;
        });
        for (const event of events) {
          if (event.type !== name) continue;
          const detail = event.detail as CheckoutEventDetails[K];
          if (!options.where || options.where(detail)) {
            found = detail;
            return true;
          }
        }
        return false;
      },
      { message: `waiting for ${name}`, timeout: options.timeout ?? 15_000 },
    )
    .toBe(true);
  return found as CheckoutEventDetails[K];
}

/**
 * Puts a cart in localStorage once per tab (a later reload, e.g. the return of a redirect,
 * sees what the page made of it rather than a fresh cart).
 */
export async function seedCart(page: Page, cart: CartLine[] = DEFAULT_CART): Promise<void> {
  await page.addInitScript((lines: CartLine[]) => {
    if (window.top !== window || sessionStorage.getItem('e2e-cart-seeded')) return;
    localStorage.setItem('checkout-demo-cart', JSON.stringify(lines));
    sessionStorage.setItem('e2e-cart-seeded', '1');
  }, cart);
}

export function widget(page: Page) {
  return page.locator('checkout-widget');
}

export async function widgetState(page: Page): Promise<string | null> {
  return widget(page).getAttribute('state');
}

/** Where the sandbox's hosted page is for each mode: a frame of the shop page, a popup or the page. */
export type PaymentSurface = Page | Frame | FrameLocator;

export function triggerButton(page: Page) {
  return widget(page).getByRole('button', { name: 'Pay' });
}

/**
 * Opens the checkout page in a mode and brings up the sandbox's payment page: the iframe
 * (embedded, overlay), the popup, or the page itself after the redirect.
 */
export async function openPaymentPage(
  page: Page,
  mode: DisplayMode,
): Promise<{ surface: PaymentSurface; popup?: Page }> {
  await page.goto(`/checkout.html?provider=sandbox&mode=${mode}`);
  switch (mode) {
    case 'embedded': {
      await waitForCheckoutEvent(page, 'checkout-ready');
      return { surface: widget(page).locator('iframe').contentFrame() };
    }
    case 'overlay': {
      await triggerButton(page).click();
      await waitForCheckoutEvent(page, 'checkout-ready');
      const dialog = widget(page).getByRole('dialog');
      await expect(dialog).toBeVisible();
      return { surface: dialog.locator('iframe').contentFrame() };
    }
    case 'popup': {
      const popupOpened = page.waitForEvent('popup');
      await triggerButton(page).click();
      const popup = await popupOpened;
      await popup.waitForURL(/\/pay\//);
      return { surface: popup, popup };
    }
    case 'redirect': {
      await triggerButton(page).click();
      await page.waitForURL(/\/pay\//);
      return { surface: page };
    }
  }
}

/** Fills the sandbox card form and submits it. */
export async function payWithCard(surface: PaymentSurface, number: string): Promise<void> {
  await surface.getByLabel(/card number/i).fill(number);
  await surface.getByLabel(/expir/i).fill('12/34');
  await surface.getByLabel(/cvc|security code/i).fill('123');
  await surface.getByRole('button', { name: /^pay/i }).click();
}

export async function payWithBlik(surface: PaymentSurface, code: string): Promise<void> {
  await surface.getByRole('tab', { name: /blik/i }).click();
  await surface.getByLabel(/blik code/i).fill(code);
  await surface.getByRole('button', { name: /^pay/i }).click();
}

export async function cancelPayment(surface: PaymentSurface): Promise<void> {
  await surface.getByRole('button', { name: /^cancel/i }).or(surface.getByRole('link', { name: /^cancel/i })).click();
}
