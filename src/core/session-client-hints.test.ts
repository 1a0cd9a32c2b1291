import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeHttpServer, type FakeHttpServer } from '../server/test-support/fake-http.js';
import { parseSessionLazily as parse } from '../provider-registry/session-validators.js';
import { CheckoutError } from './errors.js';
import { createSession } from './session-client.js';

/** Errors that say what to do: the URL of a 404, CORS named for a cross-origin endpoint that could not be reached. */
let server: FakeHttpServer;
beforeEach(async () => {
  server = await startFakeHttpServer(() => ({ status: 404, body: { error: { code: 'not_found', message: 'Not found' } } }));
});
afterEach(async () => {
  vi.unstubAllGlobals();
  await server.close();
});

async function failure(promise: Promise<unknown>): Promise<CheckoutError> {
  const error: unknown = await promise.then(() => new Error('expected a failure'), (reason: unknown) => reason);
  expect(error).toBeInstanceOf(CheckoutError);
  return error as CheckoutError;
}

const refusedFetch = (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch;

describe('session-client errors that say what to do', () => {
  it('a 404 (a typo in the endpoint) names the URL it called', async () => {
    const url = `${server.url}/api/checkuot/sessions`;
    const error = await failure(createSession(url, {}, { parse, retries: 0 }));
    expect(error).toMatchObject({ code: 'endpoint_error', status: 404, retryable: false });
    expect(error.message).toBe(`Not found (${url})`);
  });

  it('a 404 that is not JSON (the framework’s own page) names the URL too', async () => {
    server.respond(() => ({ status: 404, body: '<h1>404</h1>', headers: { 'content-type': 'text/html' } }));
    const url = `${server.url}/api/checkout/sesions`;
    const error = await failure(createSession(url, {}, { parse, retries: 0 }));
    expect(error.message).toBe(`The checkout endpoint answered 404 (${url})`);
  });

  it('other statuses keep the server’s message as it was', async () => {
    server.respond(() => ({ status: 400, body: { error: { code: 'invalid_request', message: 'items is required' } } }));
    const error = await failure(createSession(server.url, {}, { parse, retries: 0 }));
    expect(error.message).toBe('items is required');
  });

  it('a network failure on a cross-origin endpoint names CORS and allowedOrigins', async () => {
    vi.stubGlobal('location', new URL('https://shop.example/cart'));
    const error = await failure(createSession('https://api.shop.example/api/checkout/sessions', {}, { parse, retries: 0, fetch: refusedFetch }));
    expect(error.code).toBe('endpoint_unreachable');
    expect(error.message).toBe(
      "The checkout endpoint could not be reached (CORS? allowedOrigins)",
    );
  });

  it('a network failure on a same-origin endpoint does not blame CORS', async () => {
    vi.stubGlobal('location', new URL('https://shop.example/cart'));
    const error = await failure(createSession('/api/checkout/sessions', {}, { parse, retries: 0, fetch: refusedFetch }));
    expect(error.message).toBe('The checkout endpoint could not be reached');
  });
});
