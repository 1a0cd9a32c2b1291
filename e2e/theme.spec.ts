import { expect, test, type Page } from '@playwright/test';
import { SESSIONS_PATH, seedCart, triggerButton, waitForCheckoutEvent, recordCheckoutEvents, widget } from './support/checkout.js';

/**
 * Dark mode and theming: the widget's own UI follows the page's `color-scheme` (computed colours),
 * and the sandbox's hosted page gets the theme and the accent the widget read (its url, its colours).
 */

/** A page of the shop's origin with the real CDN build and an endpoint that answers 500: the error box. */
async function errorPage(page: Page, rootScheme: string): Promise<void> {
  await page.route('**/theme-test.html', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><title>Theme</title><style>:root { color-scheme: ${rootScheme} }</style>
        <script type="module" src="/cdn/checkout-widget.js"></script></head>
        <body><checkout-widget endpoint="/api/broken"></checkout-widget></body></html>`,
    }),
  );
  await page.route('**/api/broken', (route) => route.fulfill({ status: 400, json: { error: { code: 'x', message: 'no' } } }));
  await page.goto('/theme-test.html');
  await expect(widget(page)).toHaveAttribute('state', 'error');
}

const errorBox = (page: Page) => widget(page).locator('[part=error]');

test.describe('the widget’s own UI', () => {
  test.use({ colorScheme: 'dark' });

  test('dark: a page with color-scheme "light dark" under a dark preference gets the dark error colours', async ({ page }) => {
    await errorPage(page, 'light dark');
    await expect(errorBox(page)).toHaveCSS('background-color', 'rgb(85, 17, 17)');
    await expect(errorBox(page)).toHaveCSS('color', 'rgb(255, 221, 221)');
  });

  test('a page that declares no color-scheme stays light, even under a dark preference', async ({ page }) => {
    await errorPage(page, 'normal');
    await expect(errorBox(page)).toHaveCSS('background-color', 'rgb(253, 236, 234)');
    await expect(errorBox(page)).toHaveCSS('color', 'rgb(138, 28, 18)');
  });

  test('the shop’s --checkout-* properties win over both', async ({ page }) => {
    await errorPage(page, 'dark');
    await page.addStyleTag({ content: 'checkout-widget { --checkout-error-background: #123456; --checkout-error-color: #fff }' });
    await expect(errorBox(page)).toHaveCSS('background-color', 'rgb(18, 52, 86)');
    await expect(errorBox(page)).toHaveCSS('color', 'rgb(255, 255, 255)');
  });
});

test.describe('the sandbox page gets the theme', () => {
  test.beforeEach(async ({ page }) => {
    await seedCart(page);
    await recordCheckoutEvents(page);
  });

  test('dark with the shop’s accent: the url carries theme=dark and accent, the page is dark with an accent pay button', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox&mode=overlay');
    await page.addStyleTag({ content: 'checkout-widget { color-scheme: dark; --checkout-accent: rebeccapurple }' });
    await triggerButton(page).click();
    await waitForCheckoutEvent(page, 'checkout-ready');
    const frame = widget(page).getByRole('dialog').locator('iframe');
    const src = new URL((await frame.getAttribute('src'))!);
    expect(src.searchParams.get('theme')).toBe('dark');
    expect(src.searchParams.get('accent')).toBe('#663399');
    const inside = frame.contentFrame();
    await expect(inside.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expect(inside.locator('html')).toHaveCSS('background-color', 'rgb(22, 22, 29)');
    await expect(inside.getByRole('button', { name: /^pay/i })).toHaveCSS('background-color', 'rgb(102, 51, 153)');
    await expect(inside.getByRole('button', { name: /^pay/i })).toHaveCSS('color', 'rgb(255, 255, 255)');
  });

  test('the demo’s light page: theme=light, the sandbox page stays light', async ({ page }) => {
    await page.goto('/checkout.html?provider=sandbox&mode=embedded');
    await waitForCheckoutEvent(page, 'checkout-ready');
    const frame = widget(page).locator('iframe');
    const src = new URL((await frame.getAttribute('src'))!);
    expect(src.searchParams.get('theme')).toBe('light');
    const inside = frame.contentFrame();
    await expect(inside.locator('html')).not.toHaveAttribute('data-theme', 'dark');
    await expect(inside.locator('html')).toHaveCSS('background-color', 'rgb(255, 255, 255)');
  });

  test('the session url asks for it with an empty theme parameter', async ({ request }) => {
    const response = await request.post(SESSIONS_PATH, { data: { items: [{ sku: 'mug', quantity: 1 }] } });
    const session = (await response.json()) as { url: string };
    expect(new URL(session.url).searchParams.get('theme')).toBe('');
  });
});
