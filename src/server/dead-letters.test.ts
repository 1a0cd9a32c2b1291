/**
 * Dead letters: a job that keeps failing (N attempts, or past its deadline) is `dead` with its
 * last error, logged at error level, handed to `onDeadLetter` once, listed by `handler.jobs.list`
 * and run again by `handler.jobs.retry`. Real processes and the command line: processes.test.ts
 * and src/cli/jobs.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from './catalog.js';
import { createCheckoutHandler, type CheckoutHandler, type CheckoutHandlerOptions } from './handler.js';
import type { PaymentProvider } from './provider-api/types.js';
import type { Job, Order } from './store/types.js';
import { scriptedSessions } from './test-support/scripted-sessions.js';
import { testStores } from './test-support/stores.js';
import { TEST_HOSTS } from './test-support/test-hosts.js';

const SHOP = 'https://shop.example';
const BASE = 'https://api.example/api/checkout';
const catalog: Catalog = { currency: 'DKK', products: { grinder: { name: 'Hand grinder', unitAmount: 89_900, vatRate: 0.25 } } };

const handlers: CheckoutHandler[] = [];
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(handlers.splice(0).map((handler) => handler.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(testStores(cleanups))('dead letters on the %s store', (_, makeStore) => {
  /** A handler whose `onOrderPaid` throws while `failing` says so, and one paid order's job. */
  async function paidOrderWithFailingHook(options: Partial<CheckoutHandlerOptions> = {}) {
    const scripted = scriptedSessions('scripted', () => ({ kind: 'hosted', url: 'https://pay.example/1' }));
    const provider: PaymentProvider = { name: 'scripted', createSession: scripted.createSession, getSession: scripted.getSession };
    const state = { failing: true, calls: 0, dead: [] as Job[], errors: [] as string[] };
    const handler = createCheckoutHandler({
      providers: [provider],
      catalog,
      store: makeStore(),
      allowedOrigins: [SHOP],
      allowedHosts: TEST_HOSTS,
      hookRetry: { firstDelayMs: 5, maxDelayMs: 10, maxAttempts: 3 },
      logger: { warn: () => {}, error: (message: string) => void state.errors.push(String(message)) },
      onOrderPaid: async (_order: Order) => {
        state.calls += 1;
        if (state.failing) throw new Error(`the ERP is down (call ${state.calls})`);
      },
      onDeadLetter: (job) => void state.dead.push(job),
      ...options,
    });
    handlers.push(handler);
    const created = await handler(
      new Request(`${BASE}/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SHOP, referer: `${SHOP}/checkout.html` },
        body: JSON.stringify({ items: [{ sku: 'grinder', quantity: 1 }] }),
      }),
    );
    const { id } = (await created.json()) as { id: string };
    scripted.sessions.set(id, { ...scripted.sessions.get(id)!, status: 'complete' });
    // The widget's confirming read moves the order to paid, which enqueues `onOrderPaid`.
    expect((await handler(new Request(`${BASE}/sessions/${id}`))).status).toBe(200);
    const [order] = await handler.orders.list();
    return { handler, state, jobId: `order_paid:${order!.reference}`, order: order! };
  }

  it('gives a job up on its last attempt: dead with its last error, logged loudly, handed to onDeadLetter once', async () => {
    const { handler, state, jobId } = await paidOrderWithFailingHook();
    await until(async () => state.dead.length > 0, 'the dead letter');
    await handler.whenIdle();
    expect(state.calls).toBe(3);
    expect(state.dead).toHaveLength(1);
    expect(state.dead[0]).toMatchObject({ id: jobId, kind: 'order_paid', status: 'dead', attempts: 3, lastError: 'Error: the ERP is down (call 3)' });
    expect(state.dead[0]!.deadAt).toEqual(expect.any(Number));
    expect(state.errors.filter((line) => line.includes('DEAD LETTER'))).toEqual([expect.stringContaining(`${jobId} (order_paid) failed 3 times`)]);
    expect((await handler.jobs.list({ status: 'dead' })).map((job) => job.id)).toEqual([jobId]);
    // Not leased again: no fourth call however long it waits.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(state.calls).toBe(3);
  });

  it('runs a dead job again on handler.jobs.retry: due at once with fresh attempts, done once the hook returns', async () => {
    const { handler, state, jobId, order } = await paidOrderWithFailingHook();
    await until(async () => state.dead.length > 0, 'the dead letter');
    expect(await handler.jobs.retry('order_paid:ord_unknown')).toBe(false);
    state.failing = false;
    expect(await handler.jobs.retry(jobId)).toBe(true);
    await until(async () => (await handler.orders.get(order.reference))?.fulfilledAt !== undefined, 'the fulfilment');
    await handler.whenIdle();
    expect(state.calls).toBe(4);
    expect(await handler.jobs.list({ status: 'dead' })).toEqual([]);
    expect((await handler.jobs.list({ status: 'done' })).map((job) => job.id)).toContain(jobId);
    // Done: a second retry finds no dead job.
    expect(await handler.jobs.retry(jobId)).toBe(false);
  });

  it('gives a job up on its first failure past its deadline (hookRetry.maxAgeMs), counted from its enqueueing', async () => {
    let clock = Date.UTC(2026, 10, 30, 12);
    const { handler, state, jobId } = await paidOrderWithFailingHook({
      now: () => clock,
      hookRetry: { firstDelayMs: 5, maxDelayMs: 10, maxAttempts: 100, maxAgeMs: 60_000 },
    });
    await until(() => state.calls >= 1, 'the first attempt');
    expect(state.dead).toEqual([]);
    clock += 60_000;
    await until(async () => state.dead.length > 0, 'the dead letter');
    expect(state.dead[0]).toMatchObject({ id: jobId, status: 'dead' });
    expect(state.dead[0]!.attempts).toBeLessThan(100);
  });

  it('refuses a maxAttempts or maxAgeMs that is no whole number of at least 1', () => {
    const provider: PaymentProvider = { name: 'p', createSession: async () => ({}) as never, getSession: async () => ({}) as never };
    expect(() => createCheckoutHandler({ providers: [provider], catalog, hookRetry: { maxAttempts: 0 } })).toThrow(/hookRetry.maxAttempts/);
    expect(() => createCheckoutHandler({ providers: [provider], catalog, hookRetry: { maxAgeMs: 1.5 } })).toThrow(/hookRetry.maxAgeMs/);
  });
});
