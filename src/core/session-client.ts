import { CheckoutError, isAbortError } from './errors.js';
import type { CheckoutSession } from './protocol.js';
import type { SessionShapeContext } from './session-shapes/types.js';

/**
 * Turns an endpoint's JSON answer into a session, or rejects with a `CheckoutError`
 * (`invalid_session`; `provider_load_failed`, retryable, when its validators could not load).
 * The core knows no provider's session shape: the widget hands in the provider registry's
 * `parseSessionLazily`.
 */
export type SessionParser = (json: unknown, context: SessionShapeContext) => Promise<CheckoutSession>;

export interface SessionRequestOptions {
  /** Aborting rejects with an AbortError (a cancellation), never a CheckoutError. */
  signal?: AbortSignal | undefined;
  /** Per attempt. */
  timeoutMs?: number;
  /** Extra attempts after the first, on network failure, timeout or 5xx. */
  retries?: number;
  /** First backoff delay; doubles per retry, with jitter. */
  backoffMs?: number;
  fetch?: typeof fetch;
  publishableKey?: string | undefined;
  /** How an answer becomes a session. */
  parse: SessionParser;
}

export interface CreateSessionOptions extends SessionRequestOptions {
  /** Sent as `Idempotency-Key`, the same on every retry of this call. */
  idempotencyKey?: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_BACKOFF_MS = 400;

/** `POST {endpoint}`: creates a session from the payload. */
export function createSession(
  endpoint: string,
  payload: unknown,
  options: CreateSessionOptions,
): Promise<CheckoutSession> {
  const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
  return requestSession(
    endpoint,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': idempotencyKey },
      body: JSON.stringify(payload),
    },
    { retries: 2, ...options },
  );
}

function sessionUrl(endpoint: string, id: string): string {
  return `${endpoint.replace(/\/+$/, '')}/${encodeURIComponent(id)}`;
}

/** `GET {endpoint}/{id}`: the session with its status as the backend sees it now. */
export function readSession(endpoint: string, id: string, options: SessionRequestOptions): Promise<CheckoutSession> {
  return requestSession(sessionUrl(endpoint, id), { method: 'GET', headers: { Accept: 'application/json' } }, { retries: 0, ...options });
}

/**
 * `POST {endpoint}/methods` with the create body (no `provider`): the methods for this cart,
 * labelled in its locale, as the answer's JSON (the chooser checks it).
 */
export function postMethods(endpoint: string, body: unknown, signal: AbortSignal): Promise<unknown> {
  return requestSession(
    sessionUrl(endpoint, 'methods'),
    { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) },
    { signal, retries: 2, parse: async (json) => json },
  );
}

/**
 * `POST {endpoint}/{id}/token` (a `card-token` session): the backend pays with the card token and
 * answers the session to go on with. Not retried: a token pays once, so after a lost answer the
 * shopper tries again with a new one. A decline is the `endpoint_error` with status 402.
 */
export function submitToken(endpoint: string, id: string, token: string, options: SessionRequestOptions): Promise<CheckoutSession> {
  return requestSession(
    `${sessionUrl(endpoint, id)}/token`,
    { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ token }) },
    options,
  );
}

/** A random UUID v4. `crypto.randomUUID` exists only on secure (https) pages; this works on any. */
export function newIdempotencyKey(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * One call to the endpoint with the timeout, retries and errors of the session calls; `parse`
 * turns the JSON answer into `T` (a session, unless the caller reads another answer).
 */
export async function requestSession<T = CheckoutSession>(
  url: string,
  init: RequestInit,
  options: Omit<SessionRequestOptions, 'parse'> & { parse: (json: unknown, context: SessionShapeContext) => Promise<T> },
): Promise<T> {
  const { signal, retries = 0, backoffMs = DEFAULT_BACKOFF_MS } = options;
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(signal);
    try {
      const json = await attemptOnce(url, init, options);
      // The options carry the shape context (`publishableKey`) themselves.
      return await options.parse(json, options);
    } catch (error) {
      if (isAbortError(error)) throw error;
      // A rate limit is retried by the shopper after its wait, never at once by the widget.
      const retryable = error instanceof CheckoutError && error.retryable && error.code !== 'rate_limited';
      if (!retryable || attempt >= retries) throw error;
    }
    // Exponential backoff with full jitter, so many shoppers do not retry in lockstep.
    await sleep(backoffMs * 2 ** attempt * (0.5 + Math.random() / 2), signal);
  }
}

async function attemptOnce(url: string, init: RequestInit, options: Omit<SessionRequestOptions, 'parse'>): Promise<unknown> {
  const { signal, timeoutMs = DEFAULT_TIMEOUT_MS, fetch: fetchImpl = globalThis.fetch } = options;
  const attempt = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    attempt.abort();
  }, timeoutMs);
  const forwardAbort = () => attempt.abort(signal?.reason);
  signal?.addEventListener('abort', forwardAbort, { once: true });
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, { ...init, credentials: 'same-origin', signal: attempt.signal });
    } catch (error) {
      throwIfAborted(signal);
      if (timedOut) {
        throw new CheckoutError('endpoint_unreachable', `The checkout endpoint did not answer within ${timeoutMs} ms`, {
          retryable: true,
          cause: error,
        });
      }
      // A fetch TypeError on another origin is most often CORS: the browser tells the page no more.
      const page = globalThis.location;
      throw new CheckoutError('endpoint_unreachable', `The checkout endpoint could not be reached${page && new URL(url, page.href).origin != page.origin ? ' (CORS? allowedOrigins)' : ''}`, {
        retryable: true,
        cause: error,
      });
    }
    const text = await readBody(response, signal, () => timedOut, timeoutMs);
    if (!response.ok) throw endpointError(response.status, text, url);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new CheckoutError('invalid_session', 'The checkout endpoint did not answer with JSON', { cause: error });
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', forwardAbort);
  }
}

async function readBody(
  response: Response,
  signal: AbortSignal | undefined,
  timedOut: () => boolean,
  timeoutMs: number,
): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throwIfAborted(signal);
    const reason = timedOut() ? `did not finish its answer within ${timeoutMs} ms` : 'broke off its answer';
    throw new CheckoutError('endpoint_unreachable', `The checkout endpoint ${reason}`, { retryable: true, cause: error });
  }
}

function endpointError(status: number, text: string, url: string): CheckoutError {
  let message = `The checkout endpoint answered ${status}`;
  let code: unknown;
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown; code?: unknown } };
    if (typeof body.error?.message === 'string' && body.error.message) message = body.error.message;
    code = body.error?.code;
  } catch {
    // Not JSON (a proxy's HTML error page, say): keep the status line.
  }
  // A typo'd endpoint: say which URL was called.
  if (status === 404) message += ` (${url})`;
  if (status === 429) return new CheckoutError('rate_limited', message, { status, retryable: true });
  // `409 payment_in_flight` (a create or a token while a payment runs): never "Try again".
  if (code === 'payment_in_flight') return new CheckoutError(code, message, { status });
  return new CheckoutError('endpoint_error', message, { status, retryable: status >= 500 });
}

function abortError(signal: AbortSignal): unknown {
  return isAbortError(signal.reason) ? signal.reason : new DOMException('The operation was aborted', 'AbortError');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** A delay that an abort cuts short with an AbortError. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
