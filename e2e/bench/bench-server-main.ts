import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bench pages' origin, in a process of its own (started by `startBenchServer`): like a shop's
 * CDN or static server, it never waits on the backend's event loop, so the widget's script and
 * chunks are answered while a create call is being worked on.
 *
 * - `/bench/<name>.html` and `/bench/<name>.js` from `e2e/bench/pages/`; in a page,
 *   `/*inline:<name>.js*\/` is replaced by that file, so code two pages share is written once;
 * - `/bench/session/<name>.html`: a page whose server created the session first (a POST to the
 *   shop, as a server-rendered shop page would) and wrote it into `pages/session-<name>.html`
 *   where `__SESSION__` (the JSON), `__SESSION_URL__` and `__SSR__` (`renderCheckoutWidget`'s HTML) stand;
 * - `/cdn/*` from a copy of `dist/cdn` taken when the bench started;
 * - everything else (the session endpoint) passed through to the demo shop, so both pages pay the
 *   same hop on their create call, and the shop builds return URLs for this origin.
 *
 * argv: the shop's URL, the CDN folder. Prints `{"url": …}` once listening.
 */
const [shopUrl, cdnDir] = process.argv.slice(2);
if (!shopUrl || !cdnDir) throw new Error('usage: bench-server-main.ts <shop url> <cdn dir>');
const shop = new URL(shopUrl);
const agent = new http.Agent({ keepAlive: true });

const PAGES_DIR = fileURLToPath(new URL('./pages/', import.meta.url));
const PAGE_FILE = /^\/bench\/([a-z-]+\.(?:html|js))$/;
const SESSION_PAGE = /^\/bench\/session\/([a-z-]+)\.html$/;
const CDN_FILE = /^\/cdn\/([\w.-]+\.js)$/;
/** The body both start pages send (the widget adds the page's language). */
const BENCH_CART = { items: [{ sku: 'coffee-beans', quantity: 2 }, { sku: 'mug', quantity: 1 }], locale: 'en' };

const contentType = (file: string) => (file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8');
const INLINE = /\/\*inline:([a-z-]+\.js)\*\//g;

/** The build's inline starter, `/*cdn-inline:starter.js*\/` in a page (dist/cdn/starter.js as the bench started). */
const CDN_INLINE = /\/\*cdn-inline:([a-z-]+\.js)\*\//g;

/** A page with its `/*inline:<name>.js*\/` markers replaced by those files of `pages/` (`cdn-inline:` from the CDN copy). */
async function withInlines(html: string): Promise<string> {
  const names = [...new Set([...html.matchAll(INLINE)].map((match) => match[1]!))];
  const files = new Map(await Promise.all(names.map(async (name) => [name, await readFile(path.join(PAGES_DIR, name), 'utf8')] as const)));
  const cdnNames = [...new Set([...html.matchAll(CDN_INLINE)].map((match) => match[1]!))];
  const cdnFiles = new Map(await Promise.all(cdnNames.map(async (name) => [name, await readFile(path.join(cdnDir!, name), 'utf8')] as const)));
  return html.replace(INLINE, (_, name: string) => files.get(name)!).replace(CDN_INLINE, (_, name: string) => cdnFiles.get(name)!);
}

function send(response: http.ServerResponse, body: Buffer | string, type: string): void {
  // The headers startDemo sends for the same files.
  response.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  response.end(body);
}

function notFound(response: http.ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}

/** A session created server-side, for this origin (`host`), as a server-rendered page would. */
async function createSession(host: string): Promise<{ json: string; url: string }> {
  const body = JSON.stringify(BENCH_CART);
  const text = await new Promise<string>((resolve, reject) => {
    const request = http.request(
      {
        host: shop.hostname,
        port: shop.port,
        method: 'POST',
        path: '/api/checkout/sessions',
        headers: { host, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID(), 'content-length': Buffer.byteLength(body) },
        agent,
      },
      (answer) => {
        let data = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => (data += chunk));
        answer.on('end', () => (answer.statusCode === 201 ? resolve(data) : reject(new Error(`create answered ${answer.statusCode}: ${data}`))));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
  const session = JSON.parse(text) as { url?: string };
  if (!session.url) throw new Error(`the session has no url: ${text}`);
  return { json: text, url: session.url };
}

async function sessionPage(name: string, host: string, response: http.ServerResponse): Promise<void> {
  const template = await readFile(path.join(PAGES_DIR, `session-${name}.html`), 'utf8').then(withInlines, () => undefined);
  if (template === undefined) return notFound(response);
  const { json, url } = await createSession(host);
  // `<` as \u003c, so nothing in the JSON can end or comment out the inline script; the URL goes
  // into an attribute. Replacer functions, so a `$` in either is not a replacement pattern.
  const script = json.replaceAll('<', '\\u003c');
  const attribute = url.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  // `__SSR__`: the element as `renderCheckoutWidget` writes it (loaded on first use: Lit SSR's DOM shim).
  const ssr = template.includes('__SSR__')
    ? await (await import('../../src/ssr.js')).renderCheckoutWidget({ session: JSON.parse(json) as Record<string, unknown>, attributes: { endpoint: '/api/checkout/sessions' } })
    : '';
  const html = template.replace('__SESSION__', () => script).replace('__SESSION_URL__', () => attribute).replace('__SSR__', () => ssr);
  send(response, html, 'text/html; charset=utf-8');
}

function proxy(request: http.IncomingMessage, response: http.ServerResponse): void {
  const upstream = http.request(
    { host: shop.hostname, port: shop.port, method: request.method, path: request.url, headers: request.headers, agent },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on('error', (error) => {
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
    response.end(`bench proxy: ${error.message}`);
  });
  request.pipe(upstream);
}

const server = http.createServer((request, response) => {
  const url = request.url ?? '';
  const fail = (error: unknown) => {
    if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
    response.end(`bench server: ${error instanceof Error ? error.message : String(error)}`);
  };
  const session = SESSION_PAGE.exec(url);
  if (session) return void sessionPage(session[1]!, request.headers.host ?? '', response).catch(fail);
  const page = PAGE_FILE.exec(url);
  if (page?.[1]!.endsWith('.html')) {
    return void readFile(path.join(PAGES_DIR, page[1]!), 'utf8').then(
      (html) => withInlines(html).then((body) => send(response, body, contentType(page[1]!))).catch(fail),
      () => notFound(response),
    );
  }
  const script = CDN_FILE.exec(url);
  const file = page ? path.join(PAGES_DIR, page[1]!) : script ? path.join(cdnDir, script[1]!) : undefined;
  if (file) return void readFile(file).then((body) => send(response, body, contentType(file)), () => notFound(response));
  proxy(request, response);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
// The parent's end is ours: no orphan server.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
