/**
 * Subresource Integrity for the CDN build: `dist/cdn/integrity.json` pins every file; the ES
 * module's chunks are pinned through an import map's `integrity` (built from that file, as the
 * README shows), the IIFE with the tag's `integrity`. A tampered file must never run: the widget
 * reports a tampered chunk as `provider_load_failed`, and a tampered entry file registers nothing.
 * The shop page is answered by `page.route`; the tests stop at `checkout-session` and never frame
 * the PSP, so no local-network rule is involved. A contract answer needs no chunk at all; the
 * chunk tests answer in Reepay's native shape, which only the validators chunk reads.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { SHOP_URL } from './playwright.config.js';
import { recordCheckoutEvents, SESSIONS_PATH, waitForCheckoutEvent } from './support/checkout.js';

const CDN_DIR = fileURLToPath(new URL('../dist/cdn/', import.meta.url));
const CDN_URL = `${SHOP_URL}/cdn/`;
const PAGE_URL = `${SHOP_URL}/sri-e2e/checkout.html`;
const integrity: Record<string, string> = JSON.parse(readFileSync(`${CDN_DIR}integrity.json`, 'utf8'));
/** What a tampered file would do if it ran. */
const TAMPER = '\n;window.__tampered = true;\n';

const WIDGET = `<checkout-widget endpoint="${SESSIONS_PATH}" payload='{"items":[{"sku":"coffee-beans","quantity":1}]}'></checkout-widget>`;

/** The README's import map: every file of integrity.json under the CDN URL it is served from. */
function importMap(): string {
  const entries = Object.fromEntries(Object.entries(integrity).map(([file, hash]) => [`${CDN_URL}${file}`, hash]));
  return JSON.stringify({ integrity: entries });
}

async function servePage(page: Page, head: string): Promise<void> {
  await page.route(PAGE_URL, (route) =>
    route.fulfill({ contentType: 'text/html', body: `<!doctype html><html lang="en"><head>${head}</head><body>${WIDGET}</body></html>` }),
  );
}

/** Serves `file` from the CDN with the tamper appended (same name, so the pinned hash no longer matches). */
async function tamper(page: Page, file: string): Promise<void> {
  await page.route(`${CDN_URL}${file}`, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: (await response.text()) + TAMPER });
  });
}

/** A provider-native answer (Reepay's `{ id, url }`): the widget needs its validators chunk for it. */
async function answerNatively(page: Page): Promise<void> {
  const id = 'cs_0123456789abcdef0123456789abcdef';
  await page.route(`${SHOP_URL}${SESSIONS_PATH}`, (route) => route.fulfill({ status: 201, json: { id, url: `https://checkout.reepay.com/#/${id}` } }));
}

const chunk = (prefix: string) => {
  const name = Object.keys(integrity).find((file) => file.startsWith(prefix));
  if (!name) throw new Error(`integrity.json has no ${prefix}* file: run npm run build`);
  return name;
};

test.describe('SRI', () => {
  test('integrity.json pins every .js file of dist/cdn with its sha384', async () => {
    const { createHash } = await import('node:crypto');
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(CDN_DIR).filter((name) => name.endsWith('.js')).sort();
    expect(Object.keys(integrity).sort()).toEqual(files);
    for (const file of files) {
      expect(integrity[file]).toBe(`sha384-${createHash('sha384').update(readFileSync(`${CDN_DIR}${file}`)).digest('base64')}`);
    }
  });

  test('the ES module with an import map of integrity.json starts a checkout', async ({ page }) => {
    await recordCheckoutEvents(page);
    await servePage(
      page,
      `<script type="importmap">${importMap()}</script><script type="module" src="${CDN_URL}checkout-widget.js" integrity="${integrity['checkout-widget.js']}" crossorigin="anonymous"></script>`,
    );
    await page.goto(PAGE_URL);
    await waitForCheckoutEvent(page, 'checkout-session');
  });

  test('the same with a native answer: the validators chunk passes its integrity check', async ({ page }) => {
    await recordCheckoutEvents(page);
    await answerNatively(page);
    const validators = page.waitForResponse((response) => response.url() === `${CDN_URL}${chunk('checkout-session-schema-')}`);
    await servePage(
      page,
      `<script type="importmap">${importMap()}</script><script type="module" src="${CDN_URL}checkout-widget.js" integrity="${integrity['checkout-widget.js']}" crossorigin="anonymous"></script>`,
    );
    await page.goto(PAGE_URL);
    await validators;
    const { session } = await waitForCheckoutEvent(page, 'checkout-session');
    expect(session.kind).toBe('reepay');
  });

  test('a tampered validators chunk never runs: the widget reports provider_load_failed', async ({ page }) => {
    await recordCheckoutEvents(page);
    await answerNatively(page);
    await tamper(page, chunk('checkout-session-schema-'));
    await servePage(
      page,
      `<script type="importmap">${importMap()}</script><script type="module" src="${CDN_URL}checkout-widget.js" integrity="${integrity['checkout-widget.js']}" crossorigin="anonymous"></script>`,
    );
    await page.goto(PAGE_URL);
    const error = await waitForCheckoutEvent(page, 'checkout-error');
    expect(error.code).toBe('provider_load_failed');
    expect(await page.evaluate(() => (window as { __tampered?: boolean }).__tampered)).toBeUndefined();
  });

  test('without the import map the same tampered chunk does run (the control)', async ({ page }) => {
    await recordCheckoutEvents(page);
    await answerNatively(page);
    await tamper(page, chunk('checkout-session-schema-'));
    await servePage(page, `<script type="module" src="${CDN_URL}checkout-widget.js"></script>`);
    await page.goto(PAGE_URL);
    await expect.poll(() => page.evaluate(() => (window as { __tampered?: boolean }).__tampered)).toBe(true);
  });

  test('a tampered IIFE with integrity on its tag registers nothing', async ({ page }) => {
    await tamper(page, 'checkout-widget.iife.js');
    const refused = page.waitForEvent('console', (message) => /integrity/i.test(message.text()));
    await servePage(page, `<script src="${CDN_URL}checkout-widget.iife.js" integrity="${integrity['checkout-widget.iife.js']}" crossorigin="anonymous"></script>`);
    await page.goto(PAGE_URL);
    await refused;
    expect(await page.evaluate(() => [Boolean(customElements.get('checkout-widget')), (window as { __tampered?: boolean }).__tampered])).toEqual([false, undefined]);
  });
});
