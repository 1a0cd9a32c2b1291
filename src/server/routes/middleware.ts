import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { hostAllowed, ownOrigin } from '../origins.js';
import { errorAnswer, errorBody, jsonAnswer } from '../responses.js';
import type { CheckoutEnv } from './context.js';

/**
 * Refuses a body over `maxBytes` with 413 and `message`, counted while it streams in (a chunked
 * body is never buffered whole first). A declared Content-Length over the limit, or one that is no
 * number, is refused at once; one under it is not trusted either.
 */
export function limitBody(maxBytes: number, message: string): MiddlewareHandler {
  const tooLarge = (c: Context) => errorAnswer(c, 413, 'invalid_request', message);
  const counted = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared !== undefined) {
      if (!/^\d+$/.test(declared.trim()) || Number(declared) > maxBytes) return tooLarge(c);
      // bodyLimit counts only a body that declares no length; a Request built in process (a route
      // handler, a proxy) may carry more than it declares, so it is counted all the same.
      const { raw } = c.req;
      const headers = new Headers(raw.headers);
      headers.delete('content-length');
      // From its parts, not `new Request(raw, …)`: `@hono/node-server`'s request object passes for a
      // Request by its prototype but lacks undici's internals, so copying it whole throws.
      c.req.raw = new Request(raw.url, { method: raw.method, headers, body: raw.body, signal: raw.signal, duplex: 'half' } as RequestInit);
    }
    return counted(c, next);
  };
}

/** 405 with `Allow` for a path the handler has, asked with a method it does not answer there. */
export function answerMethodNotAllowed(app: Hono<CheckoutEnv>): MiddlewareHandler {
  return methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) => {
      // Hono answers HEAD like GET and so lists it; `Allow` names only the routes' own methods, as it always has.
      const allowed = methods.filter((method) => method !== 'HEAD').join(', ');
      return jsonAnswer(c, 405, errorBody('method_not_allowed', `Method not allowed; use ${allowed}`), { Allow: allowed });
    },
  });
}

/** `400 host_not_allowed` for a request whose `Host` may not decide where shoppers and webhooks go (see `hostAllowed`). */
export const refuseUntrustedHost: MiddlewareHandler<CheckoutEnv> = async (c, next) => {
  const { config } = c.var.checkout;
  if (hostAllowed(config, c.req.raw)) return next();
  const host = new URL(ownOrigin(config, c.req.raw)).host;
  return errorAnswer(
    c,
    400,
    'host_not_allowed',
    `This checkout does not answer for host "${host}": set publicUrl (or list the host in allowedHosts) on createCheckoutHandler`,
  );
};
