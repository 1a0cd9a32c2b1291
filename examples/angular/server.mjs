// server.mjs: the shop's backend (the Hono recipe) with the sandbox PSP, serving `ng build`'s output.
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { createCheckoutHandler } from 'checkout-widget/server';
import { startSandbox } from 'checkout-widget/server/node';

const catalog = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } };
const sandbox = await startSandbox({ dataDir: '.data/sandbox' });
const handler = createCheckoutHandler({ providers: [sandbox.provider], catalog });

const app = new Hono();
app.all('/api/checkout/*', (c) => handler(c.req.raw));
app.use('/*', serveStatic({ root: 'dist/shop/browser' }));

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) => {
  console.log(`READY http://127.0.0.1:${info.port}`);
});
