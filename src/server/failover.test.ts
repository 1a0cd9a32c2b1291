/**
 * Failover and the shared circuit breaker (docs/protocol.md, "Methods, routing and failover"),
 * over real HTTP: provider `alpha` is the sandbox adapter talking to a local fake that answers
 * what each case needs (or a closed port, or a cut connection); `beta` is the sandbox adapter on
 * the sandbox PSP. Every failure class, the breaker's open → skip → half-open probe → closed across
 * two handlers on one store (memory, SQLite, PostgreSQL), and idempotent retries during failover.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import { createSandboxProvider } from '../providers/sandbox/server.js';
import { startTestPsp, TEST_SECRET_KEY, TEST_WEBHOOK_SECRET } from '../providers/sandbox/fake-psp.js';
import type { Catalog } from './catalog.js';
import { createCheckoutHandler, type CheckoutHandlerOptions } from './handler.js';
import { classifyCreateFailure, ProviderTimeoutError } from './provider-calls.js';
import type { LogRecord } from './log.js';
import { PaymentDeclinedError, ProviderError, ProviderInputError } from './provider-api/types.js';
import { createMemoryStore } from './store/memory.js';
import { createPostgresStore } from './store/postgres.js';
import { createSqliteStore } from './store/sqlite.js';
import type { CheckoutStore, Order } from './store/types.js';
import { startFakeHttpServer, type FakeHttpServer, type FakeResponse } from './test-support/fake-http.js';
import { createTestDatabase } from './test-support/postgres.js';

const BASE = 'http://localhost/api/checkout';
const catalog: Catalog = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } };
const cart = { items: [{ sku: 'mug', quantity: 1 }] };
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

/** A sandbox API session as alpha's fake answers a create that works. */
const alphaSession = (id = 'sbx_alpha_1'): FakeResponse => ({
  status: 201,
  body: { id, url: `https://alpha.example/pay/${id}`, status: 'open', amount: 12900, currency: 'DKK', expires_at: '2026-11-23T12:00:00Z' },
});

let psp: Awaited<ReturnType<typeof startTestPsp>>;
let alphaApi: FakeHttpServer;
let closedPort: number;

beforeAll(async () => {
  psp = await startTestPsp();
  alphaApi = await startFakeHttpServer(() => alphaSession());
  closedPort = await freePort();
});
afterAll(async () => {
  await alphaApi.close();
  await psp.server.close();
});

/** A loopback port nobody listens on (bound, then closed). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Creates the sandbox PSP was asked for, through `beta`. */
let betaCreates = 0;
const countingFetch = (input: string, init: RequestInit) => {
  if (init.method === 'POST' && new URL(input).pathname === '/v1/sessions') betaCreates += 1;
  return fetch(input, init);
};

const sandbox = (name: string, apiUrl: string) =>
  createSandboxProvider({
    name,
    apiUrl,
    secretKey: TEST_SECRET_KEY,
    webhookSecret: TEST_WEBHOOK_SECRET,
    timeoutMs: 1000,
    now: () => psp.clock.now,
    ...(name === 'beta' && { fetch: countingFetch }),
  });

interface Rig {
  handler: ReturnType<typeof createCheckoutHandler>;
  warnings: LogRecord[];
  errors: LogRecord[];
  infos: LogRecord[];
}

/** A handler with alpha then beta for every method, on `store`, on the shared clock. */
function rig(store: CheckoutStore, options: Partial<CheckoutHandlerOptions> & { alphaUrl?: string } = {}): Rig {
  const warnings: LogRecord[] = [];
  const errors: LogRecord[] = [];
  const infos: LogRecord[] = [];
  const { alphaUrl = alphaApi.url, ...rest } = options;
  const handler = createCheckoutHandler({
    providers: [sandbox('alpha', alphaUrl), sandbox('beta', psp.server.url)],
    catalog,
    store,
    logger: { warn: (line: string) => void warnings.push(record(line)), error: (line: string) => void errors.push(record(line)), info: (line: string) => void infos.push(record(line)) },
    now: () => clock.now,
    ...rest,
  });
  return { handler, warnings, errors, infos };
}

/** A JSON line the handler logged to a plain logger, as its record. */
const record = (line: string) => JSON.parse(line) as LogRecord;

