/**
 * One server of the backend bench, in its own process so it does not share an event loop with
 * the load generator. `tsx e2e/bench/backend-server.ts <variant> [options as JSON]`; prints
 * `READY <url>` once it listens on an ephemeral loopback port, and runs until killed.
 *
 * - `psp`: the sandbox PSP (as a remote provider: its own process).
 * - `handler`: `createCheckoutHandler` with the sandbox provider calling the PSP at `pspUrl`.
 * - `handler-stub`: the same handler with a provider that answers at once, without HTTP (the handler alone).
 * - `floor`: bare `node:http` answering the same JSON with the same status and headers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_CATALOG } from '../../demo/server.js';
import { createCheckoutHandler, createSandboxProvider, createSandboxPsp, type CheckoutSession, type PaymentProvider } from '../../src/server/index.js';
import { serveNode } from '../../src/server/node.js';

interface Options {
  /** `psp`, `handler`: made per bench run by the parent. */
  secretKey?: string;
  webhookSecret?: string;
  pspUrl?: string;
  /** The session JSON (`floor`, `handler-stub`). */
  session?: CheckoutSession;
}

const quietLogger = { warn: () => undefined, error: (...args: unknown[]) => console.error(...args) };

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
      return (await serveNode(createCheckoutHandler({ providers: [provider], catalog: DEMO_CATALOG, logger: quietLogger }))).url;
    }
    case 'handler-stub': {
      const session = options.session;
      if (!session) throw new Error('handler-stub needs session');
      const provider: PaymentProvider = {
        name: 'sandbox',
        createSession: async () => ({ ...session }),
        getSession: async () => ({ ...session }),
      };
      return (await serveNode(createCheckoutHandler({ providers: [provider], catalog: DEMO_CATALOG, logger: quietLogger }))).url;
    }
    case 'floor': {
      if (!options.session) throw new Error('floor needs session');
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

const [variant = '', json = '{}'] = process.argv.slice(2);
start(variant, JSON.parse(json) as Options).then(
  (url) => console.log(`READY ${url}`),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
