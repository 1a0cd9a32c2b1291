import { expect, type Frame, type FrameLocator, type Page } from '@playwright/test';
import { CARDS } from './checkout.js';

/** Where keys go: the shop page, the sandbox page in a frame, or a popup. */
export type Surface = Page | Frame | FrameLocator;

/** Presses Tab (on `keys`' page) until `target` has focus. */
export async function tabTo(keys: Page, target: ReturnType<Surface['locator']>, max = 40): Promise<void> {
  for (let presses = 0; presses < max; presses += 1) {
    if (await target.evaluate((element) => element === element.ownerDocument.activeElement || element.matches(':focus')).catch(() => false)) return;
    await keys.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
}

/** Fills the sandbox card form field by field and submits it with Enter on the Pay button. */
export async function payByKeyboard(keys: Page, surface: Surface): Promise<void> {
  await tabTo(keys, surface.locator('#card-number'));
  await keys.keyboard.type(CARDS.success);
  await keys.keyboard.press('Tab');
  await expect(surface.locator('#card-expiry')).toBeFocused();
  await keys.keyboard.type('12/34');
  await keys.keyboard.press('Tab');
  await expect(surface.locator('#card-cvc')).toBeFocused();
  await keys.keyboard.type('123');
  await keys.keyboard.press('Tab');
  await expect(surface.getByRole('button', { name: /^pay/i })).toBeFocused();
  // A popup closes once it paid, maybe between the key down and the key up.
  await keys.keyboard.press('Enter').catch((error: unknown) => {
    if (!keys.isClosed()) throw error;
  });
}
