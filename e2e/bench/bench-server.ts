import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bench pages' origin: `/bench/<name>.html` from `e2e/bench/pages/`, `/cdn/*` from a copy of
 * `dist/cdn` taken when the bench started (other work may rebuild `dist/` meanwhile), everything
 * else (the session endpoint) passed through to the demo shop (`startDemo`). So the pages, the
 * widget script and the endpoint share one origin as in a real shop, and both pages pay the same
 * pass-through hop on their create call.
 */
export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

const PAGES_DIR = fileURLToPath(new URL('./pages/', import.meta.url));
const PAGE_NAME = /^\/bench\/([a-z-]+\.html)$/;
const CDN_FILE = /^\/cdn\/([\w.-]+\.js)$/;

function serveFile(response: http.ServerResponse, file: string, contentType: string): void {
  readFile(file).then(
    (body) => {
      // The headers startDemo sends for the same files.
      response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
      response.end(body);
    },
    () => {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    },
  );
}

export async function startBenchServer(shopUrl: string, cdnDir: string): Promise<BenchServer> {
  const shop = new URL(shopUrl);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((request, response) => {
    const url = request.url ?? '';
    const page = PAGE_NAME.exec(url);
    if (page) return serveFile(response, path.join(PAGES_DIR, page[1]!), 'text/html; charset=utf-8');
    const script = CDN_FILE.exec(url);
    if (script) return serveFile(response, path.join(cdnDir, script[1]!), 'text/javascript; charset=utf-8');
    const upstream = http.request(
      {
        host: shop.hostname,
        port: shop.port,
        method: request.method,
        path: request.url,
        // The browser's Host stays, so the handler builds return URLs for this origin.
        headers: request.headers,
        agent,
      },
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
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        agent.destroy();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
