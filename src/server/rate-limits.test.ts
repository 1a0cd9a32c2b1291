/**
 * Card-testing defence in one process, on the memory and SQLite stores: per-client and total
 * limits per minute (429 rate_limited + Retry-After), declines per session, the alert hook, the
 * options. Two handler processes on one store: processes.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import type { Catalog } from './catalog.js';
import { createCheckoutHandler, type CheckoutHandler, type CheckoutHandlerOptions } from './handler.js';
import { CARD_TOKEN_KIND, PaymentDeclinedError, type PaymentProvider } from './provider-api/types.js';
import type { SuspiciousActivity } from './rate-limit-options.js';
import { scriptedSessions } from './test-support/scripted-sessions.js';
import { testStores } from './test-support/stores.js';
import { TEST_HOSTS } from './test-support/test-hosts.js';

const SHOP = 'https://shop.example';
const BASE = 'https://api.example/api/checkout';
const catalog: Catalog = { currency: 'DKK', products: { grinder: { name: 'Hand grinder', unitAmount: 89_900, vatRate: 0.25 } } };
const MINUTE = Date.UTC(2026, 10, 30, 12);

const handlers: CheckoutHandler[] = [];
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(handlers.splice(0).map((handler) => handler.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A card-token provider: `tok_declined` is declined, any other token authorises; it counts what it was asked. */
function cardProvider() {
  const scripted = scriptedSessions('cards', () => ({ kind: CARD_TOKEN_KIND, token_provider: 'sandbox', public_key: 'pk_test_cards' }));
  const submitted: string[] = [];
  const provider: PaymentProvider = {
    name: 'cards',
    createSession: scripted.createSession,
    getSession: scripted.getSession,
    async submitToken(sessionId, token) {
      submitted.push(token);
      if (token === 'tok_declined') throw new PaymentDeclinedError('cards', 'The card was declined');
      const next: CheckoutSession = { ...scripted.sessions.get(sessionId)!, status: 'complete' };
      scripted.sessions.set(sessionId, next);
      return { ...next };
    },
  };
  return { provider, submitted };
}

