/**
 * The adapters' HTTP client: auth headers, a JSON call with a timeout that turns every failure
 * into a `ProviderError`, and validation of the answer. Web-standard only (fetch, btoa), so an
 * adapter runs on edge runtimes as well as Node.
 */
import * as z from 'zod/mini';
import { ProviderError } from '../provider-api/types.js';
import { noteProviderStatus } from '../telemetry.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Provider calls sit on the shopper's critical path: fail fast rather than hang the widget. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/** `Authorization` value for HTTP Basic; API keys go in as the user name with an empty password. */
export function basicAuth(user: string, password = ''): string {
  // btoa encodes one byte per character: spell out the UTF-8 bytes first.
  let bytes = '';
  for (const byte of new TextEncoder().encode(`${user}:${password}`)) bytes += String.fromCharCode(byte);
  return `Basic ${btoa(bytes)}`;
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
  // The timeout covers the answer's headers and its body, and is cleared once the body is read: an
  // `AbortSignal.timeout` would stay armed after the call and abort (a DOMException, undici's
  // listeners) every finished call's signal `timeoutMs` later (docs/performance-runs.md, item 5).
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${request.timeoutMs} ms`, 'TimeoutError')), request.timeoutMs);
  let response: Response;
  let text: string;
  try {
    try {
      response = await request.fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: controller.signal,
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
    // On the span of the provider call this request belongs to (`checkout.provider.<operation>`).
    noteProviderStatus(response.status);

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
  } finally {
    clearTimeout(timer);
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
export function parseAnswer<S extends z.core.$ZodType>(
  provider: string,
  action: string,
  schema: S,
  value: unknown,
): z.output<S> {
  // zod/mini's function takes a schema of either API (they share one core), so an edge bundle of an
  // adapter on zod/mini carries no classic zod.
  const result = z.safeParse(schema, value);
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

/** Default fetch, resolved at call time so tests and polyfills that replace it are honoured. */
export const globalFetch: FetchLike = (input, init) => fetch(input, init);
