/**
 * The handler on Cloudflare Workers: `test-support/edge-worker.ts` bundled as a shop's bundler would
 * (esbuild, the `workerd` conditions, no `nodejs_compat`) and run in workerd through Miniflare, on a
 * D1 store, against the sandbox PSP and a fake Stripe that run here in Node on loopback.
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import { signSandboxPayload } from '../providers/sandbox/server.js';
import { FAKE_PUBLISHABLE_KEY, FAKE_SECRET_KEY, startFakeStripe, type FakeStripe } from '../providers/stripe/fake-api.js';
import { createSandboxPsp, serveNode, type NodeServerHandle } from './node.js';
import { createD1Store, type D1DatabaseLike } from './store/d1.js';
import type { CheckoutStore, Order } from './store/types.js';
import { bundleForWorkers, SANDBOX_STRIPE_WORKER, type WorkerBundle } from './test-support/edge-bundles.js';
import { answersAsBefore, REFUSALS } from './test-support/refusals.js';

const SECRET_KEY = 'sbx_sk_test_edge_0123456789abcdef';
const WEBHOOK_SECRET = 'sbx_whsec_test_edge_0123456789abcdef';
const ORIGIN = 'http://shop.test';
const API = `${ORIGIN}/api/checkout`;
/** Workers allow 3 MB (free) after compression; the handler stays well inside it. */
const GZIP_BUDGET = 1024 * 1024;

let bundle: WorkerBundle;
let psp: NodeServerHandle;
let stripe: FakeStripe;
let miniflare: Miniflare;
let store: CheckoutStore;
/** The `Idempotency-Key` of every create the sandbox PSP received (the handler's calls to the provider). */
const pspCreates: string[] = [];

/** The bundled Worker in workerd, with an empty D1 database of its own. */
function startWorker(): Miniflare {
  return new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.js', contents: bundle.code }],
    compatibilityDate: '2026-04-01',
    // No compatibilityFlags: no nodejs_compat.
    d1Databases: ['DB'],
    bindings: {
      PUBLIC_URL: ORIGIN,
      SANDBOX_API_URL: psp.url,
      SANDBOX_SECRET_KEY: SECRET_KEY,
      SANDBOX_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_SECRET_KEY: FAKE_SECRET_KEY,
      STRIPE_PUBLISHABLE_KEY: FAKE_PUBLISHABLE_KEY,
      STRIPE_API_URL: stripe.server.url,
    },
  });
}

beforeAll(async () => {
  const sandbox = createSandboxPsp({
    secretKey: SECRET_KEY,
    webhookSecret: WEBHOOK_SECRET,
    // The PSP's own deliveries go nowhere: the test sends the webhook itself, when it chooses.
    fetch: async () => new Response(null, { status: 204 }),
    logger: { warn: () => {} },
  });
  const countingPsp = (request: Request) => {
    if (request.method === 'POST' && new URL(request.url).pathname === '/v1/sessions') pspCreates.push(request.headers.get('idempotency-key') ?? '');
    return sandbox.fetch(request);
  };
  [bundle, psp, stripe] = await Promise.all([bundleForWorkers(SANDBOX_STRIPE_WORKER), serveNode(countingPsp), startFakeStripe()]);
  miniflare = startWorker();
  // The Worker's own database, read from Node.
  store = createD1Store({ database: (await miniflare.getD1Database('DB')) as unknown as D1DatabaseLike });
}, 30_000);

afterAll(async () => {
  await store?.close();
  await miniflare?.dispose();
  await Promise.all([psp?.close(), stripe?.close()]);
});

function worker(path: string, init?: RequestInit): Promise<Response> {
  // Miniflare's fetch is undici's; its Response reads the same way.
  return miniflare.dispatchFetch(`${API}${path}`, init as never) as unknown as Promise<Response>;
}

