// A shop's whole backend, as the README's "The sandbox in your own dev server" writes it: the
// sandbox PSP, the checkout handler, and a page with the widget served from the package's dist/cdn.
// Run by scripts/package-install.test.ts in a scratch project that installed the packed tarball.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { createCheckoutHandler } from 'checkout-widget/server';
import { serveNode, startSandbox } from 'checkout-widget/server/node';

const cdn = join(dirname(createRequire(import.meta.url).resolve('checkout-widget/custom-elements.json')), 'cdn');
const port = Number(process.env.PORT ?? 3000);
const catalog = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } };

const sandbox = await startSandbox({ logger: { warn: () => {} } });
const handler = createCheckoutHandler({ providers: [sandbox.provider], catalog, logger: { error: console.error, warn: () => {}, info: () => {} } });

const page = (mode) => `<!doctype html><html lang="en"><meta charset="utf-8"><title>Scratch shop</title>
<script type="module" src="/cdn/checkout-widget.js"></script>
<h1>Scratch shop</h1>
<checkout-widget endpoint="/api/checkout/sessions" mode="${mode}" payload='{"items":[{"sku":"mug","quantity":1}]}'></checkout-widget></html>`;

const server = await serveNode(
  async (request) => {
    const url = new URL(request.url);
    if (url.pathname.startsWith('/api/checkout/')) return handler(request);
    if (url.pathname === '/') return new Response(page(url.searchParams.get('mode') ?? 'embedded'), { headers: { 'content-type': 'text/html; charset=utf-8' } });
    if (url.pathname.startsWith('/cdn/')) {
      const file = normalize(join(cdn, url.pathname.slice('/cdn/'.length)));
      if (!file.startsWith(cdn)) return new Response('Not found', { status: 404 });
      const body = await readFile(file).catch(() => undefined);
      return body ? new Response(body, { headers: { 'content-type': 'text/javascript; charset=utf-8' } }) : new Response('Not found', { status: 404 });
    }
    return new Response('Not found', { status: 404 });
  },
  { port, hostname: '127.0.0.1' },
);
console.log(`READY ${server.url} ${JSON.stringify(sandbox.env)}`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await server.close();
    await handler.close();
    await sandbox.close();
    process.exit(0);
  });
}
