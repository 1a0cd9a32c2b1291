import { Hono } from 'hono';
import type { CheckoutHandler, CheckoutHandlerOptions, JobLedger, OrderLedger } from './handler-types.js';
import { IdempotencyClaims } from './idempotency.js';
import { withinGrace } from './job-runner.js';
import { createJobRunner } from './jobs.js';
import { Ledger } from './ledger.js';
import { requestIdOf, withRequestId } from './log.js';
import { noticeOrigins } from './origin-notices.js';
import { resolveOptions } from './options.js';
import { errorAnswer, errorJson } from './responses.js';
import { provideCheckout, type CheckoutDeps, type CheckoutEnv, type RuntimeEnv } from './routes/context.js';
import { answerMethodNotAllowed, refuseUntrustedHost } from './routes/middleware.js';
import { returnBridgeRoutes } from './routes/return-bridge.js';
import { sessionRoutes } from './routes/sessions.js';
import { healthRoutes } from './routes/health.js';
import { webhookRoutes } from './routes/webhooks.js';
import { StoreUnavailableError } from './store/outage.js';

export type {
  ChargeRequest,
  CheckoutHandler,
  CheckoutHandlerOptions,
  CheckoutLogger,
  JobLedger,
  OrderLedger,
  ReconcileSummary,
  Shopper,
  WebhookContext,
} from './handler-types.js';
export { DEFAULT_BASE_PATH } from './options.js';
export { redactSecrets } from './redact.js';
export { SESSION_ID_PLACEHOLDER } from './adapter-kit/return-url.js';

/** Node's own HTTP server refuses more (16 KiB); edge runtimes and in-process callers must not differ. */
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_URL_LENGTH = 8 * 1024;
/** A database outage is answered 503 with this `Retry-After`: PSPs retry webhooks, widgets their calls. */
const STORE_RETRY_AFTER_S = 5;
/** How long `close()` waits for requests and jobs in flight. */
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

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
  const app = checkoutApp({ config, ledger, claims, kickJobs, health: () => runner.status() });

  const inFlight = new Set<Promise<Response>>();
  let closing: Promise<void> | undefined;
  // Node's server passes its request as the second argument: the client's address for the rate limits.
  const handler = (request: Request, env?: RuntimeEnv) => {
    // Every answer names its request: the id the caller sent (when sane) or a new one, on every log record of it too.
    const requestId = requestIdOf(request);
    // A closing handler takes no new work; a load balancer sees its health go 503 and stops sending.
    if (closing) return Promise.resolve(withRequestId(shuttingDown(), requestId));
    if (!runnerStarted) runnerStarted = runner.start();
    const refusal = refuseOversized(request);
    const bindings = { requestId, ...(env?.incoming && { incoming: env.incoming }) };
    // The first requests wait for `@opentelemetry/api` to load (once), so they are traced too.
    const answer = (refusal ? Promise.resolve(refusal) : config.telemetry.ready.then(() => app.fetch(request, bindings))).then((response) =>
      withRequestId(response, requestId),
    );
    inFlight.add(answer);
    void answer.finally(() => inFlight.delete(answer)).catch(() => {});
    return answer;
  };
  const orders: OrderLedger = {
    get: (reference) => config.store.getOrder(reference),
    list: (query) => config.store.listOrders(query),
  };
  const jobs: JobLedger = {
    list: (query) => config.store.listJobs(query),
    async retry(id) {
      const revived = await config.store.reviveJob(id, config.now());
      if (revived) kickJobs();
      return revived;
    },
  };
  const providerNames = [...config.providers.keys()];
  return Object.assign(handler, {
    orders,
    jobs,
    // The same report as `GET {base}/health`'s `providers`.
    providers: { health: () => config.breakers.health(providerNames) },
    charge: ledger.charge.bind(ledger),
    reconcile: () => ledger.reconcilePending(),
    whenIdle: () => runner.whenIdle(),
    close: (graceMs = DEFAULT_SHUTDOWN_GRACE_MS) =>
      (closing ??= (async () => {
        await withinGrace(Promise.allSettled([...inFlight]), graceMs);
        await runner.close(graceMs);
      })()),
  });
}

/** The routes (docs/protocol.md, "Backend routes") under the base path, every answer JSON but the return bridge's page. */
function checkoutApp(deps: CheckoutDeps): Hono<CheckoutEnv> {
  const { config } = deps;
  const app = new Hono<CheckoutEnv>();
  app.use(provideCheckout(deps));
  // Before any refusal: a refused origin or a proxy's other origin is said in the log, once.
  app.use(noticeOrigins());
  const api = config.basePath ? app.basePath(config.basePath) : app;
  // Before the host rule: a load balancer probes by the instance's own address.
  api.route('/', healthRoutes());
  app.use(refuseUntrustedHost);
  app.use(answerMethodNotAllowed(app));
  api.route('/', sessionRoutes());
  api.route('/', returnBridgeRoutes());
  api.route('/', webhookRoutes());
  app.notFound((c) => errorAnswer(c, 404, 'not_found', 'Not found'));
  app.onError((error, c) => {
    if (error instanceof StoreUnavailableError) {
      c.get('log').error('store.unavailable', 'the store is unavailable; answering 503', {}, error);
      return errorAnswer(c, 503, 'store_unavailable', 'The checkout is briefly unavailable; try again shortly', undefined, {
        'Retry-After': String(STORE_RETRY_AFTER_S),
      });
    }
    c.get('log').error('request.failed', 'request failed', {}, error);
    return errorAnswer(c, 500, 'internal_error', 'Internal error');
  });
  return app;
}

/** A closing handler's answer to anything new: come back to another instance. */
function shuttingDown(): Response {
  return errorJson(503, 'shutting_down', 'This instance is shutting down; try again', { 'Retry-After': '1', Connection: 'close' });
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
