import { expect, test, type Page } from '@playwright/test';
import { SANDBOX_URL } from './playwright.config.js';
import { CARDS, eventTypes, payWithCard, recordCheckoutEvents, recordedEvents, seedCart, waitForCheckoutEvent, widget, widgetState } from './support/checkout.js';

/**
 * A storm of forged messages from every sender an attacker has (a stranger origin, the shop page
 * itself, a same-origin frame, a PSP-origin popup the attacker opened) while an embedded checkout
 * is ready: none may change anything, and the real payment still completes once.
 */
const STRANGER = 'http://forger.test';
const PER_SENDER = 1000;

/** Runs in a browser: every shape a forger might try, for the real session id and near misses. */
function stormScript(sessionId: string, count: number, marker: string, target: string): string {
  return `(() => {
    const events = ['accept', 'cancel', 'close', 'error', 'status', 'resize'];
    const ids = [${JSON.stringify(sessionId)}, ${JSON.stringify(`${sessionId} `)}, ${JSON.stringify(sessionId.toUpperCase())}, '', '*'];
    const weird = [new Map([['a', 'b']]), new Date(), [1, 2], 'params', 7, null, { n: 1 }, { nested: { a: 'b' } }, new Set(['x']), /re/];
    const send = ${target};
    for (let i = 0; i < ${count}; i++) {
      const base = { type: 'checkout-widget', version: 1, event: events[i % events.length], session: ids[i % ids.length] };
      const variant = i % 5;
      if (variant === 0) send(base);
      else if (variant === 1) send({ ...base, params: { forged: 'yes', invoice: 'inv_forged' } });
      else if (variant === 2) send({ ...base, params: weird[i % weird.length] });
      else if (variant === 3) send({ ...base, version: i % 2 ? 2 : '1', height: 99999 });
      else send({ ...base, type: i % 2 ? 'Checkout-Widget' : 'checkout-widget ', status: 'complete' });
    }
    send({ type: 'e2e-marker', from: ${JSON.stringify(marker)} });
  })();`;
}

async function markers(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __markers?: string[] }).__markers ?? []);
}

test('thousands of forged messages from four senders change nothing; the real payment completes once', async ({ page, context }) => {
  test.slow();
  await seedCart(page);
  await recordCheckoutEvents(page);
  await context.route(`${STRANGER}/**`, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>forger</title>' }),
  );
  await page.goto('/checkout.html?provider=sandbox&mode=embedded');
  const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
  await page.evaluate(() => {
    const target = window as unknown as { __markers: string[] };
    target.__markers = [];
    window.addEventListener('message', (event) => {
      const data = event.data as { type?: unknown; from?: unknown };
      if (data && data.type === 'e2e-marker' && typeof data.from === 'string') target.__markers.push(data.from);
    });
  });
  const before = (await recordedEvents(page)).length;

  // 1. The shop page posting to itself (trusted origin, wrong source).
  await page.evaluate(stormScript(session.id, PER_SENDER, 'shop', '(m) => window.postMessage(m, location.origin)'));
  // 2. A same-origin frame of the shop.
  await page.evaluate(() => {
    const frame = document.createElement('iframe');
    frame.title = 'same-origin forger';
    frame.srcdoc = '<!doctype html><title>same origin</title>';
    document.body.append(frame);
    return new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  });
  const sameOrigin = page.frames().find((frame) => frame.name() === '' && frame.url() === 'about:srcdoc')!;
  await sameOrigin.evaluate(stormScript(session.id, PER_SENDER, 'same-origin-frame', '(m) => parent.postMessage(m, "*")'));
  // 3. A frame of a stranger origin.
  await page.evaluate((origin) => {
    const frame = document.createElement('iframe');
    frame.title = 'stranger';
    frame.src = `${origin}/forge.html`;
    document.body.append(frame);
    return new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  }, STRANGER);
  const stranger = page.frames().find((frame) => frame.url().startsWith(STRANGER))!;
  await stranger.evaluate(stormScript(session.id, PER_SENDER, 'stranger-frame', '(m) => parent.postMessage(m, "*")'));
  // 4. A popup on the PSP's own origin that the attacker's page opened (right origin, wrong window).
  const popupOpened = page.waitForEvent('popup');
  await page.evaluate((url) => void window.open(url, 'forger-popup'), `${SANDBOX_URL}/pay/${session.id}`);
  const popup = await popupOpened;
  await popup.waitForLoadState();
  await popup.evaluate(stormScript(session.id, PER_SENDER, 'psp-popup', '(m) => window.opener.postMessage(m, "*")'));
  await popup.close();

  await expect.poll(() => markers(page)).toEqual(expect.arrayContaining(['shop', 'same-origin-frame', 'stranger-frame', 'psp-popup']));
  expect(await widgetState(page)).toBe('ready');
  expect((await recordedEvents(page)).slice(before)).toEqual([]);
  await expect(widget(page).locator('[part="error"]')).toHaveCount(0);

  const frame = page.frames().find((candidate) => candidate.url().startsWith(`${SANDBOX_URL}/pay/`) && candidate.parentFrame() !== null)!;
  await payWithCard(frame, CARDS.success);
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session.id).toBe(session.id);
  expect(accepted.params['forged']).toBeUndefined();
  const types = await eventTypes(page);
  expect(types.filter((type) => type === 'checkout-accept')).toHaveLength(1);
  expect(types).not.toContain('checkout-cancel');
  expect(types).not.toContain('checkout-error');
});
