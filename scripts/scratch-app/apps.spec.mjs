// The front-end recipes of docs/recipes/ (apps/<name>/, built by Vite into apps/<name>/dist and
// served by server.mjs under /apps/<name>/): the shop's test pays one sandbox checkout in each with
// checkout-widget/testing, and the app's own accept handler shows the paid session.
import { expect, test } from '@playwright/test';
import { payInSandbox } from 'checkout-widget/testing';

for (const app of ['vue', 'react', 'svelte']) {
  test(`the ${app} app pays a sandbox checkout`, async ({ page }) => {
    await page.goto(`/apps/${app}/`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(new RegExp(app, 'i'));
    await payInSandbox(page);
    await expect.poll(() => page.locator('checkout-widget').getAttribute('state')).toBe('complete');
    await expect(page.getByText(/^Paid: sbx_\w+$/)).toBeVisible();
  });
}
