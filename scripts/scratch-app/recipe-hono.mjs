// docs/recipes/hono.md: Hono on Node with the sandbox PSP (npm install @hono/node-server).
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createCheckoutHandler } from 'checkout-widget/server';
import { startSandbox } from 'checkout-widget/server/node';
import { catalog, cdnDir, page } from './shop.mjs';

const sandbox = await startSandbox();
const handler = createCheckoutHandler({ providers: [sandbox.provider], catalog });

const app = new Hono();
app.all('/api/checkout/*', (c) => handler(c.req.raw));
app.get('/cdn/:file', async (c) =>
  c.body(await readFile(join(cdnDir, basename(c.req.param('file')))), 200, { 'content-type': 'text/javascript' }),
);
app.get('/', (c) => c.html(page));

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) => {
  console.log(`READY http://127.0.0.1:${info.port}`);
});
