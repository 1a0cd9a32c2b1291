import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckoutSession, SessionStatus } from '../core/protocol.js';
import type { Catalog } from './catalog.js';
import { createCheckoutHandler, type CheckoutHandler, type CheckoutHandlerOptions } from './handler.js';
import { signSandboxPayload, createSandboxProvider } from '../providers/sandbox/server.js';
import { ProviderError, ProviderInputError, type CreateSessionInput, type PaymentProvider } from './provider-api/types.js';
import { createMemoryStore } from './store/memory.js';
import { RECONCILE_BUDGET } from './ledger.js';
import { sampleOrder } from './store/conformance.js';
import { scriptedSessions } from './test-support/scripted-sessions.js';
import { testStores } from './test-support/stores.js';
import type { CheckoutStore, Order } from './store/types.js';
import { TEST_HOSTS } from './test-support/test-hosts.js';

const SHOP = 'https://shop.example';
const BASE = 'https://api.example/api/checkout';
const WEBHOOK_SECRET = 'sbx_whsec_state_tests';
const silent = { error: () => {}, warn: () => {} };
const catalog: Catalog = {
  currency: 'DKK',
  products: { grinder: { name: 'Hand grinder', unitAmount: 89_900, vatRate: 0.25 } },
};
const CART = { items: [{ sku: 'grinder', quantity: 1 }] };

/** A provider whose session status (and reported amount) the test sets, like a PSP's dashboard. */
function scriptedProvider(name = 'sandbox') {
  const created: CreateSessionInput[] = [];
  const verifier = createSandboxProvider({ apiUrl: 'http://127.0.0.1:9', secretKey: 'sbx_sk_unused', webhookSecret: WEBHOOK_SECRET });
  const scripted = scriptedSessions(name, (counter) => ({ kind: 'hosted', url: `https://pay.example/${name}/${counter}` }));
  const { sessions } = scripted;
  const provider: PaymentProvider = {
    name,
    createSession: (input) => (created.push(input), scripted.createSession(input)),
    getSession: scripted.getSession,
    verifyWebhook: verifier.verifyWebhook!,
  };
  const set = (id: string, status: SessionStatus, extra: Partial<CheckoutSession> = {}) =>
    sessions.set(id, { ...sessions.get(id)!, status, ...extra });
  return { provider, created, sessions, set };
}

