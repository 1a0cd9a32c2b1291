// The README's Next.js recipe ("The sandbox in your own dev server"), with relative imports and
// the port from the test: app/api/checkout/[...path]/route.ts. Nothing runs at import, so
// `next build` (which imports every route) starts no PSP and writes no `.data/`.
import { createCheckoutHandler } from '../../../server/handler.js';
import type { CheckoutHandler } from '../../../server/handler-types.js';
import { MUG_CATALOG as catalog } from '../../../server/test-support/hosted-provider-double.js';
import { TEST_HOSTS } from '../../../server/test-support/test-hosts.js';
import { startSandbox } from '../start.js';

let handler: CheckoutHandler | undefined;

async function checkout(request: Request): Promise<Response> {
  // The first request starts it; after `next dev` reloads this module, the same one comes back.
  const sandbox = await startSandbox({ port: Number(process.env.SANDBOX_PORT ?? 4010), dataDir: process.env.SANDBOX_DATA_DIR ?? '.data/sandbox' });
  handler ??= createCheckoutHandler({ providers: [sandbox.provider], catalog, allowedHosts: TEST_HOSTS, logger: { error: () => {}, warn: () => {} } });
  return handler(request);
}

export { checkout as GET, checkout as POST };
