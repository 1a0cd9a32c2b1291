// The one Playwright test `scripts/examples.ts` runs against each started example app
// (`EXAMPLE_URL`), with the browser and flags of the repository's own e2e suite.
import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from '../e2e/support/browser.js';

export default defineConfig({
  testDir: '.',
  testMatch: /examples\.spec\.ts$/,
  workers: 1,
  retries: 0,
  timeout: 180_000, // a payment takes 10-30 s on the loaded 2-core machine; a framework's first compile of the page can add a minute
  reporter: 'list',
  outputDir: '../test-results/examples',
  use: { launchOptions: chromiumLaunchOptions(), trace: 'retain-on-failure' },
});
