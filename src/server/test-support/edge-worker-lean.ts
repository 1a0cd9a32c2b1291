/**
 * The lean Cloudflare Worker (issue 26, item 4): the handler, the D1 store and one hosted adapter
 * (ConvergeGate), nothing else. `edge-bundle.test.ts` bundles it for workerd, holds it to its gzip
 * budget and runs the bundled file; the bench's edge rows measure it beside the sandbox and Stripe bundles.
 */
import { createConvergeGateProvider } from '../../providers/convergegate/index.js';
import { createCheckoutHandler, createD1Store, type CheckoutHandler, type D1DatabaseLike } from '../index.js';

export interface Env {
  /** Where browsers and the PSP reach the Worker: return and webhook URLs are made from it, never from a request's Host. */
  PUBLIC_URL: string;
  DB: D1DatabaseLike;
  CONVERGEGATE_API_URL: string;
  CONVERGEGATE_SECRET_KEY: string;
}

interface ExecutionContext {
  waitUntil(work: Promise<unknown>): void;
}

const catalog = {
  currency: 'PLN',
  products: {
    grinder: { name: 'Hand grinder', unitAmount: 45_900, vatRate: 0.23 },
    beans: { name: 'Coffee beans, 1 kg', unitAmount: 12_900, vatRate: 0.23 },
  },
};

let handler: CheckoutHandler | undefined;
let context: ExecutionContext | undefined;

function build(env: Env): CheckoutHandler {
  return createCheckoutHandler({
    catalog,
    store: createD1Store({ database: env.DB }),
    publicUrl: env.PUBLIC_URL,
    waitUntil: (work) => context?.waitUntil(work),
    providers: [createConvergeGateProvider({ apiUrl: env.CONVERGEGATE_API_URL, secretKey: env.CONVERGEGATE_SECRET_KEY })],
  });
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    context = ctx;
    handler ??= build(env);
    return handler(request);
  },
};
