import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { createCheckoutHandler } from '../../server/handler.js';
import { serveNode } from '../../server/node-http.js';
import { MUG_CATALOG } from '../../server/test-support/hosted-provider-double.js';
import { scriptedSessions } from '../../server/test-support/scripted-sessions.js';

/**
 * Errors that say what to do (issue 24, item 4), in a real browser: a widget with neither an
 * endpoint nor a session, a cross-origin endpoint the browser refuses (CORS), a typo'd endpoint.
 * The shop and the API are fakes served by `page.route`; needs `vite build` first.
 */

const SHOP = 'http://shop.test';
const CDN_DIR = fileURLToPath(new URL('../../../dist/cdn/', import.meta.url));

interface Seen {
  events: { type: string; detail: { code?: string; message?: string; state?: string } }[];
  warnings: string[];
}

/** The test page: the built widget and `body`, with its checkout-error and checkout-status events recorded. */
async function shopPage(pathname: string, body: string): Promise<{ body: string; contentType: string; status?: number }> {
  if (pathname.startsWith('/cdn/')) return { body: await readFile(CDN_DIR + pathname.slice(5), 'utf8'), contentType: 'text/javascript' };
  if (pathname === '/') {
    return {
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><script type="module" src="/cdn/checkout-widget.js"></script></head><body>${body}
        <script>for (const name of ['checkout-error', 'checkout-status']) document.addEventListener(name, (e) => window.__record(name, JSON.parse(JSON.stringify(e.detail))));</script></body></html>`,
    };
  }
  // A typo'd path: the shop's framework answers its own 404 page.
  return { status: 404, contentType: 'text/html', body: '<h1>Not found</h1>' };
}

async function record(page: Page): Promise<Seen> {
  const seen: Seen = { events: [], warnings: [] };
  page.on('console', (message) => {
    if (message.type() === 'warning') seen.warnings.push(message.text());
  });
  await page.exposeFunction('__record', (type: string, detail: Seen['events'][number]['detail']) => seen.events.push({ type, detail }));
  return seen;
}

async function open(page: Page, body: string): Promise<Seen> {
  const seen = await record(page);
  await page.route(`${SHOP}/**`, async (route) => route.fulfill(await shopPage(new URL(route.request().url()).pathname, body)));
  await page.goto(`${SHOP}/`);
  return seen;
}

test('no endpoint and no session: checkout-error missing_endpoint and a console warning, once the first update has passed', async ({ page }) => {
  const seen = await open(page, '<checkout-widget></checkout-widget>');
  await expect.poll(() => seen.events.find((event) => event.type === 'checkout-error')?.detail).toEqual({
    code: 'missing_endpoint',
    message: 'Set the endpoint attribute or the session property of <checkout-widget>',
    retryable: false,
  });
  expect(seen.warnings).toContain('Set the endpoint attribute or the session property of <checkout-widget>');
  await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'error');
  await expect(page.locator('checkout-widget [part="error"]')).toHaveText('The checkout could not be started.');
});

test('an endpoint set after missing_endpoint was reported (a framework hydrating later) starts the checkout', async ({ page }) => {
  const seen = await open(page, '<checkout-widget></checkout-widget>');
  await expect(page.locator('checkout-widget')).toHaveAttribute('state', 'error');
  await page.evaluate(() => {
    (document.querySelector('checkout-widget') as HTMLElement & { endpoint?: string }).endpoint = '/api/checkuot/sessions';
  });
  // It starts: the create is called (this fake shop answers 404), so the error now names that URL.
  await expect.poll(() => seen.events.filter((event) => event.type === 'checkout-error').map((event) => event.detail.code)).toEqual([
    'missing_endpoint',
    'endpoint_error',
  ]);
  expect(seen.events.some((event) => event.type === 'checkout-status' && event.detail.state === 'loading')).toBe(true);
});

test('an endpoint set as a property just after the element is created is not punished', async ({ page }) => {
  const seen = await open(page, '<div id="host"></div>');
  // As a framework does: create, insert, then set the property in the same task.
  await page.evaluate(async () => {
    const widget = document.createElement('checkout-widget') as HTMLElement & { endpoint?: string };
    document.getElementById('host')!.append(widget);
    await Promise.resolve();
    widget.endpoint = '/api/checkuot/sessions';
  });
  await expect.poll(() => seen.events.find((event) => event.type === 'checkout-error')?.detail.code).toBe('endpoint_error');
  expect(seen.events.some((event) => event.detail.code === 'missing_endpoint')).toBe(false);
  expect(seen.warnings.filter((text) => text.includes('Set the endpoint attribute'))).toEqual([]);
  // The typo'd endpoint's error names the URL it called.
  expect(seen.events.find((event) => event.type === 'checkout-error')?.detail.message).toBe(
    'The checkout endpoint answered 404 (/api/checkuot/sessions)',
  );
});

test('a cross-origin endpoint not in allowedOrigins: the handler logs the origin to list, the widget names CORS', async ({ page }) => {
  // The real handler on its own origin (127.0.0.1:<port>), with no allowedOrigins: no CORS headers.
  const scripted = scriptedSessions('fake', (counter) => ({ kind: 'hosted', url: `https://pay.example/${counter}` }));
  const warnings: string[] = [];
  const handler = createCheckoutHandler({
    providers: [{ name: 'fake', createSession: scripted.createSession, getSession: scripted.getSession }],
    catalog: MUG_CATALOG,
    logger: { error: () => {}, warn: (line: string) => warnings.push(line) },
  });
  const api = await serveNode(handler);
  let shopServer: Awaited<ReturnType<typeof serveNode>> | undefined;
  try {
    const endpoint = `${api.url}/api/checkout/sessions`;
    // The shop on a real server too, another loopback port (so another origin): with \`page.route\`
    // on, Playwright answers CORS preflights itself, and Chromium refuses a public page's calls to loopback.
    const widget = `<checkout-widget endpoint="${endpoint}" payload='{"items":[{"sku":"mug","quantity":1}]}'></checkout-widget>`;
    shopServer = await serveNode(async (request) => {
      const answer = await shopPage(new URL(request.url).pathname, widget);
      return new Response(answer.body, { status: answer.status ?? 200, headers: { 'content-type': answer.contentType } });
    });
    const shop = shopServer.url;
    const seen = await record(page);
    await page.goto(`${shop}/`);
    await expect.poll(() => seen.events.find((event) => event.type === 'checkout-error')?.detail, { timeout: 20_000 }).toMatchObject({
      code: 'endpoint_unreachable',
      message: `The checkout endpoint could not be reached (CORS? allowedOrigins)`,
    });
    const refused = warnings.map((line) => JSON.parse(line) as { event: string; msg: string }).filter((record) => record.event === 'cors.origin_refused');
    // Once, though the widget tried three times.
    expect(refused).toHaveLength(1);
    expect(refused[0]!.msg).toContain(`createCheckoutHandler({ allowedOrigins: ['${shop}'] })`);
  } finally {
    await handler.close();
    await api.close();
    await shopServer?.close();
  }
});
