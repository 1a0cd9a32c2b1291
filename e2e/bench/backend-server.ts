/**
 * One server of the backend bench, in its own process so it does not share an event loop with
 * the load generator. `tsx e2e/bench/backend-server.ts <variant> [options as JSON]`; prints
 * `READY <url>` once it listens on an ephemeral loopback port, and runs until killed.
 *
 * - `psp`: the sandbox PSP (as a remote provider: its own process).
 * - `handler`: `createCheckoutHandler` on `serveNode`, the sandbox provider calling the PSP at
 *   `pspUrl`, with the store named by `store` (memory, SQLite file, PostgreSQL database).
 * - `floor`: the hand-written `node:http` endpoint of `floor-server.ts`, same PSP, same catalog,
 *   its order row in the same kind of store with the same driver.
 * - `bare`: bare `node:http` answering a fixed session JSON (no work at all; context only).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_CATALOG } from '../../demo/server.js';
import {
  createCheckoutHandler,
  createMemoryStore,
  createPostgresStore,
  createSqliteStore,
  type CheckoutSession,
  type CheckoutStore,
} from '../../src/server/index.js';
import { createSandboxPsp, serveNode } from '../../src/server/node.js';
import { createSandboxProvider } from '../../src/providers/sandbox/index.js';
import { startFloor, type FloorStore } from './floor-server.js';

interface Options {
  /** `psp`, `handler`, `floor`: made per bench run by the parent. */
  secretKey?: string;
  webhookSecret?: string;
  pspUrl?: string;
  /** `handler`, `floor`. */
  store?: FloorStore;
  sqlitePath?: string;
  postgresUrl?: string;
  /** The session JSON (`bare`). */
  session?: CheckoutSession;
}

const quietLogger = { warn: () => undefined, error: (...args: unknown[]) => console.error(...args) };

function handlerStore(options: Options): CheckoutStore {
  switch (options.store) {
    case 'memory':
      return createMemoryStore();
    case 'sqlite':
      if (!options.sqlitePath) throw new Error('the sqlite handler needs sqlitePath');
      return createSqliteStore({ path: options.sqlitePath });
    case 'postgres':
      if (!options.postgresUrl) throw new Error('the postgres handler needs postgresUrl');
      return createPostgresStore({ connectionString: options.postgresUrl });
    default:
      throw new Error(`unknown store "${options.store}"`);
  }
}

async function start(variant: string, options: Options): Promise<string> {
  switch (variant) {
    case 'psp': {
      const psp = createSandboxPsp({ secretKey: options.secretKey ?? '', webhookSecret: options.webhookSecret ?? '', logger: quietLogger });
      return (await serveNode(psp.fetch)).url;
    }
    case 'handler': {
      if (!options.pspUrl) throw new Error('handler needs pspUrl');
      const provider = createSandboxProvider({
        apiUrl: options.pspUrl,
        secretKey: options.secretKey ?? '',
        webhookSecret: options.webhookSecret ?? '',
      });
      const store = handlerStore(options);
      // Tables are made before the first request, as a shop's deploy would; not timed either way.
      await store.migrate();
      // Rate limits off: autocannon is one client over its limit within a second, and the floor has none.
      return (await serveNode(createCheckoutHandler({ providers: [provider], catalog: DEMO_CATALOG, store, logger: quietLogger, rateLimits: false }))).url;
    }
    case 'floor': {
      if (!options.pspUrl || !options.store) throw new Error('floor needs pspUrl and store');
      return startFloor({
        store: options.store,
        catalog: DEMO_CATALOG,
        pspUrl: options.pspUrl,
        secretKey: options.secretKey ?? '',
        ...(options.sqlitePath && { sqlitePath: options.sqlitePath }),
        ...(options.postgresUrl && { postgresUrl: options.postgresUrl }),
      });
    }
    case 'bare': {
      if (!options.session) throw new Error('bare needs session');
      const body = JSON.stringify(options.session);
      const server = http.createServer((request, response) => {
        // Read the body like a real endpoint would, then answer.
        request.resume();
        request.on('end', () => {
          response.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
          response.end(body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    default:
      throw new Error(`unknown variant "${variant}"`);
  }
}

// Exit on the bench's SIGTERM rather than die of it, so `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));

const [variant = '', json = '{}'] = process.argv.slice(2);
start(variant, JSON.parse(json) as Options).then(
  (url) => console.log(`READY ${url}`),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
