import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signReepayWebhook } from '../../server/adapter-kit/webhook-signatures.js';
import { createCheckoutHandler } from '../../server/handler.js';
import { createMemoryStore } from '../../server/store/memory.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../server/test-support/fake-http.js';
import { ProviderError, type CreateSessionInput } from '../../server/provider-api/types.js';
import { createMemoryReepayStore, createReepayProvider, type ReepaySessionRecord } from './server.js';
import { TEST_HOSTS } from '../../server/test-support/test-hosts.js';
import { verifiedEvent } from '../../server/test-support/webhook-properties.js';

/**
 * A recurring ("save a card") session completes on what Reepay's API lists for the customer,
 * read by the adapter itself, never on a webhook's unsigned `event_type` / `customer`: Reepay
 * signs only `timestamp + id`.
 */

const PRIVATE_KEY = 'priv_0123456789abcdef';
const WEBHOOK_SECRET = 'webhook-secret-1';
const NOW = Date.parse('2026-05-01T12:00:00Z');
const VICTIM = 'victim-1';

type Card = { id: string; state: string; customer?: string; created?: string };

/** Reepay's Checkout API and API: sessions, invoices and each customer's saved payment methods. */
async function fakeReepay() {
  let sessionCount = 0;
  const cards = new Map<string, Card[]>();
  const invoices = new Map<string, Record<string, unknown>>();
  /** How `GET /v1/customer/:handle/payment_method` answers: `{ cards }` (Reepay's shape) or a plain array. */
  let shape: 'object' | 'array' = 'object';
  const server = await startFakeHttpServer((request) => {
    if (request.method === 'POST' && request.url.startsWith('/v1/session/')) {
      const id = `cs_${(++sessionCount).toString(16).padStart(32, '0')}`;
      return { body: { id, url: `https://checkout.reepay.com/#/${id}` } };
    }
    const methods = /^\/v1\/customer\/([^/]+)\/payment_method$/.exec(request.url);
    if (request.method === 'GET' && methods) {
      const list = cards.get(decodeURIComponent(methods[1]!));
      if (!list) return { status: 404, body: { code: 5, error: 'Customer not found', http_status: 404 } };
      return { body: shape === 'array' ? list : { cards: list, mps_subscriptions: [] } };
    }
    const invoice = /^\/v1\/invoice\/([^/]+)$/.exec(request.url);
    if (request.method === 'GET' && invoice) {
      const found = invoices.get(decodeURIComponent(invoice[1]!));
      return found ? { body: found } : { status: 404, body: { code: 4, error: 'Invoice not found', http_status: 404 } };
    }
    return { status: 404, body: { error: 'Not found' } };
  });
  return {
    server,
    cards,
    invoices,
    answerAsArray() {
      shape = 'array';
    },
    /** What the adapter asked Reepay's API for, in order. */
    reads: () => server.requests.filter((request) => request.method === 'GET').map((request) => request.url),
  };
}

async function signedWebhook(fields: Record<string, unknown>, timestamp = new Date(NOW - 5_000).toISOString()): Promise<Record<string, unknown>> {
  const id = String(fields['id'] ?? 'wh_1');
  return {
    id,
    event_id: 'ev_1',
    event_type: 'invoice_settled',
    timestamp,
    signature: await signReepayWebhook(WEBHOOK_SECRET, timestamp, id),
    ...fields,
  };
}

function recurringInput(customer: string, overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    reference: `ord_${customer}`,
    lines: [],
    amount: 0,
    currency: 'DKK',
    recurring: true,
    customer: { handle: customer },
    acceptUrl: 'https://shop.example/api/checkout/return/accept',
    cancelUrl: 'https://shop.example/api/checkout/return/cancel',
    webhookUrl: 'https://shop.example/api/checkout/webhooks/reepay',
    ...overrides,
  };
}

const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();

