/**
 * Set-up mistakes the handler says in its log, once, with the option that fixes them: a page on an
 * origin missing from `allowedOrigins` (the browser's CORS refusal is otherwise silent on the
 * server), and a proxy in front of a handler without `publicUrl`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckoutHandler, CheckoutHandlerOptions } from './handler.js';
import { createCheckoutHandler } from './handler.js';
import { MAX_NOTICED_ORIGINS } from './origin-notices.js';
import type { PaymentProvider } from './provider-api/types.js';
import { MUG_CATALOG } from './test-support/hosted-provider-double.js';
import { scriptedSessions } from './test-support/scripted-sessions.js';

const handlers: CheckoutHandler[] = [];
afterEach(async () => {
  await Promise.all(handlers.splice(0).map((handler) => handler.close()));
});

function setUp(options: Partial<CheckoutHandlerOptions> = {}) {
  const scripted = scriptedSessions('fake', (counter) => ({ kind: 'hosted', url: `https://pay.example/${counter}` }));
  const provider: PaymentProvider = { name: 'fake', createSession: scripted.createSession, getSession: scripted.getSession };
  const warn = vi.fn();
  const handler = createCheckoutHandler({ providers: [provider], catalog: MUG_CATALOG, logger: { error: () => {}, warn }, ...options });
  handlers.push(handler);
  /** The records of one event, parsed from the JSON lines a console-like logger gets. */
  const records = (event: string) =>
    warn.mock.calls.map(([line]) => JSON.parse(String(line)) as { event: string; msg: string; origin?: string }).filter((record) => record.event === event);
  return { handler, records };
}

const CART = JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] });

/** The preflight a browser sends before a cross-origin JSON POST. */
function preflight(url: string, origin: string): Request {
  return new Request(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key', 'sec-fetch-site': 'cross-site' },
  });
}

function post(url: string, headers: Record<string, string>): Request {
  return new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: CART });
}

describe('cors.origin_refused', () => {
  it('logs a cross-origin page missing from allowedOrigins once, naming the option to set, while the preflight still gets no CORS headers', async () => {
    const { handler, records } = setUp();
    const first = await handler(preflight('http://localhost:3000/api/checkout/sessions', 'http://localhost:5173'));
    expect(first.headers.get('access-control-allow-origin')).toBeNull();
    await handler(preflight('http://localhost:3000/api/checkout/sessions', 'http://localhost:5173'));
    const logged = records('cors.origin_refused');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.origin).toBe('http://localhost:5173');
    expect(logged[0]!.msg).toContain("createCheckoutHandler({ allowedOrigins: ['http://localhost:5173'] })");
    expect(logged[0]!.msg).toContain('OPTIONS /api/checkout/sessions');
  });

  it('logs each refused origin once, and no more than MAX_NOTICED_ORIGINS of them (bounded memory)', async () => {
    const { handler, records } = setUp({ allowedOrigins: ['https://shop.example'] });
    for (let i = 0; i < MAX_NOTICED_ORIGINS + 20; i++) {
      await handler(preflight('http://localhost:3000/api/checkout/sessions', `https://evil${i}.example`));
      await handler(preflight('http://localhost:3000/api/checkout/sessions', `https://evil${i}.example`));
    }
    expect(records('cors.origin_refused')).toHaveLength(MAX_NOTICED_ORIGINS);
  });

  it('says nothing for a listed origin, a same-origin page, or a route other than the sessions', async () => {
    const { handler, records } = setUp({ allowedOrigins: ['https://shop.example'] });
    const listed = await handler(preflight('http://localhost:3000/api/checkout/sessions', 'https://shop.example'));
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    await handler(post('http://localhost:3000/api/checkout/sessions', { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin' }));
    // A PSP's return navigation comes from its own origin.
    await handler(new Request('http://localhost:3000/api/checkout/return/accept?session=x', { headers: { origin: 'https://psp.example', 'sec-fetch-site': 'cross-site' } }));
    expect(records('cors.origin_refused')).toEqual([]);
  });
});

describe('config.origin_mismatch (behind a proxy without publicUrl)', () => {
  it('a same-origin page whose origin is not the derived one: logs publicUrl to set, once', async () => {
    const { handler, records } = setUp();
    // The proxy at https://shop.example passes the request on to localhost:3000 with its own Host.
    for (let i = 0; i < 3; i++) {
      const answer = await handler(post('http://localhost:3000/api/checkout/sessions', { origin: 'https://shop.example', 'sec-fetch-site': 'same-origin' }));
      expect(answer.status).toBe(201);
    }
    const logged = records('config.origin_mismatch');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.msg).toContain('derived its origin as http://localhost:3000');
    expect(logged[0]!.msg).toContain("createCheckoutHandler({ publicUrl: 'https://shop.example' })");
    // Not mistaken for a CORS refusal: the browser called its own origin.
    expect(records('cors.origin_refused')).toEqual([]);
  });

  it('an X-Forwarded-Host the handler does not trust: suggests publicUrl or trustProxy', async () => {
    const { handler, records } = setUp();
    await handler(new Request('http://127.0.0.1:3000/api/checkout/sessions/abc', { headers: { 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' } }));
    const [logged] = records('config.origin_mismatch');
    expect(logged!.msg).toContain("publicUrl: 'https://shop.example' })");
    expect(logged!.msg).toContain('trustProxy: true');
  });

  it('says nothing with publicUrl, or when the derived origin is the page’s', async () => {
    const withUrl = setUp({ publicUrl: 'https://shop.example' });
    await withUrl.handler(post('http://localhost:3000/api/checkout/sessions', { origin: 'https://shop.example', 'sec-fetch-site': 'same-origin' }));
    expect(withUrl.records('config.origin_mismatch')).toEqual([]);
    const trusted = setUp({ trustProxy: true, allowedHosts: ['shop.example'] });
    await trusted.handler(
      post('http://localhost:3000/api/checkout/sessions', { origin: 'https://shop.example', 'sec-fetch-site': 'same-origin', 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' }),
    );
    expect(trusted.records('config.origin_mismatch')).toEqual([]);
  });
});
