import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import type { Catalog } from './catalog.js';
import { createCheckoutHandler, type CheckoutHandlerOptions } from './handler.js';
import { createSandboxProvider, signSandboxPayload } from '../providers/sandbox/server.js';
import { ProviderError, ProviderInputError, type CreateSessionInput, type PaymentProvider, type VerifiedWebhook } from './provider-api/types.js';
import { TEST_HOSTS } from './test-support/test-hosts.js';

const SHOP = 'https://shop.example';
const API = 'https://api.example';
const BASE = `${API}/api/checkout`;

const catalog: Catalog = {
  currency: 'DKK',
  products: {
    'coffee-beans': { name: 'Coffee beans, 1 kg', unitAmount: 24900, vatRate: 0.25 },
    mug: { name: 'Stoneware mug', unitAmount: 12900, vatRate: 0.25 },
  },
};

const silent = { error: () => {}, warn: () => {} };

/** A provider double that records what the handler asks of it. */
function fakeProvider(name = 'fake', overrides: Partial<PaymentProvider> = {}) {
  const created: CreateSessionInput[] = [];
  let counter = 0;
  const sessions = new Map<string, CheckoutSession>();
  const provider: PaymentProvider = {
    name,
    async createSession(input) {
      created.push(input);
      const session: CheckoutSession = {
        id: `${name}_${++counter}`,
        provider: name,
        kind: 'hosted',
        status: 'open',
        url: `https://pay.example/${counter}`,
        frameable: true,
        amount: input.amount,
        currency: input.currency,
        expires_at: '2030-01-01T00:00:00.000Z',
        livemode: false,
      };
      sessions.set(session.id, session);
      return session;
    },
    async getSession(id) {
      const session = sessions.get(id);
      if (!session) throw new ProviderError(name, `no session ${id}`, 404);
      return { ...session, status: 'complete' };
    },
    ...overrides,
  };
  return { provider, created, sessions };
}

function handlerWith(options: Partial<CheckoutHandlerOptions> & { providers: PaymentProvider[] }) {
  return createCheckoutHandler({ catalog, logger: silent, allowedHosts: TEST_HOSTS, ...options });
}

function createRequest(body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`${BASE}/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: SHOP, referer: `${SHOP}/checkout.html?mode=embedded#top`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const CART = { items: [{ sku: 'coffee-beans', quantity: 2 }, { sku: 'mug', quantity: 1 }] };

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { code: string; message: string; issues?: { code: string; path: unknown[]; message: string }[] } }).error;
}