describe('Reepay recurring sessions complete only on what Reepay lists for the customer', () => {
  let fake: Awaited<ReturnType<typeof fakeReepay>>;
  let clock = NOW;

  beforeEach(async () => {
    clock = NOW;
    fake = await fakeReepay();
  });
  afterEach(() => fake.server.close());

  function provider() {
    return createReepayProvider({
      privateKey: PRIVATE_KEY,
      webhookSecret: WEBHOOK_SECRET,
      checkoutApiUrl: fake.server.url,
      apiUrl: fake.server.url,
      now: () => clock,
    });
  }

  it("a signed webhook with a forged customer_payment_method_added and the victim's customer does not complete the victim's session", async () => {
    const reepay = provider();
    const victim = await reepay.createSession(recurringInput(VICTIM));
    // The attacker's own, genuinely signed webhook (under 300 s old), with the unsigned fields changed.
    const captured = await signedWebhook({ id: 'wh_attacker', event_type: 'invoice_settled', customer: 'attacker-9' });
    const forged = { ...captured, event_type: 'customer_payment_method_added', customer: VICTIM };
    clock = NOW + 1_000;
    const verified = await verifiedEvent(reepay, JSON.stringify(forged), new Headers());
    // The signature holds (only timestamp + id are signed), and the customer may still say which session to re-read ...
    expect(verified.eventId).toBe('wh_attacker');
    // ... but the re-read asks Reepay, which lists no card for the victim.
    expect((await reepay.getSession(victim.id)).status).toBe('open');
    expect(fake.reads()).toContain(`/v1/customer/${VICTIM}/payment_method`);
    expect(await reepay.savedPaymentMethod!(victim.id)).toBeUndefined();
  });

  it('a card Reepay lists as active and created after the session started completes it', async () => {
    const reepay = provider();
    const session = await reepay.createSession(recurringInput(VICTIM));
    fake.cards.set(VICTIM, [{ id: 'ca_0123abcd', state: 'active', customer: VICTIM, created: at(90_000) }]);
    clock = NOW + 120_000;
    expect((await reepay.getSession(session.id)).status).toBe('complete');
    const read = fake.server.requests.at(-1)!;
    expect(read.url).toBe(`/v1/customer/${VICTIM}/payment_method`);
    expect(read.headers.authorization).toBe(`Basic ${Buffer.from(`${PRIVATE_KEY}:`).toString('base64')}`);
  });

  it('an inactive, failed, older, foreign or malformed card does not complete it', async () => {
    const reepay = provider();
    const session = await reepay.createSession(recurringInput(VICTIM));
    fake.cards.set(VICTIM, [
      { id: 'ca_inactive', state: 'inactivated', customer: VICTIM, created: at(10_000) },
      { id: 'ca_failed', state: 'failed', customer: VICTIM, created: at(10_000) },
      // Saved before this session: some earlier checkout's card, not this one's.
      { id: 'ca_older', state: 'active', customer: VICTIM, created: at(-60_000) },
      { id: 'ca_other', state: 'active', customer: 'someone-else', created: at(10_000) },
      { id: 'ca_undated', state: 'active', customer: VICTIM },
      { id: 'ca_baddate', state: 'active', customer: VICTIM, created: 'yesterday' },
      { id: 'ms_mobilepay', state: 'active', customer: VICTIM, created: at(10_000) },
    ]);
    clock = NOW + 20_000;
    expect((await reepay.getSession(session.id)).status).toBe('open');
    expect(await reepay.savedPaymentMethod!(session.id)).toBeUndefined();
    // Unknown to Reepay (404): no cards, still open.
    fake.cards.clear();
    expect((await reepay.getSession(session.id)).status).toBe('open');
  });

  it('reads a plain array answer as well as { cards }', async () => {
    const reepay = provider();
    const session = await reepay.createSession(recurringInput(VICTIM));
    fake.answerAsArray();
    fake.cards.set(VICTIM, [{ id: 'ca_array', state: 'active', created: at(5_000) }]);
    expect((await reepay.getSession(session.id)).status).toBe('complete');
    expect(await reepay.savedPaymentMethod!(session.id)).toBe('ca_array');
  });

  it('a failed read of the payment methods is a ProviderError, not a status', async () => {
    const reepay = provider();
    const session = await reepay.createSession(recurringInput(VICTIM));
    fake.server.respond(() => ({ status: 500, body: { error: 'boom' } }));
    await expect(reepay.getSession(session.id)).rejects.toBeInstanceOf(ProviderError);
    fake.server.respond(() => ({ body: 'not json' }));
    await expect(reepay.getSession(session.id)).rejects.toThrow(/read payment methods/);
  });

  it('savedPaymentMethod is the newest active card Reepay lists since the session started', async () => {
    const reepay = provider();
    const session = await reepay.createSession(recurringInput(VICTIM));
    expect(await reepay.savedPaymentMethod!(session.id)).toBeUndefined();
    fake.cards.set(VICTIM, [
      { id: 'ca_older', state: 'active', customer: VICTIM, created: at(-60_000) },
      { id: 'ca_first', state: 'active', customer: VICTIM, created: at(10_000) },
      { id: 'ca_newest', state: 'active', customer: VICTIM, created: at(20_000) },
      { id: 'ca_removed', state: 'inactivated', customer: VICTIM, created: at(30_000) },
    ]);
    expect(await reepay.savedPaymentMethod!(session.id)).toBe('ca_newest');
  });

  it('savedPaymentMethod of a charge with recurring: the card, once Reepay reports the invoice paid; none for a plain charge', async () => {
    const reepay = provider();
    const charge = await reepay.createSession(recurringInput('payer-1', { reference: 'ord_r', lines: [], amount: 24_900, recurring: true }));
    const plain = await reepay.createSession(recurringInput('payer-1', { reference: 'ord_p', lines: [], amount: 10_000, recurring: false }));
    fake.cards.set('payer-1', [{ id: 'ca_payer', state: 'active', customer: 'payer-1', created: at(10_000) }]);
    // Card listed, invoice not paid yet: nothing.
    expect(await reepay.savedPaymentMethod!(charge.id)).toBeUndefined();
    fake.invoices.set('ord_r', { handle: 'ord_r', state: 'settled', amount: 24_900, currency: 'DKK' });
    fake.invoices.set('ord_p', { handle: 'ord_p', state: 'settled', amount: 10_000, currency: 'DKK' });
    expect((await reepay.getSession(charge.id)).status).toBe('complete');
    expect(await reepay.savedPaymentMethod!(charge.id)).toBe('ca_payer');
    const before = fake.server.requests.length;
    expect(await reepay.savedPaymentMethod!(plain.id)).toBeUndefined();
    expect(fake.server.requests.slice(before).map((request) => request.url)).not.toContain('/v1/customer/payer-1/payment_method');
  });

  it('a record written before createdAt was kept: a paymentMethodAdded flag is ignored, the session start is its expiry minus the ttl', async () => {
    const store = createMemoryReepayStore();
    const legacy = {
      sessionId: 'cs_legacy',
      type: 'recurring',
      customerHandle: VICTIM,
      url: 'https://checkout.reepay.com/#/cs_legacy',
      expiresAt: at(1_800_000),
      // What the old adapter stored from an unsigned webhook field.
      paymentMethodAdded: true,
    } as ReepaySessionRecord;
    await store.set('cs_legacy', legacy);
    const reepay = createReepayProvider({ privateKey: PRIVATE_KEY, apiUrl: fake.server.url, checkoutApiUrl: fake.server.url, store, now: () => clock });
    expect((await reepay.getSession('cs_legacy')).status).toBe('open');
    fake.cards.set(VICTIM, [{ id: 'ca_before', state: 'active', created: at(-1_000) }]);
    expect((await reepay.getSession('cs_legacy')).status).toBe('open');
    fake.cards.set(VICTIM, [{ id: 'ca_after', state: 'active', created: at(1_000) }]);
    expect((await reepay.getSession('cs_legacy')).status).toBe('complete');
  });

  it('the same forged webhook through the handler leaves the order pending; a card Reepay lists makes it paid with that card', async () => {
    const store = createMemoryStore();
    const handler = createCheckoutHandler({
      catalog: { currency: 'DKK', products: { 'card-on-file': { name: 'Save a card', unitAmount: 0, vatRate: 0.25 } } },
      providers: [
        createReepayProvider({ privateKey: PRIVATE_KEY, webhookSecret: WEBHOOK_SECRET, checkoutApiUrl: fake.server.url, apiUrl: fake.server.url }),
      ],
      store,
      allowedHosts: TEST_HOSTS,
    });
    try {
      const created = await handler(
        new Request('https://shop.example/api/checkout/sessions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ provider: 'reepay', recurring: true, items: [{ sku: 'card-on-file', quantity: 1 }], customer: { handle: VICTIM } }),
        }),
      );
      expect(created.status).toBe(201);
      const session = (await created.json()) as { id: string };
      const reference = (await store.getSession(session.id))?.reference;
      expect(reference).toEqual(expect.any(String));

      const timestamp = new Date().toISOString();
      const forged = { ...(await signedWebhook({ id: 'wh_attacker', customer: 'attacker-9' }, timestamp)), event_type: 'customer_payment_method_added', customer: VICTIM };
      const answer = await handler(new Request('https://shop.example/api/checkout/webhooks/reepay', { method: 'POST', body: JSON.stringify(forged) }));
      expect(answer.status).toBe(200);
      await handler.whenIdle();
      expect((await handler.orders.get(reference!))?.status).toBe('pending');

      // The shopper really saves a card: Reepay lists it, created after the session.
      fake.cards.set(VICTIM, [{ id: 'ca_0123abcd', state: 'active', customer: VICTIM, created: new Date(Date.now() + 1_000).toISOString() }]);
      const read = await handler(new Request(`https://shop.example/api/checkout/sessions/${session.id}`));
      expect(((await read.json()) as { status: string }).status).toBe('complete');
      await handler.whenIdle();
      expect(await handler.orders.get(reference!)).toMatchObject({ status: 'paid', paymentMethod: 'ca_0123abcd' });
    } finally {
      await handler.close();
    }
  });
});
