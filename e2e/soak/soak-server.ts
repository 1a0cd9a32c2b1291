/**
 * One server of the soak, in its own process (like the bench servers) so it shares no event loop
 * with the load generator and its memory is its own. `tsx e2e/soak/soak-server.ts <variant>
 * <options as JSON>`; prints `READY <json>` once it listens on loopback, then runs until killed.
 * The parent talks to it over the IPC channel (`{ id, command, ... }` → `{ id, ok, ... }`).
 *
 * - `psp`: the sandbox PSP and, in front of it, the fault proxy (fault-proxy.ts). READY gives
 *   `{ pspUrl, proxyUrl }`. Command `mode` (`{ mode, slowMs? }`) switches the fault; `counts`
 *   gives the requests the proxy saw per mode.
 * - `handler`: `createCheckoutHandler` on `serveNode` with a SQLite store on `sqlitePath`, the
 *   demo catalog and the sandbox provider calling `apiUrl` (the proxy), `providerTimeoutMs`.
 *   READY gives `{ url }`. Command `memory` runs a full GC (the process runs with --expose-gc)
 *   and gives `process.memoryUsage()` after it; `log` gives what the handler logged, counted by
 *   message (the soak logs thousands of provider failures: they are counted, not printed).
 */
import { DEMO_CATALOG } from '../../demo/server.js';
import { createCheckoutHandler, createSqliteStore } from '../../src/server/index.js';
import { createSandboxProvider } from '../../src/providers/sandbox/index.js';
import { createSandboxPsp, serveNode } from '../../src/server/node.js';
import { FAULT_MODES, startFaultProxy, type FaultMode } from './fault-proxy.js';

interface Options {
  secretKey: string;
  webhookSecret: string;
  /** `psp`: how long `slow` holds a request. */
  slowMs?: number;
  /** `handler`. */
  apiUrl?: string;
  sqlitePath?: string;
  providerTimeoutMs?: number;
}

type Command = { id: number; command: string; [key: string]: unknown };
type Reply = (command: Command) => Promise<Record<string, unknown>>;

function listen(reply: Reply): void {
  process.on('message', (message: Command) => {
    reply(message).then(
      (answer) => process.send?.({ id: message.id, ok: true, ...answer }),
      (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  // The parent went away (killed, crashed): do not outlive it.
  process.on('disconnect', () => process.exit(0));
}

/** An error, with the codes of its causes (a refused connection is a `fetch failed` caused by ECONNREFUSED). */
function describe(error: Error): string {
  const codes: string[] = [];
  for (let cause = error.cause, depth = 0; cause && depth < 3; cause = (cause as { cause?: unknown }).cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return `${error.name}: ${error.message}${codes.length ? ` [${codes.join(', ')}]` : ''}`;
}

/** Log lines counted by message and error (the messages do not vary per request, the counts do). */
function countingLogger() {
  const lines = new Map<string, { level: string; message: string; count: number; example: string }>();
  const record = (level: string) => (...args: unknown[]) => {
    const message = args.map((arg) => (typeof arg === 'string' ? arg : '')).join(' ').trim();
    const error = args.find((arg) => arg instanceof Error) as Error | undefined;
    const example = error ? describe(error) : '';
    const key = `${level} ${message} ${example}`;
    const entry = lines.get(key);
    if (entry) entry.count++;
    else if (lines.size < 50) lines.set(key, { level, message, count: 1, example });
  };
  return {
    logger: { warn: record('warn'), error: record('error') },
    lines: () => [...lines.values()],
  };
}

async function start(variant: string, options: Options): Promise<Record<string, unknown>> {
  switch (variant) {
    case 'psp': {
      const psp = createSandboxPsp({ secretKey: options.secretKey, webhookSecret: options.webhookSecret, logger: { warn: () => undefined } });
      const pspServer = await serveNode(psp.fetch);
      const proxy = await startFaultProxy({ upstream: pspServer.url, slowMs: options.slowMs ?? 5_000 });
      listen(async (message) => {
        if (message.command === 'mode') {
          const mode = message['mode'] as FaultMode;
          if (!FAULT_MODES.includes(mode)) throw new Error(`unknown mode "${String(mode)}"`);
          await proxy.setMode(mode, typeof message['slowMs'] === 'number' ? { slowMs: message['slowMs'] } : {});
          return { mode };
        }
        if (message.command === 'counts') return { counts: proxy.counts() };
        throw new Error(`unknown command "${message.command}"`);
      });
      return { pspUrl: pspServer.url, proxyUrl: proxy.url };
    }
    case 'handler': {
      if (!options.apiUrl || !options.sqlitePath) throw new Error('handler needs apiUrl and sqlitePath');
      const { logger, lines } = countingLogger();
      const store = createSqliteStore({ path: options.sqlitePath });
      await store.migrate();
      const provider = createSandboxProvider({ apiUrl: options.apiUrl, secretKey: options.secretKey, webhookSecret: options.webhookSecret });
      const handler = createCheckoutHandler({
        providers: [provider],
        catalog: DEMO_CATALOG,
        store,
        logger,
        ...(options.providerTimeoutMs !== undefined && { providerTimeoutMs: options.providerTimeoutMs }),
      });
      const server = await serveNode(handler);
      listen(async (message) => {
        if (message.command === 'memory') {
          // Twice: the first full GC can leave garbage that finalisers (sockets, streams) free for the second.
          const gc = (globalThis as { gc?: () => void }).gc;
          gc?.();
          await new Promise((resolve) => setImmediate(resolve));
          gc?.();
          return { gc: Boolean(gc), memory: process.memoryUsage() };
        }
        if (message.command === 'log') return { lines: lines() };
        throw new Error(`unknown command "${message.command}"`);
      });
      return { url: server.url };
    }
    default:
      throw new Error(`unknown variant "${variant}"`);
  }
}

const [variant = '', json = '{}'] = process.argv.slice(2);
start(variant, JSON.parse(json) as Options).then(
  (ready) => console.log(`READY ${JSON.stringify(ready)}`),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