const clock = { now: T0 };
const create = (handler: Rig['handler'], body: object = cart, key?: string) =>
  handler(
    new Request(`${BASE}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key && { 'idempotency-key': key }) },
      body: JSON.stringify(body),
    }),
  );

async function createdOrder(handler: Rig['handler'], session: CheckoutSession): Promise<Order> {
  const [order] = (await handler.orders.list()).filter((found) => found.sessionId === session.id);
  return order!;
}

describe('failure classes (classifyCreateFailure)', () => {
  it('fails over on 5xx and 429 and on a connection never made; never on a decline, a 4xx, a timeout or an unreadable 2xx', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    const reset = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    const allRefused = { cause: Object.assign(new AggregateError([{ code: 'ECONNREFUSED' }, { code: 'EHOSTUNREACH' }]), {}) };
    expect([
      new ProviderError('p', 'x', 503),
      new ProviderError('p', 'x', 500),
      new ProviderError('p', 'x', 429),
      new ProviderError('p', 'x', undefined, { cause: refused }),
      new ProviderError('p', 'x', undefined, { cause: allRefused }),
      new ProviderError('p', 'x', 400),
      new ProviderError('p', 'x', 404),
      new ProviderInputError('p', 'x'),
      new PaymentDeclinedError('p', 'x', 402),
      new ProviderTimeoutError('x'),
      new ProviderError('p', 'x', undefined, { cause: reset }),
      new ProviderError('p', 'x', undefined, { cause: Object.assign(new Error('timeout'), { name: 'TimeoutError' }) }),
      new ProviderError('p', 'x', 201),
      new ProviderError('p', 'unexpected answer'),
      new Error('adapter bug'),
    ].map(classifyCreateFailure)).toEqual([
      'failover', 'failover', 'failover', 'failover', 'failover',
      'final', 'final', 'final', 'final',
      'unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown',
    ]);
  });
});

describe('failover of one create, over HTTP', () => {
  afterEach(() => alphaApi.respond(() => alphaSession()));

  type Case = [name: string, alpha: FakeResponse | 'closed port' | 'cut', outcome: 'failover' | 'unknown' | 'final', status: number];
  const cases: Case[] = [
    ['503', { status: 503, body: { message: 'maintenance' } }, 'failover', 201],
    ['500', { status: 500, body: 'oops' }, 'failover', 201],
    ['429', { status: 429, body: { message: 'slow down' } }, 'failover', 201],
    ['connection refused', 'closed port', 'failover', 201],
    ['400 about our request', { status: 400, body: { message: 'bad lines' } }, 'final', 502],
    ['404', { status: 404, body: {} }, 'final', 502],
    ['no answer within the timeout', { status: 201, delayMs: 2500, body: {} }, 'unknown', 502],
    ['connection cut after the request was sent', 'cut', 'unknown', 502],
    ['a 201 that is not JSON', { status: 201, body: '<html>' }, 'unknown', 502],
    ['a 201 without the session fields', { status: 201, body: { id: 'x' } }, 'unknown', 502],
  ];

  it.each(cases)('%s → %s', async (_name, alpha, outcome, status) => {
    const cut = alpha === 'cut' ? await startCuttingServer() : undefined;
    if (typeof alpha === 'object') alphaApi.respond(() => alpha);
    const alphaUrl = alpha === 'closed port' ? `http://127.0.0.1:${closedPort}` : cut?.url;
    const { handler } = rig(createMemoryStore(), { ...(alphaUrl && { alphaUrl }) });
    const before = betaCreates;
    const answer = await create(handler, cart, `key-${_name}`);
    expect(answer.status).toBe(status);
    const [order] = await handler.orders.list();
    expect(order!.attempts).toEqual([expect.objectContaining({ provider: 'alpha', method: 'card', outcome, at: expect.any(String) })]);
    if (outcome === 'failover') {
      const session = (await answer.json()) as CheckoutSession;
      expect(session.provider).toBe('beta');
      expect(order).toMatchObject({ provider: 'beta', sessionId: session.id, status: 'pending' });
    } else {
      // Nothing else was tried: the order stays with alpha, and the shopper's retry goes there.
      expect(order).toMatchObject({ provider: 'alpha' });
      expect(order!.sessionId).toBeUndefined();
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('provider_error');
    }
    expect(betaCreates).toBe(before + (outcome === 'failover' ? 1 : 0));
    await cut?.close();
  });

  it('refuses for good on the adapter\'s input error: 400, the order failed, no other provider asked', async () => {
    const { handler } = rig(createMemoryStore());
    const requestsBefore = alphaApi.requests.length;
    const answer = await create(handler, { ...cart, recurring: true });
    expect(answer.status).toBe(400);
    const [order] = await handler.orders.list();
    expect(order).toMatchObject({ provider: 'alpha', status: 'failed', attempts: [expect.objectContaining({ provider: 'alpha', outcome: 'final' })] });
    expect(alphaApi.requests.length).toBe(requestsBefore);
  });

  it('answers the last failure when every candidate fails over, with each attempt on the order', async () => {
    alphaApi.respond(() => ({ status: 503, body: {} }));
    const store = createMemoryStore();
    const warnings: LogRecord[] = [];
    const handler = createCheckoutHandler({
      providers: [sandbox('alpha', alphaApi.url), sandbox('beta', `http://127.0.0.1:${closedPort}`)],
      catalog,
      store,
      logger: { warn: (line: string) => void warnings.push(record(line)), error: () => {} },
    });
    const answer = await create(handler);
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toMatch(/^Payment provider "beta" failed: .*create session failed: network error/);
    const [order] = await handler.orders.list();
    expect(order!.attempts!.map((attempt) => [attempt.provider, attempt.outcome])).toEqual([
      ['alpha', 'failover'],
      ['beta', 'failover'],
    ]);
    expect(warnings.filter((line) => line.event === 'session.create_failover' && line.next === 'beta' && line.msg.includes('trying "beta" next (same order)'))).toHaveLength(1);
  });
});

