import { afterEach, describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import type { Catalog } from './catalog.js';
import { createCheckoutHandler, type CheckoutHandler } from './handler.js';
import {
  CARD_TOKEN_KIND,
  PaymentDeclinedError,
  ProviderError,
  ProviderInputError,
  type PaymentProvider,
  type SubmitTokenContext,
} from './provider-api/types.js';
import { scriptedSessions } from './test-support/scripted-sessions.js';
import { testStores } from './test-support/stores.js';
import { TEST_HOSTS } from './test-support/test-hosts.js';

const SHOP = 'https://shop.example';
const BASE = 'https://api.example/api/checkout';
const silent = { error: () => {}, warn: () => {} };
const catalog: Catalog = { currency: 'DKK', products: { grinder: { name: 'Hand grinder', unitAmount: 89_900, vatRate: 0.25 } } };
const CART = { items: [{ sku: 'grinder', quantity: 1 }] };

/** Tokens the scripted provider answers: authorised, 3-D Secure, declined, provider failure, slow authorisation. */
const TOKENS = { ok: 'tok_ok', threeDs: 'tok_3ds', declined: 'tok_declined', failing: 'tok_failing', slow: 'tok_slow' };

/** A card-token provider whose authorisations the test counts; another handler on the store shares its sessions. */
function cardTokenProvider(name = 'cards') {
  const submitted: { sessionId: string; token: string; context: SubmitTokenContext }[] = [];
  const scripted = scriptedSessions(name, () => ({ kind: CARD_TOKEN_KIND, token_provider: 'sandbox', public_key: 'pk_test_cards' }));
  const { sessions } = scripted;
  const provider: PaymentProvider = {
    name,
    createSession: scripted.createSession,
    getSession: scripted.getSession,
    async submitToken(sessionId, token, context) {
      submitted.push({ sessionId, token, context });
      const session = sessions.get(sessionId)!;
      if (token === TOKENS.slow) await new Promise((resolve) => setTimeout(resolve, 100));
      if (token === TOKENS.declined) throw new PaymentDeclinedError(name, 'The card was declined');
      if (token === TOKENS.failing) throw new ProviderError(name, 'HTTP 503');
      if (token === 'tok_unknown') throw new ProviderInputError(name, 'No such token');
      const next: CheckoutSession =
        token === TOKENS.threeDs
          ? { ...session, url: `https://psp.example/3ds/${sessionId}`, frameable: false }
          : { ...session, status: 'complete' };
      sessions.set(sessionId, next);
      return { ...next };
    },
  };
  return { provider, sessions, submitted };
}

/** A provider of hosted sessions only: it takes no token. */
const hostedProvider: PaymentProvider = {
  name: 'hosted',
  createSession: async (input) => ({ id: 'hosted_1', provider: 'hosted', kind: 'hosted', status: 'open', url: 'https://pay.example/1', amount: input.amount, currency: input.currency }),
  getSession: async () => ({ id: 'hosted_1', provider: 'hosted', kind: 'hosted', status: 'open', url: 'https://pay.example/1' }),
};

const handlers: CheckoutHandler[] = [];
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(handlers.splice(0).map((handler) => handler.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const stores = testStores(cleanups);

describe.each(stores)('POST /sessions/:id/token on the %s store', (_, makeStore) => {
  function setUp(providers: PaymentProvider[], store = makeStore()) {
    const handler = createCheckoutHandler({ catalog, logger: silent, store, allowedOrigins: [SHOP], allowedHosts: TEST_HOSTS, providers });
    handlers.push(handler);
    return { handler, store };
  }

  async function create(handler: CheckoutHandler, provider?: string): Promise<CheckoutSession> {
    const response = await handler(
      new Request(`${BASE}/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SHOP, referer: `${SHOP}/checkout.html` },
        body: JSON.stringify({ ...CART, ...(provider && { provider }) }),
      }),
    );
    expect(response.status).toBe(201);
    return (await response.json()) as CheckoutSession;
  }

  const post = (handler: CheckoutHandler, id: string, body: unknown) =>
    handler(
      new Request(`${BASE}/sessions/${id}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SHOP },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );

  async function answer(response: Response) {
    return { status: response.status, body: (await response.json()) as CheckoutSession & { error?: { code: string } } };
  }

  /** A handler with the card-token provider alone, and an open session of it. */
  async function openCardTokenSession() {
    const cards = cardTokenProvider();
    const { handler } = setUp([cards.provider]);
    return { cards, handler, session: await create(handler) };
  }

  const orderOf = async (handler: CheckoutHandler) => (await handler.orders.list())[0]!;

  it('authorises with the token, answers the complete session and moves the order to paid', async () => {
    const { cards, handler, session } = await openCardTokenSession();
    expect(session).toMatchObject({ kind: 'card-token', token_provider: 'sandbox', public_key: 'pk_test_cards' });

    const { status, body } = await answer(await post(handler, session.id, { token: TOKENS.ok }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: session.id, status: 'complete' });
    const order = await orderOf(handler);
    expect(order).toMatchObject({ status: 'paid', sessionId: session.id });
    // The order and the return URLs are the ones create recorded.
    expect(cards.submitted).toEqual([
      {
        sessionId: session.id,
        token: TOKENS.ok,
        context: {
          reference: order.reference,
          acceptUrl: `${BASE}/return/accept?checkout_session={SESSION_ID}&checkout_ref=${order.reference}`,
          cancelUrl: `${BASE}/return/cancel?checkout_session={SESSION_ID}&checkout_ref=${order.reference}`,
        },
      },
    ]);
  });

  it('refuses a session that is not card-token (409) and an unknown session (404)', async () => {
    const cards = cardTokenProvider();
    const { handler } = setUp([hostedProvider, cards.provider]);
    const hosted = await create(handler, 'hosted');
    expect(await answer(await post(handler, hosted.id, { token: TOKENS.ok }))).toMatchObject({ status: 409, body: { error: { code: 'not_card_token' } } });
    // A provider that takes tokens, whose session is of another kind.
    const session = await create(handler, 'cards');
    cards.sessions.set(session.id, { ...session, kind: 'hosted', url: 'https://pay.example/x' });
    expect(await answer(await post(handler, session.id, { token: TOKENS.ok }))).toMatchObject({ status: 409, body: { error: { code: 'not_card_token' } } });
    expect(await answer(await post(handler, 'cards_999', { token: TOKENS.ok }))).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await answer(await post(handler, 'bad%20id!', { token: TOKENS.ok }))).toMatchObject({ status: 404 });
    expect(cards.submitted).toHaveLength(0);
  });

  it('refuses malformed bodies and tokens with 400 before calling the provider', async () => {
    const { cards, handler, session } = await openCardTokenSession();
    for (const body of ['not json', {}, { token: 42 }, { token: 'card_123' }, { token: 'tok_' }, { token: 'tok_a b' }, { token: `tok_${'a'.repeat(200)}` }]) {
      const { status, body: answered } = await answer(await post(handler, session.id, body));
      expect(status, JSON.stringify(body)).toBe(400);
      expect(answered.error?.code).toBe('invalid_request');
    }
    const tooLarge = await post(handler, session.id, { token: TOKENS.ok, padding: 'x'.repeat(5000) });
    expect(tooLarge.status).toBe(413);
    expect(cards.submitted).toHaveLength(0);
    // A token the provider itself refuses is a 400 too, and the shopper may send another.
    expect((await post(handler, session.id, { token: 'tok_unknown' })).status).toBe(400);
    expect((await post(handler, session.id, { token: TOKENS.ok })).status).toBe(200);
  });

  it('never lets the body choose the order: an order_id or amount beside the token is refused', async () => {
    const { cards, handler, session } = await openCardTokenSession();
    for (const extra of [{ order_id: 'ord_someone_else' }, { amount: 1 }, { reference: 'ord_x' }, { currency: 'EUR' }]) {
      const { status, body } = await answer(await post(handler, session.id, { token: TOKENS.ok, ...extra }));
      expect(status, JSON.stringify(extra)).toBe(400);
      expect(JSON.stringify(body.error)).toMatch(/Unrecognized key/);
    }
    expect(cards.submitted).toHaveLength(0);
    expect((await orderOf(handler)).status).toBe('pending');
  });

  it('refuses a second token for a paid session (409) and authorises once', async () => {
    const { cards, handler, session } = await openCardTokenSession();
    expect((await post(handler, session.id, { token: TOKENS.ok })).status).toBe(200);
    expect(await answer(await post(handler, session.id, { token: 'tok_another' }))).toMatchObject({ status: 409, body: { error: { code: 'session_closed' } } });
    expect(cards.submitted).toHaveLength(1);
  });

  it('gives two concurrent posts, on two handlers of one store, one authorisation', async () => {
    const cards = cardTokenProvider();
    const { handler, store } = setUp([cards.provider]);
    const { handler: other } = setUp([cards.provider], store);
    const session = await create(handler);
    const answers = await Promise.all([post(handler, session.id, { token: TOKENS.slow }), post(other, session.id, { token: TOKENS.slow })]);
    expect(answers.map((response) => response.status).sort()).toEqual([200, 409]);
    expect(cards.submitted).toHaveLength(1);
    expect((await orderOf(handler)).status).toBe('paid');
  });

  it('keeps the session open after a decline (402) and pays with the next card', async () => {
    const { cards, handler, session } = await openCardTokenSession();
    expect(await answer(await post(handler, session.id, { token: TOKENS.declined }))).toMatchObject({ status: 402, body: { error: { code: 'payment_failed' } } });
    const read = await answer(await handler(new Request(`${BASE}/sessions/${session.id}`)));
    expect(read.body).toMatchObject({ status: 'open', kind: 'card-token' });
    expect((await orderOf(handler)).status).toBe('pending');
    expect(await answer(await post(handler, session.id, { token: TOKENS.ok }))).toMatchObject({ status: 200, body: { status: 'complete' } });
    expect((await orderOf(handler)).status).toBe('paid');
  });

  it('answers 3-D Secure with its page, not framed, and refuses another token while it runs', async () => {
    const { cards, handler, session } = await openCardTokenSession();
    const { status, body } = await answer(await post(handler, session.id, { token: TOKENS.threeDs }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'open', kind: 'card-token', url: `https://psp.example/3ds/${session.id}`, frameable: false });
    expect(await answer(await post(handler, session.id, { token: TOKENS.ok }))).toMatchObject({ status: 409, body: { error: { code: 'payment_in_flight' } } });
    expect((await orderOf(handler)).status).toBe('pending');
    expect(cards.submitted).toHaveLength(1);
  });

  it('answers a provider failure with 502 and refuses an immediate retry (the first may have authorised)', async () => {
    const { cards, handler, session } = await openCardTokenSession();
    expect(await answer(await post(handler, session.id, { token: TOKENS.failing }))).toMatchObject({ status: 502, body: { error: { code: 'provider_error' } } });
    expect((await post(handler, session.id, { token: TOKENS.ok })).status).toBe(409);
    expect(cards.submitted).toHaveLength(1);
  });

  it('answers CORS preflights for listed origins and 405 for other methods', async () => {
    const { handler } = setUp([cardTokenProvider().provider]);
    const preflight = await handler(
      new Request(`${BASE}/sessions/cards_1/token`, {
        method: 'OPTIONS',
        headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(SHOP);
    const other = await handler(new Request(`${BASE}/sessions/cards_1/token`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }));
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const get = await handler(new Request(`${BASE}/sessions/cards_1/token`));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('Commerce Layer through the handler, against the fake Commerce Layer API', () => {
  it('creates from the order, pays with 3-D Secure, returns through the bridge with cko-session-id, and the read moves the order to paid', async () => {
    const { startFakeCommerceLayer, FAKE_CHECKOUT_PUBLIC_KEY, FAKE_CHECKOUT_TOKENS, FAKE_COMMERCELAYER_ACCESS_TOKEN } = await import('../providers/commercelayer/fake-api.js');
    const { fromEnv } = await import('../providers/commercelayer/server.js');
    const fake = await startFakeCommerceLayer({ CLORDER: { total_amount_with_taxes_cents: 89_900, currency_code: 'DKK' } });
    cleanups.push(() => fake.close());
    const store = stores[1]![1]();
    const env = {
      COMMERCELAYER_BASE_URL: fake.url,
      COMMERCELAYER_ACCESS_TOKEN: FAKE_COMMERCELAYER_ACCESS_TOKEN,
      COMMERCELAYER_ORDER_ID: 'CLORDER',
      COMMERCELAYER_CHECKOUT_PUBLIC_KEY: FAKE_CHECKOUT_PUBLIC_KEY,
    };
    const handler = createCheckoutHandler({ catalog, logger: silent, store, allowedOrigins: [SHOP], allowedHosts: TEST_HOSTS, providers: [fromEnv(env, { store })!] });
    handlers.push(handler);
    const created = await handler(
      new Request(`${BASE}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: SHOP, referer: `${SHOP}/checkout.html` }, body: JSON.stringify(CART) }),
    );
    const session = (await created.json()) as CheckoutSession;
    expect(session).toMatchObject({ kind: 'card-token', token_provider: 'checkout.com', public_key: FAKE_CHECKOUT_PUBLIC_KEY, amount: 89_900, currency: 'DKK' });

    const paid = await handler(new Request(`${BASE}/sessions/${session.id}/token`, { method: 'POST', headers: { 'content-type': 'application/json', origin: SHOP }, body: JSON.stringify({ token: FAKE_CHECKOUT_TOKENS.threeDSecure }) }));
    const threeDs = (await paid.json()) as CheckoutSession;
    expect(threeDs).toMatchObject({ status: 'open', frameable: false });
    const returnUrl = new URL(fake.finishThreeDSecure(new URL(threeDs.url!).pathname.split('/').pop()!, 'complete'));
    // The return bridge finds the session by checkout_ref and hands cko-session-id on as a param.
    const bridge = await handler(new Request(returnUrl));
    expect(bridge.status).toBe(200);
    const page = await bridge.text();
    expect(page).toContain(`"session":"${session.id}"`);
    expect(page).toContain('cko-session-id');
    const read = (await (await handler(new Request(`${BASE}/sessions/${session.id}`))).json()) as CheckoutSession;
    expect(read).toMatchObject({ status: 'complete' });
    expect((await handler.orders.list())[0]).toMatchObject({ status: 'paid', amount: 89_900, sessionId: session.id });
  });
});
