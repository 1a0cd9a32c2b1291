import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { RequestIssue } from './request-schema.js';

export type ErrorBody = { error: { code: string; message: string; issues?: RequestIssue[] } };

/** Every JSON answer of the handler: never cached, since each one is about one shopper's checkout. */
const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' } as const;

export function errorBody(code: string, message: string, issues?: RequestIssue[]): ErrorBody {
  return { error: { code, message, ...(issues && { issues }) } };
}

export function jsonAnswer(c: Context, status: ContentfulStatusCode, body: unknown, headers?: Record<string, string>): Response {
  return c.json(body, status, { ...JSON_HEADERS, ...headers });
}

export function errorAnswer(c: Context, status: ContentfulStatusCode, code: string, message: string, issues?: RequestIssue[]): Response {
  return jsonAnswer(c, status, errorBody(code, message, issues));
}

/** An error answer before a request reaches the routes (no Hono context yet). */
export function errorJson(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify(errorBody(code, message)), { status, headers: JSON_HEADERS });
}
