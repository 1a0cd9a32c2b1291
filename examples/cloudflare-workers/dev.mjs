// dev.mjs: what `wrangler dev` does for this Worker, with Miniflare: the sandbox PSP from the CLI
// beside it (Node), the bundled Worker (dist/worker.js) in workerd with a local D1 database, and on
// the same origin the shop's static page (index.html) with the widget's CDN build.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { Miniflare } from 'miniflare';

const port = Number(process.env.PORT ?? 8787);
const publicUrl = `http://127.0.0.1:${port}`;
const cdn = join(dirname(createRequire(import.meta.url).resolve('checkout-widget/custom-elements.json')), 'cdn');

// `npx checkout-widget sandbox` prints SANDBOX_API_URL=…, SANDBOX_SECRET_KEY=…, SANDBOX_WEBHOOK_SECRET=…
// (In a process group of its own: npx does not pass a signal on to the sandbox it started.)
const sandbox = spawn('npx', ['checkout-widget', 'sandbox', '--port', '0', '--data-dir', '.data/sandbox'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
const stopSandbox = () => {
  try {
    process.kill(-sandbox.pid, 'SIGTERM');
  } catch {}
};
process.once('exit', stopSandbox);
const vars = await new Promise((resolve, reject) => {
  let printed = '';
  sandbox.stdout.on('data', (chunk) => {
    printed += chunk;
    if (printed.includes('Press Ctrl-C')) resolve(Object.fromEntries([...printed.matchAll(/^(SANDBOX_\w+)=(\S+)$/gm)].map((line) => line.slice(1))));
  });
  sandbox.once('exit', (code) => reject(new Error(`checkout-widget sandbox ended with ${code}`)));
});

// The bundle as one module (not `scriptPath`: Miniflare then walks its imports and refuses the
// package's optional `import('@opentelemetry/api')`, which fails softly at run time when absent).
const worker = new Miniflare({
  modules: [{ type: 'ESModule', path: 'worker.js', contents: await readFile('dist/worker.js', 'utf8') }],
  compatibilityDate: '2026-04-01',
  d1Databases: ['DB'],
  d1Persist: '.data/d1',
  bindings: { ...vars, PUBLIC_URL: publicUrl },
});

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

async function file(path) {
  const body = await readFile(path).catch(() => undefined);
  return body ? { status: 200, headers: { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }, body } : { status: 404, headers: {}, body: 'Not found' };
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

async function answer(request) {
  const url = new URL(request.url, publicUrl);
  if (url.pathname === '/') return file(join(import.meta.dirname, 'index.html'));
  if (url.pathname.startsWith('/cdn/')) {
    const path = normalize(join(cdn, url.pathname.slice('/cdn/'.length)));
    return path.startsWith(`${cdn}/`) ? file(path) : { status: 404, headers: {}, body: 'Not found' };
  }
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const response = await worker.dispatchFetch(`${publicUrl}${request.url}`, {
    method: request.method,
    headers: Object.entries(request.headers).filter(([name]) => !HOP_BY_HOP.has(name)).flatMap(([name, value]) => (Array.isArray(value) ? value.map((one) => [name, one]) : [[name, value]])),
    ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
    redirect: 'manual',
  });
  return { status: response.status, headers: Object.fromEntries(response.headers), body: Buffer.from(await response.arrayBuffer()) };
}

const server = createServer((request, response) => {
  answer(request).then(
    ({ status, headers, body }) => response.writeHead(status, headers).end(body),
    (error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
  );
});
server.listen(port, '127.0.0.1', () => console.log(`Ready on ${publicUrl} (sandbox PSP at ${vars.SANDBOX_API_URL})`));

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    server.close();
    await worker.dispose();
    process.exit(0); // and the sandbox with it (the 'exit' listener)
  });
}
