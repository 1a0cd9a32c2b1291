/**
 * The handler on Node's HTTP server (`serveNode`, `toNodeListener`, `checkoutMiddleware`): public
 * through the entry point `checkout-widget/server/node` (node.ts), and used by the sandbox PSP.
 */
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, serve, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { DEFAULT_BASE_PATH } from './handler.js';
import { answerText } from './responses.js';

type FetchHandler = ((request: Request) => Response | Promise<Response>) & {
  /** `createCheckoutHandler`'s graceful close, called by `shutdown()`. */
  close?: (graceMs?: number) => Promise<void>;
};

/**
 * Options of `serveNode`: where it listens, and timeouts shorter than Node's so slow clients cannot
 * hold connections.
 */
export interface ServeNodeOptions {
  /** Default 0: an ephemeral port (read it from the result). */
  port?: number;
  /** Default `127.0.0.1`. */
  hostname?: string;
  /** A request whose headers have not all arrived by then is dropped (slow-header clients). Default 10 000 ms. */
  headersTimeoutMs?: number;
  /** A request (headers and body) not received whole by then is answered 408 (slow-body clients). Default 30 000 ms. */
  requestTimeoutMs?: number;
  /**
   * Signals that shut the server down gracefully (`shutdown()`) and then end the process with code 0.
   * Default `['SIGTERM']` (what orchestrators send); `[]` leaves signals to you.
   */
  shutdownSignals?: readonly NodeJS.Signals[];
  /** How long `shutdown()` waits for requests and jobs in flight. Default 10 000 ms. */
  shutdownGraceMs?: number;
}

/** Node's own defaults keep a slow client's connection for 60 s (headers) and 300 s (request): far more than a checkout call needs. */
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Leaves the app's globals alone: by default `@hono/node-server` replaces the global `Request` and
 * `Response` of the whole process, which breaks `instanceof Response` in the shop's own code.
 */
const LISTENER_OPTIONS = { overrideGlobalObjects: false } as const;

/** A server `serveNode` started: its address (useful with port 0) and a `close()` for shutdown and tests. */
export interface NodeServerHandle {
  /** `http://<hostname>:<port>` */
  url: string;
  port: number;
  /** Stops listening and drops open connections at once (tests). */
  close(): Promise<void>;
  /**
   * Graceful: stops listening, lets requests in flight finish (within the grace), closes the
   * handler (its jobs finish or are released to another instance), then closes idle connections.
   */
  shutdown(): Promise<void>;
}

/** Serves a Web-standard fetch handler (e.g. `createCheckoutHandler`) with Node's HTTP server. */
export function serveNode(
  handler: FetchHandler,
  options: ServeNodeOptions = {},
): Promise<NodeServerHandle> {
  const hostname = options.hostname ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: writingJsonAnswers(handler),
        port: options.port ?? 0,
        hostname,
        ...LISTENER_OPTIONS,
        serverOptions: timeouts(options),
      },
      (info: AddressInfo) => {
        server.off('error', reject);
        const host = info.family === 'IPv6' || hostname.includes(':') ? `[${info.address}]` : info.address;
        const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
        let shuttingDown: Promise<void> | undefined;
        const handle: NodeServerHandle = {
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done, fail) => {
              forgetShutdownSignals(handle);
              if ('closeAllConnections' in server) server.closeAllConnections();
              server.close((error) => (error ? fail(error) : done()));
            }),
          shutdown: () =>
            (shuttingDown ??= (async () => {
              forgetShutdownSignals(handle);
              const closed = new Promise<void>((done) => server.close(() => done()));
              // Keep-alive connections with no request in flight would hold `close` open.
              if ('closeIdleConnections' in server) server.closeIdleConnections();
              await handler.close?.(graceMs);
              if ('closeAllConnections' in server) server.closeAllConnections();
              await closed;
            })()),
        };
        onShutdownSignals(options.shutdownSignals ?? ['SIGTERM'], handle);
        resolve(handle);
      },
    );
    server.once('error', reject);
  });
}

const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** Servers to shut down on each signal: one listener per signal for the process, however many servers. */
const serversBySignal = new Map<NodeJS.Signals, Set<NodeServerHandle>>();

function onShutdownSignals(signals: readonly NodeJS.Signals[], handle: NodeServerHandle): void {
  for (const signal of signals) {
    let servers = serversBySignal.get(signal);
    if (!servers) {
      const registered = new Set<NodeServerHandle>();
      servers = registered;
      serversBySignal.set(signal, registered);
      // Listening replaces Node's default (exit at once): exit once every server has shut down.
      process.once(signal, () => {
        void Promise.allSettled([...registered].map((server) => server.shutdown())).then(() => process.exit(0));
      });
    }
    servers.add(handle);
  }
}

