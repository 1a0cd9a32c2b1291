// worker.ts: the checkout handler as a Cloudflare Worker, on a D1 database, paying with the sandbox PSP
import { createCheckoutHandler, createD1Store, type CheckoutHandler, type D1DatabaseLike } from 'checkout-widget/server';
import { createSandboxProvider } from 'checkout-widget/server/providers/sandbox';

interface Env {
  SANDBOX_API_URL: string; // the three lines `npx checkout-widget sandbox` prints (.dev.vars)
  SANDBOX_SECRET_KEY: string;
  SANDBOX_WEBHOOK_SECRET: string;
  PUBLIC_URL: string; // where browsers and the PSP reach the Worker, e.g. http://127.0.0.1:8787
  DB: D1DatabaseLike; // a D1 binding
}
interface ExecutionContext { waitUntil(work: Promise<unknown>): void }

const catalog = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } };
let handler: CheckoutHandler | undefined; // made on the first request: Workers refuse timers and random values at start-up
let context: ExecutionContext | undefined;

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    context = ctx; // a webhook is handled after its 2xx: that work goes to waitUntil
    handler ??= createCheckoutHandler({
      providers: [createSandboxProvider({ apiUrl: env.SANDBOX_API_URL, secretKey: env.SANDBOX_SECRET_KEY, webhookSecret: env.SANDBOX_WEBHOOK_SECRET })],
      catalog,
      store: createD1Store({ database: env.DB }),
      publicUrl: env.PUBLIC_URL,
      waitUntil: (work) => context?.waitUntil(work),
    });
    return handler(request);
  },
};
