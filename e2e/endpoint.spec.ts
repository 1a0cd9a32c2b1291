import { expect, test, type Page, type Request, type Route } from '@playwright/test';
import {
  SESSIONS_PATH,
  recordCheckoutEvents,
  seedCart,
  waitForCheckoutEvent,
  widget,
  widgetState,
} from './support/checkout.js';

test.beforeEach(async ({ page }) => {
  await seedCart(page);
  await recordCheckoutEvents(page);
});

const isCreateCall = (request: Request) =>
  request.method() === 'POST' && new URL(request.url()).pathname === SESSIONS_PATH;

/** Routes the create call (POST {endpoint}) only; reads and everything else go through. */
async function routeCreate(page: Page, handler: (route: Route, request: Request) => Promise<void>) {
  await page.route(
    (url) => url.pathname === SESSIONS_PATH,
    async (route, request) => {
      if (isCreateCall(request)) await handler(route, request);
      else await route.fallback();
    },
  );
}

test('an endpoint that cannot be reached is endpoint_unreachable', async ({ page }) => {
  let attempts = 0;
  await routeCreate(page, async (route) => {
    attempts += 1;
    await route.abort('connectionrefused');
  });
  await page.goto('/checkout.html?provider=sandbox&mode=embedded');

  const error = await waitForCheckoutEvent(page, 'checkout-error', { timeout: 30_000 });
  expect(error.code).toBe('endpoint_unreachable');
  expect(error.retryable).toBe(true);
  expect(attempts).toBeGreaterThan(1);
  await expect.poll(() => widgetState(page)).toBe('error');
  await expect(widget(page).locator('[part="error"]')).toBeVisible();
  await expect(widget(page).getByRole('button', { name: /try again/i })).toBeVisible();
});

test('an endpoint answering 500 is retried with one Idempotency-Key, then endpoint_error', async ({ page }) => {
  const idempotencyKeys: (string | undefined)[] = [];
  await routeCreate(page, async (route, request) => {
    idempotencyKeys.push(await request.headerValue('idempotency-key').then((value) => value ?? undefined));
    await route.fulfill({
      status: 500,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'internal', message: 'The shop backend fell over' } }),
    });
  });
  await page.goto('/checkout.html?provider=sandbox&mode=embedded');

  const error = await waitForCheckoutEvent(page, 'checkout-error', { timeout: 30_000 });
  expect(error.code).toBe('endpoint_error');
  expect(error.message).toContain('The shop backend fell over');
  expect(idempotencyKeys.length).toBeGreaterThan(1);
  expect(idempotencyKeys[0]).toBeTruthy();
  expect(new Set(idempotencyKeys).size).toBe(1);
});

test('a 4xx answer is not retried', async ({ page }) => {
  let attempts = 0;
  await routeCreate(page, async (route) => {
    attempts += 1;
    await route.fulfill({
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'invalid_request', message: 'Unknown sku: teapot' } }),
    });
  });
  await page.goto('/checkout.html?provider=sandbox&mode=embedded');

  const error = await waitForCheckoutEvent(page, 'checkout-error');
  expect(error.code).toBe('endpoint_error');
  expect(error.message).toContain('Unknown sku: teapot');
  expect(error.retryable).toBe(false);
  // A retry would have been a second request before the error was reported.
  expect(attempts).toBe(1);
});

test('a session without kind is invalid_session naming the field', async ({ page }) => {
  await routeCreate(page, async (route) => {
    const response = await route.fetch();
    const session = (await response.json()) as Record<string, unknown>;
    delete session['kind'];
    await route.fulfill({ response, json: session });
  });
  await page.goto('/checkout.html?provider=sandbox&mode=embedded');

  const error = await waitForCheckoutEvent(page, 'checkout-error');
  expect(error.code).toBe('invalid_session');
  expect(error.message).toMatch(/\bkind\b/);
  // The shopper gets the widget's text; the field name is for the shop, in the event.
  await expect(widget(page).locator('[part="error"]')).toHaveText('The checkout could not be started.');
});

test('a session whose expires_at passes fires checkout-expired', async ({ page }) => {
  await page.clock.install();
  let expiresAt: string | undefined;
  // Every answer about the session (create and reads) carries the near expiry.
  await page.route(
    (url) => url.pathname === SESSIONS_PATH || url.pathname.startsWith(`${SESSIONS_PATH}/`),
    async (route) => {
      const response = await route.fetch();
      if (!response.ok()) return route.fulfill({ response });
      // A read the widget aborted (it tears down on expiry) is disposed under us: nothing to answer.
      const session = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      if (!session) return;
      // Far enough ahead that a slow start cannot reach it before the clock is moved on.
      expiresAt ??= new Date(Date.now() + 60_000).toISOString();
      await route.fulfill({ response, json: { ...session, expires_at: expiresAt } });
    },
  );
  await page.goto('/checkout.html?provider=sandbox&mode=embedded');
  await waitForCheckoutEvent(page, 'checkout-ready');
  expect(await widgetState(page)).toBe('ready');

  await page.clock.fastForward('02:00');

  const expired = await waitForCheckoutEvent(page, 'checkout-expired');
  expect(expired.session.expires_at).toBe(expiresAt);
  await expect.poll(() => widgetState(page)).toBe('expired');
  await expect(widget(page).locator('iframe')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'This checkout expired' })).toBeVisible();
});
