import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeHttpServer, type FakeHttpServer } from '../server/test-support/fake-http.js';
import { parseSessionLazily as parse } from '../provider-registry/session-validators.js';
import { CheckoutError, isAbortError } from './errors.js';
import * as client from './session-client.js';

// With the parser the widget hands in: the core's contract check, then the provider registry's validators.
const createSession = (endpoint: string, payload: unknown, options: Partial<client.CreateSessionOptions> = {}) =>
  client.createSession(endpoint, payload, { parse, ...options });
const readSession = (endpoint: string, id: string, options: Partial<client.SessionRequestOptions> = {}) =>
  client.readSession(endpoint, id, { parse, ...options });
const submitToken = (endpoint: string, id: string, token: string, options: Partial<client.SessionRequestOptions> = {}) =>
  client.submitToken(endpoint, id, token, { parse, ...options });

const session = {
  id: 'ses/1',
  provider: 'sandbox',
  kind: 'hosted',
  status: 'open',
  url: 'https://psp.example/pay/1',
};

let server: FakeHttpServer;
beforeEach(async () => {
  server = await startFakeHttpServer(() => ({ status: 201, body: session }));
});
afterEach(async () => {
  vi.useRealTimers();
  await server.close();
});

async function failure(promise: Promise<unknown>): Promise<CheckoutError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CheckoutError);
  return error as CheckoutError;
}

