/**
 * `checkout-widget/react` in a React 19 app: the published wrapper (`dist/lib/react.js`) bundled
 * with esbuild into a page, against the demo's checkout endpoint. The payload reaches the endpoint
 * as the object it is (not "[object Object]": nothing but the wrapper registers the element, so
 * this holds only because it registers before React renders), typed event props fire, and a
 * sandbox payment ends in `onCheckoutAccept`.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { SANDBOX_URL, SHOP_URL } from './playwright.config.js';
import { SESSIONS_PATH } from './support/checkout.js';

const PAGE_URL = `${SHOP_URL}/react-e2e/index.html`;
const APP_URL = `${SHOP_URL}/react-e2e/app.js`;
const REACT_ENTRY = fileURLToPath(new URL('../dist/lib/react.js', import.meta.url));

const APP = `
import { createElement, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { CheckoutWidget } from ${JSON.stringify(REACT_ENTRY)};

const seen = (window.seen = []);
function App() {
  const [quantity] = useState(2);
  return createElement(CheckoutWidget, {
    endpoint: ${JSON.stringify(SESSIONS_PATH)},
    payload: { items: [{ sku: 'coffee-beans', quantity }] },
    onCheckoutSession: (event) => seen.push(['session', event.detail.session.id, event.type]),
    onCheckoutError: (event) => seen.push(['error', event.detail.code]),
    onCheckoutAccept: (event) => seen.push(['accept', event.detail.session.status]),
  });
}
createRoot(document.getElementById('root')).render(createElement(App));
`;

let bundle = '';

test.beforeAll(async () => {
  const result = await build({
    stdin: { contents: APP, resolveDir: fileURLToPath(new URL('..', import.meta.url)), loader: 'js' },
    bundle: true,
    format: 'esm',
    write: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0]!.text;
});

test('a React 19 app renders <CheckoutWidget>: object payload sent as JSON, typed event props fire, and it pays', async ({ page, request }) => {
  await page.route(PAGE_URL, (route) =>
    route.fulfill({ contentType: 'text/html', body: `<!doctype html><html lang="en"><body><div id="root"></div><script type="module" src="${APP_URL}"></script></body></html>` }),
  );
  await page.route(APP_URL, (route) => route.fulfill({ contentType: 'text/javascript', body: bundle }));
  const create = page.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith(SESSIONS_PATH));
  await page.goto(PAGE_URL);
  expect((await create).postDataJSON()).toMatchObject({ items: [{ sku: 'coffee-beans', quantity: 2 }] });
  await expect.poll(() => page.evaluate(() => (window as unknown as { seen: unknown[][] }).seen)).toEqual([
    ['session', expect.stringMatching(/\S/), 'checkout-session'],
  ]);
  expect(await page.locator('checkout-widget').getAttribute('payload')).toBeNull();

  // The shopper pays on the sandbox's page (posted here: a page answered by page.route may not frame
  // the loopback PSP); the widget's status watch sees it and onCheckoutAccept fires, confirmed.
  const [, sessionId] = (await page.evaluate(() => (window as unknown as { seen: string[][] }).seen))[0]!;
  const paid = await request.post(`${SANDBOX_URL}/pay/${sessionId}/card`, {
    form: { number: '4242424242424242', expiry: '12/34', cvc: '123' },
    maxRedirects: 0,
  });
  expect(paid.status()).toBe(303);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { seen: unknown[][] }).seen), { timeout: 20_000 })
    .toContainEqual(['accept', 'complete']);
});