const handlers: CheckoutHandler[] = [];
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(handlers.splice(0).map((handler) => handler.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function handlerOn(store: CheckoutStore, options: Partial<CheckoutHandlerOptions> & { providers: PaymentProvider[] }) {
  const handler = createCheckoutHandler({ catalog, logger: silent, store, allowedOrigins: [SHOP], allowedHosts: TEST_HOSTS, hookRetry: { firstDelayMs: 20, maxDelayMs: 50 }, ...options });
  handlers.push(handler);
  return handler;
}

function create(handler: CheckoutHandler, headers: Record<string, string> = {}, body: unknown = CART) {
  return handler(
    new Request(`${BASE}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: SHOP, referer: `${SHOP}/checkout.html`, ...headers },
      body: JSON.stringify(body),
    }),
  );
}

const read = (handler: CheckoutHandler, id: string) => handler(new Request(`${BASE}/sessions/${id}`));

async function webhook(handler: CheckoutHandler, eventId: string, session: string, type = 'session.completed') {
  const body = JSON.stringify({ id: eventId, type, session });
  const signature = await signSandboxPayload(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000));
  return handler(
    new Request(`${BASE}/webhooks/sandbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sandbox-signature': signature },
      body,
    }),
  );
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const stores = testStores(cleanups);

describe.each(stores)('handler state on the %s store', (_, makeStore) => {
  it('writes the order before calling the provider, then links the session to it', async () => {
    const store = makeStore();
    const { provider } = scriptedProvider();
    const seenAtCreate: (Order | undefined)[] = [];
    const original = provider.createSession.bind(provider);
    provider.createSession = async (input) => {
      seenAtCreate.push(await store.getOrder(input.reference));
      return original(input);
    };
    const handler = handlerOn(store, { providers: [provider] });
    const session = (await (await create(handler, {}, { ...CART, customer: { email: 'ane@example.dk' } })).json()) as CheckoutSession;
    expect(seenAtCreate[0]).toMatchObject({ status: 'pending', amount: 89_900, currency: 'DKK', provider: 'sandbox' });
    const [order] = await handler.orders.list();
    expect(order).toMatchObject({
      reference: seenAtCreate[0]!.reference,
      sessionId: session.id,
      status: 'pending',
      lines: [{ sku: 'grinder', name: 'Hand grinder', quantity: 1, unitAmount: 89_900 }],
      customer: { email: 'ane@example.dk' },
    });
    expect(await handler.orders.get(order!.reference)).toEqual(order);
  });

  it('moves the order to paid on the confirming read and calls onOrderPaid once, even when a webhook and a poll say the same at once', async () => {
    const store = makeStore();
    const { provider, set } = scriptedProvider();
    const paid: Order[] = [];
    const onOrderPaid = vi.fn(async (order: Order) => {
      paid.push(order);
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const one = handlerOn(store, { providers: [provider], onOrderPaid });
    const two = handlerOn(store, { providers: [provider], onOrderPaid });
    const session = (await (await create(one)).json()) as CheckoutSession;
    set(session.id, 'complete');
    const answers = await Promise.all([read(one, session.id), webhook(two, 'evt_1', session.id), read(two, session.id), webhook(one, 'evt_1', session.id)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    await until(async () => (await one.orders.list())[0]?.fulfilledAt !== undefined, 'fulfilment');
    await Promise.all([one.whenIdle(), two.whenIdle()]);
    expect(onOrderPaid).toHaveBeenCalledTimes(1);
    expect(paid[0]).toMatchObject({ status: 'paid', sessionId: session.id, amount: 89_900 });
    expect((await one.orders.list())[0]).toMatchObject({ status: 'paid', paidAt: expect.any(String), fulfilledAt: expect.any(String) });
  });

  it('never takes a status from the webhook body: a forged "completed" type only triggers a read', async () => {
    const store = makeStore();
    const { provider } = scriptedProvider();
    const onOrderPaid = vi.fn();
    const handler = handlerOn(store, { providers: [provider], onOrderPaid });
    const session = (await (await create(handler)).json()) as CheckoutSession;
    await webhook(handler, 'evt_1', session.id, 'session.completed');
    await handler.whenIdle();
    expect((await handler.orders.list())[0]!.status).toBe('pending');
    expect(onOrderPaid).not.toHaveBeenCalled();
  });

  it('marks an order whose provider reports another amount or currency as mismatch, and fulfils nothing', async () => {
    const store = makeStore();
    const { provider, set } = scriptedProvider();
    const onOrderPaid = vi.fn();
    const handler = handlerOn(store, { providers: [provider], onOrderPaid });
    const first = (await (await create(handler)).json()) as CheckoutSession;
    const second = (await (await create(handler)).json()) as CheckoutSession;
    set(first.id, 'complete', { amount: 100 });
    set(second.id, 'complete', { currency: 'EUR' });
    await read(handler, first.id);
    await read(handler, second.id);
    // Paid is final, mismatch too: a later correct report does not turn it into paid.
    set(first.id, 'complete', { amount: 89_900 });
    await read(handler, first.id);
    await handler.whenIdle();
    expect((await handler.orders.list()).map((order) => order.status)).toEqual(['mismatch', 'mismatch']);
    expect(onOrderPaid).not.toHaveBeenCalled();
  });

  it('logs a second payment for an order already paid through another session, and leaves the order as it is', async () => {
    const store = makeStore();
    const { provider, set, sessions } = scriptedProvider();
    const error = vi.fn();
    const handler = handlerOn(store, { providers: [provider], logger: { error, warn: () => {} } });
    const first = (await (await create(handler)).json()) as CheckoutSession;
    const [created] = await handler.orders.list();
    // A second session for the same order (a provider without idempotency and a retry race) is paid first …
    sessions.set('sandbox_second', { ...sessions.get(first.id)!, id: 'sandbox_second', status: 'complete' });
    await store.saveSession({ sessionId: 'sandbox_second', provider: 'sandbox', reference: created!.reference, shopOrigin: SHOP, returnPage: `${SHOP}/` });
    await read(handler, 'sandbox_second');
    const paid = await handler.orders.get(created!.reference);
    expect(paid).toMatchObject({ status: 'paid', sessionId: 'sandbox_second' });
    // … then the first one is paid too.
    set(first.id, 'complete');
    await read(handler, first.id);
    expect(error.mock.calls.map(([message]) => String(message)).filter((message) => message.includes('SECOND PAYMENT'))).toHaveLength(1);
    expect(await handler.orders.get(created!.reference)).toEqual(paid);
  });

  it('keeps paid final and moves pending orders to cancelled, expired or failed', async () => {
    const store = makeStore();
    const { provider, set } = scriptedProvider();
    const handler = handlerOn(store, { providers: [provider] });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(((await (await create(handler)).json()) as CheckoutSession).id);
    set(ids[0]!, 'cancelled');
    set(ids[1]!, 'expired');
    set(ids[2]!, 'failed');
    set(ids[3]!, 'complete');
    for (const id of ids) await read(handler, id);
    set(ids[3]!, 'expired');
    await read(handler, ids[3]!);
    const byId = new Map((await handler.orders.list()).map((order) => [order.sessionId, order.status]));
    expect(ids.map((id) => byId.get(id))).toEqual(['cancelled', 'expired', 'failed', 'paid']);
    expect(await handler.orders.list({ status: 'paid' })).toHaveLength(1);
  });

  it('retries onOrderPaid and onWebhook while they throw, and never calls them again once they returned', async () => {
    const store = makeStore();
    const { provider, set } = scriptedProvider();
    let paidCalls = 0;
    let webhookCalls = 0;
    const handler = handlerOn(store, {
      providers: [provider],
      onOrderPaid: () => {
        if (++paidCalls < 3) throw new Error('warehouse down');
      },
      onWebhook: () => {
        if (++webhookCalls < 2) throw new Error('crm down');
      },
    });
    const session = (await (await create(handler)).json()) as CheckoutSession;
    set(session.id, 'complete');
    expect((await webhook(handler, 'evt_9', session.id)).status).toBe(200);
    await until(async () => (await handler.orders.list())[0]?.fulfilledAt !== undefined && webhookCalls >= 2, 'hooks to succeed');
    await handler.whenIdle();
    expect(await webhook(handler, 'evt_9', session.id).then((answer) => answer.json())).toEqual({ received: true, duplicate: true });
    await read(handler, session.id);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await handler.whenIdle();
    expect([paidCalls, webhookCalls]).toEqual([3, 2]);
    expect(await store.getJob('webhook:sandbox:evt_9')).toMatchObject({ status: 'done', attempts: 1 });
    expect(await store.getJob('on_webhook:sandbox:evt_9')).toMatchObject({ status: 'done', attempts: 2, lastError: expect.stringContaining('crm down') });
  });

  it('gives 50 concurrent creates with one key on two handlers one provider session and one answer', async () => {
    const store = makeStore();
    const { provider, created } = scriptedProvider();
    const original = provider.createSession.bind(provider);
    provider.createSession = async (input) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return original(input);
    };
    const handlersForKey = [handlerOn(store, { providers: [provider] }), handlerOn(store, { providers: [provider] })];
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => create(handlersForKey[i % 2]!, { 'idempotency-key': 'start-1' })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(201));
    const bodies = new Set(await Promise.all(answers.map((answer) => answer.text())));
    expect(bodies.size).toBe(1);
    expect(created).toHaveLength(1);
    expect(await handlersForKey[0]!.orders.list()).toHaveLength(1);
  });

  it('lets a retry after a provider failure create under the same order reference, on another handler', async () => {
    const store = makeStore();
    const { provider, created } = scriptedProvider();
    const original = provider.createSession.bind(provider);
    let fail = true;
    provider.createSession = async (input) => {
      if (fail) {
        created.push(input);
        fail = false;
        throw new ProviderError('sandbox', 'answered 503', 503);
      }
      return original(input);
    };
    const first = await create(handlerOn(store, { providers: [provider] }), { 'idempotency-key': 'k' });
    expect(first.status).toBe(502);
    const retry = await create(handlerOn(store, { providers: [provider] }), { 'idempotency-key': 'k' });
    expect(retry.status).toBe(201);
    expect(created.map((input) => input.reference)).toEqual([created[0]!.reference, created[0]!.reference]);
    expect(await store.listOrders()).toHaveLength(1);
  });

  it('lets a retry take the key over at once when the store failed after the provider call', async () => {
    const store = makeStore();
    const { provider, created } = scriptedProvider();
    let failOnce = true;
    const flaky: CheckoutStore = {
      ...store,
      saveSession: async (record) => {
        if (failOnce) {
          failOnce = false;
          throw new Error('database connection lost');
        }
        return store.saveSession(record);
      },
    };
    const handler = handlerOn(flaky, { providers: [provider] });
    expect((await create(handler, { 'idempotency-key': 'k' })).status).toBe(503);
    // Released, not held for the claim's lease (the provider timeout and more): the next caller gets it now.
    const bodyHash = createHash('sha256').update(JSON.stringify(CART)).digest('hex');
    const probe = await store.claimIdempotencyKey({ key: 'create:k', bodyHash, reference: 'ord_probe', owner: 'probe', leaseUntil: Date.now() + 1000, now: Date.now() });
    expect(probe).toEqual({ outcome: 'claimed', reference: created[0]!.reference });
    await store.releaseIdempotencyKey('create:k', 'probe');
    const retry = await create(handler, { 'idempotency-key': 'k' });
    expect(retry.status).toBe(201);
    expect(created.map((input) => input.reference)).toEqual([created[0]!.reference, created[0]!.reference]);
  });

  it('answers a retry of a refused create with the same 400, and the order is failed', async () => {
    const store = makeStore();
    const { provider } = scriptedProvider();
    let calls = 0;
    provider.createSession = async () => {
      calls++;
      throw new ProviderInputError('sandbox', 'customer.email is required');
    };
    const handler = handlerOn(store, { providers: [provider] });
    const answers = [await create(handler, { 'idempotency-key': 'k' }), await create(handler, { 'idempotency-key': 'k' })];
    expect(answers.map((answer) => answer.status)).toEqual([400, 400]);
    expect(calls).toBe(1);
    expect((await handler.orders.list())[0]!.status).toBe('failed');
  });

  it('reads and returns a session on another handler with two providers configured', async () => {
    const store = makeStore();
    const stripe = scriptedProvider('stripe');
    const sandbox = scriptedProvider('sandbox');
    const one = handlerOn(store, { providers: [stripe.provider, sandbox.provider] });
    const two = handlerOn(store, { providers: [stripe.provider, sandbox.provider] });
    const session = (await (await create(one, {}, { ...CART, provider: 'sandbox' })).json()) as CheckoutSession;
    sandbox.set(session.id, 'complete');
    const confirmed = await read(two, session.id);
    expect(confirmed.status).toBe(200);
    expect(((await confirmed.json()) as CheckoutSession).status).toBe('complete');
    expect((await two.orders.list())[0]!.status).toBe('paid');
    const reference = (await two.orders.list())[0]!.reference;
    const bridge = await two(new Request(`${BASE}/return/accept?checkout_ref=${reference}`));
    expect(bridge.status).toBe(200);
    const html = await bridge.text();
    expect(html).toContain(`${SHOP}/checkout.html?`);
    expect(html).toContain(`checkout_session=${session.id}`);
  });
});

describe('review findings', () => {
  it('leaves onOrderPaid to a handler that has it: one without the hook does not use the work up', async () => {
    const store = createMemoryStore();
    const { provider, set } = scriptedProvider();
    const cron = handlerOn(store, { providers: [provider] });
    const session = (await (await create(cron)).json()) as CheckoutSession;
    set(session.id, 'complete');
    await read(cron, session.id);
    await cron.whenIdle();
    expect((await store.getJob(`order_paid:${(await store.listOrders())[0]!.reference}`))?.status).toBe('pending');
    const onOrderPaid = vi.fn();
    const shop = handlerOn(store, { providers: [provider], onOrderPaid });
    await until(() => onOrderPaid.mock.calls.length === 1, 'the shop handler to fulfil');
    expect((await store.listOrders())[0]!.fulfilledAt).toEqual(expect.any(String));
    await shop.whenIdle();
  });

  it('does not call onOrderPaid again when recording its return fails once', async () => {
    const store = createMemoryStore();
    let failOnce = true;
    const flaky: CheckoutStore = {
      ...store,
      markFulfilled: async (reference, at) => {
        if (failOnce) {
          failOnce = false;
          throw new Error('connection reset');
        }
        return store.markFulfilled(reference, at);
      },
    };
    const { provider, set } = scriptedProvider();
    const onOrderPaid = vi.fn();
    const handler = handlerOn(flaky, { providers: [provider], onOrderPaid });
    const session = (await (await create(handler)).json()) as CheckoutSession;
    set(session.id, 'complete');
    await read(handler, session.id);
    await until(async () => (await store.listOrders())[0]!.fulfilledAt !== undefined, 'the fulfilment to be recorded');
    await handler.whenIdle();
    expect(onOrderPaid).toHaveBeenCalledTimes(1);
  });

  it('keeps browser keys apart from charge keys, and a charge key names one order even after it was pruned', async () => {
    const store = createMemoryStore();
    const { provider } = scriptedProvider();
    const references: string[] = [];
    provider.charge = async (input) => {
      references.push(input.reference);
      return { id: `ch_${input.reference}`, reference: input.reference, status: 'succeeded', amount: input.amount, currency: input.currency };
    };
    const handler = handlerOn(store, { providers: [provider] });
    // A shopper who guessed the server's key format claims it first, as a create key.
    expect((await create(handler, { 'idempotency-key': 'charge:refill-1' })).status).toBe(201);
    const request = { paymentMethod: 'pm_1', items: [{ sku: 'grinder', quantity: 1 }], idempotencyKey: 'refill-1' };
    const first = await handler.charge(request);
    expect(first.status).toBe('paid');
    await store.pruneExpired({ idempotencyBefore: Date.now() + 1000, jobsDoneBefore: 0, now: Date.now() + 1000 });
    const again = await handler.charge(request);
    expect(again.reference).toBe(first.reference);
    expect(new Set(references)).toEqual(new Set([first.reference]));
    expect((await store.listOrders()).filter((order) => order.chargeId)).toHaveLength(1);
  });

  it('moves a pending order whose webhook never came when it reconciles', async () => {
    const store = createMemoryStore();
    const { provider, set } = scriptedProvider();
    let clock = Date.UTC(2026, 10, 30, 12);
    const onOrderPaid = vi.fn();
    const handler = handlerOn(store, { providers: [provider], onOrderPaid, now: () => clock });
    const session = (await (await create(handler)).json()) as CheckoutSession;
    set(session.id, 'complete');
    await handler.reconcile();
    expect((await store.listOrders())[0]!.status).toBe('pending');
    clock += 11 * 60 * 1000;
    await handler.reconcile();
    expect((await store.listOrders())[0]!.status).toBe('paid');
    await until(() => onOrderPaid.mock.calls.length === 1, 'fulfilment');
  });

  it('refuses a hook lease that would break the 30 s take-over promise', () => {
    const { provider } = scriptedProvider();
    expect(() => createCheckoutHandler({ catalog, providers: [provider], store: createMemoryStore(), hookLeaseMs: 60_000 })).toThrow(/hookLeaseMs/);
  });
});

const MINUTE = 60 * 1000;
/** What the tests' clock says; orders are made before it. */
const NOW = Date.UTC(2026, 10, 30, 12);

/**
 * `count` pending orders named `ord_<batch>_<n>`, each with an open session at the scripted
 * provider, made a second apart; the newest `newestAgoMs` before NOW. Oldest first.
 */
async function seedPendingOrders(
  store: CheckoutStore,
  sessions: Map<string, CheckoutSession>,
  { count, newestAgoMs, batch = 'seed' }: { count: number; newestAgoMs: number; batch?: string },
): Promise<Order[]> {
  const orders: Order[] = [];
  for (let i = 0; i < count; i++) {
    const createdAt = new Date(NOW - newestAgoMs - (count - 1 - i) * 1000).toISOString();
    const id = `sandbox_${batch}_${i}`;
    const order = sampleOrder(`ord_${batch}_${String(i).padStart(5, '0')}`, { sessionId: id, createdAt, updatedAt: createdAt });
    await store.insertOrder(order);
    sessions.set(id, { id, provider: 'sandbox', kind: 'hosted', url: `https://pay.example/${id}`, status: 'open', amount: order.amount, currency: order.currency });
    orders.push(order);
  }
  return orders;
}

const statuses = async (store: CheckoutStore, orders: readonly Order[]) =>
  Promise.all(orders.map(async (order) => (await store.getOrder(order.reference))?.status));

describe.each(stores)('reconcile on the %s store', (_, makeStore) => {
  /** A handler at NOW on a fresh store, with the provider's session reads counted and its log kept. */
  function reconciling(options: Partial<CheckoutHandlerOptions> = {}) {
    const store = makeStore();
    const scripted = scriptedProvider();
    const reads: string[] = [];
    const getSession = scripted.provider.getSession;
    scripted.provider.getSession = (id) => (reads.push(id), getSession(id));
    const info: string[] = [];
    const warnings: string[] = [];
    const logger = { error: () => {}, warn: (line: string) => void warnings.push(line), info: (line: string) => void info.push(line) };
    const handler = handlerOn(store, { providers: [scripted.provider], now: () => NOW, logger, ...options });
    return { store, handler, reads, info, warnings, ...scripted };
  }

  it('reaches every pending order of its window: the 10 oldest of 505, paid at the provider, are paid after one run', async () => {
    const onOrderPaid = vi.fn();
    const { store, handler, sessions, set, info } = reconciling({ onOrderPaid });
    const orders = await seedPendingOrders(store, sessions, { count: 505, newestAgoMs: 11 * MINUTE });
    const paidAtProvider = orders.slice(0, 10);
    for (const order of paidAtProvider) set(order.sessionId!, 'complete');

    const summary = await handler.reconcile();
    expect(await statuses(store, paidAtProvider)).toEqual(Array(10).fill('paid'));
    expect(await store.listOrders({ status: 'pending', limit: 500 })).toHaveLength(495);
    await until(() => onOrderPaid.mock.calls.length === 10, 'onOrderPaid for each of the 10');
    expect(onOrderPaid.mock.calls.map(([order]) => order.reference).sort()).toEqual(paidAtProvider.map((order) => order.reference));
    expect(summary).toEqual({ checked: 505, moved: 10, failed: 0, complete: true });
    const records = info.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.filter((record) => record['event'] === 'reconcile.done')).toEqual([
      expect.objectContaining({ level: 'info', msg: 'reconcile checked 505 pending orders (10 moved, 0 failed)', checked: 505, moved: 10, failed: 0, complete: true }),
    ]);
    // Each move its own record, naming the order and its provider.
    expect(records.filter((record) => record['event'] === 'order.moved').map((record) => [record['reference'], record['to']]).sort()).toEqual(
      paidAtProvider.map((order) => [order.reference, 'paid']),
    );
  });

  it('leaves orders younger than 10 minutes or older than 3 days alone', async () => {
    const { store, handler, sessions, set, reads } = reconciling();
    const DAYS_3 = 3 * 24 * 60 * MINUTE;
    const [tooOld] = await seedPendingOrders(store, sessions, { count: 1, newestAgoMs: DAYS_3 + MINUTE, batch: 'old' });
    const [oldest] = await seedPendingOrders(store, sessions, { count: 1, newestAgoMs: DAYS_3 - MINUTE, batch: 'oldest' });
    const [tooYoung] = await seedPendingOrders(store, sessions, { count: 1, newestAgoMs: 9 * MINUTE, batch: 'young' });
    for (const order of [tooOld!, oldest!, tooYoung!]) set(order.sessionId!, 'complete');
    expect(await handler.reconcile()).toEqual({ checked: 1, moved: 1, failed: 0, complete: true });
    expect(reads).toEqual([oldest!.sessionId]);
    expect(await statuses(store, [tooOld!, oldest!, tooYoung!])).toEqual(['pending', 'paid', 'pending']);
  });

  it('re-reads at most RECONCILE_BUDGET orders a run and goes on from there next run: two runs read each order once', async () => {
    const { store, handler, sessions, set, reads, info } = reconciling();
    const orders = await seedPendingOrders(store, sessions, { count: RECONCILE_BUDGET + 200, newestAgoMs: 11 * MINUTE });
    const newest = orders.slice(-5);
    for (const order of newest) set(order.sessionId!, 'complete');

    expect(await handler.reconcile()).toEqual({ checked: RECONCILE_BUDGET, moved: 0, failed: 0, complete: false });
    expect(await statuses(store, newest)).toEqual(Array(5).fill('pending'));
    expect(info.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ event: 'reconcile.done', msg: `reconcile checked ${RECONCILE_BUDGET} pending orders (0 moved, 0 failed); the rest next run`, complete: false }),
    ]);
    expect(await handler.reconcile()).toEqual({ checked: 200, moved: 5, failed: 0, complete: true });
    expect(await statuses(store, newest)).toEqual(Array(5).fill('paid'));
    expect([...reads].sort()).toEqual(orders.map((order) => order.sessionId).sort());
    // A walk that reached the end starts again from the oldest.
    reads.length = 0;
    expect(await handler.reconcile()).toEqual({ checked: RECONCILE_BUDGET, moved: 0, failed: 0, complete: false });
    expect([...reads].sort()).toEqual(orders.slice(0, RECONCILE_BUDGET).map((order) => order.sessionId).sort());
  });

  it('counts and logs the re-reads that failed, and goes on with the rest', async () => {
    const { store, handler, sessions, set, provider, warnings } = reconciling();
    const orders = await seedPendingOrders(store, sessions, { count: 6, newestAgoMs: 11 * MINUTE });
    for (const order of orders) set(order.sessionId!, 'complete');
    const getSession = provider.getSession;
    provider.getSession = async (id) => {
      if (id === orders[1]!.sessionId || id === orders[4]!.sessionId) throw new ProviderError('sandbox', 'down', 503);
      return getSession(id);
    };
    expect(await handler.reconcile()).toEqual({ checked: 6, moved: 4, failed: 2, complete: true });
    expect(await statuses(store, orders)).toEqual(['paid', 'pending', 'paid', 'paid', 'pending', 'paid']);
    // One warning per order that failed, and the run's line.
    const records = warnings.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((record) => record['event'])).toEqual(['reconcile.read_failed', 'reconcile.read_failed', 'reconcile.done']);
    expect(records.slice(0, 2).map((record) => record['reference']).sort()).toEqual([orders[1]!.reference, orders[4]!.reference].sort());
    expect(records[0]).toMatchObject({ level: 'warn', provider: 'sandbox', err: { type: 'ProviderError', message: 'down', providerStatus: 503 } });
    expect(records[2]).toMatchObject({ level: 'warn', msg: 'reconcile checked 6 pending orders (4 moved, 2 failed)' });
  });
});

