import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { errorAnswer, errorBody, jsonAnswer } from '../responses.js';

/**
 * Refuses a body over `maxBytes` with 413 and `message`, counted while it streams in (a chunked
 * body is never buffered whole first). Like Node's HTTP server, it trusts a declared Content-Length.
 */
export function limitBody(maxBytes: number, message: string): MiddlewareHandler {
  const tooLarge = (c: Context) => errorAnswer(c, 413, 'invalid_request', message);
  const counted = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async (c, next) => {
    // bodyLimit lets a request without a body through whatever it declares; an in-process caller's Request may declare more.
    if (Number(c.req.header('content-length') ?? '0') > maxBytes) return tooLarge(c);
    return counted(c, next);
  };
}

/** 405 with `Allow` for a path the handler has, asked with a method it does not answer there. */
export function answerMethodNotAllowed(app: Hono): MiddlewareHandler {
  return methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) => {
      // Hono answers HEAD like GET and so lists it; `Allow` names only the routes' own methods, as it always has.
      const allowed = methods.filter((method) => method !== 'HEAD').join(', ');
      return jsonAnswer(c, 405, errorBody('method_not_allowed', `Method not allowed; use ${allowed}`), { Allow: allowed });
    },
  });
}
