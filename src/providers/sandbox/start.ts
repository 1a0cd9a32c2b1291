import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { serveNode } from '../../server/node-http.js';
import type { PaymentProvider } from '../../server/provider-api/types.js';
import { createSandboxPsp, loadOrCreateSandboxKeys } from './psp.js';
import { createSandboxProvider } from './server.js';

/** Options of `startSandbox`; give `dataDir` so keys, sessions and saved cards survive a dev server restart. */
export interface StartSandboxOptions {
  /**
   * Default 0: an ephemeral port (read `url`), a new sandbox on every call. A fixed port is one
   * sandbox per process: a second call with it (a dev server that reloaded your module) gets the
   * running one back instead of `EADDRINUSE`.
   */
  port?: number;
  /** Default `127.0.0.1`. */
  hostname?: string;
  /**
   * Keep the sandbox's keys and state (sessions, saved cards, charges) in this folder across
   * restarts (`sandbox-keys.json`, `sandbox-psp.json`). Without it: new keys, memory only.
   */
  dataDir?: string;
  /** Where the PSP reports webhooks it could not deliver. Default `console`. */
  logger?: Pick<Console, 'warn'>;
}

/** What `startSandbox` returns: its URL, ready-made providers or the env for `providersFromEnv`, and `close()`. */
export interface RunningSandbox {
  /** Where the PSP listens: its API and the pages shoppers see. */
  url: string;
  /** The hosted-page provider (`sandbox`), for `createCheckoutHandler({ providers })`. */
  provider: PaymentProvider;
  /** The same PSP's card fields (`sandbox-fields`, a `card-token` session, like Commerce Layer + checkout.com). */
  cardFieldsProvider: PaymentProvider;
  /**
   * The same PSP's card fields in Mollie Components' shape (`sandbox-mollie`: `token_provider:
   * "mollie"`): the widget draws them with its Mollie driver when the page has `sdkScripts.mollie`.
   */
  mollieFieldsProvider: PaymentProvider;
  /**
   * The same PSP as an Adyen Web-like Drop-in (`sandbox-dropin`, a `kind: "adyen"` session): the
   * widget mounts it with its Adyen renderer when the page has `sdkScripts.adyenWeb`.
   */
  dropinProvider: PaymentProvider;
  /**
   * The PSP's SDK doubles, for a page to load before the widget (the widget itself fetches only
   * Mollie's and Adyen's real SDKs, and uses a `window.Mollie` / `window.AdyenWeb` already there).
   */
  sdkScripts: { mollie: string; adyenWeb: string };
  /** `SANDBOX_API_URL`, `SANDBOX_SECRET_KEY`, `SANDBOX_WEBHOOK_SECRET`, for `providersFromEnv`. */
  env: Record<'SANDBOX_API_URL' | 'SANDBOX_SECRET_KEY' | 'SANDBOX_WEBHOOK_SECRET', string>;
  /** Stops the PSP; a later `startSandbox` on its port starts a new one. */
  close(): Promise<void>;
}

/**
 * The sandboxes this process runs on a fixed port, on `globalThis` (not in this module), so a dev
 * server that evaluates the module again (`next dev`, `vite-node`, `tsx watch` in one process)
 * finds the one it started: Prisma's dev client pattern.
 */
const REGISTRY_KEY = Symbol.for('checkout-widget.sandboxes');
interface Registered {
  options: StartSandboxOptions;
  running: Promise<RunningSandbox>;
}
function registry(): Map<number, Registered> {
  const holder = globalThis as { [REGISTRY_KEY]?: Map<number, Registered> };
  return (holder[REGISTRY_KEY] ??= new Map());
}

/**
 * The sandbox PSP for your own dev server, in one call: it listens on its own port (a second
 * origin, as a real PSP is) and hands you its providers, with keys both sides share. On a fixed
 * `port` it is one per process: a second call gets the running sandbox (call it on the first
 * request, not at import, so `next build` starts nothing: README, "The sandbox in your own dev server").
 */
export function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const port = options.port ?? 0;
  if (port === 0) return listen(options);
  const sandboxes = registry();
  const known = sandboxes.get(port);
  if (known) {
    const differs = (['hostname', 'dataDir'] as const).find((key) => known.options[key] !== options[key]);
    if (differs) {
      return Promise.reject(
        new Error(
          `startSandbox: a sandbox already runs on port ${port} in this process with another ${differs} ` +
            `(${String(known.options[differs])}, now ${String(options[differs])}); close() it first or use another port`,
        ),
      );
    }
    return known.running;
  }
  const entry: Registered = { options: { ...options }, running: listen(options, () => forget()) };
  const forget = () => {
    if (sandboxes.get(port) === entry) sandboxes.delete(port);
  };
  sandboxes.set(port, entry);
  entry.running.catch(forget);
  return entry.running;
}

async function listen(options: StartSandboxOptions, onClose?: () => void): Promise<RunningSandbox> {
  const keys = options.dataDir
    ? loadOrCreateSandboxKeys(path.join(options.dataDir, 'sandbox-keys.json'))
    : { secretKey: `sbx_sk_${randomBytes(24).toString('hex')}`, webhookSecret: `sbx_whsec_${randomBytes(24).toString('hex')}` };
  const psp = createSandboxPsp({
    ...keys,
    ...(options.dataDir && { stateFile: path.join(options.dataDir, 'sandbox-psp.json') }),
    ...(options.logger && { logger: options.logger }),
  });
  const hostname = options.hostname ?? '127.0.0.1';
  let server: Awaited<ReturnType<typeof serveNode>>;
  try {
    server = await serveNode(psp.fetch, { port: options.port ?? 0, hostname });
  } catch (error) {
    await psp.close();
    if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
    throw new Error(
      `startSandbox: port ${options.port} is taken by another process (another dev server still running?); ` +
        'stop it or pass another port. In one process a second call on the same port reuses the running sandbox.',
      { cause: error },
    );
  }
  // A wildcard listen address is not something a browser can open.
  const url = hostname === '0.0.0.0' || hostname === '::' ? `http://127.0.0.1:${server.port}` : server.url;
  const common = { apiUrl: url, secretKey: keys.secretKey, webhookSecret: keys.webhookSecret };
  return {
    url,
    provider: createSandboxProvider(common),
    cardFieldsProvider: createSandboxProvider({ ...common, sessionKind: 'card-token', name: 'sandbox-fields', label: 'Sandbox card fields (card-token)' }),
    mollieFieldsProvider: createSandboxProvider({ ...common, sessionKind: 'card-token', tokenProvider: 'mollie', name: 'sandbox-mollie' }),
    dropinProvider: createSandboxProvider({ ...common, sessionKind: 'adyen', name: 'sandbox-dropin' }),
    sdkScripts: { mollie: `${url}/v1/mollie.js`, adyenWeb: `${url}/v1/adyen-web.js` },
    env: { SANDBOX_API_URL: url, SANDBOX_SECRET_KEY: keys.secretKey, SANDBOX_WEBHOOK_SECRET: keys.webhookSecret },
    async close() {
      onClose?.();
      await psp.close();
      await server.close();
    },
  };
}
