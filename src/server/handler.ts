import { Hono } from 'hono';
import type { CheckoutHandler, CheckoutHandlerOptions, OrderLedger } from './handler-types.js';
import { IdempotencyClaims } from './idempotency.js';
import { createJobRunner } from './jobs.js';
import { Ledger } from './ledger.js';
import { resolveOptions } from './options.js';
import { errorAnswer, errorJson } from './responses.js';
import { provideCheckout, type CheckoutDeps, type CheckoutEnv } from './routes/context.js';
import { answerMethodNotAllowed, refuseUntrustedHost } from './routes/middleware.js';
import { returnBridgeRoutes } from './routes/return-bridge.js';
import { sessionRoutes } from './routes/sessions.js';
import { webhookRoutes } from './routes/webhooks.js';
import { StoreUnavailableError } from './store/outage.js';

export type {
  ChargeRequest,
  CheckoutHandler,
  CheckoutHandlerOptions,
  CheckoutLogger,
  OrderLedger,
  ReconcileSummary,
  Shopper,
  WebhookContext,
} from './handler-types.js';
export { DEFAULT_BASE_PATH } from './options.js';
export { redactSecrets } from './provider-calls.js';
export { SESSION_ID_PLACEHOLDER } from './adapter-kit/return-url.js';

/** Node's own HTTP server refuses more (16 KiB); edge runtimes and in-process callers must not differ. */
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_URL_LENGTH = 8 * 1024;
/** A database outage is answered 503 with this `Retry-After`: PSPs retry webhooks, widgets their calls. */
const STORE_RETRY_AFTER_S = 5;

/**
 * The thin backend (docs/protocol.md, "Backend routes") as a Web-standard fetch handler: create and read
 * sessions priced from the server catalog, the return bridge, and verified webhooks.
 */
export function createCheckoutHandler(options: CheckoutHandlerOptions): CheckoutHandler {
  const config = resolveOptions(options);
  const claims = new IdempotencyClaims(config);
  const ledger = new Ledger(config, claims);
  const runner = createJobRunner(config, ledger);
  const kickJobs = () => void runner.kick();
  ledger.onPaid(kickJobs);
  // Picks up what a process that died left (and, on edge runtimes that refuse timers at start-up, starts with the first request).
  let runnerStarted = runner.start();
  const app = checkoutApp({ config, ledger, claims, kickJobs });

  const handler = (request: Request) => {
    if (!runnerStarted) runnerStarted = runner.start();
    return Promise.resolve(refuseOversized(request) ?? app.fetch(request));
  };
  const orders: OrderLedger = {
    get: (reference) => config.store.getOrder(reference),
    list: (query) => config.store.listOrders(query),
  };
  return Object.assign(handler, {
    orders,
    charge: ledger.charge.bind(ledger),
    reconcile: () => ledger.reconcilePending(),
    whenIdle: () => runner.whenIdle(),
    close: () => runner.close(),
  });
}

/** The routes (docs/protocol.md, "Backend routes") under the base path, every answer JSON but the return bridge's page. */
function checkoutApp(deps: CheckoutDeps): Hono<CheckoutEnv> {
  const { config } = deps;
  const app = new Hono<CheckoutEnv>();
  app.use(provideCheckout(deps));
  app.use(refuseUntrustedHost);
  app.use(answerMethodNotAllowed(app));
  const api = config.basePath ? app.basePath(config.basePath) : app;
  api.route('/', sessionRoutes());
  api.route('/', returnBridgeRoutes());
  api.route('/', webhookRoutes());
  app.notFound((c) => errorAnswer(c, 404, 'not_found', 'Not found'));
  app.onError((error, c) => {
    if (error instanceof StoreUnavailableError) {
      config.logger.error('checkout: the store is unavailable; answering 503', error);
      return errorAnswer(c, 503, 'store_unavailable', 'The checkout is briefly unavailable; try again shortly', undefined, {
        'Retry-After': String(STORE_RETRY_AFTER_S),
      });
    }
    config.logger.error('checkout: request failed', error);
    return errorAnswer(c, 500, 'internal_error', 'Internal error');
  });
  return app;
}

/** 414 and 431 as Node's HTTP server would answer them, for runtimes that let such requests through. */
function refuseOversized(request: Request): Response | undefined {
  if (request.url.length > MAX_URL_LENGTH) {
    return errorJson(414, 'invalid_request', `The URL is longer than ${MAX_URL_LENGTH} characters`);
  }
  if (headerBytes(request.headers) > MAX_HEADER_BYTES) {
    return errorJson(431, 'invalid_request', `The request headers are larger than ${MAX_HEADER_BYTES} bytes`);
  }
  return undefined;
}

function headerBytes(headers: Headers): number {
  let total = 0;
  // name + ": " + value + CRLF, as on the wire (characters, close enough to bytes for a limit).
  for (const [name, value] of headers) total += name.length + value.length + 4;
  return total;
}
