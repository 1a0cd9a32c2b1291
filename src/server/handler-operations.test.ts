/**
 * The handler's own routes beside the checkout: `GET {base}/health`, `handler.close()` in one
 * process (the same under SIGTERM with real processes is in processes.test.ts), and a read's
 * `provider_result`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import { createCheckoutHandler, type CheckoutHandler } from './handler.js';
import type { PaymentProvider } from './provider-api/types.js';
import { createMemoryStore } from './store/memory.js';
import type { CheckoutStore } from './store/types.js';
import { hostedProviderDouble, MUG_CATALOG } from './test-support/hosted-provider-double.js';

const BASE = 'https://shop.example/api/checkout';
const handlers: CheckoutHandler[] = [];
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close(100);
});

function mount(options: { store?: CheckoutStore; provider?: PaymentProvider; now?: () => number; onOrderPaid?: () => Promise<void> } = {}) {
  const logger = { error: vi.fn(), warn: vi.fn() };
  const handler = createCheckoutHandler({
    providers: [options.provider ?? hostedProviderDouble().provider],
    catalog: MUG_CATALOG,
    store: options.store ?? createMemoryStore(),
    allowedHosts: ['shop.example'],
    logger,
    hookLeaseMs: 500,
    ...(options.now && { now: options.now }),
    ...(options.onOrderPaid && { onOrderPaid: options.onOrderPaid }),
  });
  handlers.push(handler);
  return { handler, logger };
}

const health = (handler: CheckoutHandler, host = 'shop.example') => handler(new Request(`https://${host}/api/checkout/health`));
const create = (handler: CheckoutHandler) =>
  handler(new Request(`${BASE}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }) }));

describe('GET /health', () => {
  it('answers 200 ok with the store and the job runner, states and numbers only', async () => {
    const { handler } = mount();
    await handler.whenIdle();
    const response = await health(handler);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      status: 'ok',
      store: 'ok',
      jobs: { running: 0, lagMs: expect.any(Number), stalled: false },
      providers: { fake: { state: 'closed', failures: 0 } },
    });
  });

  it('answers a probe by the instance’s own address, which the host rule would refuse for anything else', async () => {
    const { handler } = mount();
    expect((await health(handler, '10.0.0.7:3000')).status).toBe(200);
    expect((await handler(new Request('https://10.0.0.7:3000/api/checkout/sessions/x'))).status).toBe(400);
  });

  it('answers 503 unavailable when the store does not answer, without the error’s text', async () => {
    const store = createMemoryStore();
    const getOrder = store.getOrder.bind(store);
    let down = false;
    vi.spyOn(store, 'getOrder').mockImplementation((reference) =>
      down ? Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:5432 password=hunter2')) : getOrder(reference),
    );
    const { handler, logger } = mount({ store });
    await handler.whenIdle();
    expect((await health(handler)).status).toBe(200);
    down = true;
    const response = await health(handler);
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ status: 'unavailable', store: 'unavailable' });
    // No breaker states it could not read.
    expect(JSON.parse(text)).not.toHaveProperty('providers');
    expect(text).not.toMatch(/ECONNREFUSED|hunter2|10\.1\.2\.3/);
    expect(logger.warn).toHaveBeenCalled();
  });

  it('answers 503 when the migration fails', async () => {
    const store = createMemoryStore();
    vi.spyOn(store, 'migrate').mockRejectedValue(new Error('relation is locked'));
    const { handler } = mount({ store });
    expect(await (await health(handler)).json()).toMatchObject({ status: 'unavailable', store: 'unavailable' });
  });

  it('says degraded (still 200) when due jobs have not been looked for in ten polls', async () => {
    let clock = Date.now();
    const { handler } = mount({ now: () => clock });
    await handler.whenIdle();
    clock += 60_000;
    const response = await health(handler);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'degraded', jobs: { stalled: true, lagMs: expect.any(Number) } });
  });
});

describe('handler.close()', () => {
  it('finishes a request in flight, answers new ones 503 shutting_down, and health 503', async () => {
    const double = hostedProviderDouble();
    let release!: () => void;
    const slow: PaymentProvider = {
      ...double.provider,
      async createSession(input): Promise<CheckoutSession> {
        await new Promise<void>((resolve) => (release = resolve));
        return double.provider.createSession(input);
      },
    };
    const { handler } = mount({ provider: slow });
    const inFlight = create(handler);
    await vi.waitFor(() => expect(release).toBeTypeOf('function'));
    const closed = handler.close(5_000);
    const refused = await create(handler);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ error: { code: 'shutting_down' } });
    expect((await health(handler)).status).toBe(503);
    let done = false;
    void closed.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    release();
    expect((await inFlight).status).toBe(201);
    await closed;
  });

  it('returns at once when nothing is in flight, and the same promise when called again', async () => {
    const { handler } = mount();
    await handler.whenIdle();
    const started = Date.now();
    const first = handler.close(5_000);
    expect(handler.close(5_000)).toBe(first);
    await first;
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('releases the lease of a hook still running after the grace, so the job is due again at once', async () => {
    const store = createMemoryStore();
    const double = hostedProviderDouble();
    const started: string[] = [];
    const { handler: first } = mount({ store, provider: double.provider, onOrderPaid: () => { started.push('first'); return new Promise(() => {}); } });
    const session = (await (await create(first)).json()) as CheckoutSession;
    // The double keeps the session object it answers with: paying it at the provider is changing it.
    (await double.provider.getSession(session.id)).status = 'complete';
    await first(new Request(`${BASE}/sessions/${session.id}`));
    await vi.waitFor(() => expect(started).toEqual(['first']));
    await first.close(100);
    const [job] = (await store.leaseJobs({ owner: 'probe', kinds: ['order_paid'], now: Date.now(), leaseUntil: Date.now(), limit: 1 }));
    expect(job).toMatchObject({ kind: 'order_paid', lastError: expect.stringMatching(/released/) });
  });
});

describe('GET /sessions/:id?provider_result=…', () => {
  it('forwards a provider result to the adapter as read input, and refuses one over 4,096 characters before any read', async () => {
    const double = hostedProviderDouble();
    const reads: (string | undefined)[] = [];
    const getSession = double.provider.getSession.bind(double.provider);
    const provider: PaymentProvider = {
      ...double.provider,
      getSession: (id, read) => {
        reads.push(read?.providerResult);
        return getSession(id);
      },
    };
    const { handler } = mount({ provider });
    const { id } = (await (await create(handler)).json()) as CheckoutSession;
    expect((await handler(new Request(`${BASE}/sessions/${id}?provider_result=${'r'.repeat(4_096)}`))).status).toBe(200);
    const refused = await handler(new Request(`${BASE}/sessions/${id}?provider_result=${'r'.repeat(4_097)}`));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('provider_result') } });
    expect(reads).toEqual(['r'.repeat(4_096)]);
  });
});
