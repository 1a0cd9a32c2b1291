/**
 * The lean edge bundle (issue 26, item 4): the handler, the D1 store and one hosted adapter
 * (ConvergeGate), minified for workerd, held to a gzip budget, and the BUNDLED file run in workerd
 * through Miniflare against the fake ConvergeGate: create, idempotent replay, read, a signed webhook.
 */
import { gzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import { CONVERGEGATE_SECRET_KEY, startFakeConvergeGate, type FakeConvergeGate } from '../providers/convergegate/fake-api.js';
import { signConvergeGateHeaders } from './adapter-kit/webhook-signatures.js';
import { createD1Store, type D1DatabaseLike } from './store/d1.js';
import type { CheckoutStore, Order } from './store/types.js';
import { bundleForWorkers, bytesByOrigin, inputsOf, LEAN_GZIP_BUDGET, LEAN_WORKER, SANDBOX_STRIPE_WORKER, type WorkerBundle } from './test-support/edge-bundles.js';


const ORIGIN = 'http://shop.test';
const API = `${ORIGIN}/api/checkout`;
const CUSTOMER = { email: 'anna@example.pl', first_name: 'Anna', last_name: 'Nowak', country: 'pl' };

let lean: WorkerBundle;
let fake: FakeConvergeGate;
let miniflare: Miniflare;
let store: CheckoutStore;

beforeAll(async () => {
  [lean, fake] = await Promise.all([bundleForWorkers(LEAN_WORKER, { minify: true }), startFakeConvergeGate()]);
  miniflare = new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.js', contents: lean.code }],
    compatibilityDate: '2026-04-01',
    d1Databases: ['DB'],
    bindings: { PUBLIC_URL: ORIGIN, CONVERGEGATE_API_URL: fake.url, CONVERGEGATE_SECRET_KEY },
  });
  store = createD1Store({ database: (await miniflare.getD1Database('DB')) as unknown as D1DatabaseLike });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await miniflare?.dispose();
  await fake?.close();
});

function worker(path: string, init?: RequestInit): Promise<Response> {
  return miniflare.dispatchFetch(`${API}${path}`, init as never) as unknown as Promise<Response>;
}

function create(body: unknown, idempotencyKey: string): Promise<Response> {
  return worker('/sessions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, referer: `${ORIGIN}/checkout`, 'idempotency-key': idempotencyKey },
    body: JSON.stringify(body),
  });
}

async function orderOf(sessionId: string): Promise<Order | undefined> {
  return (await store.listOrders()).find((order) => order.sessionId === sessionId);
}

