import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSqliteStore } from '../../server/store/sqlite.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signReepayWebhook } from '../../server/adapter-kit/webhook-signatures.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../server/test-support/fake-http.js';
import { ProviderError, ProviderInputError, WebhookVerificationError, type CreateSessionInput } from '../../server/provider-api/types.js';
import { createReepayProvider, fromEnv, isoDuration } from './server.js';
import { verifiedEvent } from '../../server/test-support/webhook-properties.js';

const PRIVATE_KEY = 'priv_0123456789abcdef';
const WEBHOOK_SECRET = 'webhook-secret-1';
const SESSION_ID = 'cs_0123456789abcdef0123456789abcdef';
const NOW = Date.parse('2026-05-01T12:00:00Z');

function input(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    reference: 'order-12345',
    lines: [
      { sku: 'mug', name: 'Mug', quantity: 2, unitAmount: 10000, vatRate: 0.25 },
      { sku: 'tee', name: 'T-shirt', quantity: 1, unitAmount: 30000, vatRate: 0.25 },
    ],
    amount: 50000,
    currency: 'dkk',
    customer: { handle: 'customer-123', email: 'jo@example.com', first_name: 'Jo', last_name: 'Doe', phone: '+4531313131' },
    locale: 'da-DK',
    acceptUrl: 'https://shop.example/api/checkout/return/accept?checkout_session={SESSION_ID}&x=1',
    cancelUrl: 'https://shop.example/api/checkout/return/cancel?checkout_session={SESSION_ID}',
    webhookUrl: 'https://shop.example/api/checkout/webhooks/reepay',
    ...overrides,
  };
}

async function webhook(fields: Record<string, unknown>, secret = WEBHOOK_SECRET): Promise<string> {
  const timestamp = (fields['timestamp'] as string | undefined) ?? new Date(NOW - 5_000).toISOString();
  const id = (fields['id'] as string | undefined) ?? 'wh_1';
  return JSON.stringify({
    id,
    event_id: 'ev_1',
    event_type: 'invoice_settled',
    timestamp,
    signature: await signReepayWebhook(secret, timestamp, id),
    ...fields,
  });
}

