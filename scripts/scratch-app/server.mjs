// A shop's whole backend, as the README's "The sandbox in your own dev server" writes it: the
// sandbox PSP, the checkout handler, and a page with the widget served from the package's dist/cdn;
// under /apps/<name>/ the front-end recipes' built apps (apps/<name>/dist, docs/recipes/vue.md, …).
// Run by scripts/package-install.test.ts in a scratch project that installed the packed tarball.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { createCheckoutHandler } from 'checkout-widget/server';
import { serveNode, startSandbox } from 'checkout-widget/server/node';

const apps = join(import.meta.dirname, 'apps');
const cdn = join(dirname(createRequire(import.meta.url).resolve('checkout-widget/custom-elements.json')), 'cdn');
const port = Number(process.env.PORT ?? 3000);
const catalog = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } };

const sandbox = await startSandbox({ logger: { warn: () => {} } });
const handler = createCheckoutHandler({ providers: [sandbox.provider], catalog, logger: { error: console.error, warn: () => {}, info: () => {} } });

const page = (mode) => `<!doctype html><html lang="en"><meta charset="utf-8"><title>Scratch shop</title>
<script type="module" src="/cdn/checkout-widget.js"></script>
<h1>Scratch shop</h1>
<checkout-widget endpoint="/api/checkout/sessions" mode="${mode}" payload='{"items":[{"sku":"mug","quantity":1}]}'></checkout-widget></html>`;

const TYPES = { '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript' };

/** The file at `path` under `root` (never outside it), or a 404. */
async function file(root, path) {
  const found = normalize(join(root, path));
  const body = found.startsWith(`${root}/`) ? await readFile(found).catch(() => undefined) : undefined;
  if (!body) return new Response('Not found', { status: 404 });
  return new Response(body, { headers: { 'content-type': `${TYPES[extname(found)] ?? 'application/octet-stream'}; charset=utf-8` } });
}

const server = await serveNode(
  async (request) => {
    const url = new URL(request.url);
    if (url.pathname.startsWith('/api/checkout/')) return handler(request);
    if (url.pathname === '/') return new Response(page(url.searchParams.get('mode') ?? 'embedded'), { headers: { 'content-type': 'text/html; charset=utf-8' } });
    if (url.pathname.startsWith('/cdn/')) return file(cdn, url.pathname.slice('/cdn/'.length));
    const app = /^\/apps\/(\w+)\/(.*)$/.exec(url.pathname);
    if (app) return file(join(apps, app[1], 'dist'), app[2] || 'index.html');
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
