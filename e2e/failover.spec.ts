import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { expect, test } from '@playwright/test';
import { Hono } from 'hono';
import { DEMO_CATALOG } from '../demo/server.js';
import { createSandboxProvider } from '../src/providers/sandbox/server.js';
import { startSandbox, type RunningSandbox } from '../src/providers/sandbox/start.js';
import { createCheckoutHandler, createMemoryStore, type CheckoutHandler } from '../src/server/index.js';
import { serveNode, type NodeServerHandle } from '../src/server/node.js';
import { startPspSwitch, type PspSwitch } from '../src/server/test-support/psp-switch.js';
import { CARDS, payWithCard, recordCheckoutEvents, seedCart, waitForCheckoutEvent, widget } from './support/checkout.js';

/**
 * "A provider answering 503, the shopper still pays on the other", in a real browser against a
 * real backend: two sandbox PSPs, each a provider of one handler (`sandbox-a` first, then
 * `sandbox-b`, both offering card, BLIK and card fields). Test code puts a switch in front of
 * PSP A that answers every create (`POST /v1/sessions`) 503 and forwards the rest. The demo's
 * checkout page (its chooser) is served with the built widget; the shopper picks card, the
 * create fails over to `sandbox-b` under the same order reference, the shopper pays on B's
 * page, and the order records B as its provider and A's failed try.
 */

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

let psps: RunningSandbox[] = [];
let pspSwitch: PspSwitch;
let shop: NodeServerHandle;
let handler: CheckoutHandler;

test.beforeAll(async () => {
  psps = [await startSandbox(), await startSandbox()];
  const [a, b] = psps as [RunningSandbox, RunningSandbox];
  // Every create at PSP A is refused; anything else would be forwarded.
  pspSwitch = await startPspSwitch(a.url, (request) => request.method === 'POST' && request.url?.split('?')[0] === '/v1/sessions');
  const switchUrl = pspSwitch.url;

  handler = createCheckoutHandler({
    providers: [
      createSandboxProvider({ name: 'sandbox-a', apiUrl: switchUrl, secretKey: a.env.SANDBOX_SECRET_KEY, webhookSecret: a.env.SANDBOX_WEBHOOK_SECRET }),
      createSandboxProvider({ name: 'sandbox-b', apiUrl: b.url, secretKey: b.env.SANDBOX_SECRET_KEY, webhookSecret: b.env.SANDBOX_WEBHOOK_SECRET }),
    ],
    catalog: DEMO_CATALOG,
    store: createMemoryStore(),
    returnPage: '/checkout.html',
    logger: { error: () => {}, warn: () => {}, info: () => {} },
  });
  const app = new Hono();
  app.all('/api/checkout/*', (c) => handler(c.req.raw));
  app.get('/cdn/*', serveStatic({ root: `${repoRoot}dist/cdn`, rewriteRequestPath: (path) => path.slice('/cdn'.length) }));
  app.get('*', serveStatic({ root: `${repoRoot}demo` }));
  shop = await serveNode(app.fetch, { port: 0, hostname: '127.0.0.1' });
});

test.afterAll(async () => {
  await shop?.close();
  await handler?.close();
  await pspSwitch?.close();
  await Promise.all(psps.map((psp) => psp.close()));
});

test('sandbox-a answers 503 on create: the shopper picks card, pays on sandbox-b, and the order records the failed try', async ({ page }) => {
  await seedCart(page);
  await recordCheckoutEvents(page);
  await page.goto(`${shop.url}/checkout.html?mode=embedded`);
  // Routing offers each method at its first candidate: sandbox-a.
  await expect(widget(page).getByRole('radio', { name: 'Card', exact: true })).toBeChecked();
  const created = page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/api/checkout/sessions');
  await widget(page).getByRole('button', { name: 'Continue' }).click();
  const answer = await created;
  expect(answer.request().postDataJSON()).toMatchObject({ provider: 'sandbox-a', method: 'card' });
  // The shopper never saw A's outage: one create, answered 201 by B.
  expect(answer.status()).toBe(201);
  expect(await answer.json()).toMatchObject({ provider: 'sandbox-b', kind: 'hosted' });
  expect(pspSwitch.refused).toBe(1);

  const { session } = await waitForCheckoutEvent(page, 'checkout-ready');
  expect(new URL(session.url!).origin).toBe(new URL(psps[1]!.url).origin);
  await payWithCard(widget(page).locator('iframe').contentFrame(), CARDS.success);
  const accepted = await waitForCheckoutEvent(page, 'checkout-accept');
  expect(accepted.session).toMatchObject({ id: session.id, provider: 'sandbox-b', status: 'complete' });

  const [order] = (await handler.orders.list()).filter((found) => found.sessionId === session.id);
  expect(order).toMatchObject({ provider: 'sandbox-b', status: 'paid' });
  expect(order!.attempts).toEqual([{ provider: 'sandbox-a', method: 'card', outcome: 'failover', error: expect.stringMatching(/503/), at: expect.any(String) }]);
  // One failure is below the breaker's threshold: it counted it, still closed.
  expect(await handler.providers.health()).toEqual({ 'sandbox-a': { state: 'closed', failures: 1 }, 'sandbox-b': { state: 'closed', failures: 0 } });
});
