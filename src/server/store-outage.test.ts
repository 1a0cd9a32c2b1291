/**
 * A database outage is a 503 with Retry-After, not a 500: a PSP retries a webhook it got a 503 for,
 * and a widget its create. The store is a real PostgreSQL server reached through a TCP link the test
 * cuts, as a network partition or a database restart looks to the driver.
 */
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import { createCheckoutHandler } from './handler.js';
import { createPostgresStore } from './store/postgres.js';
import { hostedProviderDouble, MUG_CATALOG } from './test-support/hosted-provider-double.js';
import { createTestDatabase } from './test-support/postgres.js';
import { startCuttableLink, type CuttableLink } from './test-support/tcp-cut.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ORIGIN = 'http://127.0.0.1:3000';
const API = `${ORIGIN}/api/checkout`;

function create(handler: (request: Request) => Promise<Response>, key: string): Promise<Response> {
  return handler(
    new Request(`${API}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, 'idempotency-key': key },
      body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }),
    }),
  );
}

it('answers creates, reads and webhooks 503 with Retry-After while the database is unreachable, and as before once it is back', async () => {
  const database = await createTestDatabase(inject('postgresUrl'));
  cleanups.push(() => database.drop());
  const direct = new URL(database.url);
  const link = await startCuttableLink({ host: direct.hostname, port: Number(direct.port) });
  cleanups.push(() => link.close());
  const viaLink = new URL(database.url);
  viaLink.host = `${link.host}:${link.port}`;
  const store = createPostgresStore({ connectionString: viaLink.href });
  cleanups.push(() => store.close());
  const errors: unknown[] = [];
  const handler = createCheckoutHandler({
    providers: [hostedProviderDouble().provider],
    catalog: MUG_CATALOG,
    store,
    logger: { error: (...args: unknown[]) => errors.push(args), warn: () => {} },
  });
  cleanups.push(() => handler.close());

  const first = await create(handler, 'outage-1');
  expect(first.status).toBe(201);
  const session = (await first.json()) as CheckoutSession;

  link.cut();
  const refused = [
    await create(handler, 'outage-2'),
    await handler(new Request(`${API}/sessions/${session.id}`)),
    await handler(new Request(`${API}/webhooks/fake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"evt_1"}' })),
  ];
  for (const answer of refused) {
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(await answer.json()).toMatchObject({ error: { code: 'store_unavailable' } });
  }
  expect(errors.length).toBeGreaterThanOrEqual(3);

  link.restore();
  expect((await create(handler, 'outage-2')).status).toBe(201);
  expect((await handler(new Request(`${API}/sessions/${session.id}`))).status).toBe(200);
  const webhook = await handler(new Request(`${API}/webhooks/fake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"evt_1"}' }));
  expect(webhook.status).toBe(200);
});

describe('a hook that returned as the database went down', () => {
  /** Two handlers on one database through one link, leases of 500 ms; the hooks cut the link as they return. */
  async function twoHandlersCuttingTheLink(hooks: { onWebhook?: boolean; onOrderPaid?: boolean }) {
    const database = await createTestDatabase(inject('postgresUrl'));
    cleanups.push(() => database.drop());
    const direct = new URL(database.url);
    const link = await startCuttableLink({ host: direct.hostname, port: Number(direct.port) });
    cleanups.push(() => link.close());
    const viaLink = new URL(database.url);
    viaLink.host = `${link.host}:${link.port}`;
    const double = hostedProviderDouble();
    const calls: string[] = [];
    const hook = (name: string) => async (subject: unknown) => {
      calls.push(`${name} ${JSON.stringify(subject)}`);
      // The database goes away just as the hook returns: the handler cannot record that it did.
      if (calls.length === 1) link.cut();
    };
    const handlers = [1, 2].map(() => {
      const store = createPostgresStore({ connectionString: viaLink.href });
      cleanups.push(() => store.close());
      const handler = createCheckoutHandler({
        providers: [double.provider],
        catalog: MUG_CATALOG,
        store,
        hookLeaseMs: 500,
        logger: { error: () => {}, warn: () => {} },
        ...(hooks.onWebhook && { onWebhook: hook('onWebhook') }),
        ...(hooks.onOrderPaid && { onOrderPaid: hook('onOrderPaid') }),
      });
      cleanups.push(() => handler.close(100));
      return handler;
    });
    return { link, double, calls, handlers };
  }

  /** Down for `downMs` (many lease periods), then back for twelve lease periods: long enough for any handler to take the job over and run it again. */
  async function outageThenQuiet(link: CuttableLink, downMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, downMs));
    link.restore();
    await new Promise((resolve) => setTimeout(resolve, 6_000));
  }

  it('does not run onWebhook again: the handler records it once the database is back, and no handler takes it over first', async () => {
    const { link, calls, handlers } = await twoHandlersCuttingTheLink({ onWebhook: true });
    const answer = await handlers[0]!(
      new Request(`${API}/webhooks/fake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"evt_1"}' }),
    );
    expect(answer.status).toBe(200);
    await vi.waitFor(() => expect(calls).toHaveLength(1), { timeout: 5_000 });
    await outageThenQuiet(link, 3_000);
    expect(calls).toHaveLength(1);
  }, 30_000);

  it('does not run onOrderPaid again: the fulfilment is recorded once the database is back, and no handler takes it over first', async () => {
    const { link, double, calls, handlers } = await twoHandlersCuttingTheLink({ onOrderPaid: true });
    const session = (await (await create(handlers[0]!, 'paid-1')).json()) as CheckoutSession;
    (await double.provider.getSession(session.id)).status = 'complete';
    expect((await handlers[1]!(new Request(`${API}/sessions/${session.id}`))).status).toBe(200);
    await vi.waitFor(() => expect(calls).toHaveLength(1), { timeout: 5_000 });
    // Longer than the few in-process retries of the record (about 11 s) that were all it got.
    await outageThenQuiet(link, 13_000);
    expect(calls).toHaveLength(1);
    const [order] = await handlers[0]!.orders.list();
    expect(order).toMatchObject({ status: 'paid', fulfilledAt: expect.any(String) });
  }, 40_000);
});