describe('Reepay provider', () => {
  let fake: FakeHttpServer;
  let clock = NOW;

  beforeEach(async () => {
    clock = NOW;
    fake = await startFakeHttpServer((request) => {
      if (request.method === 'POST' && request.url.startsWith('/v1/session/')) {
        return { status: 200, body: { id: SESSION_ID, url: `https://checkout.reepay.com/#/${SESSION_ID}` } };
      }
      return { status: 404, body: { error: 'Not found' } };
    });
  });
  afterEach(() => fake.close());

  function provider(extra: Partial<Parameters<typeof createReepayProvider>[0]> = {}) {
    return createReepayProvider({
      privateKey: PRIVATE_KEY,
      webhookSecret: WEBHOOK_SECRET,
      checkoutApiUrl: fake.url,
      apiUrl: fake.url,
      now: () => clock,
      ...extra,
    });
  }

  it('creates a charge session with order lines exactly as documented', async () => {
    const session = await provider().createSession(input());

    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/session/charge');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${PRIVATE_KEY}:`).toString('base64')}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.accept).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({
      order: {
        handle: 'order-12345',
        order_lines: [
          { amount: 10000, quantity: 2, ordertext: 'Mug', vat: 0.25, amount_incl_vat: true },
          { amount: 30000, quantity: 1, ordertext: 'T-shirt', vat: 0.25, amount_incl_vat: true },
        ],
        currency: 'DKK',
        customer: { handle: 'customer-123', email: 'jo@example.com', first_name: 'Jo', last_name: 'Doe', phone: '+4531313131' },
      },
      // The placeholder parameter is gone: Reepay adds its own `id`.
      accept_url: 'https://shop.example/api/checkout/return/accept?x=1',
      cancel_url: 'https://shop.example/api/checkout/return/cancel',
      ttl: 'PT30M',
      locale: 'da_DK',
    });
    expect(session).toEqual({
      id: SESSION_ID,
      provider: 'reepay',
      kind: 'reepay',
      status: 'open',
      url: `https://checkout.reepay.com/#/${SESSION_ID}`,
      frameable: true,
      amount: 50000,
      currency: 'DKK',
      expires_at: '2026-05-01T12:30:00.000Z',
    });
  });

  it('sends amount without lines, recurring: true when asked, and a customer handle from the reference', async () => {
    await provider({ ttlSeconds: 3 * 3600 }).createSession(
      input({ lines: [], amount: 12300, recurring: true, customer: { email: 'a@b.example' }, locale: undefined }),
    );
    const body = JSON.parse(fake.requests[0]!.body);
    expect(body.order).toEqual({
      handle: 'order-12345',
      amount: 12300,
      currency: 'DKK',
      customer: { handle: 'customer-order-12345', email: 'a@b.example' },
    });
    expect(body.recurring).toBe(true);
    expect(body.ttl).toBe('PT3H');
    expect(body).not.toHaveProperty('locale');
  });

  it('creates an invoice session for an existing invoice', async () => {
    await provider().createSession(input({ invoice: 'inv-77' }));
    const body = JSON.parse(fake.requests[0]!.body);
    expect(fake.requests[0]!.url).toBe('/v1/session/charge');
    expect(body).toMatchObject({
      invoice: 'inv-77',
      accept_url: 'https://shop.example/api/checkout/return/accept?x=1',
      cancel_url: 'https://shop.example/api/checkout/return/cancel',
    });
    expect(body).not.toHaveProperty('order');
  });

  it('creates a recurring session (save a card, no payment) with create_customer', async () => {
    await provider().createSession(input({ lines: [], amount: 0, recurring: true }));
    const request = fake.requests[0]!;
    expect(request.url).toBe('/v1/session/recurring');
    expect(JSON.parse(request.body)).toMatchObject({
      create_customer: { handle: 'customer-123', email: 'jo@example.com', first_name: 'Jo', last_name: 'Doe' },
      accept_url: 'https://shop.example/api/checkout/return/accept?x=1',
    });
  });

  it('rejects a {SESSION_ID} placeholder in the path of a return URL', async () => {
    await expect(
      provider().createSession(input({ acceptUrl: 'https://shop.example/return/{SESSION_ID}' })),
    ).rejects.toBeInstanceOf(ProviderInputError);
    expect(fake.requests).toHaveLength(0);
  });

  it('reads the session state from the invoice of the order handle', async () => {
    const reepay = provider();
    await reepay.createSession(input());

    // Not paid yet: no invoice.
    expect((await reepay.getSession(SESSION_ID)).status).toBe('open');
    const read = fake.requests[1]!;
    expect(read.method).toBe('GET');
    expect(read.url).toBe('/v1/invoice/order-12345');
    expect(read.headers.authorization).toMatch(/^Basic /);

    for (const [state, status] of [
      ['settled', 'complete'],
      ['authorized', 'complete'],
      ['pending', 'open'],
      ['failed', 'failed'],
      ['cancelled', 'cancelled'],
    ] as const) {
      fake.respond(() => ({ body: { handle: 'order-12345', state, amount: 50000, currency: 'DKK' } }));
      expect((await reepay.getSession(SESSION_ID)).status, state).toBe(status);
    }
  });

  it('reports expired after the ttl while no invoice exists', async () => {
    const reepay = provider();
    await reepay.createSession(input());
    clock = NOW + 31 * 60_000;
    expect((await reepay.getSession(SESSION_ID)).status).toBe('expired');
  });

  it('reads an invoice session through the invoice it pays', async () => {
    const reepay = provider();
    await reepay.createSession(input({ invoice: 'inv-77' }));
    fake.respond(() => ({ body: { handle: 'inv-77', state: 'settled', amount: 999, currency: 'eur' } }));
    const session = await reepay.getSession(SESSION_ID);
    expect(fake.requests[1]!.url).toBe('/v1/invoice/inv-77');
    expect(session).toMatchObject({ status: 'complete', amount: 999, currency: 'EUR' });
  });

  it('throws a ProviderError for a session it does not know', async () => {
    await expect(provider().getSession('cs_unknown')).rejects.toThrow(/unknown to this server/);
  });

  describe('provider failures become ProviderError', () => {
    it.each([
      [{ status: 400, body: { error: 'Invalid request', message: 'order.handle already used' } }, /HTTP 400 \(order\.handle already used: Invalid request\)/],
      [{ status: 401, body: { error: 'Unauthorized' } }, /HTTP 401/],
      [{ status: 503, body: 'upstream down' }, /HTTP 503 \(upstream down\)/],
      [{ status: 200, body: '{"id": "cs_' }, /not valid JSON/],
      [{ status: 200, body: { id: SESSION_ID } }, /unexpected answer \(url:/],
    ])('%j', async (answer, message) => {
      fake.respond(() => answer);
      const error = await provider().createSession(input()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).provider).toBe('reepay');
      expect((error as Error).message).toMatch(message);
    });

    it('times out', async () => {
      fake.respond(() => ({ delayMs: 1_000, body: {} }));
      const error = await provider({ timeoutMs: 50 }).createSession(input()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toMatch(/no answer within 50 ms/);
    });

    it('reports an invoice read failure and an unknown invoice state', async () => {
      const reepay = provider();
      await reepay.createSession(input());
      fake.respond(() => ({ status: 500, body: { error: 'boom' } }));
      await expect(reepay.getSession(SESSION_ID)).rejects.toThrow(/read invoice failed: HTTP 500/);
      fake.respond(() => ({ body: { state: 'teleported' } }));
      await expect(reepay.getSession(SESSION_ID)).rejects.toThrow(/unknown state "teleported"/);
    });
  });

  describe('webhooks', () => {
    it('accepts a signed, fresh webhook and names the session of its invoice', async () => {
      const reepay = provider();
      await reepay.createSession(input());
      const verified = await verifiedEvent(reepay, await webhook({ invoice: 'order-12345', customer: 'customer-123' }), new Headers());
      expect(verified).toMatchObject({ eventId: 'wh_1', type: 'invoice_settled', sessionId: SESSION_ID });
    });

    it('rejects a forged signature, a wrong secret, a missing field and a body that is not JSON', async () => {
      const reepay = provider();
      const forged = JSON.parse(await webhook({})) as Record<string, unknown>;
      forged['signature'] = 'a'.repeat(64);
      await expect(verifiedEvent(reepay, JSON.stringify(forged), new Headers())).rejects.toBeInstanceOf(WebhookVerificationError);
      await expect(verifiedEvent(reepay, await webhook({}, 'other-secret'), new Headers())).rejects.toThrow(/signature does not match/);
      // Changing the signed id breaks the signature.
      const tampered = JSON.parse(await webhook({})) as Record<string, unknown>;
      tampered['id'] = 'wh_2';
      await expect(verifiedEvent(reepay, JSON.stringify(tampered), new Headers())).rejects.toThrow(/signature/);
      await expect(verifiedEvent(reepay, '{"id":"wh_1"}', new Headers())).rejects.toBeInstanceOf(WebhookVerificationError);
      await expect(verifiedEvent(reepay, 'not json', new Headers())).rejects.toThrow(/not JSON/);
    });

    it('rejects a correctly signed webhook with an old (replayed) timestamp', async () => {
      const body = await webhook({ timestamp: new Date(NOW - 60 * 60_000).toISOString() });
      await expect(verifiedEvent(provider(), body, new Headers())).rejects.toThrow(/timestamp/);
    });

    it('rejects every webhook when no secret is configured', async () => {
      await expect(verifiedEvent(provider({ webhookSecret: undefined }), await webhook({}), new Headers())).rejects.toThrow(/no webhook secret/);
    });

    it('a customer_payment_method_added webhook names the recurring session to re-read; Reepay listing the card completes it', async () => {
      const reepay = provider();
      await reepay.createSession(input({ lines: [], amount: 0, recurring: true }));
      expect((await reepay.getSession(SESSION_ID)).status).toBe('open');
      const verified = await verifiedEvent(reepay, 
        await webhook({ event_type: 'customer_payment_method_added', customer: 'customer-123' }),
        new Headers(),
      );
      expect(verified.sessionId).toBe(SESSION_ID);
      // The webhook alone changes nothing: Reepay does not list a card yet.
      expect((await reepay.getSession(SESSION_ID)).status).toBe('open');
      expect(fake.requests.at(-1)?.url).toBe('/v1/customer/customer-123/payment_method');
      fake.respond((request) =>
        request.url === '/v1/customer/customer-123/payment_method'
          ? { body: { cards: [{ id: 'ca_1', state: 'active', customer: 'customer-123', created: new Date(NOW + 60_000).toISOString() }] } }
          : { status: 404, body: { error: 'Not found' } },
      );
      expect((await reepay.getSession(SESSION_ID)).status).toBe('complete');
    });
  });

  it('acts on a signed webhook id once: a resent copy with another customer completes nothing', async () => {
    const reepay = provider();
    await reepay.createSession(input({ lines: [], amount: 0, recurring: true }));
    // A legitimate event for some other customer, then the same signed id and timestamp resent
    // with this session's customer and the type that would complete it.
    await verifiedEvent(reepay, await webhook({ id: 'wh_7', event_type: 'invoice_settled', customer: 'someone-else' }), new Headers());
    await verifiedEvent(reepay, await webhook({ id: 'wh_7', event_type: 'customer_payment_method_added', customer: 'customer-123' }), new Headers());
    expect((await reepay.getSession(SESSION_ID)).status).toBe('open');
  });

  it('validates options and reads the environment', () => {
    expect(() => createReepayProvider({ privateKey: 'pub_123' })).toThrow(/priv_/);
    expect(() => createReepayProvider({ privateKey: PRIVATE_KEY, ttlSeconds: -1 })).toThrow(/ttlSeconds/);
    expect(fromEnv({})).toBeUndefined();
    expect(fromEnv({ REEPAY_PRIVATE_KEY: PRIVATE_KEY })?.name).toBe('reepay');
    expect(isoDuration(5400)).toBe('PT1H30M');
    expect(isoDuration(45)).toBe('PT45S');
  });

  it('finds a session again after a restart when its records live on the shop store (fromEnv with a store)', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'reepay-store-'));
    const env = { REEPAY_PRIVATE_KEY: PRIVATE_KEY, REEPAY_CHECKOUT_API_URL: fake.url, REEPAY_API_URL: fake.url };
    const firstStore = createSqliteStore({ path: path.join(folder, 'checkout.db') });
    try {
      const session = await fromEnv(env, { store: firstStore })!.createSession(input());
      await firstStore.close();
      // Another process on the same file: the session → invoice link is there, so the read asks Reepay for the invoice.
      const secondStore = createSqliteStore({ path: path.join(folder, 'checkout.db') });
      const again = await fromEnv(env, { store: secondStore })!.getSession(session.id);
      expect(again).toMatchObject({ id: SESSION_ID, status: 'open', amount: 50000 });
      expect(fake.requests.at(-1)?.url).toBe('/v1/invoice/order-12345');
      await secondStore.close();
      // Without the shop store (the old default), the other process does not know it.
      await expect(fromEnv(env)!.getSession(session.id)).rejects.toMatchObject({ providerStatus: 404 });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