/** A server that reads the request and then cuts the connection without answering. */
async function startCuttingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((socket) => socket.once('data', () => socket.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The stores the breaker is tested on, each giving two stores on the same data (two handlers). */
const sharedStores: [string, () => Promise<{ stores: [CheckoutStore, CheckoutStore]; cleanup: () => Promise<void> }>][] = [
  [
    'memory',
    async () => {
      const store = createMemoryStore();
      return { stores: [store, store], cleanup: async () => {} };
    },
  ],
  [
    'SQLite',
    async () => {
      const folder = mkdtempSync(path.join(tmpdir(), 'checkout-failover-'));
      const file = path.join(folder, 'checkout.db');
      const stores: [CheckoutStore, CheckoutStore] = [createSqliteStore({ path: file }), createSqliteStore({ path: path.relative(process.cwd(), file) })];
      return {
        stores,
        cleanup: async () => {
          await Promise.all(stores.map((store) => store.close()));
          rmSync(folder, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const database = await createTestDatabase(inject('postgresUrl'));
      const stores: [CheckoutStore, CheckoutStore] = [
        createPostgresStore({ connectionString: database.url }),
        createPostgresStore({ connectionString: database.url }),
      ];
      return {
        stores,
        cleanup: async () => {
          await Promise.all(stores.map((store) => store.close()));
          await database.drop();
        },
      };
    },
  ],
];

describe.each(sharedStores)('the circuit breaker shared by two handlers on one %s store', (_name, open) => {
  let cleanup: () => Promise<void> = async () => {};
  let one: Rig;
  let two: Rig;
  const breaker = { failures: 2, windowMs: 10_000, coolDownMs: 5_000 };

  async function start() {
    const opened = await open();
    cleanup = opened.cleanup;
    clock.now = T0;
    one = rig(opened.stores[0], { breaker });
    two = rig(opened.stores[1], { breaker });
  }
  afterEach(async () => {
    alphaApi.respond(() => alphaSession());
    await cleanup();
  });

  const servedBy = async (handler: Rig['handler'], key?: string) => {
    const answer = await create(handler, cart, key);
    expect(answer.status).toBe(201);
    return ((await answer.json()) as CheckoutSession).provider;
  };

  it('opens after N failures across both handlers, skips, lets one probe through after the cool-down, and closes on its answer', async () => {
    await start();
    alphaApi.respond(() => ({ status: 503, body: {} }));
    expect(await servedBy(one.handler)).toBe('beta');
    expect((await one.handler.providers.health())['alpha']).toEqual({ state: 'closed', failures: 1 });
    expect(await servedBy(two.handler)).toBe('beta');
    // Opened by the second handler's failure; both see it, and it said so once.
    const open = { state: 'open', failures: 2, openedAt: new Date(T0).toISOString(), openedUntil: new Date(T0 + 5_000).toISOString(), retryAfterSeconds: 5 };
    expect((await one.handler.providers.health())['alpha']).toEqual(open);
    expect(await two.handler.providers.health()).toEqual({ alpha: open, beta: { state: 'closed', failures: 0 } });
    expect([...one.warnings, ...two.warnings].filter((line) => line.event === 'breaker.opened').map((line) => line.msg)).toEqual([
      `provider "alpha" breaker OPEN (2 failures within 10 s): skipped until ${new Date(T0 + 5_000).toISOString()}, then one request probes it`,
    ]);

    // Open: skipped without a request to alpha, by either handler.
    const asked = alphaApi.requests.length;
    alphaApi.respond(() => alphaSession('sbx_alpha_back'));
    expect(await servedBy(one.handler)).toBe('beta');
    expect(await servedBy(two.handler)).toBe('beta');
    expect(alphaApi.requests.length).toBe(asked);

    // Cool-down over: one request probes (slowly); the other handler's request meanwhile skips alpha.
    clock.now = T0 + 5_000;
    alphaApi.respond(() => ({ ...alphaSession('sbx_alpha_back'), delayMs: 700 }));
    const probe = create(one.handler);
    // The probe is at alpha (which holds its answer a while) …
    while (alphaApi.requests.length === asked) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await two.handler.providers.health())['alpha']!.state).toBe('half-open');
    expect(await servedBy(two.handler)).toBe('beta');
    expect(((await (await probe).json()) as CheckoutSession).provider).toBe('alpha');
    expect(alphaApi.requests.length).toBe(asked + 1);
    expect((await two.handler.providers.health())['alpha']).toEqual({ state: 'closed', failures: 0 });
    expect([...one.warnings, ...two.warnings].filter((line) => line.event === 'breaker.half_open' && line.msg.includes('HALF-OPEN'))).toHaveLength(1);
    expect([...one.infos, ...two.infos].filter((line) => line.event.startsWith('breaker.')).map((line) => line.msg)).toEqual([
      'provider "alpha" breaker CLOSED: the probe got an answer; it takes requests again',
    ]);
    expect(await servedBy(two.handler)).toBe('alpha');
  });

  it('GET /health reports what providers.health() does, on every handler of the store: degraded (200) while a breaker is not closed', async () => {
    await start();
    const health = async (handler: Rig['handler']) => {
      const answer = await handler(new Request(`${BASE}/health`));
      return { status: answer.status, body: (await answer.json()) as { status: string; providers?: unknown } };
    };
    expect(await health(two.handler)).toMatchObject({
      status: 200,
      body: { status: 'ok', providers: { alpha: { state: 'closed', failures: 0 }, beta: { state: 'closed', failures: 0 } } },
    });
    alphaApi.respond(() => ({ status: 503, body: {} }));
    await servedBy(one.handler);
    expect((await health(two.handler)).body).toMatchObject({ status: 'ok', providers: { alpha: { state: 'closed', failures: 1 } } });
    await servedBy(one.handler);
    const opened = await health(two.handler);
    expect(opened.status).toBe(200);
    expect(opened.body.status).toBe('degraded');
    expect(opened.body.providers).toEqual(await one.handler.providers.health());
    expect(opened.body.providers).toEqual({
      alpha: { state: 'open', failures: 2, openedAt: new Date(T0).toISOString(), openedUntil: new Date(T0 + 5_000).toISOString(), retryAfterSeconds: 5 },
      beta: { state: 'closed', failures: 0 },
    });
    // The cool-down is over, but nothing probed yet: still open (a breaker moves on requests only), probe due.
    clock.now = T0 + 7_000;
    const due = await health(one.handler);
    expect(due.body).toMatchObject({ status: 'degraded', providers: { alpha: { state: 'open', retryAfterSeconds: 0 } } });
    expect(due.body.providers).toEqual(await two.handler.providers.health());
    // The next create probes it and closes it: ok again, on both.
    alphaApi.respond(() => alphaSession('sbx_alpha_again'));
    expect(await servedBy(two.handler)).toBe('alpha');
    for (const handler of [one.handler, two.handler]) {
      expect(await health(handler)).toMatchObject({ status: 200, body: { status: 'ok', providers: { alpha: { state: 'closed', failures: 0 } } } });
    }
  });

  it('opens again at once when the probe fails, and lets a probe through again when one never reported', async () => {
    await start();
    alphaApi.respond(() => ({ status: 503, body: {} }));
    await servedBy(one.handler);
    await servedBy(two.handler);
    clock.now = T0 + 5_000;
    expect(await servedBy(two.handler)).toBe('beta');
    expect((await one.handler.providers.health())['alpha']).toEqual({
      state: 'open',
      failures: 3,
      openedAt: new Date(T0 + 5_000).toISOString(),
      openedUntil: new Date(T0 + 10_000).toISOString(),
      retryAfterSeconds: 5,
    });
    // Failures outside the window start a new count.
    clock.now = T0 + 10_000;
    alphaApi.respond(() => alphaSession('sbx_alpha_ok'));
    expect(await servedBy(one.handler)).toBe('alpha');
    clock.now = T0 + 30_000;
    alphaApi.respond(() => ({ status: 503, body: {} }));
    expect(await servedBy(one.handler)).toBe('beta');
    expect((await one.handler.providers.health())['alpha']).toEqual({ state: 'closed', failures: 1 });
    clock.now = T0 + 41_000;
    expect((await one.handler.providers.health())['alpha']).toEqual({ state: 'closed', failures: 0 });
  });

  it('answers 503 with Retry-After when every provider of the method is skipped', async () => {
    await start();
    alphaApi.respond(() => ({ status: 503, body: {} }));
    const onlyAlpha = (store: CheckoutStore) =>
      createCheckoutHandler({ providers: [sandbox('alpha', alphaApi.url)], catalog, store, breaker, now: () => clock.now, logger: { warn: () => {}, error: () => {} } });
    const opened = await open();
    const [a, b] = [onlyAlpha(opened.stores[0]), onlyAlpha(opened.stores[1])];
    expect((await create(a)).status).toBe(502);
    expect((await create(b)).status).toBe(502);
    const asked = alphaApi.requests.length;
    clock.now = T0 + 1_200;
    const skipped = await create(a);
    expect(skipped.status).toBe(503);
    expect(skipped.headers.get('retry-after')).toBe('4');
    expect(((await skipped.json()) as { error: { code: string } }).error.code).toBe('provider_error');
    expect(alphaApi.requests.length).toBe(asked);
    await opened.cleanup();
  });

  it('gives a retry with the same key the same session, whichever provider served it, on either handler', async () => {
    await start();
    alphaApi.respond(() => ({ status: 503, body: {}, delayMs: 120 }));
    const before = betaCreates;
    // Two tries of one start at once, on two handlers: one creates (failing over), the other waits for its answer.
    const answers = await Promise.all([create(one.handler, cart, `start-1-${_name}`), create(two.handler, cart, `start-1-${_name}`)]);
    const sessions = (await Promise.all(answers.map((answer) => answer.json()))) as CheckoutSession[];
    expect(answers.map((answer) => answer.status), JSON.stringify(sessions)).toEqual([201, 201]);
    expect(sessions[0]!.provider).toBe('beta');
    expect(sessions[1]).toEqual(sessions[0]);
    // Later retries too, now that alpha works again.
    alphaApi.respond(() => alphaSession());
    expect(await (await create(two.handler, cart, `start-1-${_name}`)).json()).toEqual(sessions[0]);
    const orders = await one.handler.orders.list();
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ provider: 'beta', sessionId: sessions[0]!.id, attempts: [expect.objectContaining({ provider: 'alpha', outcome: 'failover' })] });
    expect(betaCreates).toBe(before + 1);
  });

  it('never fails an unknown outcome over, not even on the retry: the retry goes back to the provider that may hold the session', async () => {
    await start();
    alphaApi.respond(() => ({ ...alphaSession('sbx_alpha_slow'), delayMs: 2500 }));
    const first = await create(one.handler, cart, `start-2-${_name}`);
    expect(first.status).toBe(502);
    const firstKey = alphaApi.requests.at(-1)!.headers['idempotency-key'];
    expect(firstKey).toBeDefined();
    // A timeout is not failed over (alpha may have made it): this new checkout is a 502 too, and
    // the two timeouts open alpha's breaker …
    const before = betaCreates;
    expect((await create(two.handler)).status).toBe(502);
    expect(betaCreates).toBe(before);
    expect((await one.handler.providers.health())['alpha']!.state).toBe('open');
    // … so the retry of the unknown one waits for alpha rather than making a second session at beta.
    const retry = await create(two.handler, cart, `start-2-${_name}`);
    expect(retry.status).toBe(503);
    expect(betaCreates).toBe(before);
    clock.now = T0 + 5_000;
    alphaApi.respond(() => alphaSession('sbx_alpha_slow'));
    const served = await create(two.handler, cart, `start-2-${_name}`);
    expect(served.status).toBe(201);
    expect(((await served.json()) as CheckoutSession).id).toBe('sbx_alpha_slow');
    // The adapter sent alpha the same Idempotency-Key both times (alpha's own dedupe makes it one session).
    expect(alphaApi.requests.at(-1)!.headers['idempotency-key']).toBe(firstKey);
    const order = await createdOrder(one.handler, { id: 'sbx_alpha_slow' } as CheckoutSession);
    expect(order.attempts!.map((attempt) => attempt.outcome)).toEqual(['unknown']);
  });
});