describe('the shopper comes from the shop, not the body', () => {
  it('refuses an invoice the shop did not authorise (403) and pays one it did', async () => {
    const { provider, created } = scriptedProvider();
    const handler = handlerOn(createMemoryStore(), {
      providers: [provider],
      shopper: (request) => (request.headers.get('cookie') === 'login=ane' ? { customer: { handle: 'ane' }, invoices: ['inv-ane-1'] } : undefined),
    });
    const guest = await create(handler, {}, { ...CART, invoice: 'inv-ane-1' });
    expect(guest.status).toBe(403);
    expect(((await guest.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await create(handler, { cookie: 'login=bo' }, { ...CART, invoice: 'inv-ane-1' })).status).toBe(403);
    expect((await create(handler, { cookie: 'login=ane' }, { ...CART, invoice: 'inv-ane-2' })).status).toBe(403);
    expect(created).toHaveLength(0);
    expect((await create(handler, { cookie: 'login=ane' }, { ...CART, invoice: 'inv-ane-1' })).status).toBe(201);
    expect(created[0]).toMatchObject({ invoice: 'inv-ane-1', customer: { handle: 'ane' } });
  });

  it("uses the shop's customer over the body's, on the order too; a guest's body customer is only a default", async () => {
    const { provider, created } = scriptedProvider();
    const store = createMemoryStore();
    const handler = handlerOn(store, {
      providers: [provider],
      shopper: (request) => (request.headers.get('cookie') === 'login=ane' ? { customer: { handle: 'ane', email: 'ane@example.dk' } } : undefined),
    });
    await create(handler, { cookie: 'login=ane' }, { ...CART, customer: { handle: 'victim', email: 'x@example.com' } });
    expect(created[0]!.customer).toEqual({ handle: 'ane', email: 'ane@example.dk' });
    expect((await store.listOrders())[0]!.customer).toEqual({ handle: 'ane', email: 'ane@example.dk' });
    await create(handler, {}, { ...CART, customer: { handle: 'ane', email: 'guest@example.com' } });
    expect(created[1]!.customer).toEqual({ email: 'guest@example.com' });
    // The same Idempotency-Key from another shopper is a conflict, never the first shopper's session.
    expect((await create(handler, { cookie: 'login=ane', 'idempotency-key': 'k1' })).status).toBe(201);
    expect((await create(handler, { 'idempotency-key': 'k1' })).status).toBe(409);
  });
});

describe('behind a proxy', () => {
  const proxied = (handler: CheckoutHandler, headers: Record<string, string>) =>
    handler(
      new Request('http://10.0.0.5:3000/api/checkout/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://shop.example', referer: 'https://shop.example/checkout', ...headers },
        body: JSON.stringify(CART),
      }),
    );

  it('takes its public origin from X-Forwarded-Proto/Host only with trustProxy, so returns post to the shop page', async () => {
    const { provider, created } = scriptedProvider();
    const store = createMemoryStore();
    const trusting = createCheckoutHandler({ catalog, providers: [provider], store, logger: silent, trustProxy: true, allowedHosts: ['shop.example', '10.0.0.5:3000'] });
    const plain = createCheckoutHandler({ catalog, providers: [provider], store, logger: silent, allowedHosts: ['shop.example', '10.0.0.5:3000'] });
    handlers.push(trusting, plain);
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example' };
    const first = (await (await proxied(trusting, forwarded)).json()) as CheckoutSession;
    expect(created[0]!.acceptUrl).toMatch(/^https:\/\/shop\.example\/api\/checkout\/return\/accept/);
    expect((await store.getSession(first.id))?.shopOrigin).toBe('https://shop.example');
    // Without the opt-in the same headers are anybody's: ignored.
    const second = (await (await proxied(plain, forwarded)).json()) as CheckoutSession;
    expect(created[1]!.acceptUrl).toMatch(/^http:\/\/10\.0\.0\.5:3000\//);
    expect((await store.getSession(second.id))?.shopOrigin).toBe('http://10.0.0.5:3000');
    // A malformed forwarded protocol falls back to the request's own origin.
    await proxied(trusting, { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'shop.example' });
    expect(created[2]!.acceptUrl).toMatch(/^http:\/\/10\.0\.0\.5:3000\//);
  });
});

describe('request size limits', () => {
  it('refuses headers and URLs a real server would (431, 414), and serves normal ones', async () => {
    const { provider } = scriptedProvider();
    const handler = handlerOn(createMemoryStore(), { providers: [provider] });
    const big = await create(handler, { 'x-padding': 'a'.repeat(200 * 1024) });
    expect(big.status).toBe(431);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    const longUrl = await handler(new Request(`${BASE}/sessions/${'a'.repeat(9000)}`));
    expect(longUrl.status).toBe(414);
    expect((await create(handler, { 'x-padding': 'a'.repeat(8 * 1024) })).status).toBe(201);
  });
});

describe('a handler without a store', () => {
  it('warns once, loudly, that state lives in memory', () => {
    const warn = vi.fn();
    const { provider } = scriptedProvider();
    handlers.push(createCheckoutHandler({ catalog, providers: [provider], allowedHosts: TEST_HOSTS, logger: { error: () => {}, warn } }));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/NO STORE.*restart/);
  });
});