describe('the lean edge bundle (handler + D1 + ConvergeGate, minified for workerd)', () => {
  it(`is at most ${LEAN_GZIP_BUDGET} B gzip, self-contained, and carries neither classic zod, Kysely, Stripe nor the sandbox`, () => {
    expect(gzipSync(lean.code, { level: 9 }).length).toBeLessThanOrEqual(LEAN_GZIP_BUDGET);
    expect(Object.values(lean.metafile.outputs).flatMap((output) => output.imports)).toEqual([]);
    const inputs = inputsOf(lean);
    expect(inputs.filter((file) => /node_modules\/stripe\//.test(file))).toEqual([]);
    expect(inputs.filter((file) => /providers\/(sandbox|stripe)\//.test(file))).toEqual([]);
    // The D1 store runs Kysely's SQL compiled at build time (sqlite-statements.generated.ts), not Kysely.
    expect(inputs.filter((file) => /node_modules\/kysely\//.test(file))).toEqual([]);
    expect(inputs.some((file) => file.endsWith('store/sqlite-statements.generated.ts'))).toBe(true);
    // zod's classic API (`zod/v4/classic`) is what made the server bundle 48 % zod; only mini and the core are left.
    expect(inputs.filter((file) => /node_modules\/zod\/.*\/classic\//.test(file))).toEqual([]);
    expect(inputs.some((file) => /node_modules\/zod\/.*\/mini\//.test(file))).toBe(true);
  });

  it('brings the Stripe SDK only into a bundle that imports the Stripe adapter', async () => {
    const [withSandbox, withStripe] = await Promise.all([
      bundleForWorkers(LEAN_WORKER, { minify: true, extra: 'sandbox' }),
      bundleForWorkers(LEAN_WORKER, { minify: true, extra: 'stripe' }),
    ]);
    expect(bytesByOrigin(withSandbox.metafile).get('stripe')).toBeUndefined();
    expect(bytesByOrigin(withStripe.metafile).get('stripe')).toBeGreaterThan(100_000);
    expect(bytesByOrigin(lean.metafile).get('src/providers/convergegate')).toBeGreaterThan(0);
    // The sandbox and Stripe Worker is the larger bundle it replaces.
    const old = await bundleForWorkers(SANDBOX_STRIPE_WORKER, { minify: true });
    expect(gzipSync(old.code).length).toBeGreaterThan(gzipSync(lean.code).length);
  }, 60_000);

  it('runs: creates a ConvergeGate session, replays it by key, reads it, and a signed webhook pays the order in D1', async () => {
    const body = { provider: 'convergegate', items: [{ sku: 'grinder', quantity: 1 }], customer: CUSTOMER };
    const createdResponse = await create(body, 'edge-lean-1');
    expect(createdResponse.status).toBe(201);
    const created = (await createdResponse.json()) as CheckoutSession;
    expect(created).toMatchObject({ provider: 'convergegate', kind: 'hosted', status: 'open', amount: 45_900, currency: 'PLN' });
    expect(created.url).toBe(`${fake.url}/pay/${created.id}`);
    expect(await orderOf(created.id)).toMatchObject({ status: 'pending', amount: 45_900 });
    const posted = fake.requests.filter((request) => request.method === 'POST');
    expect(posted).toHaveLength(1);
    expect(new URLSearchParams(posted[0]!.body).get('notification_url')).toBe(`${API}/webhooks/convergegate`);

    const again = (await (await create(body, 'edge-lean-1')).json()) as CheckoutSession;
    expect(again.id).toBe(created.id);
    expect(fake.requests.filter((request) => request.method === 'POST')).toHaveLength(1);

    // The validation of the body, on zod/mini in the bundle: a price is refused with zod's own issue.
    const refused = await create({ ...body, items: [{ sku: 'grinder', quantity: 1, price: 1 }] }, 'edge-lean-2');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: { issues: [{ code: 'unrecognized_keys', path: ['items', 0], message: 'Unrecognized key: "price"' }] },
    });

    const read = await worker(`/sessions/${created.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: created.id, status: 'open' });

    // The shopper pays on the fake's page; its webhook goes to the shop's public URL, sent here to the Worker.
    const paid = await fetch(`${fake.url}/pay/${created.id}`, { method: 'POST', body: new URLSearchParams({ blik_code: '777123' }), redirect: 'manual' });
    expect(paid.status).toBe(303);
    const event = JSON.stringify({ event_id: 'evt_lean_1', type: 'checkout.session.completed', data: { object: { id: created.id, status: 'complete' } } });
    const signed = async (secret: string) =>
      worker('/webhooks/convergegate', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await signConvergeGateHeaders(secret, event, String(Math.floor(Date.now() / 1000)))) },
        body: event,
      });
    expect((await signed('sk_test_wrong')).status).toBe(400);
    const delivered = await signed(CONVERGEGATE_SECRET_KEY);
    expect(delivered.status).toBe(200);

    const deadline = Date.now() + 10_000;
    let order = await orderOf(created.id);
    while (order?.status !== 'paid' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      order = await orderOf(created.id);
    }
    expect(order).toMatchObject({ status: 'paid', amount: 45_900, currency: 'PLN' });
  });
});
