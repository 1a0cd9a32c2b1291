/**
 * Two handlers in one process, each with its own `createSqliteStore` on one new file (the issue:
 * better-sqlite3 is synchronous, so a busy wait on one connection blocked the event loop that the
 * other connection needed to finish its transaction; one side answered 500 after the 5 s busy
 * timeout with SQLITE_BUSY). The busy timeout stays at its default, so the old failure shows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import type { Catalog } from './catalog.js';
import { createCheckoutHandler, type CheckoutHandler } from './handler.js';
import { createSandboxProvider, signSandboxPayload } from '../providers/sandbox/server.js';
import type { PaymentProvider } from './provider-api/types.js';
import { createSqliteStore } from './store/sqlite.js';
import type { CheckoutStore } from './store/types.js';
import { scriptedSessions } from './test-support/scripted-sessions.js';
import { TEST_HOSTS } from './test-support/test-hosts.js';

const SHOP = 'https://shop.example';
const BASE = 'https://api.example/api/checkout';
const WEBHOOK_SECRET = 'sbx_whsec_shared_file';
const catalog: Catalog = { currency: 'DKK', products: { grinder: { name: 'Hand grinder', unitAmount: 89_900, vatRate: 0.25 } } };

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One provider for both handlers, as the PSP is one: both read the same sessions. */
function sharedProvider(): PaymentProvider & { complete(id: string): void } {
  const verifier = createSandboxProvider({ apiUrl: 'http://127.0.0.1:9', secretKey: 'sbx_sk_unused', webhookSecret: WEBHOOK_SECRET });
  const scripted = scriptedSessions('sandbox', (counter) => ({ kind: 'hosted', url: `https://pay.example/sandbox/${counter}` }));
  return {
    name: 'sandbox',
    createSession: scripted.createSession,
    getSession: scripted.getSession,
    verifyWebhook: verifier.verifyWebhook!,
    complete: (id) => scripted.sessions.set(id, { ...scripted.sessions.get(id)!, status: 'complete' }),
  };
}

/** Two stores on one new file, a handler on each; everything either logs is kept. */
function twoHandlersOnOneFile() {
  const folder = mkdtempSync(path.join(tmpdir(), 'checkout-shared-'));
  const file = path.join(folder, 'checkout.db');
  const provider = sharedProvider();
  const logged: unknown[][] = [];
  const logger = { error: (...args: unknown[]) => void logged.push(args), warn: (...args: unknown[]) => void logged.push(args) };
  const onWebhook = vi.fn();
  const onOrderPaid = vi.fn();
  const stores: CheckoutStore[] = [createSqliteStore({ path: file }), createSqliteStore({ path: file })];
  const handlers: CheckoutHandler[] = stores.map((store) =>
    createCheckoutHandler({ providers: [provider], catalog, store, logger, allowedOrigins: [SHOP], allowedHosts: TEST_HOSTS, onWebhook, onOrderPaid, hookRetry: { firstDelayMs: 20, maxDelayMs: 50 } }),
  );
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
  cleanups.push(async () => {
    for (const store of stores) await store.close();
  });
  cleanups.push(async () => void (await Promise.all(handlers.map((handler) => handler.close()))));
  return { handlers, provider, logged, onWebhook, onOrderPaid };
}

function create(handler: CheckoutHandler, key: string) {
  return handler(
    new Request(`${BASE}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: SHOP, referer: `${SHOP}/checkout.html`, 'idempotency-key': key },
      body: JSON.stringify({ items: [{ sku: 'grinder', quantity: 1 }] }),
    }),
  );
}

async function webhook(handler: CheckoutHandler, eventId: string, session: string) {
  const body = JSON.stringify({ id: eventId, type: 'session.completed', session });
  const signature = await signSandboxPayload(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000));
  return handler(new Request(`${BASE}/webhooks/sandbox`, { method: 'POST', headers: { 'content-type': 'application/json', 'sandbox-signature': signature }, body }));
}

/** Waits until every handler's runner is idle twice in a row, a poll apart. */
async function settle(handlers: CheckoutHandler[]) {
  for (let round = 0; round < 2; round += 1) {
    await Promise.all(handlers.map((handler) => handler.whenIdle()));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const lockErrors = (logged: unknown[][]) => logged.filter((args) => /database is locked|SQLITE_BUSY/i.test(args.map((arg) => `${String(arg)} ${(arg as { code?: unknown })?.code ?? ''}`).join(' ')));

it('two stores on one new SQLite file in one process: the same webhook delivered to both at once, as their first request, is answered 2xx by both and handled once', async () => {
  const { handlers, provider, logged, onWebhook } = twoHandlersOnOneFile();
  // A session at the PSP, its webhook the first thing either handler hears (the file is new).
  const session = await provider.createSession({
    reference: 'order-1',
    lines: [],
    amount: 89_900,
    currency: 'DKK',
    acceptUrl: `${BASE}/return`,
    cancelUrl: `${BASE}/return`,
    webhookUrl: `${BASE}/webhooks/sandbox`,
  });
  provider.complete(session.id);

  const started = Date.now();
  const answers = await Promise.all(handlers.map((handler) => webhook(handler, 'evt_shared', session.id)));
  expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
  // A busy wait that ran into the other connection's open transaction took the whole 5 s timeout.
  expect(Date.now() - started).toBeLessThan(3000);
  await settle(handlers);

  expect(onWebhook).toHaveBeenCalledTimes(1);
  expect(lockErrors(logged)).toEqual([]);
}, 30_000);

it('two stores on one SQLite file in one process under concurrent load: 40 creates over both handlers plus their webhooks, all 2xx, nothing locked', async () => {
  const { handlers, provider, logged, onWebhook, onOrderPaid } = twoHandlersOnOneFile();
  const created = await Promise.all(Array.from({ length: 40 }, (_, index) => create(handlers[index % 2]!, `key-${index}`)));
  expect(created.map((answer) => answer.status)).toEqual(Array(40).fill(201));
  const sessions = (await Promise.all(created.map((answer) => answer.json()))) as CheckoutSession[];
  for (const session of sessions) provider.complete(session.id);

  // Each event to both handlers at once, all events at once.
  const delivered = await Promise.all(
    sessions.flatMap((session, index) => [webhook(handlers[0]!, `evt_load_${index}`, session.id), webhook(handlers[1]!, `evt_load_${index}`, session.id)]),
  );
  expect(delivered.map((answer) => answer.status)).toEqual(Array(80).fill(200));
  await settle(handlers);

  expect(onWebhook).toHaveBeenCalledTimes(40);
  expect(onOrderPaid).toHaveBeenCalledTimes(40);
  const orders = await handlers[1]!.orders.list({ limit: 100 });
  expect(orders.map((order) => order.status)).toEqual(Array(40).fill('paid'));
  expect(lockErrors(logged)).toEqual([]);
}, 60_000);
