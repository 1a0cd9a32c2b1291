/**
 * The demo (`npm start`): a shop on PORT (default 5173) with the checkout API, the built widget
 * and the demo pages, and the sandbox PSP on SANDBOX_PORT (default 4243): a second origin, like a
 * real payment provider. Sandbox keys are made per process and never leave the server.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Hono } from 'hono';
import { createCheckoutHandler, type Catalog } from '../src/server/index.js';
import { serveNode, type NodeServerHandle } from '../src/server/node.js';
import { providersFromEnv, type ProviderEnv } from '../src/server/providers/index.js';
import { createSandboxPsp } from '../src/server/providers/sandbox/psp.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Keep in step with PRODUCTS in demo/shop.js (same skus; the prices here are the real ones). */
export const DEMO_CATALOG: Catalog = {
  currency: 'DKK',
  products: {
    'coffee-beans': { name: 'Coffee beans, 1 kg', unitAmount: 24900, vatRate: 0.25 },
    grinder: { name: 'Hand grinder', unitAmount: 89900, vatRate: 0.25 },
    mug: { name: 'Stoneware mug', unitAmount: 12900, vatRate: 0.25 },
  },
};

export interface DemoOptions {
  /** Shop port; 0 for an ephemeral one. Default 5173. */
  port?: number;
  /** Sandbox PSP port; 0 for an ephemeral one. Default 4243. */
  sandboxPort?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Environment for other providers (Stripe keys, …). Default `process.env`. */
  env?: ProviderEnv;
  /** Log webhooks to the console. Default false. */
  logWebhooks?: boolean;
}

export interface DemoServer {
  shopUrl: string;
  sandboxUrl: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * A file under `root` for a URL path, or undefined. Only known static types are served, so
 * source such as this file (`.ts`) never is, and `..` cannot leave the folder.
 */
async function staticFile(root: string, urlPath: string): Promise<Response | undefined> {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (relative.includes('\0')) return undefined;
  if (relative.endsWith('/')) relative += 'index.html';
  const file = path.resolve(root, `.${path.posix.normalize(`/${relative}`)}`);
  if (!file.startsWith(root + path.sep)) return undefined;
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()];
  if (!type) return undefined;
  try {
    if (!(await stat(file)).isFile()) return undefined;
    return new Response(await readFile(file), {
      headers: { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
    });
  } catch {
    return undefined;
  }
}

function urlHost(host: string): string {
  // A wildcard listen address is not something a browser can open.
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts the sandbox PSP and the shop; resolves once both listen. */
export async function startDemo(options: DemoOptions = {}): Promise<DemoServer> {
  const host = options.host ?? '127.0.0.1';
  const env = options.env ?? process.env;
  const sandboxSecretKey = `sbx_sk_${randomBytes(24).toString('hex')}`;
  const sandboxWebhookSecret = `sbx_whsec_${randomBytes(24).toString('hex')}`;

  // The PSP's public URL is only known once it listens (port 0), so it is read per request.
  const psp = createSandboxPsp({ secretKey: sandboxSecretKey, webhookSecret: sandboxWebhookSecret });
  const sandboxServer = await serveNode(psp.fetch, { port: options.sandboxPort ?? 4243, hostname: host });
  const sandboxUrl = `http://${urlHost(host)}:${sandboxServer.port}`;

  let shopServer: NodeServerHandle | undefined;
  try {
    const providers = providersFromEnv({
      ...env,
      SANDBOX_API_URL: sandboxUrl,
      SANDBOX_SECRET_KEY: sandboxSecretKey,
      SANDBOX_WEBHOOK_SECRET: sandboxWebhookSecret,
    });
    const checkout = createCheckoutHandler({
      providers,
      catalog: DEMO_CATALOG,
      returnPage: '/checkout.html',
      onWebhook: (event, provider, { session }) => {
        if (options.logWebhooks) {
          console.log(`webhook ${provider} ${event.type} ${event.sessionId ?? ''} ${session ? `-> ${session.status}` : ''}`);
        }
      },
    });

    const roots = {
      cdn: path.join(repoRoot, 'dist', 'cdn'),
      demo: path.join(repoRoot, 'demo'),
      public: path.join(repoRoot, 'public'),
    };
    const shop = new Hono();
    shop.all('/api/checkout/*', (c) => checkout(c.req.raw));
    shop.get('/cdn/*', async (c) => {
      const found = await staticFile(roots.cdn, c.req.path.slice('/cdn'.length));
      return found ?? c.text('Not found (did `npm run build` run?)', 404);
    });
    shop.get('*', async (c) => {
      const found = (await staticFile(roots.demo, c.req.path)) ?? (await staticFile(roots.public, c.req.path));
      if (found) return found;
      // Browsers ask for it on every page; a 404 would be noise in the console and in e2e logs.
      if (c.req.path === '/favicon.ico') return c.body(null, 204);
      return c.text('Not found', 404);
    });

    shopServer = await serveNode(shop.fetch, { port: options.port ?? 5173, hostname: host });
  } catch (error) {
    await sandboxServer.close();
    throw error;
  }
  const shopHandle = shopServer;
  return {
    shopUrl: `http://${urlHost(host)}:${shopHandle.port}`,
    sandboxUrl,
    async close() {
      await Promise.all([shopHandle.close(), sandboxServer.close()]);
    },
  };
}

function portFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${name} must be a port number (got "${value}")`);
  return port;
}

async function main(): Promise<void> {
  const demo = await startDemo({
    port: portFrom(process.env['PORT'], 5173, 'PORT'),
    sandboxPort: portFrom(process.env['SANDBOX_PORT'], 4243, 'SANDBOX_PORT'),
    host: process.env['HOST'] || '127.0.0.1',
    logWebhooks: true,
  });
  console.log(`Demo shop:   ${demo.shopUrl}/  (open this)`);
  console.log(`Sandbox PSP: ${demo.sandboxUrl}  (test card 4242 4242 4242 4242, BLIK 777123)`);
  const stop = () => {
    void demo.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
