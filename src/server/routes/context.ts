import type { Context, MiddlewareHandler } from 'hono';
import type { IdempotencyClaims } from '../idempotency.js';
import type { JobRunnerStatus } from '../job-runner.js';
import type { Ledger } from '../ledger.js';
import type { HandlerConfig } from '../options.js';

/** What the routes work with, one per handler: every route reads it from `c.var.checkout`. */
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
 * What a runtime passes as the handler's second argument: Node's server (`@hono/node-server`)
 * passes its `incoming` request, whose socket has the client's address.
 */
export interface RuntimeEnv {
  incoming?: { socket?: { remoteAddress?: string | undefined } | undefined } | undefined;
}

/** The Hono environment of the checkout's routes. */
export type CheckoutEnv = { Variables: { checkout: CheckoutDeps }; Bindings: RuntimeEnv | undefined };
export type CheckoutContext = Context<CheckoutEnv>;

/** Puts `deps` on every request's context, before any other middleware. */
export function provideCheckout(deps: CheckoutDeps): MiddlewareHandler<CheckoutEnv> {
  return async (c, next) => {
    c.set('checkout', deps);
    await next();
  };
}