function forgetShutdownSignals(handle: NodeServerHandle): void {
  for (const servers of serversBySignal.values()) servers.delete(handle);
}

function timeouts(options: ServeNodeOptions): ServerOptions {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // Node requires the headers' limit within the whole request's.
  const headersTimeout = Math.min(options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, requestTimeout);
  // Node enforces both only when it checks its connections (every 30 s by default).
  const connectionsCheckingInterval = Math.max(100, Math.min(5000, headersTimeout / 2, requestTimeout / 2));
  return { headersTimeout, requestTimeout, connectionsCheckingInterval };
}

/** A `node:http` request listener: `http.createServer(toNodeListener(handler))`. */
export function toNodeListener(handler: FetchHandler): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return getRequestListener(writingJsonAnswers(handler), LISTENER_OPTIONS);
}

/**
 * The handler, with its JSON answers (`jsonAnswer`'s, unread) written straight to Node's response
 * as their text: one `writeHead` and one `end`, as a hand-written `node:http` endpoint does. Without
 * it `@hono/node-server` reads every answer's web stream chunk by chunk (a timer tick when the last
 * read is late) before it writes: the handler's answers are the platform's `Response`, since
 * `serveNode` leaves the globals alone (LISTENER_OPTIONS). Anything else goes the usual way.
 */
function writingJsonAnswers(handler: FetchHandler): (request: Request, env: HttpBindings | Http2Bindings) => Promise<Response> {
  const withEnv = handler as (request: Request, env: unknown) => Response | Promise<Response>;
  return async (request, env) => {
    const response = await withEnv(request, env);
    const text = answerText(response);
    const outgoing = env?.outgoing as ServerResponse | undefined;
    if (text === undefined || !outgoing || outgoing.headersSent) return response;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of response.headers) headers[name] = name === 'set-cookie' ? response.headers.getSetCookie() : value;
    headers['content-length'] = String(Buffer.byteLength(text));
    outgoing.writeHead(response.status, headers);
    outgoing.end(text);
    return RESPONSE_ALREADY_SENT;
  };
}

/** What Express (4, 5) and Connect add to a Node request; only what the middleware reads. */
interface MiddlewareRequest extends IncomingMessage {
  originalUrl?: string;
  /** Set by body-parser once it has read the body (body-parser 1 sets `body = {}` on requests it skips, so `body` says nothing). */
  _body?: boolean;
}

/** Options of `checkoutMiddleware`: set `basePath` when the handler has a non-default one, so they agree. */
export interface CheckoutMiddlewareOptions {
  /** The handler's `basePath`: requests outside it go to `next()`. Default `/api/checkout`. */
  basePath?: string;
}

/**
 * Express/Connect middleware: `app.use(checkoutMiddleware(handler))` (or under its base path,
 * `app.use('/api/checkout', …)`). It reads the raw body itself (webhook signatures are checked on
 * the exact bytes), so it refuses, with a 500 that says why, a request whose body a parser such as
 * `express.json()` has already consumed.
 */
export function checkoutMiddleware(
  handler: FetchHandler,
  options: CheckoutMiddlewareOptions = {},
): (request: MiddlewareRequest, response: ServerResponse, next: (error?: unknown) => void) => void {
  const basePath = (options.basePath ?? DEFAULT_BASE_PATH).replace(/\/+$/, '');
  // The handler would answer every path of the app (404s included), leaving nothing to `next()`.
  if (!basePath) throw new Error('checkoutMiddleware needs a basePath below the root, such as /api/checkout');
  const listener = getRequestListener(writingJsonAnswers(handler), LISTENER_OPTIONS);
  return (request, response, next) => {
    // Express strips a mount path from `url`; the handler routes on the full path.
    const url = request.originalUrl ?? request.url ?? '/';
    const path = url.split('?')[0]!;
    if (path !== basePath && !path.startsWith(`${basePath}/`)) return next();
    if (request.readableEnded || request._body === true) {
      const message =
        'checkout-widget: a body parser (such as express.json()) read this request before checkoutMiddleware; mount checkoutMiddleware before any body parser, or keep parsers off its base path';
      console.error(message);
      response.statusCode = 500;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ error: { code: 'body_already_read', message } }));
      return;
    }
    request.url = url;
    listener(request, response).catch(next);
  };
}