describe('POST /sessions', () => {
  it('prices the cart from the catalog and answers 201 with the session', async () => {
    const { provider, created } = fakeProvider();
    const handler = handlerWith({ providers: [provider], publicUrl: `${API}/` });
    const response = await handler(createRequest({ ...CART, locale: 'da-DK', customer: { email: 'a@b.dk' }, metadata: { cart: '7' } }));
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const session = (await response.json()) as CheckoutSession;
    expect(session).toMatchObject({ id: 'fake_1', kind: 'hosted', status: 'open', amount: 62700, currency: 'DKK' });

    expect(created).toHaveLength(1);
    const input = created[0]!;
    expect(input.amount).toBe(2 * 24900 + 12900);
    expect(input.lines.map((line) => [line.sku, line.name, line.quantity, line.unitAmount])).toEqual([
      ['coffee-beans', 'Coffee beans, 1 kg', 2, 24900],
      ['mug', 'Stoneware mug', 1, 12900],
    ]);
    expect(input.acceptUrl).toBe(`${API}/api/checkout/return/accept?checkout_session={SESSION_ID}&checkout_ref=${input.reference}`);
    expect(input.cancelUrl).toBe(`${API}/api/checkout/return/cancel?checkout_session={SESSION_ID}&checkout_ref=${input.reference}`);
    expect(input.webhookUrl).toBe(`${API}/api/checkout/webhooks/fake`);
    expect(input.locale).toBe('da-DK');
    expect(input.customer).toEqual({ email: 'a@b.dk' });
    expect(input.metadata).toEqual({ cart: '7' });
    expect(input.reference).toMatch(/^ord_[a-f0-9]{20}$/);
  });

  it('builds return URLs from the request origin and a custom base path without publicUrl', async () => {
    const { provider, created } = fakeProvider();
    const handler = handlerWith({ providers: [provider], basePath: '/pay/', allowedHosts: ['127.0.0.1:5173'] });
    const response = await handler(
      new Request('http://127.0.0.1:5173/pay/sessions', { method: 'POST', body: JSON.stringify(CART) }),
    );
    expect(response.status).toBe(201);
    expect(created[0]!.acceptUrl).toBe(
      `http://127.0.0.1:5173/pay/return/accept?checkout_session={SESSION_ID}&checkout_ref=${created[0]!.reference}`,
    );
  });

  it.each([
    ['no items', {}, ['items']],
    ['empty items', { items: [] }, ['items']],
    ['zero quantity', { items: [{ sku: 'mug', quantity: 0 }] }, ['items', 0, 'quantity']],
    ['quantity over 99', { items: [{ sku: 'mug', quantity: 100 }] }, ['items', 0, 'quantity']],
    ['fractional quantity', { items: [{ sku: 'mug', quantity: 1.5 }] }, ['items', 0, 'quantity']],
    ['bad email', { ...CART, customer: { email: 'nope' } }, ['customer', 'email']],
    ['recurring not boolean', { ...CART, recurring: 'yes' }, ['recurring']],
  ])('refuses %s with 400 and the issue path', async (_, body, path) => {
    const { provider, created } = fakeProvider();
    const response = await handlerWith({ providers: [provider] })(createRequest(body));
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('invalid_request');
    expect(error.issues?.map((issue) => issue.path)).toContainEqual(path);
    expect(error.message).toMatch(/^Invalid request: /);
    expect(created).toHaveLength(0);
  });

  it('refuses a chunked body over the limit without reading it to the end', async () => {
    const { provider, created } = fakeProvider();
    const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
    let pulled = 0;
    // No Content-Length: only counting while reading can stop it (1000 chunks = 16 MB).
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 1000) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const request = new Request(`${BASE}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    const response = await handlerWith({ providers: [provider] })(request);
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('invalid_request');
    expect(pulled).toBeLessThan(10);
    expect(created).toHaveLength(0);
  });

  it.each([
    ['that declares less than it carries', '10'],
    ['whose Content-Length is no number', 'abc'],
  ])('refuses with 413 a body over the limit %s', async (_, declared) => {
    const { provider, created } = fakeProvider();
    const request = new Request(`${BASE}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': declared },
      body: JSON.stringify({ ...CART, padding: 'x'.repeat(70 * 1024) }),
    });
    const response = await handlerWith({ providers: [provider] })(request);
    expect(response.status).toBe(413);
    expect(created).toHaveLength(0);
  });

  it('reads a chunked body under the limit', async () => {
    const { provider, created } = fakeProvider();
    const encoded = new TextEncoder().encode(JSON.stringify(CART));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoded.slice(0, 10));
        controller.enqueue(encoded.slice(10));
        controller.close();
      },
    });
    const request = new Request(`${BASE}/sessions`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect((await handlerWith({ providers: [provider] })(request)).status).toBe(201);
    expect(created[0]!.amount).toBe(62700);
  });

  it('refuses a body that is not JSON', async () => {
    const { provider } = fakeProvider();
    const response = await handlerWith({ providers: [provider] })(createRequest('{"items": ['));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toBe('Request body is not valid JSON');
  });

  it.each([
    ['an amount in an item', { items: [{ sku: 'mug', quantity: 1, amount: 1 }] }, ['items', 0], 'amount'],
    ['a price in an item', { items: [{ sku: 'mug', quantity: 1, price: 1 }] }, ['items', 0], 'price'],
    ['a top-level amount', { ...CART, amount: 100 }, [], 'amount'],
  ])('refuses %s: prices come from the catalog', async (_, body, path, key) => {
    const { provider, created } = fakeProvider();
    const response = await handlerWith({ providers: [provider] })(createRequest(body));
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    const issue = error.issues?.find((candidate) => candidate.code === 'unrecognized_keys');
    expect(issue?.path).toEqual(path);
    expect(issue?.message).toContain(key);
    expect(created).toHaveLength(0);
  });

  it('names an unknown sku', async () => {
    const { provider, created } = fakeProvider();
    const response = await handlerWith({ providers: [provider] })(
      createRequest({ items: [{ sku: 'mug', quantity: 1 }, { sku: 'teapot', quantity: 1 }] }),
    );
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.message).toContain('Unknown sku "teapot"');
    expect(error.issues).toEqual([{ code: 'unknown_sku', path: ['items', 1, 'sku'], message: 'Unknown sku "teapot"' }]);
    expect(created).toHaveLength(0);
  });

  it('picks the named provider, and refuses an unknown one', async () => {
    const first = fakeProvider('first');
    const second = fakeProvider('second');
    const handler = handlerWith({ providers: [first.provider, second.provider] });
    expect((await handler(createRequest(CART))).status).toBe(201);
    expect(first.created).toHaveLength(1);
    expect((await handler(createRequest({ ...CART, provider: 'second' }))).status).toBe(201);
    expect(second.created).toHaveLength(1);
    const refused = await handler(createRequest({ ...CART, provider: 'paypal' }));
    expect(refused.status).toBe(400);
    expect((await errorOf(refused)).message).toBe('Unknown provider "paypal"; this shop offers: first, second');
  });

  it('answers 502 with a clear message when the provider fails, without leaking keys', async () => {
    const { provider } = fakeProvider('stripe', {
      createSession: () => Promise.reject(new ProviderError('stripe', 'Invalid API Key provided: sk_test_abcdefghijklmnop', 401)),
    });
    const response = await handlerWith({ providers: [provider] })(createRequest(CART));
    expect(response.status).toBe(502);
    const error = await errorOf(response);
    expect(error.code).toBe('provider_error');
    expect(error.message).toBe('Payment provider "stripe" failed: Invalid API Key provided: sk_[redacted]');
    expect(JSON.stringify(error)).not.toContain('abcdefghijklmnop');
  });

  it('answers 400 when the provider refuses the input before sending anything', async () => {
    const { provider } = fakeProvider('reepay', {
      createSession: () => Promise.reject(new ProviderInputError('reepay', 'reepay: locale "xx" is not like da_DK or da-DK')),
    });
    const response = await handlerWith({ providers: [provider] })(createRequest(CART));
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'invalid_request', message: 'reepay: locale "xx" is not like da_DK or da-DK' });
  });

  it('answers 502 for any other error a provider throws, without its details', async () => {
    const { provider } = fakeProvider('x', { createSession: () => Promise.reject(new TypeError('secret internals')) });
    const response = await handlerWith({ providers: [provider] })(createRequest(CART));
    expect(response.status).toBe(502);
    expect((await errorOf(response)).message).toBe('Payment provider "x" failed unexpectedly');
  });

  describe('with fake timers', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('answers 502 when the provider does not answer in time', async () => {
      vi.useFakeTimers();
      let called!: () => void;
      const providerCalled = new Promise<void>((resolve) => (called = resolve));
      const { provider } = fakeProvider('slow', {
        createSession: () => {
          called();
          return new Promise<never>(() => {});
        },
      });
      const pending = handlerWith({ providers: [provider], providerTimeoutMs: 5000 })(createRequest(CART));
      let answered = false;
      void pending.then(() => (answered = true));
      await providerCalled;
      await vi.advanceTimersByTimeAsync(4999);
      expect(answered).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const response = await pending;
      expect(response.status).toBe(502);
      expect((await errorOf(response)).message).toBe('Payment provider "slow" did not answer within 5 s');
    });
  });

  describe('Idempotency-Key', () => {
    it('returns the same session for the same key and body, and forwards the key', async () => {
      const { provider, created } = fakeProvider();
      const handler = handlerWith({ providers: [provider] });
      const [a, b] = await Promise.all([
        handler(createRequest(CART, { 'idempotency-key': 'k1' })),
        handler(createRequest(CART, { 'idempotency-key': 'k1' })),
      ]);
      const c = await handler(createRequest(CART, { 'idempotency-key': 'k1' }));
      expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
      const ids = await Promise.all([a, b, c].map(async (response) => ((await response.json()) as CheckoutSession).id));
      expect(new Set(ids).size).toBe(1);
      expect(created).toHaveLength(1);
      expect(created[0]!.idempotencyKey).toBe('k1');

      const other = await handler(createRequest(CART, { 'idempotency-key': 'k2' }));
      expect(((await other.json()) as CheckoutSession).id).not.toBe(ids[0]);
      expect(created).toHaveLength(2);
    });

    it('creates a new session for each request without a key', async () => {
      const { provider, created } = fakeProvider();
      const handler = handlerWith({ providers: [provider] });
      await handler(createRequest(CART));
      await handler(createRequest(CART));
      expect(created).toHaveLength(2);
      expect(created[0]!.reference).not.toBe(created[1]!.reference);
    });

    it('refuses the same key with a different body', async () => {
      const { provider } = fakeProvider();
      const handler = handlerWith({ providers: [provider] });
      await handler(createRequest(CART, { 'idempotency-key': 'k1' }));
      const response = await handler(createRequest({ items: [{ sku: 'mug', quantity: 5 }] }, { 'idempotency-key': 'k1' }));
      expect(response.status).toBe(409);
      expect((await errorOf(response)).code).toBe('idempotency_conflict');
    });

    it('lets a retry after a provider failure try again under the same reference', async () => {
      let fail = true;
      const double = fakeProvider();
      const createSession = double.provider.createSession.bind(double.provider);
      double.provider.createSession = (input) => {
        if (fail) {
          double.created.push(input);
          return Promise.reject(new ProviderError('fake', 'down'));
        }
        return createSession(input);
      };
      const handler = handlerWith({ providers: [double.provider] });
      expect((await handler(createRequest(CART, { 'idempotency-key': 'retry' }))).status).toBe(502);
      fail = false;
      expect((await handler(createRequest(CART, { 'idempotency-key': 'retry' }))).status).toBe(201);
      expect(double.created).toHaveLength(2);
      expect(double.created[1]!.reference).toBe(double.created[0]!.reference);
    });
  });
});

