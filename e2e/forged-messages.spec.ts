import { expect, test, type Frame, type Page } from '@playwright/test';
import {
  CARDS,
  eventTypes,
  payWithCard,
  recordCheckoutEvents,
  recordedEvents,
  seedCart,
  waitForCheckoutEvent,
  widget,
  widgetState,
} from './support/checkout.js';

/** An origin that is neither the shop's nor the PSP's; Playwright serves it from a route. */
const FORGER_ORIGIN = 'http://forger.test';

type Forged = { type: string; version: number; event: string; session: string; params: Record<string, string> };

function forgedMessages(sessionId: string): Forged[] {
  return (['accept', 'cancel', 'error'] as const).map((event) => ({
    type: 'checkout-widget',
    version: 1,
    event,
    session: sessionId,
    params: { forged: 'yes' },
  }));
}

/** Marker messages tell the test that everything a sender posted before them was dispatched. */
async function listenForMarkers(page: Page): Promise<void> {
  await page.evaluate(() => {
    const target = window as unknown as { __markers: string[] };
    target.__markers = [];
    window.addEventListener('message', (event) => {
      const data = event.data as { type?: unknown; from?: unknown };
      if (data && data.type === 'e2e-marker' && typeof data.from === 'string') target.__markers.push(data.from);
    });
  });
}

async function waitForMarker(page: Page, from: string): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __markers: string[] }).__markers))
    .toContain(from);
}

/**
 * A page on another origin that posts the messages in its URL fragment to its parent, then a
 * marker, so the test knows the forged messages were delivered before it checks for effects.
 */
async function routeForger(page: Page, marker: string): Promise<void> {
  await page.route(`${FORGER_ORIGIN}/**`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><title>forger</title><script>
        const messages = JSON.parse(decodeURIComponent(location.hash.slice(1)));
        for (const message of messages) parent.postMessage(message, '*');
        parent.postMessage({ type: 'e2e-marker', from: ${JSON.stringify(marker)} }, '*');
      </script>`,
    }),
  );
}

function sandboxFrame(page: Page): Frame {
  const frame = page.frames().find((candidate) => /\/pay\//.test(candidate.url()));
  if (!frame) throw new Error(`no sandbox frame among ${page.frames().map((f) => f.url()).join(', ')}`);
  return frame;
}

test('forged messages change nothing; the real payment still completes', async ({ page }) => {
  await seedCart(page);
  await recordCheckoutEvents(page);
  await routeForger(page, 'other-origin');

  await page.goto('/checkout.html?provider=sandbox&mode=embedded');
  const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
  await expect.poll(() => widgetState(page)).toBe('ready');
  await listenForMarkers(page);
  const before = (await recordedEvents(page)).length;

  // 1. Wrong source: the shop page posts to itself (its origin is the endpoint's, a trusted one).
  await page.evaluate((messages) => {
    for (const message of messages) window.postMessage(message, location.origin);
    window.postMessage({ type: 'e2e-marker', from: 'shop-page' }, location.origin);
  }, forgedMessages(session.id));
  await waitForMarker(page, 'shop-page');

  // 2. Wrong origin: a frame of an unrelated origin posts well-formed messages to its parent.
  await page.evaluate(
    ({ origin, hash }) => {
      const frame = document.createElement('iframe');
      frame.title = 'forger';
      frame.src = `${origin}/forge.html#${hash}`;
      document.body.append(frame);
    },
    { origin: FORGER_ORIGIN, hash: encodeURIComponent(JSON.stringify(forgedMessages(session.id))) },
  );
  await waitForMarker(page, 'other-origin');

  // 3. Wrong session id: the real sandbox frame (right source, right origin) names another session.
  await sandboxFrame(page).evaluate((messages) => {
    for (const message of messages) parent.postMessage(message, '*');
    parent.postMessage({ type: 'e2e-marker', from: 'sandbox-frame' }, '*');
  }, forgedMessages(`${session.id}-other`));
  await waitForMarker(page, 'sandbox-frame');

  expect(await widgetState(page)).toBe('ready');
  expect((await recordedEvents(page)).slice(before)).toEqual([]);
  await expect(widget(page).locator('[part="error"]')).toHaveCount(0);

  // The real thing still works, and the forged hints left no trace in the outcome.
  await payWithCard(sandboxFrame(page), CARDS.success);
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session.id).toBe(session.id);
  expect(accepted.params['forged']).toBeUndefined();

  const types = await eventTypes(page);
  expect(types.filter((type) => type === 'checkout-accept')).toHaveLength(1);
  expect(types).not.toContain('checkout-cancel');
  expect(types).not.toContain('checkout-error');
  // At most the real accept's confirmation (the status poll may see `complete` first and skip it).
  const processing = (await recordedEvents(page)).filter(
    (event) => event.type === 'checkout-status' && event.detail.state === 'processing',
  );
  expect(processing.length).toBeLessThanOrEqual(1);
});

test("the widget's own frame, navigated to another origin, cannot finish the checkout", async ({ page }) => {
  await seedCart(page);
  await recordCheckoutEvents(page);
  await routeForger(page, 'hijacked-frame');
  await page.goto('/checkout.html?provider=sandbox&mode=embedded');
  const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
  await listenForMarkers(page);

  // Right source (the widget's iframe) and right session id, but the wrong origin.
  const hash = encodeURIComponent(JSON.stringify(forgedMessages(session.id)));
  await sandboxFrame(page).goto(`${FORGER_ORIGIN}/forge.html#${hash}`);
  await waitForMarker(page, 'hijacked-frame');

  expect(await widgetState(page)).toBe('ready');
  const types = await eventTypes(page);
  for (const outcome of ['checkout-accept', 'checkout-cancel', 'checkout-error'] as const) {
    expect(types).not.toContain(outcome);
  }
});
