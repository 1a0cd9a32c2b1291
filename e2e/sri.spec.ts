/**
 * Subresource Integrity for the CDN build: `dist/cdn/integrity.json` pins every file; the ES
 * module's chunks are pinned through an import map's `integrity`, the IIFE with the tag's
 * `integrity`. A tampered file must never run: the widget reports a tampered chunk as
 * `provider_load_failed`, and a tampered entry file registers nothing. The import map is the
 * README's one recipe: `cdnImportMap` (checkout-widget/server) for any base URL, or the build's
 * `dist/cdn/importmap.json` for `/cdn/`; under the README's strict CSP its `'sha256-…'` must be in
 * `script-src`, or the browser blocks the inline map and every chunk loads unpinned (the control).
 * The shop page is answered by `page.route` (its CSP as a response header); the tests stop at
 * `checkout-session` and never need the PSP's frame, so no local-network rule is involved. A
 * contract answer needs no chunk at all; the chunk tests answer in Reepay's native shape, which
 * only the validators chunk reads; a `da-DK` widget loads the language picker and the `da` texts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { cdnImportMap, type CdnImportMap } from '../src/server/cdn-pinning.js';
import { SANDBOX_URL, SHOP_URL } from './playwright.config.js';
import { eventTypes, recordCheckoutEvents, SESSIONS_PATH, waitForCheckoutEvent, widget } from './support/checkout.js';

const CDN_DIR = fileURLToPath(new URL('../dist/cdn/', import.meta.url));
const CDN_URL = `${SHOP_URL}/cdn/`;
const PAGE_URL = `${SHOP_URL}/sri-e2e/checkout.html`;
const integrity: Record<string, string> = JSON.parse(readFileSync(`${CDN_DIR}integrity.json`, 'utf8'));
/** What a tampered file would do if it ran. */
const TAMPER = '\n;window.__tampered = true;\n';

const widgetTag = (locale?: string) =>
  `<checkout-widget${locale ? ` locale="${locale}"` : ''} endpoint="${SESSIONS_PATH}" payload='{"items":[{"sku":"coffee-beans","quantity":1}]}'></checkout-widget>`;

/** The README's recipe for the CDN URL the files are served from: `<script type="importmap">…`, the module tag, the map's CSP hash. */
const pinned = (): Promise<CdnImportMap> => cdnImportMap(CDN_URL, integrity);
const pinnedHead = async () => {
  const { scriptTag, moduleTag } = await pinned();
  return `${scriptTag}${moduleTag}`;
};

