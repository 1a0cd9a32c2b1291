import { fileURLToPath } from 'node:url';
import { defineConfig, devices } from '@playwright/test';
import { chromiumLaunchOptions } from './support/browser.js';

function portFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`${name} must be a port number (got "${value}")`);
  return port;
}

/**
 * Ports kept apart from `npm start` (5173/4243) so a running demo does not get in the way;
 * E2E_SHOP_PORT / E2E_SANDBOX_PORT move them when two suites share one machine.
 */
export const SHOP_PORT = portFromEnv('E2E_SHOP_PORT', 5273);
export const SANDBOX_PORT = portFromEnv('E2E_SANDBOX_PORT', 4343);
export const SHOP_URL = `http://127.0.0.1:${SHOP_PORT}`;
export const SANDBOX_URL = `http://127.0.0.1:${SANDBOX_PORT}`;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const inCi = Boolean(process.env['CI']);

export default defineConfig({
  // The repository root, so component and provider specs beside their code are found too.
  testDir: repoRoot,
  testMatch: [/[\\/]e2e[\\/].*\.spec\.ts$/, /[\\/]src[\\/](components|providers)[\\/].*\.spec\.ts$/],
  testIgnore: [/[\\/]node_modules[\\/]/, /[\\/]dist[\\/]/],
  outputDir: `${repoRoot}test-results`,
  fullyParallel: true,
  forbidOnly: inCi,
  workers: 2,
  retries: inCi ? 1 : 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: `${repoRoot}playwright-report` }]],
  use: {
    baseURL: SHOP_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: { ...devices['Desktop Chrome'], launchOptions: chromiumLaunchOptions() },
    },
  ],
  webServer: {
    // `npm test` builds first; the server serves dist/cdn as it is.
    command: 'npx tsx demo/server.ts',
    cwd: repoRoot,
    // Its own state folder, apart from `npm start`'s .data/demo.
    env: { PORT: String(SHOP_PORT), SANDBOX_PORT: String(SANDBOX_PORT), CHECKOUT_DATA_DIR: `${repoRoot}.data/e2e` },
    url: `${SHOP_URL}/`,
    reuseExistingServer: !inCi,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
