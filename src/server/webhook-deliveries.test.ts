/**
 * What the webhook route does with each shape a provider's delivery can take, beside the signed
 * single event of the webhook matrix: a batch (Adyen's `notificationItems`), a provider's own
 * acknowledgement (Adyen's `[accepted]`), and an unsigned hint that only names what to re-read
 * (Mollie's `id=tr_…`): stored only for our own sessions and charges, once per id per window.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import { createCheckoutHandler, type CheckoutHandler } from './handler.js';
import type { PaymentProvider, VerifiedWebhook, WebhookRequest } from './provider-api/types.js';
import { WEBHOOK_HINT_WINDOW_MS } from './routes/webhooks.js';
import { createMemoryStore } from './store/memory.js';
import type { CheckoutStore } from './store/types.js';
import { MUG_CATALOG } from './test-support/hosted-provider-double.js';
import { TEST_HOSTS } from './test-support/test-hosts.js';

const BASE = 'https://shop.example/api/checkout';
const START = Date.parse('2026-05-01T12:00:00.000Z');

/** A provider whose deliveries are `{ "events": [...] }` (signed by fiat) or a form `id=…` (a hint). */
function deliveriesProvider(name = 'batchy') {
  const sessions = new Map<string, CheckoutSession>();
  const reads: string[] = [];
  const requests: WebhookRequest[] = [];
  const provider: PaymentProvider = {
    name,
    async createSession(input) {
      const id = `${name}_${sessions.size + 1}`;
      const session: CheckoutSession = { id, provider: name, kind: 'hosted', status: 'open', url: `https://pay.example/${id}`, amount: input.amount, currency: input.currency };
      sessions.set(id, session);
      return session;
    },
    async getSession(id) {
      reads.push(id);
      return sessions.get(id)!;
    },
    async verifyWebhook(rawBody, _headers, request): Promise<VerifiedWebhook | VerifiedWebhook[]> {
      requests.push(request!);
      if (rawBody.startsWith('id=')) {
        const id = new URLSearchParams(rawBody).get('id')!;
        return { eventId: id, type: 'hint', sessionId: id, hint: true, payload: { id } };
      }
      const { events } = JSON.parse(rawBody) as { events: { id: string; session: string }[] };
      return events.map((event) => ({ eventId: event.id, type: 'paid', sessionId: event.session, payload: event }));
    },
  };
  return { provider, sessions, reads, requests };
}

const handlers: CheckoutHandler[] = [];
afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.close();
});

function mount(provider: PaymentProvider, store: CheckoutStore, clock: { now: number }) {
  const onWebhook = vi.fn<(event: VerifiedWebhook) => void>();
  const handler = createCheckoutHandler({
    providers: [provider],
    catalog: MUG_CATALOG,
    store,
    onWebhook,
    allowedHosts: TEST_HOSTS,
    logger: { error: vi.fn(), warn: vi.fn() },
    hookRetry: { firstDelayMs: 20, maxDelayMs: 50 },
    hookLeaseMs: 500,
    now: () => clock.now,
  });
  handlers.push(handler);
  return { handler, onWebhook };
}

async function createSession(handler: CheckoutHandler): Promise<string> {
  const response = await handler(
    new Request(`${BASE}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }) }),
  );
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

function post(handler: CheckoutHandler, name: string, body: string, query = ''): Promise<Response> {
  const form = body.startsWith('id=');
  return handler(
    new Request(`${BASE}/webhooks/${name}${query}`, {
      method: 'POST',
      headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
      body,
    }),
  );
}

async function settle(handler: CheckoutHandler): Promise<void> {
  await handler.whenIdle();
  await new Promise((resolve) => setTimeout(resolve, 150));
  await handler.whenIdle();
}

describe('webhook deliveries', () => {
  it('gives the adapter the URL the provider addressed (public base, path, query) and the method', async () => {
    const double = deliveriesProvider();
    const { handler } = mount(double.provider, createMemoryStore(), { now: START });
    await post(handler, 'batchy', JSON.stringify({ events: [] }), '?ref=ord_1&x=%2F');
    expect(double.requests).toEqual([{ url: `${BASE}/webhooks/batchy?ref=ord_1&x=%2F`, method: 'POST' }]);
  });

  it('stores each event of a batch once: a replayed batch, and a batch that repeats one, add nothing twice', async () => {
    const double = deliveriesProvider();
    const clock = { now: START };
    const { handler, onWebhook } = mount(double.provider, createMemoryStore(), clock);
    const session = await createSession(handler);
    const batch = JSON.stringify({ events: [{ id: 'e1', session }, { id: 'e2', session }] });
    expect(await (await post(handler, 'batchy', batch)).json()).toEqual({ received: true });
    await settle(handler);
    expect(onWebhook.mock.calls.map(([event]) => event.eventId).sort()).toEqual(['e1', 'e2']);
    expect(await (await post(handler, 'batchy', batch)).json()).toEqual({ received: true, duplicate: true });
    expect(await (await post(handler, 'batchy', JSON.stringify({ events: [{ id: 'e2', session }, { id: 'e3', session }] }))).json()).toEqual({ received: true });
    await settle(handler);
    expect(onWebhook.mock.calls.map(([event]) => event.eventId).sort()).toEqual(['e1', 'e2', 'e3']);
  });

  it("answers with the provider's own acknowledgement when it has one", async () => {
    const double = deliveriesProvider();
    const provider = { ...double.provider, webhookAcknowledgement: { contentType: 'text/plain', body: '[accepted]' } };
    const { handler } = mount(provider, createMemoryStore(), { now: START });
    const response = await post(handler, 'batchy', JSON.stringify({ events: [{ id: 'e1', session: 'x' }] }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('[accepted]');
  });

  it('stores nothing for a hint that names no session of ours, and reads nothing', async () => {
    const double = deliveriesProvider();
    const store = createMemoryStore();
    const enqueue = vi.spyOn(store, 'enqueueJob');
    const { handler, onWebhook } = mount(double.provider, store, { now: START });
    for (let i = 0; i < 20; i++) {
      const response = await post(handler, 'batchy', `id=tr_forged${i}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ received: true });
    }
    await settle(handler);
    expect(enqueue).not.toHaveBeenCalled();
    expect(double.reads).toEqual([]);
    expect(onWebhook).not.toHaveBeenCalled();
  });

  it('turns a flood of hints for one of our sessions into one read per window, made when the window closes', async () => {
    const double = deliveriesProvider();
    const clock = { now: START - (START % WEBHOOK_HINT_WINDOW_MS) + 1_000 };
    const { handler, onWebhook } = mount(double.provider, createMemoryStore(), clock);
    const session = await createSession(handler);
    double.reads.length = 0;
    for (let i = 0; i < 30; i++) await post(handler, 'batchy', `id=${session}`);
    await settle(handler);
    // Not yet: the window is open, a later hint in it would be missed by a read made now.
    expect(double.reads).toEqual([]);
    double.sessions.get(session)!.status = 'complete';
    clock.now += WEBHOOK_HINT_WINDOW_MS;
    await settle(handler);
    expect(double.reads).toEqual([session]);
    expect(onWebhook).toHaveBeenCalledTimes(1);
    // The next window: a new hint, a new read.
    await post(handler, 'batchy', `id=${session}`);
    clock.now += WEBHOOK_HINT_WINDOW_MS;
    await settle(handler);
    expect(double.reads).toEqual([session, session]);
  });
});
