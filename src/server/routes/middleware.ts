import type { Context, Hono, MiddlewareHandler } from 'hono';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { hostAllowed, ownOrigin } from '../origins.js';
import { errorAnswer, errorBody, jsonAnswer } from '../responses.js';
import type { CheckoutEnv } from './context.js';

/**
 * Refuses a body over `maxBytes` with 413 and `message`, counted while it streams in (a chunked
 * body is never buffered whole first). A declared Content-Length over the limit, or one that is no
 * number, is refused at once; one under it is not trusted either. A body within the limit is read
 * here, once, as UTF-8 text (what `Request.text()` gives): the routes after it take it from
 * `bodyText(c)`, and `c.req.raw`'s body is used up.
 * Hand-written, not `hono/body-limit`: that one counts through a second stream after the Node bridge
 * has made a web stream and a `Request` of the body; reading once here cut that from 3.6 % of the
 * handler's busy time to 0.4 % (docs/performance-runs.md, item 5).
 */
export function limitBody(maxBytes: number, message: string): MiddlewareHandler<CheckoutEnv> {
  const tooLarge = (c: Context) => errorAnswer(c, 413, 'invalid_request', message);
  return async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared !== undefined && (!/^\d+$/.test(declared.trim()) || Number(declared) > maxBytes)) return tooLarge(c);
    const incoming = c.env?.incoming;
    const text = isUnreadNodeRequest(incoming) ? await readNodeAtMost(incoming, maxBytes) : await readAtMost(c.req.raw.body, maxBytes);
    if (text === undefined) return tooLarge(c);
    c.set('body', text);
    return next();
  };
}

/** The body `limitBody` read; a route behind it only. */
export function bodyText(c: Context<CheckoutEnv>): string {
  const text = c.get('body');
  if (text === undefined) throw new Error('bodyText: the route has no limitBody before it');
  return text;
}

/** Node's request (`@hono/node-server` passes it as `incoming`), as far as `readNodeAtMost` uses it. */
interface NodeBody {
  on(event: string, listener: (argument?: never) => void): unknown;
  off(event: string, listener: (argument?: never) => void): unknown;
  pause(): unknown;
  readonly readableFlowing: boolean | null;
  readonly readableDidRead: boolean;
  readonly readableEnded: boolean;
}

/** Node's request whose body nobody has started to read (the bridge makes a web stream of it only when asked). */
function isUnreadNodeRequest(incoming: unknown): incoming is NodeBody {
  const node = incoming as Partial<NodeBody> | undefined;
  return typeof node?.on === 'function' && typeof node.off === 'function' && node.readableFlowing === null && node.readableDidRead === false && node.readableEnded === false;
}

/**
 * `readAtMost` on Node's request itself: the bytes as they arrive, without the web stream and the
 * `Request` the bridge would make for `c.req.raw.body`. Over `maxBytes` it stops reading (paused).
 */
function readNodeAtMost(incoming: NodeBody, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder();
    let size = 0;
    let text = '';
    const listeners = {
      data: (chunk: Uint8Array) => {
        size += chunk.byteLength;
        if (size <= maxBytes) {
          text += decoder.decode(chunk, { stream: true });
          return;
        }
        incoming.pause();
        done(() => resolve(undefined));
      },
      end: () => done(() => resolve(text + decoder.decode())),
      error: (error: Error) => done(() => reject(error)),
      // Closed before its end: the client went away mid-body.
      close: () => done(() => reject(new Error('the request closed before its body ended'))),
    };
    const done = (settle: () => void) => {
      for (const [event, listener] of Object.entries(listeners)) incoming.off(event, listener as () => void);
      settle();
    };
    for (const [event, listener] of Object.entries(listeners)) incoming.on(event, listener as () => void);
  });
}

/** The stream as UTF-8 text, or undefined as soon as it passes `maxBytes` (the rest is not read). */
async function readAtMost(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string | undefined> {
  if (!body) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > maxBytes) return undefined;
    text += decoder.decode(value, { stream: true });
  }
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
  const { config } = c.get('checkout');
  if (hostAllowed(config, c.req.raw)) return next();
  const host = new URL(ownOrigin(config, c.req.raw)).host;
  return errorAnswer(
    c,
    400,
    'host_not_allowed',
    `This checkout does not answer for host "${host}": set publicUrl (or list the host in allowedHosts) on createCheckoutHandler`,
  );
};
