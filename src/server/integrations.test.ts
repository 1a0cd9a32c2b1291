/**
 * The README's mounting snippets, run: Hono (`app.all(…, (c) => handler(c.req.raw))`) and a
 * Next.js App Router route handler (`export { handler as GET, handler as POST }`, which Next calls
 * as `(request, context)`). Node, Express: `node.test.ts`.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../core/session.js';
import { createCheckoutHandler } from './handler.js';
import { hostedProviderDouble, MUG_CATALOG } from './test-support/hosted-provider-double.js';

function handlerForTests() {
  return createCheckoutHandler({ providers: [hostedProviderDouble().provider], catalog: MUG_CATALOG, logger: { error: () => {}, warn: () => {} } });
}

const createBody = JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] });

describe('mounting the handler', () => {
  it('in a Hono app, beside the app’s own routes', async () => {
    const handler = handlerForTests();
    const app = new Hono();
    app.all('/api/checkout/*', (c) => handler(c.req.raw));
    app.get('/', (c) => c.text('shop'));
    const created = await app.request('https://shop.example/api/checkout/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://shop.example' },
      body: createBody,
    });
    expect(created.status).toBe(201);
    const session = (await created.json()) as CheckoutSession;
    expect((await app.request(`https://shop.example/api/checkout/sessions/${session.id}`)).status).toBe(200);
    expect(await (await app.request('https://shop.example/')).text()).toBe('shop');
  });

  it('as a Next.js App Router route handler (called with a context argument it ignores)', async () => {
    const handler = handlerForTests();
    // app/api/checkout/[...path]/route.ts: export { handler as GET, handler as POST };
    const route = { GET: handler, POST: handler } as Record<'GET' | 'POST', (request: Request, context: unknown) => Promise<Response>>;
    const created = await route.POST(
      new Request('https://shop.example/api/checkout/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://shop.example' },
        body: createBody,
      }),
      { params: Promise.resolve({ path: ['sessions'] }) },
    );
    expect(created.status).toBe(201);
    const session = (await created.json()) as CheckoutSession;
    const read = await route.GET(new Request(`https://shop.example/api/checkout/sessions/${session.id}`), { params: Promise.resolve({ path: ['sessions', session.id] }) });
    expect(((await read.json()) as CheckoutSession).id).toBe(session.id);
  });
});
