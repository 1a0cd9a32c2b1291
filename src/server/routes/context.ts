import type { Context, MiddlewareHandler } from 'hono';
import type { IdempotencyClaims } from '../idempotency.js';
import type { JobRunnerStatus } from '../job-runner.js';
import type { Ledger } from '../ledger.js';
import type { Log } from '../log.js';
import type { HandlerConfig } from '../options.js';

/** What the routes work with, one per handler: every route reads it from `c.get('checkout')`. */
export interface CheckoutDeps {
  config: HandlerConfig;
  ledger: Ledger;
  claims: IdempotencyClaims;
  /** Looks for due jobs now (a webhook was just stored) instead of at the runner's next poll. */
  kickJobs: () => void;
  /** The job runner's state, for `GET /health`. */
  health: () => JobRunnerStatus;
}

/**
 * What the handler hands the app with each request: its id (`X-Request-Id`) and, from Node's server
 * (`@hono/node-server` passes its `incoming` request), the socket with the client's address.
 */
export interface CheckoutBindings extends RuntimeEnv {
  requestId: string;
}

/**
 * What a runtime passes as the handler's second argument: Node's server (`@hono/node-server`)
 * passes its `incoming` request, whose socket has the client's address.
 */
export interface RuntimeEnv {
  incoming?: { socket?: { remoteAddress?: string | undefined } | undefined } | undefined;
}

/**
 * The Hono environment of the checkout's routes; `c.get('log')` is the request's log, its records
 * carrying its id. Read with `c.get(…)`, not `c.var.…`: Hono builds a new object of every variable
 * on each `c.var` read (2.6 % of the handler's own CPU per create, docs/performance-runs.md).
 */
export type CheckoutEnv = { Bindings: CheckoutBindings; Variables: { checkout: CheckoutDeps; log: Log; body?: string } };
export type CheckoutContext = Context<CheckoutEnv>;

/** Puts `deps` and the request's log on every request's context, before any other middleware. */
export function provideCheckout(deps: CheckoutDeps): MiddlewareHandler<CheckoutEnv> {
  return async (c, next) => {
    c.set('checkout', deps);
    c.set('log', deps.config.log.with({ requestId: c.env.requestId }));
    await next();
  };
}
