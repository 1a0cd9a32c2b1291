/**
 * Small helpers shared by the HTTP provider adapters (Reepay, ConvergeGate, Commerce Layer,
 * BokaMera): auth headers, a JSON call with a timeout that turns every failure into a
 * `ProviderError`, response validation, and webhook signature primitives.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { ProviderError, ProviderInputError, WebhookVerificationError } from './types.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Provider calls sit on the shopper's critical path: fail fast rather than hang the widget. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/** Webhook timestamps older or newer than this are treated as replays. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

export { ProviderInputError } from './types.js';

/** `Authorization` value for HTTP Basic; API keys go in as the user name with an empty password. */
export function basicAuth(user: string, password = ''): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

export function bearerAuth(token: string): string {
  return `Bearer ${token}`;
}

/** Joins a configured base URL and an API path without doubling or losing the slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export interface JsonRequest {
  /** Provider name for `ProviderError`. */
  provider: string;
  /** What the call does, for messages: `create checkout session`. */
  action: string;
  fetch: FetchLike;
  url: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Non-2xx statuses that are an answer rather than a failure (e.g. 404 "not created yet"). */
  acceptStatuses?: readonly number[];
}

export interface JsonResponse {
  status: number;
  /** Parsed JSON; `undefined` for an empty body. */
  body: unknown;
}

/**
 * One provider call. Network errors, timeouts, unexpected statuses and bodies that are not
 * JSON all become a `ProviderError` naming the provider, the action and the cause, so the
 * handler can log it and answer 502 without knowing the provider.
 */
export async function requestJson(request: JsonRequest): Promise<JsonResponse> {
  const { provider, action } = request;
  let response: Response;
  try {
    response = await request.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    const reason =
      name === 'TimeoutError' || name === 'AbortError'
        ? `no answer within ${request.timeoutMs} ms`
        : `network error (${error instanceof Error ? error.message : String(error)})`;
    throw new ProviderError(provider, `${provider}: ${action} failed: ${reason}`, undefined, {
      cause: error,
    });
  }

  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    const reason =
      (error as { name?: unknown } | null)?.name === 'TimeoutError'
        ? `no complete answer within ${request.timeoutMs} ms`
        : 'the answer was cut off';
    throw new ProviderError(provider, `${provider}: ${action} failed: ${reason}`, response.status, {
      cause: error,
    });
  }

  let body: unknown;
  let malformed = false;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      malformed = true;
    }
  }

  const accepted = response.ok || (request.acceptStatuses ?? []).includes(response.status);
  if (!accepted) {
    const detail = malformed ? truncate(text) : providerMessage(body);
    throw new ProviderError(
      provider,
      `${provider}: ${action} failed: HTTP ${response.status}${detail ? ` (${detail})` : ''}`,
      response.status,
    );
  }
  if (malformed) {
    throw new ProviderError(
      provider,
      `${provider}: ${action}: the answer is not valid JSON (HTTP ${response.status})`,
      response.status,
    );
  }
  return { status: response.status, body };
}

/**
 * Validates a provider answer against the fields the adapter relies on; a missing or mistyped
 * field becomes a `ProviderError` that names it.
 */
export function parseAnswer<S extends z.ZodType>(
  provider: string,
  action: string,
  schema: S,
  value: unknown,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
  throw new ProviderError(provider, `${provider}: ${action}: unexpected answer (${issues})`);
}

/** The error text providers put in their error bodies, under the names they use. */
function providerMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const record = body as Record<string, unknown>;
  const candidates: unknown[] = [
    record['message'],
    record['error'],
    record['Message'],
    (record['ResponseStatus'] as Record<string, unknown> | undefined)?.['Message'],
  ];
  const errors = record['errors'];
  if (Array.isArray(errors) && errors.length > 0) {
    const first = errors[0] as Record<string, unknown> | null;
    candidates.push(first?.['detail'], first?.['title']);
  }
  const error = record['error'];
  if (typeof error === 'object' && error !== null) {
    candidates.push((error as Record<string, unknown>)['message']);
  }
  const found = candidates.filter((value): value is string => typeof value === 'string');
  return truncate(found.join(': '));
}

function truncate(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

export function hmacSha256Hex(key: string | Buffer, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex');
}

export function sha256(data: string): Buffer {
  return createHash('sha256').update(data, 'utf8').digest();
}

/** Constant-time comparison of a computed hex digest with one from a request (case-insensitive). */
export function hexDigestsEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected.toLowerCase(), 'utf8');
  const b = Buffer.from(received.trim().toLowerCase(), 'utf8');
  // Lengths of a hex SHA-256 digest are public; only the content needs constant time.
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Rejects a webhook whose signed timestamp is outside the window (a replayed old delivery). */
export function assertFreshTimestamp(
  timestampMs: number,
  nowMs: number,
  toleranceSeconds: number,
): void {
  if (!Number.isFinite(timestampMs)) {
    throw new WebhookVerificationError('webhook timestamp is missing or not a time');
  }
  const ageSeconds = Math.abs(nowMs - timestampMs) / 1000;
  if (ageSeconds > toleranceSeconds) {
    throw new WebhookVerificationError(
      `webhook timestamp is ${Math.round(ageSeconds)} s away from now (allowed: ${toleranceSeconds} s)`,
    );
  }
}

export const SESSION_ID_PLACEHOLDER = '{SESSION_ID}';

/**
 * For providers that cannot put their session id into a return URL: drops the query
 * parameters that carry the `{SESSION_ID}` placeholder (the provider adds its own id or the
 * page confirms by reading the session). A placeholder elsewhere in the URL cannot be dropped
 * and is a configuration error.
 */
export function dropSessionPlaceholder(provider: string, url: string): string {
  if (!url.includes(SESSION_ID_PLACEHOLDER) && !url.includes(encodeURI(SESSION_ID_PLACEHOLDER))) {
    return url;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProviderInputError(provider, `${provider}: return URL is not a valid URL: ${url}`);
  }
  for (const [name, value] of [...parsed.searchParams]) {
    if (value.includes(SESSION_ID_PLACEHOLDER)) parsed.searchParams.delete(name, value);
  }
  const rest = decodeURI(`${parsed.origin}${parsed.pathname}${parsed.hash}`);
  if (rest.includes(SESSION_ID_PLACEHOLDER)) {
    throw new ProviderInputError(
      provider,
      `${provider} cannot put its session id into the path of a return URL; pass {SESSION_ID} as a query parameter: ${url}`,
    );
  }
  return parsed.toString();
}

/** Reads a positive number option, with a clear error for nonsense. */
export function positiveNumber(provider: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${provider}: option ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/** Reads a required string option, with a clear error when it is missing. */
export function requiredString(provider: string, name: string, value: string | undefined): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${provider}: option ${name} is required`);
  }
  return value;
}

/** Default fetch, resolved at call time so tests and polyfills that replace it are honoured. */
export const globalFetch: FetchLike = (input, init) => fetch(input, init);
