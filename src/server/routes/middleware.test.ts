import http from 'node:http';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { serveNode } from '../node-http.js';
import type { CheckoutEnv } from './context.js';
import { bodyText, limitBody } from './middleware.js';

/** A route behind `limitBody(8)` that answers the text it got. */
function app(): Hono<CheckoutEnv> {
  return new Hono<CheckoutEnv>().post('/', limitBody(8, 'too large'), (c) => c.text(`[${bodyText(c)}]`));
}

/** A body sent in these chunks, with no Content-Length (as a chunked upload). */
function streamed(chunks: Uint8Array[]): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  return new Request('http://shop.test/', { method: 'POST', body, duplex: 'half' } as RequestInit);
}

describe('limitBody', () => {
  it('reads a body once as UTF-8 text, a character split between chunks included', async () => {
    const bytes = new TextEncoder().encode('aøb€');
    expect(bytes.length).toBe(7);
    // 'ø' is two bytes and '€' three: cut inside each.
    const response = await app().request(streamed([bytes.slice(0, 2), bytes.slice(2, 5), bytes.slice(5)]));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('[aøb€]');
  });

  it('answers 413 once a body without a length passes the limit, and reads one at the limit', async () => {
    const over = await app().request(streamed([new TextEncoder().encode('12345'), new TextEncoder().encode('6789')]));
    expect(over.status).toBe(413);
    expect(await over.json()).toMatchObject({ error: { code: 'invalid_request', message: 'too large' } });
    const at = await app().request(streamed([new TextEncoder().encode('1234'), new TextEncoder().encode('5678')]));
    expect(await at.text()).toBe('[12345678]');
  });

  it('answers 413 for a declared length over the limit or one that is no number, and gives an empty body as ""', async () => {
    const declared = (length: string) =>
      app().request('http://shop.test/', { method: 'POST', body: 'x', headers: { 'content-length': length } });
    expect((await declared('9')).status).toBe(413);
    expect((await declared('1e1')).status).toBe(413);
    expect(await (await app().request('http://shop.test/', { method: 'POST' })).text()).toBe('[]');
  });

  it('says so when a route reads the body without limitBody before it', async () => {
    const bare = new Hono<CheckoutEnv>().post('/', (c) => c.text(bodyText(c))).onError((error, c) => c.text(error.message, 500));
    const response = await bare.request('http://shop.test/', { method: 'POST', body: 'x' });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('bodyText: the route has no limitBody before it');
  });
});

/** POSTs `chunks` to `url` chunked (no Content-Length), each written after the last was sent. */
function postChunked(url: string, chunks: Uint8Array[]): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (part: string) => (text += part));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    const write = (index: number) => {
      if (index === chunks.length) return void request.end();
      request.write(chunks[index], () => setTimeout(() => write(index + 1), 5));
    };
    write(0);
  });
}

describe('limitBody on Node (serveNode)', () => {
  it('reads the body from Node\'s request itself, never through c.req.raw, a character split between chunks included', async () => {
    const server = await serveNode(
      new Hono<CheckoutEnv>().post('/', limitBody(8, 'too large'), (c) => c.text(`[${bodyText(c)}] raw body used: ${c.req.raw.bodyUsed}`)).fetch,
      { shutdownSignals: [] },
    );
    try {
      const bytes = new TextEncoder().encode('aøb€');
      expect(await postChunked(server.url, [bytes.slice(0, 2), bytes.slice(2, 5), bytes.slice(5)])).toEqual({ status: 200, text: '[aøb€] raw body used: false' });
      const over = await postChunked(server.url, [new TextEncoder().encode('12345'), new TextEncoder().encode('6789')]);
      expect(over.status).toBe(413);
      // The server goes on answering after a refused body.
      expect(await postChunked(server.url, [new TextEncoder().encode('ok')])).toEqual({ status: 200, text: '[ok] raw body used: false' });
    } finally {
      await server.close();
    }
  });
});
