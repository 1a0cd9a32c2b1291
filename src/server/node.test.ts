import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import { createCheckoutHandler } from './handler.js';
import { checkoutMiddleware, toNodeListener } from './node.js';
import { hostedProviderDouble, MUG_CATALOG } from './test-support/hosted-provider-double.js';

/** A handler on the hosted-provider double, and the webhook bodies its provider saw. */
function setUp() {
  const { provider, rawBodies } = hostedProviderDouble();
  const handler = createCheckoutHandler({ providers: [provider], catalog: MUG_CATALOG, logger: { error: () => {}, warn: () => {} } });
  return { handler, rawBodies };
}

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

async function listen(listener: http.RequestListener): Promise<string> {
  const server = http.createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function create(base: string): Promise<Response> {
  return fetch(`${base}/api/checkout/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ items: [{ sku: 'mug', quantity: 2 }] }),
  });
}

describe('checkout-widget/server/node', () => {
  it('toNodeListener serves the handler with node:http', async () => {
    const base = await listen(toNodeListener(setUp().handler));
    const created = await create(base);
    expect(created.status).toBe(201);
    const session = (await created.json()) as CheckoutSession;
    expect(session.amount).toBe(25800);
    expect((await fetch(`${base}/api/checkout/sessions/${session.id}`)).status).toBe(200);
  });

  it('writes the handler\'s JSON answers as their text, the Response\'s stream unread, with every header and a Content-Length', async () => {
    const { handler } = setUp();
    const answers: Response[] = [];
    const keeping = Object.assign(async (request: Request, env?: unknown) => {
      const answer = await (handler as (request: Request, env?: unknown) => Promise<Response>)(request, env);
      answers.push(answer);
      return answer;
    }, { close: handler.close });
    const base = await listen(toNodeListener(keeping));
    const created = await create(base);
    expect(created.status).toBe(201);
    const text = await created.text();
    const session = JSON.parse(text) as CheckoutSession;
    expect(session.amount).toBe(25800);
    expect(created.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(created.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.headers.get('x-request-id')).toBe(answers[0]!.headers.get('x-request-id'));
    // Written from the text jsonAnswer kept: @hono/node-server read (and so used) the body before.
    expect(answers[0]!.bodyUsed).toBe(false);
    // An answer made otherwise (here a copy) still goes through the Response's stream, the same bytes.
    const copying = async (request: Request) => {
      const answer = await (handler as (request: Request) => Promise<Response>)(request);
      return new Response(answer.body, answer);
    };
    const copied = await fetch(`${await listen(toNodeListener(copying))}/api/checkout/sessions/${session.id}`);
    expect(copied.status).toBe(200);
    expect(((await copied.json()) as CheckoutSession).id).toBe(session.id);
  });

  it.each([
    ['app.use(middleware)', (app: express.Express, middleware: ReturnType<typeof checkoutMiddleware>) => app.use(middleware)],
    ['app.use(basePath, middleware)', (app: express.Express, middleware: ReturnType<typeof checkoutMiddleware>) => app.use('/api/checkout', middleware)],
    ['app.all(basePath/*splat, middleware)', (app: express.Express, middleware: ReturnType<typeof checkoutMiddleware>) => app.all('/api/checkout/*splat', middleware)],
  ])('mounts in Express 5 with %s; other routes stay the app’s', async (_, mount) => {
    const app = express();
    mount(app, checkoutMiddleware(setUp().handler));
    app.get('/hello', (_request, response) => {
      response.send('app');
    });
    const base = await listen(app);
    const created = await create(base);
    expect(created.status).toBe(201);
    const session = (await created.json()) as CheckoutSession;
    expect((await fetch(`${base}/api/checkout/sessions/${session.id}`)).status).toBe(200);
    expect(await (await fetch(`${base}/hello`)).text()).toBe('app');
  });

  it('hands webhooks on with their raw bytes (signatures are checked on them)', async () => {
    const { handler, rawBodies } = setUp();
    const app = express();
    app.use(checkoutMiddleware(handler));
    const base = await listen(app);
    const body = '{ "id":"evt_1",\n  "type": "session.completed" }';
    const response = await fetch(`${base}/api/checkout/webhooks/fake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(200);
    expect(rawBodies).toEqual([body]);
    await handler.close();
  });

  it('takes a request a parser only looked at: body-parser 1 (Express 4) sets body = {} on requests it skips', async () => {
    const app = express();
    app.use((request, _response, next) => {
      (request as { body?: unknown }).body = {};
      next();
    });
    app.use(checkoutMiddleware(setUp().handler));
    const base = await listen(app);
    expect((await create(base)).status).toBe(201);
  });

  it('refuses a base path of "/" (it would answer every route of the app)', () => {
    expect(() => checkoutMiddleware(setUp().handler, { basePath: '/' })).toThrow(/basePath below the root/);
  });

  it('refuses, with a 500 that names the cause, a request express.json() has already read', async () => {
    const app = express();
    app.use(express.json());
    app.use(checkoutMiddleware(setUp().handler));
    const base = await listen(app);
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args[0]);
    try {
      const response = await create(base);
      expect(response.status).toBe(500);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('body_already_read');
      expect(body.error.message).toMatch(/express\.json\(\).*before checkoutMiddleware/);
      expect(errors).toEqual([body.error.message]);
    } finally {
      console.error = original;
    }
  });
});
