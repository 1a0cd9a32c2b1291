// Run by scripts/examples.ts (not by `npm test`): pays one sandbox checkout on an example app's page
// (`EXAMPLE_URL`) with `payInSandbox` from the checkout-widget the example installed from the
// packed tarball (`EXAMPLE_DIR`), and waits for the widget's `state="complete"`.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';

const { EXAMPLE_NAME, EXAMPLE_URL, EXAMPLE_DIR } = process.env;

test(`the ${EXAMPLE_NAME ?? '?'} example pays a sandbox checkout`, async ({ page }) => {
  if (!EXAMPLE_URL || !EXAMPLE_DIR) throw new Error('run by scripts/examples.ts (EXAMPLE_URL and EXAMPLE_DIR)');
  const testing = createRequire(join(EXAMPLE_DIR, 'package.json')).resolve('checkout-widget/testing');
  const { payInSandbox } = (await import(pathToFileURL(testing).href)) as typeof import('../src/testing/index.js');
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(EXAMPLE_URL);
  await payInSandbox(page);
  await expect.poll(() => page.locator('checkout-widget').getAttribute('state'), { timeout: 60_000 }).toBe('complete');
  expect(errors).toEqual([]);
});
