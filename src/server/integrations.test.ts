/**
 * The README's integrations, each paying a sandbox checkout: the handler mounted with
 * `node:http` (`toNodeListener`), Express 5 (`checkoutMiddleware`), Fastify 5, Hono, and as a
 * Next.js App Router route handler (`export { handler as GET, handler as POST }`, called as
 * `(request, context)`). The sandbox PSP runs beside it (`startSandbox`); the card is paid on its
 * page, and the confirming read moves the order to paid. Edge runtimes: `edge-runtime.test.ts`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import { createCheckoutHandler, type CheckoutHandler } from './handler.js';
import { checkoutMiddleware, startSandbox, toNodeListener, type RunningSandbox } from './node.js';
import { MUG_CATALOG } from './test-support/hosted-provider-double.js';

type ShopFetch = (path: string, init?: RequestInit) => Promise<Response>;

let sandbox: RunningSandbox;
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  // In-process mounts (Hono, Next.js) have no address the PSP's webhooks could reach: the read confirms.
  sandbox = await startSandbox({ logger: { warn: () => {} } });
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await sandbox.close();
});

function newHandler(): CheckoutHandler {
  const handler = createCheckoutHandler({ providers: [sandbox.provider], catalog: MUG_CATALOG, allowedHosts: ['shop.example', '127.0.0.1'], logger: { error: () => {}, warn: () => {} } });
  cleanups.push(() => handler.close());
  return handler;
}

async function listen(listener: http.RequestListener): Promise<ShopFetch> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((done) => server.close(done)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return (path, init) => fetch(`${base}${path}`, init);
}

/** Each integration as the README shows it, answering requests for the shop's paths. */
const MOUNTS: Record<string, () => Promise<ShopFetch>> = {
  'node:http': () => listen(toNodeListener(newHandler())),
  'Express 5': () => {
    const app = express();
    app.use(checkoutMiddleware(newHandler()));
    app.use(express.json()); // the app's own parser, after it
    return listen(app);
  },
  'Fastify 5': async () => {
    const handler = newHandler();
    const app = Fastify();
    // Leaves the body unread: the handler checks webhook signatures on the raw bytes.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const listener = toNodeListener(handler);
    app.all('/api/checkout/*', (request, reply) => {
      reply.hijack();
      void listener(request.raw, reply.raw);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    return (path, init) => fetch(`${base}${path}`, init);
  },
  Hono: async () => {
    const handler = newHandler();
    const app = new Hono();
    app.all('/api/checkout/*', (c) => handler(c.req.raw));
    return (path, init) => Promise.resolve(app.request(`https://shop.example${path}`, init));
  },
  'Next.js route handler': async () => {
    const handler = newHandler();
    // app/api/checkout/[...path]/route.ts: export { handler as GET, handler as POST };
    const route = { GET: handler, POST: handler } as Record<string, (request: Request, context: unknown) => Promise<Response>>;
    return (path, init) => {
      const request = new Request(`https://shop.example${path}`, init);
      return route[request.method]!(request, { params: Promise.resolve({ path: path.split('/').slice(3) }) });
    };
  },
};

describe.each(Object.keys(MOUNTS))('%s', (name) => {
  it('pays a sandbox checkout: create, pay on the PSP page, the confirming read says complete', async () => {
    const shop = await MOUNTS[name]!();
    const created = await shop('/api/checkout/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://shop.example', 'idempotency-key': `integration-${name}` },
      body: JSON.stringify({ items: [{ sku: 'mug', quantity: 2 }] }),
    });
    expect(created.status).toBe(201);
    const session = (await created.json()) as CheckoutSession;
    expect(session).toMatchObject({ provider: 'sandbox', status: 'open', amount: 25_800 });

    const paid = await fetch(`${sandbox.url}/pay/${session.id}/card`, {
      method: 'POST',
      body: new URLSearchParams({ number: '4242424242424242', expiry: '12/34', cvc: '123' }),
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    expect(new URL(paid.headers.get('location')!).pathname).toBe('/api/checkout/return/accept');

    const read = await shop(`/api/checkout/sessions/${session.id}`);
    expect(await read.json()).toMatchObject({ id: session.id, status: 'complete' });
  });
});