describe('CORS for a widget on another allowed origin', () => {
  const preflight = (origin: string) =>
    new Request(`${BASE}/sessions`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key' },
    });

  it('answers the preflight and the calls of a listed origin, and nobody else', async () => {
    const { provider } = fakeProvider();
    const handler = handlerWith({ providers: [provider], allowedOrigins: [SHOP] });
    const allowed = await handler(preflight(SHOP));
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('idempotency-key');

    const created = await handler(createRequest(CART, { origin: SHOP }));
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(SHOP);
    const id = ((await created.json()) as CheckoutSession).id;
    const read = await handler(new Request(`${BASE}/sessions/${id}`, { headers: { origin: SHOP } }));
    expect(read.headers.get('access-control-allow-origin')).toBe(SHOP);

    expect((await handler(preflight('https://evil.example'))).headers.get('access-control-allow-origin')).toBeNull();
    const forged = await handler(createRequest(CART, { origin: 'https://evil.example' }));
    expect(forged.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends no CORS headers without allowedOrigins', async () => {
    const { provider } = fakeProvider();
    const response = await handlerWith({ providers: [provider] })(createRequest(CART, { origin: SHOP }));
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('GET /sessions/:id', () => {
  it('answers 200 with the session fresh from the provider that made it', async () => {
    const first = fakeProvider('first');
    const second = fakeProvider('second');
    const handler = handlerWith({ providers: [first.provider, second.provider] });
    const created = (await (await handler(createRequest({ ...CART, provider: 'second' }))).json()) as CheckoutSession;
    const response = await handler(new Request(`${BASE}/sessions/${created.id}`));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: created.id, provider: 'second', status: 'complete' });
  });

  it('answers 404 for an id nobody knows', async () => {
    const first = fakeProvider('first');
    const second = fakeProvider('second');
    const several = handlerWith({ providers: [first.provider, second.provider] });
    const response = await several(new Request(`${BASE}/sessions/cs_unknown`));
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe('not_found');

    // With one provider the handler asks it, and the provider's 404 becomes ours.
    const single = handlerWith({ providers: [first.provider] });
    expect((await single(new Request(`${BASE}/sessions/cs_unknown`))).status).toBe(404);
    first.sessions.set('made_elsewhere', { id: 'made_elsewhere', provider: 'first', kind: 'hosted', status: 'open' });
    expect((await single(new Request(`${BASE}/sessions/made_elsewhere`))).status).toBe(200);
    expect((await single(new Request(`${BASE}/sessions/${encodeURIComponent('<script>')}`))).status).toBe(404);
  });

  it('answers 502 when the provider fails to read', async () => {
    const { provider } = fakeProvider('x', { getSession: () => Promise.reject(new ProviderError('x', 'boom', 500)) });
    const response = await handlerWith({ providers: [provider] })(new Request(`${BASE}/sessions/abc`));
    expect(response.status).toBe(502);
    expect((await errorOf(response)).message).toBe('Payment provider "x" failed: boom');
  });
});

describe('routing', () => {
  it('answers unknown routes with a 404 JSON error', async () => {
    const { provider } = fakeProvider();
    const handler = handlerWith({ providers: [provider] });
    for (const url of [`${BASE}/nope`, `${API}/elsewhere`, `${BASE}/sessions/a/b`]) {
      const response = await handler(new Request(url));
      expect(response.status, url).toBe(404);
      expect((await errorOf(response)).code).toBe('not_found');
    }
  });

  it.each([
    ['GET', '/sessions', 'POST'],
    ['PUT', '/sessions', 'POST'],
    ['DELETE', '/sessions/abc', 'GET'],
    ['POST', '/return/accept', 'GET'],
    ['GET', '/webhooks/fake', 'POST'],
  ])('answers %s %s with 405 and Allow: %s', async (method, route, allowed) => {
    const { provider } = fakeProvider();
    const response = await handlerWith({ providers: [provider] })(new Request(`${BASE}${route}`, { method }));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allowed);
    expect((await errorOf(response)).code).toBe('method_not_allowed');
  });

  it('answers HEAD like GET on a GET route, and a 405 to a listed origin still carries its CORS headers', async () => {
    const { provider } = fakeProvider();
    const handler = handlerWith({ providers: [provider], allowedOrigins: [SHOP] });
    expect((await handler(new Request(`${BASE}/sessions/nope`, { method: 'HEAD' }))).status).toBe(404);
    const response = await handler(new Request(`${BASE}/sessions/abc`, { method: 'DELETE', headers: { origin: SHOP } }));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('answers a webhook for an unknown provider 404 before reading its body, however large', async () => {
    const { provider } = fakeProvider();
    const body = 'x'.repeat(1024 * 1024 + 1);
    const response = await handlerWith({ providers: [provider] })(new Request(`${BASE}/webhooks/nope`, { method: 'POST', body }));
    expect(response.status).toBe(404);
  });

  it('refuses a declared Content-Length over the limit even when no body follows', async () => {
    const { provider, created } = fakeProvider();
    const request = new Request(`${BASE}/sessions`, { method: 'POST', headers: { 'content-length': String(64 * 1024 + 1) } });
    const response = await handlerWith({ providers: [provider] })(request);
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toEqual({ code: 'invalid_request', message: 'Request body is larger than 65536 bytes' });
    expect(created).toHaveLength(0);
  });

  it('refuses bad options clearly', () => {
    const { provider } = fakeProvider();
    expect(() => createCheckoutHandler({ providers: [], catalog })).toThrow(/at least one provider/);
    expect(() => createCheckoutHandler({ providers: [provider], catalog, defaultProvider: 'nope' })).toThrow(/defaultProvider "nope"/);
    expect(() => createCheckoutHandler({ providers: [provider], catalog, publicUrl: 'shop.example' })).toThrow(/absolute URL/);
    expect(() => createCheckoutHandler({ providers: [provider, provider], catalog })).toThrow(/Two providers/);
  });
});

/** The bridge page's embedded data and CSP nonce. */
function bridgeParts(html: string) {
  const data = /var data = (.*);\n/.exec(html)?.[1];
  const script = /<script nonce="([^"]+)">([\s\S]*?)<\/script>/.exec(html);
  if (!data || !script) throw new Error('bridge page has no data script');
  return {
    data: JSON.parse(data) as { message: Record<string, unknown>; targetOrigin: string; redirectUrl: string },
    nonce: script[1]!,
    script: script[2]!,
  };
}

interface FakeWindow {
  parent?: unknown;
  opener?: unknown;
  closed?: boolean;
  close?: () => void;
}

/** Runs the bridge script against a stand-in window and reports what it did. */
function runBridge(script: string, setup: (self: FakeWindow, calls: unknown[][]) => void): unknown[][] {
  const calls: unknown[][] = [];
  const self: FakeWindow = {};
  self.parent = self;
  self.opener = null;
  setup(self, calls);
  const location = { replace: (url: string) => calls.push(['replace', url]) };
  runInNewContext(script, { window: self, location, setTimeout: () => {} });
  return calls;
}

describe('GET /return/:result (the return bridge)', () => {
  async function createdSession(handler: (r: Request) => Promise<Response>, headers: Record<string, string> = {}) {
    return ((await (await handler(createRequest(CART, headers))).json()) as CheckoutSession).id;
  }

  it('carries the outcome to the shop origin recorded at create time', async () => {
    const { provider } = fakeProvider();
    const handler = handlerWith({ providers: [provider], allowedOrigins: [SHOP] });
    const id = await createdSession(handler);
    const response = await handler(new Request(`${BASE}/return/accept?checkout_session=${id}&payment_method=card`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const { data, nonce, script } = bridgeParts(await response.text());
    expect(data.message).toEqual({
      type: 'checkout-widget',
      version: 1,
      event: 'accept',
      session: id,
      params: { payment_method: 'card' },
    });
    expect(data.targetOrigin).toBe(SHOP);
    // The Referer page, fragment dropped, outcome and provider params added.
    expect(data.redirectUrl).toBe(
      `${SHOP}/checkout.html?mode=embedded&payment_method=card&checkout_session=${id}&checkout_result=accept`,
    );
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`script-src 'nonce-${nonce}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`frame-ancestors ${SHOP}`);

    // In a frame: posts to the parent, to the shop origin only.
    const framed = runBridge(script, (self, calls) => {
      self.parent = { postMessage: (message: unknown, origin: unknown) => calls.push(['parent', message, origin]) };
    });
    expect(framed).toEqual([['parent', data.message, SHOP]]);

    // In a popup: posts to the opener, then closes.
    const popup = runBridge(script, (self, calls) => {
      self.opener = { postMessage: (message: unknown, origin: unknown) => calls.push(['opener', message, origin]) };
      self.close = () => calls.push(['close']);
    });
    expect(popup).toEqual([['opener', data.message, SHOP], ['close']]);

    // At top level: back to the shop page.
    const top = runBridge(script, () => {});
    expect(top).toEqual([['replace', data.redirectUrl]]);
  });

  it('never returns to an origin it does not allow (no open redirect through the shop)', async () => {
    const { provider } = fakeProvider();
    // Default: only the handler's own origin.
    const handler = handlerWith({ providers: [provider], returnPage: '/checkout.html' });
    const forged = await createdSession(handler, { origin: 'https://evil.example', referer: 'https://evil.example/phish' });
    const { data } = bridgeParts(await (await handler(new Request(`${BASE}/return/accept?checkout_session=${forged}`))).text());
    expect(data.targetOrigin).toBe(API);
    expect(data.redirectUrl).toBe(`${API}/checkout.html?checkout_session=${forged}&checkout_result=accept`);

    const sameOrigin = await createdSession(handler, { origin: API, referer: `${API}/cart?step=2` });
    const own = bridgeParts(await (await handler(new Request(`${BASE}/return/cancel?checkout_session=${sameOrigin}`))).text());
    expect(own.data.redirectUrl).toBe(`${API}/cart?step=2&checkout_session=${sameOrigin}&checkout_result=cancel`);

    expect(() => handlerWith({ providers: [provider], allowedOrigins: ['not a url'] })).toThrow(/allowedOrigins/);
  });

  it('falls back to the Referer origin, then the option returnPage, then its own origin', async () => {
    const { provider } = fakeProvider();
    const handler = handlerWith({ providers: [provider], returnPage: '/checkout.html', allowedOrigins: [SHOP, 'https://other.example/'] });
    const fromReferer = await createdSession(handler, { origin: '', referer: 'https://other.example/cart?x=1' });
    let { data } = bridgeParts(await (await handler(new Request(`${BASE}/return/cancel?checkout_session=${fromReferer}`))).text());
    expect(data.targetOrigin).toBe('https://other.example');
    expect(data.redirectUrl).toBe(`https://other.example/cart?x=1&checkout_session=${fromReferer}&checkout_result=cancel`);

    const bare = await createdSession(handler, { origin: '', referer: '' });
    ({ data } = bridgeParts(await (await handler(new Request(`${BASE}/return/cancel?checkout_session=${bare}`))).text()));
    expect(data.targetOrigin).toBe(API);
    expect(data.redirectUrl).toBe(`${API}/checkout.html?checkout_session=${bare}&checkout_result=cancel`);
    expect(data.message['event']).toBe('cancel');
  });

  it('takes the id from `id` (Reepay) or `session_id` when the placeholder was not filled', async () => {
    const { provider } = fakeProvider();
    const handler = handlerWith({ providers: [provider] });
    const reepay = await handler(
      new Request(`${BASE}/return/accept?checkout_session=%7BSESSION_ID%7D&id=cs_0123&invoice=inv-1&customer=c-1`),
    );
    const { data } = bridgeParts(await reepay.text());
    expect(data.message['session']).toBe('cs_0123');
    expect(data.message['params']).toEqual({ id: 'cs_0123', invoice: 'inv-1', customer: 'c-1' });

    const stripe = bridgeParts(await (await handler(new Request(`${BASE}/return/accept?session_id=cs_test_9`))).text());
    expect(stripe.data.message['session']).toBe('cs_test_9');
  });

  it('finds the session by our order reference when the provider could not fill in its id', async () => {
    const { provider, created } = fakeProvider();
    const handler = handlerWith({ providers: [provider] });
    const id = await createdSession(handler);
    // What a provider that drops the placeholder (ConvergeGate, Commerce Layer, BokaMera) sends back.
    const ref = created[0]!.reference;
    const response = await handler(new Request(`${BASE}/return/accept?checkout_ref=${ref}&cko-session-id=sid_1`));
    const { data } = bridgeParts(await response.text());
    expect(data.message['session']).toBe(id);
    expect(data.message['params']).toEqual({ 'cko-session-id': 'sid_1' });
    expect(data.redirectUrl).toContain(`checkout_session=${id}&checkout_result=accept`);
    expect(data.redirectUrl).not.toContain('checkout_ref');

    const unknown = await handler(new Request(`${BASE}/return/accept?checkout_ref=ord_unknown`));
    expect(unknown.status).toBe(400);
  });

  it('escapes what it embeds', async () => {
    const { provider } = fakeProvider();
    const handler = handlerWith({ providers: [provider] });
    const id = await createdSession(handler);
    const evil = '</script><script>alert(1)</script><!--';
    const response = await handler(
      new Request(`${BASE}/return/accept?checkout_session=${id}&note=${encodeURIComponent(evil)}&q=${encodeURIComponent('"><img src=x>')}`),
    );
    const html = await response.text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x>');
    expect(html.match(/<script/g)).toHaveLength(1);
    const { data } = bridgeParts(html);
    expect(data.message['params']).toEqual({ note: evil, q: '"><img src=x>' });
  });

  it('answers 404 for other results and 400 without a session id', async () => {
    const { provider } = fakeProvider();
    const handler = handlerWith({ providers: [provider] });
    expect((await handler(new Request(`${BASE}/return/success?checkout_session=a`))).status).toBe(404);
    const missing = await handler(new Request(`${BASE}/return/accept`));
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('Missing session');
    expect((await handler(new Request(`${BASE}/return/accept?checkout_session={SESSION_ID}`))).status).toBe(400);
  });
});

describe('POST /webhooks/:provider', () => {
  const WEBHOOK_SECRET = 'sbx_whsec_test_secret_value';
  const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

  function setup(onWebhook?: CheckoutHandlerOptions['onWebhook']) {
    // Real signature checks from the sandbox adapter, sessions from the double.
    const verifier = createSandboxProvider({
      apiUrl: 'http://127.0.0.1:9',
      secretKey: 'sbx_sk_unused',
      webhookSecret: WEBHOOK_SECRET,
      now: () => NOW,
    });
    const double = fakeProvider('sandbox', { verifyWebhook: verifier.verifyWebhook! });
    double.sessions.set('sbx_1', { id: 'sbx_1', provider: 'sandbox', kind: 'hosted', status: 'open' });
    const received: { event: VerifiedWebhook; provider: string; session?: CheckoutSession }[] = [];
    const handler = handlerWith({
      providers: [double.provider],
      onWebhook:
        onWebhook ??
        ((event, provider, context) => {
          received.push({ event, provider, ...(context.session && { session: context.session }) });
        }),
    });
    return { handler, received };
  }

  function webhookRequest(body: string, signature: string, provider = 'sandbox') {
    return new Request(`${BASE}/webhooks/${provider}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sandbox-signature': signature },
      body,
    });
  }

  const event = JSON.stringify({ id: 'evt_1', type: 'session.completed', session: 'sbx_1' });

  it('verifies a good webhook, answers 200 and hands it on once with the refreshed session', async () => {
    const { handler, received } = setup();
    const response = await handler(webhookRequest(event, await signSandboxPayload(WEBHOOK_SECRET, event, NOW / 1000)));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    await handler.whenIdle();
    expect(received).toHaveLength(1);
    expect(received[0]!.provider).toBe('sandbox');
    expect(received[0]!.event).toMatchObject({ eventId: 'evt_1', type: 'session.completed', sessionId: 'sbx_1' });
    expect(received[0]!.session?.status).toBe('complete');
  });

  it('answers a replay with duplicate: true and does not hand it on again', async () => {
    const { handler, received } = setup();
    const signature = await signSandboxPayload(WEBHOOK_SECRET, event, NOW / 1000);
    await handler(webhookRequest(event, signature));
    const replay = await handler(webhookRequest(event, signature));
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ received: true, duplicate: true });
    await handler.whenIdle();
    expect(received).toHaveLength(1);
  });

  it.each([
    ['a forged signature', () => signSandboxPayload('wrong-secret', event, NOW / 1000), event],
    ['a changed body', () => signSandboxPayload(WEBHOOK_SECRET, event, NOW / 1000), event.replace('evt_1', 'evt_2')],
    ['a stale timestamp', () => signSandboxPayload(WEBHOOK_SECRET, event, NOW / 1000 - 301), event],
    ['a missing signature', () => '', event],
    ['a malformed signature', () => 't=abc,v1=zz', event],
  ])('refuses %s with 400', async (_, sign, body) => {
    const { handler, received } = setup();
    const response = await handler(webhookRequest(body, await sign()));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('invalid_signature');
    await handler.whenIdle();
    expect(received).toHaveLength(0);
  });

  it('answers before slow processing is done', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    const { handler } = setup(async () => {
      await gate;
      finished = true;
    });
    const response = await handler(webhookRequest(event, await signSandboxPayload(WEBHOOK_SECRET, event, NOW / 1000)));
    expect(response.status).toBe(200);
    expect(finished).toBe(false);
    release();
    await handler.whenIdle();
    expect(finished).toBe(true);
  });

  it('answers 404 for a provider it does not have', async () => {
    const { handler } = setup();
    const response = await handler(webhookRequest(event, 'x', 'paypal'));
    expect(response.status).toBe(404);
  });
});
