import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiErrorBody, ApiErrorCode, ApiIssue } from '../core/protocol.js';

/**
 * The headers of every JSON answer, a new object each call: a runtime may write into the object a
 * `Response` was given (`@hono/node-server` adds a numeric `content-length`), so one shared object
 * would carry that into every later answer. Never cached: each answer is one shopper's checkout.
 */
export function jsonHeaders(): Record<string, string> {
  return { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
}

export function errorBody(code: ApiErrorCode, message: string, issues?: ApiIssue[]): ApiErrorBody {
  return { error: { code, message, ...(issues && { issues }) } };
}

/** The JSON text of each answer `jsonAnswer` made, by the answer itself (`answerText`). */
const answerTexts = new WeakMap<Response, string>();

export function jsonAnswer(c: Context, status: ContentfulStatusCode, body: unknown, headers?: Record<string, string>): Response {
  const text = JSON.stringify(body);
  const response = c.body(text, status, { ...jsonHeaders(), ...headers });
  answerTexts.set(response, text);
  return response;
}

/**
 * The body of an answer `jsonAnswer` made, while nobody has read it: a server adapter may write
 * this text instead of reading the `Response`'s stream (`serveNode` does). Undefined for any other
 * `Response` (one copied on the way, as with other headers, is another object).
 */
export function answerText(response: Response): string | undefined {
  const text = answerTexts.get(response);
  return text === undefined || response.bodyUsed ? undefined : text;
}

export function errorAnswer(
  c: Context,
  status: ContentfulStatusCode,
  code: ApiErrorCode,
  message: string,
  issues?: ApiIssue[],
  headers?: Record<string, string>,
): Response {
  return jsonAnswer(c, status, errorBody(code, message, issues), headers);
}

/** An error answer before a request reaches the routes (no Hono context yet). */
export function errorJson(status: number, code: ApiErrorCode, message: string, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(errorBody(code, message)), { status, headers: { ...jsonHeaders(), ...headers } });
}
