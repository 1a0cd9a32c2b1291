/**
 * A Cloudflare Worker that serves the checkout handler, as a shop would write it (README, "Edge
 * runtimes"): `edge-runtime.test.ts` bundles it for workerd without `nodejs_compat` and runs it in
 * Miniflare. It imports the package's `./server` entry and the two providers' subpaths, as a shop's bundler would.
 */
import { createSandboxProvider } from '../../providers/sandbox/index.js';
import { createStripeProvider } from '../../providers/stripe/index.js';
import { createCheckoutHandler, createD1Store, type CheckoutHandler, type D1DatabaseLike } from '../index.js';

export interface Env {
  /** Where browsers and the PSP reach the Worker: return and webhook URLs are made from it, never from a request's Host. */
  PUBLIC_URL: string;
  DB: D1DatabaseLike;
  SANDBOX_API_URL: string;
  SANDBOX_SECRET_KEY: string;
  SANDBOX_WEBHOOK_SECRET: string;
  STRIPE_SECRET_KEY: string;
  STRIPE_PUBLISHABLE_KEY: string;
  /** Tests only: the fake Stripe's base URL (`http://127.0.0.1:<port>`). */
  STRIPE_API_URL?: string;
}

interface ExecutionContext {
  waitUntil(work: Promise<unknown>): void;
}

const catalog = {
  currency: 'DKK',
  products: {
    grinder: { name: 'Hand grinder', unitAmount: 89_900, vatRate: 0.25 },
    beans: { name: 'Coffee beans, 1 kg', unitAmount: 24_900, vatRate: 0.25 },
  },
};

// One handler per isolate, made on the first request: Workers refuse random values and timers
// at start-up, and the store and job runner are meant to live across requests.
let handler: CheckoutHandler | undefined;
// Work that outlives a response (a webhook's job) is handed to the request running now.
let context: ExecutionContext | undefined;

function build(env: Env): CheckoutHandler {
  return createCheckoutHandler({
    catalog,
    store: createD1Store({ database: env.DB }),
    publicUrl: env.PUBLIC_URL,
    waitUntil: (work) => context?.waitUntil(work),
    providers: [
      createSandboxProvider({
        apiUrl: env.SANDBOX_API_URL,
        secretKey: env.SANDBOX_SECRET_KEY,
        webhookSecret: env.SANDBOX_WEBHOOK_SECRET,
      }),
      createStripeProvider({
        secretKey: env.STRIPE_SECRET_KEY,
        publishableKey: env.STRIPE_PUBLISHABLE_KEY,
        ...(env.STRIPE_API_URL && { apiUrl: env.STRIPE_API_URL }),
      }),
    ],
  });
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    context = ctx;
    handler ??= build(env);
    return handler(request);
  },
};