async function servePage(page: Page, head: string, options: { csp?: string; locale?: string } = {}): Promise<void> {
  await page.route(PAGE_URL, (route) =>
    route.fulfill({
      contentType: 'text/html',
      headers: options.csp ? { 'content-security-policy': options.csp } : {},
      body: `<!doctype html><html lang="en"><head>${head}</head><body>${widgetTag(options.locale)}</body></html>`,
    }),
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
    await servePage(page, await pinnedHead());
    await page.goto(PAGE_URL);
    await waitForCheckoutEvent(page, 'checkout-session');
  });

  test('the same with a native answer: the validators chunk passes its integrity check', async ({ page }) => {
    await recordCheckoutEvents(page);
    await answerNatively(page);
    const validators = page.waitForResponse((response) => response.url() === `${CDN_URL}${chunk('checkout-session-schema-')}`);
    await servePage(page, await pinnedHead());
    await page.goto(PAGE_URL);
    await validators;
    const { session } = await waitForCheckoutEvent(page, 'checkout-session');
    expect(session.kind).toBe('reepay');
  });

  test('a tampered validators chunk never runs: the widget reports provider_load_failed', async ({ page }) => {
    await recordCheckoutEvents(page);
    await answerNatively(page);
    await tamper(page, chunk('checkout-session-schema-'));
    await servePage(page, await pinnedHead());
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

const PSP_ORIGIN = new URL(SANDBOX_URL).origin;

/**
 * The README's Content-Security-Policy for a shop page (`<shop>` is SHOP_URL, whose /cdn/ serves
 * dist/cdn/), with the import map's hash in `script-src`; without it, the policy as the README
 * gave it before the import map had a hash.
 */
function strictPolicy(importMapHash: string | undefined): string {
  return [
    "default-src 'none'",
    `script-src ${SHOP_URL}/cdn/${importMapHash ? ` ${importMapHash}` : ''}`,
    `connect-src ${SHOP_URL}/api/checkout/`,
    `frame-src ${PSP_ORIGIN} ${SHOP_URL}/api/checkout/return/`,
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The README's one recipe, two ways: the page's head (import map, then the module tag) and the map's CSP hash. */
const RECIPES: readonly { name: string; load(): Promise<{ head: string; hash: string }> }[] = [
  {
    name: 'cdnImportMap(<CDN URL>)',
    load: async () => {
      const { scriptTag, moduleTag, cspHash } = await pinned();
      return { head: `${scriptTag}${moduleTag}`, hash: cspHash };
    },
  },
  {
    name: "the build's importmap.json + importmap.sha256 (/cdn/)",
    load: async () => ({
      head:
        `<script type="importmap">${readFileSync(`${CDN_DIR}importmap.json`, 'utf8')}</script>` +
        `<script type="module" src="/cdn/checkout-widget.js" integrity="${integrity['checkout-widget.js']}" crossorigin="anonymous"></script>`,
      hash: readFileSync(`${CDN_DIR}importmap.sha256`, 'utf8'),
    }),
  },
];

interface Violation {
  directive: string;
  blockedURI: string;
}

/** Records every `securitypolicyviolation` of the page from its first script on (an init script: CSP does not govern it). */
async function recordViolations(page: Page): Promise<() => Promise<Violation[]>> {
  await page.addInitScript(() => {
    const violations: Violation[] = [];
    (window as unknown as { __violations: Violation[] }).__violations = violations;
    window.addEventListener('securitypolicyviolation', (event) => violations.push({ directive: event.effectiveDirective, blockedURI: event.blockedURI }), true);
  });
  return () => page.evaluate(() => (window as unknown as { __violations: Violation[] }).__violations);
}

/**
 * Imports `file` again in the page and says whether it ran: once this settles, the widget's own
 * import of it has settled too (one module map), so a `__tampered` read after it is final.
 */
function importOutcome(page: Page, file: string): Promise<'ran' | 'refused'> {
  return page.evaluate((url) => import(url).then(() => 'ran' as const, () => 'refused' as const), `${CDN_URL}${file}`);
}

const tampered = (page: Page) => page.evaluate(() => (window as { __tampered?: boolean }).__tampered);

test.describe("SRI under the README's strict CSP (import map + its hash in script-src)", () => {
  test("the build's importmap.json and importmap.sha256 are cdnImportMap('/cdn/') of integrity.json", async () => {
    const { importMapJson, cspHash } = await cdnImportMap('/cdn/', integrity);
    expect(readFileSync(`${CDN_DIR}importmap.json`, 'utf8')).toBe(importMapJson);
    expect(readFileSync(`${CDN_DIR}importmap.sha256`, 'utf8')).toBe(cspHash);
  });

  for (const recipe of RECIPES) {
    test(`${recipe.name}: a da-DK checkout starts, its language chunks pass their integrity check and run, no CSP violation`, async ({ page }) => {
      const { head, hash } = await recipe.load();
      await recordCheckoutEvents(page);
      const violations = await recordViolations(page);
      const locale = chunk('checkout-locale-da-');
      const fetched = page.waitForResponse(`${CDN_URL}${locale}`);
      await servePage(page, head, { csp: strictPolicy(hash), locale: 'da-DK' });
      await page.goto(PAGE_URL);
      await fetched;
      await waitForCheckoutEvent(page, 'checkout-session');
      // The widget fetched the language picker and the da chunk; both passed their integrity check and ran.
      expect(await importOutcome(page, locale)).toBe('ran');
      expect(await violations()).toEqual([]);
    });

    test(`${recipe.name}: a tampered da locale chunk never runs, the widget stays in English, no CSP violation`, async ({ page }) => {
      const { head, hash } = await recipe.load();
      await recordCheckoutEvents(page);
      const violations = await recordViolations(page);
      const locale = chunk('checkout-locale-da-');
      await tamper(page, locale);
      const fetched = page.waitForResponse(`${CDN_URL}${locale}`);
      await servePage(page, head, { csp: strictPolicy(hash), locale: 'da-DK' });
      await page.goto(PAGE_URL);
      await fetched;
      await waitForCheckoutEvent(page, 'checkout-session');
      expect(await importOutcome(page, locale)).toBe('refused');
      expect(await tampered(page)).toBeUndefined();
      // The widget's texts stay English: the frame is named "Checkout", not "Betaling".
      await expect(widget(page).locator('iframe')).toHaveAttribute('title', 'Checkout');
      expect(await violations()).toEqual([]);
    });

    test(`${recipe.name}: every lazily loaded chunk tampered: none runs, the widget reports provider_load_failed`, async ({ page }) => {
      const { head, hash } = await recipe.load();
      await recordCheckoutEvents(page);
      await answerNatively(page);
      const violations = await recordViolations(page);
      const chunks = Object.keys(integrity).filter((file) => file !== 'checkout-widget.js' && !file.endsWith('.iife.js'));
      for (const file of chunks) await tamper(page, file);
      const validators = page.waitForResponse(`${CDN_URL}${chunk('checkout-session-schema-')}`);
      const picker = page.waitForResponse(`${CDN_URL}${chunk('checkout-i18n-')}`);
      await servePage(page, head, { csp: strictPolicy(hash), locale: 'da-DK' });
      await page.goto(PAGE_URL);
      await Promise.all([validators, picker]);
      const error = await waitForCheckoutEvent(page, 'checkout-error');
      expect(error.code).toBe('provider_load_failed');
      // The validators refused, so the answer never became a session (no Reepay glue was reached either).
      expect(await eventTypes(page)).not.toContain('checkout-session');
      expect(await importOutcome(page, chunk('checkout-i18n-'))).toBe('refused');
      expect(await tampered(page)).toBeUndefined();
      expect(await violations()).toEqual([]);
    });
  }

  test("control: the same page under the README's policy without the import map's hash: the map is blocked and a tampered da chunk runs", async ({ page }) => {
    const { head } = await RECIPES[0]!.load();
    await recordCheckoutEvents(page);
    const violations = await recordViolations(page);
    const locale = chunk('checkout-locale-da-');
    await tamper(page, locale);
    await servePage(page, head, { csp: strictPolicy(undefined), locale: 'da-DK' });
    await page.goto(PAGE_URL);
    await expect.poll(() => tampered(page)).toBe(true);
    expect(await violations()).toContainEqual({ directive: 'script-src-elem', blockedURI: 'inline' });
  });
});
