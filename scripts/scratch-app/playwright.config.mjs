// The scratch shop's Playwright config: Debian's Chromium when there is one (or CHROMIUM_PATH),
// the server that package-install.test.ts already started (reused), else one started here.
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

const executablePath = process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const url = `http://127.0.0.1:${process.env.PORT ?? 3000}`;

export default defineConfig({
  testDir: '.',
  testMatch: /\.spec\.mjs$/,
  workers: 1,
  timeout: 90_000, // a payment takes 10-15 s alone, and up to 30 s and more on a loaded 2-core CI machine
  reporter: 'list',
  use: { baseURL: url, launchOptions: { ...(executablePath && { executablePath }), args: ['--no-sandbox', '--disable-gpu'] } },
  webServer: { command: 'node server.mjs', url: `${url}/`, reuseExistingServer: true, timeout: 60_000 },
});
