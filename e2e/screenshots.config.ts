import { defineConfig } from '@playwright/test';
import base from './playwright.config.js';

/**
 * Screenshots of the demo flows for a human to look at (not part of `npm test`):
 * `npx playwright test -c e2e/screenshots.config.ts`, pictures in $SCREENSHOT_DIR
 * (default /tmp/checkout-widget-screenshots).
 */
export default defineConfig({
  ...base,
  testMatch: /[\\/]e2e[\\/].*\.shots\.ts$/,
  workers: 1,
  reporter: 'list',
});