function create(body: unknown, idempotencyKey: string, on = miniflare): Promise<Response> {
  return on.dispatchFetch(`${API}/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, referer: `${ORIGIN}/checkout`, 'idempotency-key': idempotencyKey },
    body: JSON.stringify(body),
  } as never) as unknown as Promise<Response>;
}

async function orderOf(sessionId: string): Promise<Order | undefined> {
  return (await store.listOrders()).find((order) => order.sessionId === sessionId);
}

describe('the handler on Cloudflare Workers (workerd, no nodejs_compat)', () => {
  it('bundles with no Node built-in, within the size budget', () => {
    const imports = Object.values(bundle.metafile.outputs).flatMap((output) => output.imports.map((entry) => entry.path));
    // Self-contained: no import left at all (the Node stores' driver imports went with the unused stores).
    expect(imports).toEqual([]);
    expect(gzipSync(bundle.code).length).toBeLessThan(GZIP_BUDGET);
  });

  it('would fail to bundle code that reaches a Node built-in (the PSP, on node:crypto)', async () => {
    await expect(bundleForWorkers(fileURLToPath(new URL('../providers/sandbox/psp.ts', import.meta.url)))).rejects.toThrow(/node:/);
  });

  it('creates a sandbox session, reads it, returns through the bridge, and a verified webhook pays the order', async () => {
    const createdResponse = await create({ provider: 'sandbox', items: [{ sku: 'grinder', quantity: 1 }] }, 'edge-sandbox-1');
    expect(createdResponse.status).toBe(201);
    const created = (await createdResponse.json()) as CheckoutSession;
    expect(created).toMatchObject({ provider: 'sandbox', kind: 'hosted', status: 'open', amount: 89_900, currency: 'DKK' });
    expect(created.url).toBe(`${psp.url}/pay/${created.id}?theme=`);
    expect(await orderOf(created.id)).toMatchObject({ status: 'pending', amount: 89_900 });

    // The same key again: the first create's session, from D1.
    const again = (await (await create({ provider: 'sandbox', items: [{ sku: 'grinder', quantity: 1 }] }, 'edge-sandbox-1')).json()) as CheckoutSession;
    expect(again.id).toBe(created.id);

    const read = await worker(`/sessions/${created.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: created.id, status: 'open' });

    // The shopper pays on the PSP's page, which sends them to the Worker's return bridge.
    const paid = await fetch(`${psp.url}/pay/${created.id}/card`, {
      method: 'POST',
      body: new URLSearchParams({ number: '4242424242424242', expiry: '12/34', cvc: '123' }),
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    const returnUrl = new URL(paid.headers.get('location')!);
    expect(returnUrl.origin + returnUrl.pathname).toBe(`${API}/return/accept`);
    const bridge = await worker(`/return/accept${returnUrl.search}`);
    expect(bridge.status).toBe(200);
    expect(bridge.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await bridge.text();
    expect(page).toContain(`"session":"${created.id}"`);
    expect(page).toContain('"event":"accept"');
    // Nothing has read the paid session yet: the order waits for the webhook.
    expect((await orderOf(created.id))?.status).toBe('pending');

    const event = JSON.stringify({ id: 'evt_edge_1', type: 'session.completed', session: created.id });
    const webhook = () =>
      signSandboxPayload(WEBHOOK_SECRET, event, Math.floor(Date.now() / 1000)).then((signature) =>
        worker('/webhooks/sandbox', { method: 'POST', headers: { 'content-type': 'application/json', 'sandbox-signature': signature }, body: event }),
      );
    const forged = await worker('/webhooks/sandbox', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sandbox-signature': await signSandboxPayload('wrong', event, Math.floor(Date.now() / 1000)) },
      body: event,
    });
    expect(forged.status).toBe(400);
    const delivered = await webhook();
    expect(delivered.status).toBe(200);
    expect(await delivered.json()).toEqual({ received: true });

    // The Worker handles the stored event after answering (waitUntil): the order moves in D1.
    const deadline = Date.now() + 10_000;
    let order = await orderOf(created.id);
    while (order?.status !== 'paid' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      order = await orderOf(created.id);
    }
    expect(order).toMatchObject({ status: 'paid', amount: 89_900, currency: 'DKK' });
    expect(order?.paidAt).toBeDefined();

    const replay = await webhook();
    expect(await replay.json()).toEqual({ received: true, duplicate: true });
    expect(await (await worker(`/sessions/${created.id}`)).json()).toMatchObject({ status: 'complete' });
  });

  // The examples' Worker (examples/cloudflare-workers): the page's create is a new isolate's first
  // request, on a D1 database nothing has migrated yet. A browser retry (a timeout, a 5xx) repeats
  // its key while the first request may still be running.
  it('gives concurrent creates with one Idempotency-Key one provider create, one order and one answer, as the first requests of a new Worker on a new D1 database', async () => {
    const fresh = startWorker();
    try {
      const cart = { provider: 'sandbox', items: [{ sku: 'grinder', quantity: 1 }] };
      const answers = await Promise.all(Array.from({ length: 8 }, () => create(cart, 'edge-concurrent-1', fresh)));
      expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(201));
      const ids = new Set(await Promise.all(answers.map(async (answer) => ((await answer.json()) as CheckoutSession).id)));
      expect(ids.size).toBe(1);
      expect(pspCreates.filter((key) => key === 'edge-concurrent-1')).toHaveLength(1);
      const orders = await createD1Store({ database: (await fresh.getD1Database('DB')) as unknown as D1DatabaseLike }).listOrders();
      expect(orders.map((order) => order.sessionId)).toEqual([...ids]);
    } finally {
      await fresh.dispose();
    }
  }, 60_000);

  it('creates and reads a Stripe session through the Stripe SDK (its Workers build) against a fake Stripe', async () => {
    const createdResponse = await create({ provider: 'stripe', items: [{ sku: 'beans', quantity: 2 }] }, 'edge-stripe-1');
    expect(createdResponse.status).toBe(201);
    const created = (await createdResponse.json()) as CheckoutSession;
    expect(created).toMatchObject({ provider: 'stripe', kind: 'stripe-embedded', status: 'open', amount: 49_800, publishable_key: FAKE_PUBLISHABLE_KEY });
    expect(created.client_secret).toMatch(/^cs_/);
    const read = await worker(`/sessions/${created.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: created.id, status: 'open' });
    expect(stripe.requests.map((request) => request.method)).toEqual(expect.arrayContaining(['POST', 'GET']));
    expect(await orderOf(created.id)).toMatchObject({ provider: 'stripe', status: 'pending', amount: 49_800 });
  });

  it.each(REFUSALS)('after %s (%i) the next requests are answered as before', async (_what, status, refused) => {
    const send = (path: string, init?: RequestInit) => miniflare.dispatchFetch(`${ORIGIN}${path}`, init as never) as unknown as Promise<Response>;
    const refusal = await refused(send);
    expect(refusal.status).toBe(status);
    await refusal.body?.cancel();
    for (let turn = 0; turn < 2; turn++) await answersAsBefore(send, { provider: 'sandbox', items: [{ sku: 'grinder', quantity: 1 }] }, ORIGIN);
  });
});
