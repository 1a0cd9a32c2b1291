/**
 * A refused request leaves nothing behind: after each refusal (414, 431, 413, 405, 404) the next
 * two requests are answered as before, under every Node way of serving the handler. Once, a shared
 * headers object took a numeric `content-length` from `@hono/node-server` at the first 414, and
 * every JSON answer after it was a 500 until a restart.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createCheckoutHandler } from './handler.js';
import { checkoutMiddleware, serveNode, startSandbox, toNodeListener } from './node.js';
import { hostedProviderDouble, MUG_CATALOG } from './test-support/hosted-provider-double.js';
import { answersAsBefore, REFUSALS } from './test-support/refusals.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function handler() {
  return createCheckoutHandler({ providers: [hostedProviderDouble().provider], catalog: MUG_CATALOG, logger: { error: () => {}, warn: () => {} } });
}

async function listen(listener: http.RequestListener): Promise<string> {
  const server = http.createServer(listener);
  closers.push(() => new Promise((done) => server.close(() => done())));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const SERVINGS: [string, () => Promise<string>][] = [
  [
    'serveNode',
    async () => {
      const server = await serveNode(handler());
      closers.push(server.close);
      return server.url;
    },
  ],
  ['toNodeListener', () => listen(toNodeListener(handler()))],
  [
    'checkoutMiddleware',
    () => {
      const app = express();
      app.use(checkoutMiddleware(handler()));
      return listen(app);
    },
  ],
];

/** Create and read on the server at `base`. */
function answersAsBeforeAt(base: string): Promise<void> {
  return answersAsBefore((path, init) => fetch(`${base}${path}`, init), { items: [{ sku: 'mug', quantity: 1 }] }, base);
}

describe.each(SERVINGS)('under %s', (_, serve) => {
  it.each(REFUSALS)('after %s (%i) the next requests are answered as before', async (_what, status, refused) => {
    const base = await serve();
    const refusal = await refused((path, init) => fetch(`${base}${path}`, init));
    expect(refusal.status).toBe(status);
    await refusal.body?.cancel();
    await answersAsBeforeAt(base);
    await answersAsBeforeAt(base);
  });
});

describe('the app’s globals', () => {
  it('startSandbox, serveNode, toNodeListener and checkoutMiddleware leave the global Request and Response alone', async () => {
    const { Request: request, Response: response } = globalThis;
    const sandbox = await startSandbox();
    closers.push(sandbox.close);
    expect((await fetch(sandbox.url)) instanceof Response).toBe(true);
    for (const [, serve] of SERVINGS) {
      const base = await serve();
      await answersAsBeforeAt(base);
    }
    expect(globalThis.Request).toBe(request);
    expect(globalThis.Response).toBe(response);
    expect((await fetch('data:,x')) instanceof Response).toBe(true);
  });
});

describe('serveNode and slow clients', () => {
  /** Sends the headers and part of the body, then nothing: what the server does and when. */
  function slowBody(url: string): Promise<{ answer: string; afterMs: number }> {
    const { hostname, port } = new URL(url);
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write('POST /api/checkout/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"items":');
      });
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('close', () => resolve({ answer, afterMs: Date.now() - started }));
      socket.on('error', reject);
    });
  }

  it('answers a body that stops arriving with 408 and closes the connection once requestTimeoutMs has passed', async () => {
    const server = await serveNode(handler(), { requestTimeoutMs: 600 });
    closers.push(server.close);
    const { answer, afterMs } = await slowBody(server.url);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(afterMs).toBeGreaterThanOrEqual(550);
    // Node's own default would have kept it for 300 s; the test's timeout is far below that.
    expect(afterMs).toBeLessThan(10_000);
  });
});