describe.each(testStores(cleanups))('rate limits on the %s store', (_, makeStore) => {
  function setUp(options: Partial<CheckoutHandlerOptions> = {}) {
    const state = { clock: MINUTE + 15_000, alerts: [] as Omit<SuspiciousActivity, 'request'>[], warnings: [] as string[] };
    const cards = cardProvider();
    const handler = createCheckoutHandler({
      providers: [cards.provider],
      catalog,
      store: makeStore(),
      allowedOrigins: [SHOP],
      allowedHosts: TEST_HOSTS,
      now: () => state.clock,
      logger: { error: () => {}, warn: (message: string) => void state.warnings.push(String(message)) },
      onSuspiciousActivity: ({ request: _request, ...activity }) => void state.alerts.push(activity),
      ...options,
    });
    handlers.push(handler);
    return { handler, state, cards };
  }

  const create = (handler: CheckoutHandler, headers: Record<string, string> = {}) =>
    handler(
      new Request(`${BASE}/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SHOP, referer: `${SHOP}/checkout.html`, ...headers },
        body: JSON.stringify({ items: [{ sku: 'grinder', quantity: 1 }] }),
      }),
    );
  const post = (handler: CheckoutHandler, id: string, token: string, headers: Record<string, string> = {}) =>
    handler(
      new Request(`${BASE}/sessions/${id}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SHOP, ...headers },
        body: JSON.stringify({ token }),
      }),
    );
  const from = (address: string) => ({ 'x-forwarded-for': address });

  it('answers 429 rate_limited with Retry-After to the client over its creates per minute, others go on, the next minute it may again', async () => {
    const { handler, state } = setUp({ trustProxy: true, rateLimits: { createsPerClient: 3 } });
    for (let i = 0; i < 3; i++) expect((await create(handler, from('203.0.113.7'))).status).toBe(201);
    const refused = await create(handler, from('203.0.113.7'));
    expect(refused.status).toBe(429);
    // 15 s into the minute: 45 s to its end.
    expect(refused.headers.get('retry-after')).toBe('45');
    expect(await refused.json()).toEqual({ error: { code: 'rate_limited', message: 'Too many requests; try again in 45 s' } });
    expect((await create(handler, from('203.0.113.7'))).status).toBe(429);
    expect((await create(handler, from('203.0.113.8'))).status).toBe(201);
    // One alert for the flood of one client in one window.
    expect(state.alerts).toEqual([{ kind: 'creates_per_client', key: '203.0.113.7', count: 4 }]);
    expect(await handler.orders.list()).toHaveLength(4);
    state.clock = MINUTE + 60_000;
    expect((await create(handler, from('203.0.113.7'))).status).toBe(201);
  });

  it('takes the last X-Forwarded-For entry behind trustProxy: what a client writes before it does not make it another client', async () => {
    const { handler } = setUp({ trustProxy: true, rateLimits: { createsPerClient: 2 } });
    for (const claimed of ['198.51.100.1', '198.51.100.2']) expect((await create(handler, from(`${claimed}, 203.0.113.7`))).status).toBe(201);
    expect((await create(handler, from('198.51.100.3, 203.0.113.7'))).status).toBe(429);
  });

  it('without trustProxy ignores X-Forwarded-For, uses the clientAddress hook, and without any address applies only the total', async () => {
    const hooked = setUp({ rateLimits: { createsPerClient: 1 }, clientAddress: (request) => request.headers.get('cf-connecting-ip') ?? undefined });
    expect((await create(hooked.handler, { 'cf-connecting-ip': '203.0.113.7', ...from('1.1.1.1') })).status).toBe(201);
    expect((await create(hooked.handler, { 'cf-connecting-ip': '203.0.113.7', ...from('1.1.1.2') })).status).toBe(429);

    const unknown = setUp({ rateLimits: { createsPerClient: 1, createsTotal: 3 } });
    for (let i = 0; i < 3; i++) expect((await create(unknown.handler, from(`198.51.100.${i}`))).status).toBe(201);
    expect((await create(unknown.handler)).status).toBe(429);
    expect(unknown.state.alerts).toEqual([{ kind: 'creates_total', key: 'total', count: 4 }]);
    expect(unknown.state.warnings.filter((line) => line.includes('client address of a create is unknown'))).toHaveLength(1);
  });

  it('limits token posts per client and in total, apart from creates', async () => {
    const { handler } = setUp({ trustProxy: true, rateLimits: { tokensPerClient: 2, tokensTotal: 3, declinesPerSession: false } });
    const session = (await (await create(handler, from('203.0.113.7'))).json()) as CheckoutSession;
    expect((await post(handler, session.id, 'tok_declined', from('203.0.113.7'))).status).toBe(402);
    expect((await post(handler, session.id, 'tok_declined', from('203.0.113.7'))).status).toBe(402);
    expect((await post(handler, session.id, 'tok_declined', from('203.0.113.7'))).status).toBe(429);
    expect((await post(handler, session.id, 'tok_declined', from('203.0.113.8'))).status).toBe(402);
    expect((await post(handler, session.id, 'tok_ok', from('203.0.113.9'))).status).toBe(429);
    expect((await create(handler, from('203.0.113.9'))).status).toBe(201);
  });

  it('fails a session on its declinesPerSession-th declined card: 409 session_closed says why, the order is failed, no later token reaches the provider', async () => {
    const { handler, state, cards } = setUp({ rateLimits: { declinesPerSession: 3 } });
    const session = (await (await create(handler)).json()) as CheckoutSession;
    expect((await post(handler, session.id, 'tok_declined')).status).toBe(402);
    expect((await post(handler, session.id, 'tok_declined')).status).toBe(402);
    const closed = await post(handler, session.id, 'tok_declined');
    expect(closed.status).toBe(409);
    const body = (await closed.json()) as { error: { code: string; message: string } };
    expect(body.error).toEqual({ code: 'session_closed', message: 'The card was declined; this checkout had too many declined cards and takes no more: start a new one' });
    expect((await handler.orders.list())[0]).toMatchObject({ status: 'failed' });
    // The card that would pay: refused before the provider is asked.
    const after = await post(handler, session.id, 'tok_ok');
    expect(after.status).toBe(409);
    expect(await after.json()).toEqual(body);
    expect(cards.submitted).toEqual(['tok_declined', 'tok_declined', 'tok_declined']);
    expect(state.alerts).toEqual([{ kind: 'declines_per_session', key: session.id, count: 3 }]);
    // Another session of the same shopper is not affected.
    const next = (await (await create(handler)).json()) as CheckoutSession;
    expect(await (await post(handler, next.id, 'tok_ok')).json()).toMatchObject({ status: 'complete' });
  });

  it('holds no limit with rateLimits: false, and logs a throwing onSuspiciousActivity without failing the answer', async () => {
    const off = setUp({ trustProxy: true, rateLimits: false });
    for (let i = 0; i < 25; i++) expect((await create(off.handler, from('203.0.113.7'))).status).toBe(201);
    const errors: unknown[] = [];
    const throwing = setUp({
      trustProxy: true,
      rateLimits: { createsPerClient: 1 },
      logger: { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) },
      onSuspiciousActivity: () => {
        throw new Error('pager down');
      },
    });
    expect((await create(throwing.handler, from('203.0.113.7'))).status).toBe(201);
    expect((await create(throwing.handler, from('203.0.113.7'))).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(errors).toHaveLength(1);
    expect(JSON.parse((errors[0] as string[])[0]!)).toMatchObject({ event: 'hook.failed', msg: 'onSuspiciousActivity threw', err: { message: 'pager down' } });
  });
});

it('refuses a limit that is no whole number of at least 1 (or false), and a name that is no limit', () => {
  const provider = cardProvider().provider;
  const make = (rateLimits: unknown) => () => createCheckoutHandler({ providers: [provider], catalog, rateLimits: rateLimits as CheckoutHandlerOptions['rateLimits'] });
  expect(make({ createsPerClient: 0 })).toThrow(/rateLimits.createsPerClient must be a whole number/);
  expect(make({ tokensTotal: 2.5 })).toThrow(/rateLimits.tokensTotal/);
  expect(make({ createsPerIp: 3 })).toThrow(/rateLimits.createsPerIp is not a limit/);
});