describe('createSession', () => {
  it('posts the payload as JSON with an Idempotency-Key and returns the parsed session', async () => {
    const result = await createSession(`${server.url}/api/checkout/sessions`, { items: [{ sku: 'a', quantity: 1 }] });
    expect(result).toEqual(session);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/api/checkout/sessions');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(request?.body ?? '')).toEqual({ items: [{ sku: 'a', quantity: 1 }] });
  });

  it('retries 5xx with the same Idempotency-Key, then succeeds', async () => {
    let calls = 0;
    server.respond(() => (++calls < 3 ? { status: 503, body: { error: { message: 'busy' } } } : { status: 201, body: session }));
    const result = await createSession(server.url, {}, { retries: 2, backoffMs: 1, idempotencyKey: 'key-1' });
    expect(result.id).toBe('ses/1');
    expect(server.requests).toHaveLength(3);
    expect(server.requests.map((request) => request.headers['idempotency-key'])).toEqual(['key-1', 'key-1', 'key-1']);
  });

  it('keeps one generated key across retries', async () => {
    server.respond(() => ({ status: 502, body: 'bad gateway' }));
    const error = await failure(createSession(server.url, {}, { retries: 1, backoffMs: 1 }));
    expect(error.code).toBe('endpoint_error');
    expect(error.message).toBe('The checkout endpoint answered 502');
    expect(error.retryable).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]?.headers['idempotency-key']).toBe(server.requests[1]?.headers['idempotency-key']);
  });

  it('does not retry a 4xx and reports the body error message', async () => {
    server.respond(() => ({ status: 400, body: { error: { code: 'invalid_request', message: 'items[0].sku is unknown' } } }));
    const error = await failure(createSession(server.url, {}, { retries: 3, backoffMs: 1 }));
    expect(error.code).toBe('endpoint_error');
    expect(error.message).toBe('items[0].sku is unknown');
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('reports a 429 as rate_limited, retryable by the shopper but not retried at once', async () => {
    server.respond(() => ({ status: 429, body: { error: { code: 'rate_limited', message: 'Too many requests; try again in 12 s' } } }));
    const error = await failure(createSession(server.url, {}, { retries: 3, backoffMs: 1 }));
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryable: true, message: 'Too many requests; try again in 12 s' });
    expect(server.requests).toHaveLength(1);
  });

  it('reports a 409 payment_in_flight (a create or a token) as payment_in_flight, never retryable; another 409 stays endpoint_error', async () => {
    server.respond(() => ({ status: 409, body: { error: { code: 'payment_in_flight', message: 'A payment for this cart is in progress' } } }));
    const error = await failure(createSession(server.url, {}, { retries: 3, backoffMs: 1 }));
    expect(error).toMatchObject({ code: 'payment_in_flight', status: 409, retryable: false, message: 'A payment for this cart is in progress' });
    expect(server.requests).toHaveLength(1);
    expect(await failure(submitToken(server.url, 'ses_1', 'tok_1'))).toMatchObject({ code: 'payment_in_flight', retryable: false });

    server.respond(() => ({ status: 409, body: { error: { code: 'session_closed', message: 'closed' } } }));
    expect(await failure(submitToken(server.url, 'ses_1', 'tok_1'))).toMatchObject({ code: 'endpoint_error', status: 409, retryable: false });
  });

  it('stops after the given number of retries', async () => {
    server.respond(() => ({ status: 500, body: {} }));
    const error = await failure(createSession(server.url, {}, { retries: 2, backoffMs: 1 }));
    expect(error.code).toBe('endpoint_error');
    expect(server.requests).toHaveLength(3);
  });

  it('reports a refused connection as endpoint_unreachable after retrying', async () => {
    const fetchSpy = vi.fn(() => Promise.reject(new TypeError('fetch failed')));
    const error = await failure(createSession('http://127.0.0.1:9/x', {}, { retries: 2, backoffMs: 1, fetch: fetchSpy }));
    expect(error.code).toBe('endpoint_unreachable');
    expect(error.retryable).toBe(true);
    expect(fetchSpy).toHaveBeenCalledTimes(3);
  });

  it('times out a slow attempt as endpoint_unreachable', async () => {
    server.respond(() => ({ status: 201, body: session, delayMs: 2_000 }));
    const error = await failure(createSession(server.url, {}, { retries: 0, timeoutMs: 50 }));
    expect(error.code).toBe('endpoint_unreachable');
    expect(error.message).toMatch(/within 50 ms/);
  });

  it('reports a non-JSON 2xx answer as invalid_session', async () => {
    server.respond(() => ({ status: 201, body: '<html>' }));
    const error = await failure(createSession(server.url, {}, { retries: 2, backoffMs: 1 }));
    expect(error.code).toBe('invalid_session');
    expect(server.requests).toHaveLength(1);
  });

  it('reports a malformed session as invalid_session naming the field', async () => {
    server.respond(() => ({ status: 201, body: { ...session, kind: 'paypal' } }));
    const error = await failure(createSession(server.url, {}));
    expect(error.code).toBe('invalid_session');
    expect(error.message).toBe('session.kind must be one of hosted, card-token, adyen, reepay, stripe-embedded');
  });

  it('rejects with an AbortError, not a CheckoutError, when aborted mid-request', async () => {
    server.respond(() => ({ status: 201, body: session, delayMs: 2_000 }));
    const controller = new AbortController();
    const pending = createSession(server.url, {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await pending.catch((reason: unknown) => reason);
    expect(isAbortError(error)).toBe(true);
    expect(error).not.toBeInstanceOf(CheckoutError);
  });

  it('rejects with an AbortError when aborted during the backoff, without another attempt', async () => {
    vi.useFakeTimers();
    const fetchSpy = vi.fn(() => Promise.resolve(new Response('{}', { status: 503 })));
    const controller = new AbortController();
    const pending = createSession('http://x.test/s', {}, { signal: controller.signal, retries: 3, backoffMs: 1_000, fetch: fetchSpy });
    const outcome = pending.catch((reason: unknown) => reason);
    await vi.advanceTimersByTimeAsync(100);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    controller.abort();
    expect(isAbortError(await outcome)).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  it('backs off exponentially between attempts', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(1); // jitter at its maximum: delays 1000, 2000, 4000
    const fetchSpy = vi.fn(() => Promise.resolve(new Response('{}', { status: 500 })));
    const outcome = createSession('http://x.test/s', {}, { retries: 3, backoffMs: 1_000, fetch: fetchSpy }).catch(
      (reason: unknown) => reason,
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetchSpy).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(fetchSpy).toHaveBeenCalledTimes(4);
    expect(((await outcome) as CheckoutError).code).toBe('endpoint_error');
    vi.restoreAllMocks();
  });
});

describe('readSession', () => {
  it('GETs {endpoint}/{id} with the id URL-encoded', async () => {
    server.respond(() => ({ status: 200, body: { ...session, status: 'complete' } }));
    const result = await readSession(`${server.url}/api/checkout/sessions/`, 'ses/1');
    expect(result.status).toBe('complete');
    expect(server.requests[0]?.method).toBe('GET');
    expect(server.requests[0]?.url).toBe('/api/checkout/sessions/ses%2F1');
  });

  it('reports a 404 as a non-retryable endpoint_error that names the URL it called', async () => {
    server.respond(() => ({ status: 404, body: { error: { code: 'not_found', message: 'No such session' } } }));
    const error = await failure(readSession(server.url, 'nope'));
    expect(error).toMatchObject({ code: 'endpoint_error', message: `No such session (${server.url}/nope)`, retryable: false, status: 404 });
  });
});

describe('submitToken', () => {
  it('POSTs { token } as JSON to {endpoint}/{id}/token and answers the session', async () => {
    server.respond(() => ({ status: 200, body: { ...session, status: 'complete' } }));
    const result = await submitToken(`${server.url}/api/checkout/sessions/`, 'ses/1', 'tok_abc');
    expect(result.status).toBe('complete');
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/checkout/sessions/ses%2F1/token');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ token: 'tok_abc' });
  });

  it('reports a decline (402) as endpoint_error with its status and message, sent once', async () => {
    server.respond(() => ({ status: 402, body: { error: { code: 'payment_failed', message: 'The card was declined' } } }));
    const error = await failure(submitToken(server.url, 'ses_1', 'tok_abc'));
    expect(error).toMatchObject({ code: 'endpoint_error', status: 402, message: 'The card was declined', retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('does not send a token twice after a 5xx', async () => {
    server.respond(() => ({ status: 502, body: { error: { code: 'provider_error', message: 'The provider failed' } } }));
    const error = await failure(submitToken(server.url, 'ses_1', 'tok_abc'));
    expect(error).toMatchObject({ status: 502, retryable: true });
    expect(server.requests).toHaveLength(1);
  });
});

describe('newIdempotencyKey', () => {
  it('makes distinct UUID v4 strings', async () => {
    const { newIdempotencyKey } = await import('./session-client.js');
    const keys = new Set(Array.from({ length: 50 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
