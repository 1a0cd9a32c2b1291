/**
 * The demo (`npm start`): a shop on PORT (default 5173) with the checkout API, the built widget
 * and the demo pages, and the sandbox PSP on SANDBOX_PORT (default 4243): a second origin, like a
 * real payment provider. Sandbox keys never leave the server; with a data folder (`npm start`:
 * .data/demo) they, the sandbox's sessions and the order ledger survive restarts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
// Only the package's public entry points, as a shop imports them (`checkout-widget/server`,
// `/server/node`, `/server/providers/reepay`): `demo-imports.test.ts` holds the demo to that.
import {
  createCheckoutHandler,
  createMemoryStore,
  createSqliteStore,
  ORDER_STATUSES,
  ProviderError,
  ProviderInputError,
  providersFromEnv,
  redactSecrets,
  type Catalog,
  type CheckoutHandler,
  type CheckoutStore,
  type Order,
  type ProviderEnv,
} from '../src/server/index.js';
import { serveNode, startSandbox, type NodeServerHandle } from '../src/server/node.js';
import { createReepayBilling, type ReepayBilling, type ReepayInvoice } from '../src/providers/reepay/index.js';

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
  /**
   * A folder for everything the demo keeps across restarts: the order ledger (SQLite), the
   * sandbox PSP's keys and sessions. Default: none, everything in memory (tests).
   */
  dataDir?: string;
  /** Called after the demo fulfilled a paid order (tests, logs). */
  onFulfilled?: (order: Order) => void;
}

export interface DemoServer {
  shopUrl: string;
  sandboxUrl: string;
  /** Names of the providers the shop offers, the default first. */
  providers: string[];
  /** Whether the auto-refill page runs on Reepay on-demand billing (else on the sandbox's saved cards). */
  refill: boolean;
  /** Where state is kept across restarts, when it is. */
  dataDir?: string;
  close(): Promise<void>;
}

/** What a refill charge bills: one bag of beans, priced from the catalog like every order. */
export const REFILL_SKU = 'coffee-beans';
/** The Reepay plan (manual billing cycle) refill agreements use unless `REEPAY_REFILL_PLAN` says otherwise. */
export const DEFAULT_REFILL_PLAN = 'refill';

interface RefillSetUp {
  billing: ReepayBilling;
  plan: string;
}

/** Reepay on-demand billing for the refill page, when Reepay's private key is configured. */
function refillFromEnv(env: ProviderEnv): RefillSetUp | undefined {
  const privateKey = env['REEPAY_PRIVATE_KEY']?.trim();
  if (!privateKey) return undefined;
  const apiUrl = env['REEPAY_API_URL']?.trim();
  return {
    billing: createReepayBilling({ privateKey, ...(apiUrl && { apiUrl }) }),
    plan: env['REEPAY_REFILL_PLAN']?.trim() || DEFAULT_REFILL_PLAN,
  };
}

function demoError(c: Context, status: 400 | 404 | 409 | 415 | 502 | 503, code: string, message: string): Response {
  return c.json({ error: { code, message } }, status, { 'cache-control': 'no-store' });
}

/** The JSON body of a demo POST, or an error answer. JSON only, so a cross-site form cannot post here. */
async function demoBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S> | Response> {
  if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
    return demoError(c, 415, 'invalid_request', 'Send the body as application/json');
  }
  let data: unknown;
  try {
    data = await c.req.json();
  } catch {
    return demoError(c, 400, 'invalid_request', 'The body is not valid JSON');
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return demoError(c, 400, 'invalid_request', `Invalid request: ${where}${issue?.message ?? 'invalid body'}`);
  }
  return parsed.data;
}

function providerFailure(c: Context, error: unknown): Response {
  if (error instanceof ProviderInputError) return demoError(c, 400, 'invalid_request', redactSecrets(error.message));
  if (error instanceof ProviderError) return demoError(c, 502, 'provider_error', redactSecrets(error.message));
  console.error('demo: refill call failed', error);
  return demoError(c, 502, 'provider_error', 'The payment provider call failed unexpectedly');
}

function randomHandlePart(): string {
  return randomBytes(6).toString('hex');
}

/** Why an instant charge failed, from the invoice's transactions (Reepay puts it there). */
function failureReason(invoice: ReepayInvoice): string | undefined {
  const transactions = invoice.raw['transactions'];
  if (!Array.isArray(transactions)) return undefined;
  for (const transaction of transactions as Array<Record<string, unknown>>) {
    const card = transaction['card_transaction'] as Record<string, unknown> | undefined;
    // The acquirer's words read better than Reepay's error code, when there are any.
    const reason = card?.['acquirer_message'] || card?.['error'] || transaction['error'];
    if (typeof reason === 'string' && reason) return reason;
  }
  return undefined;
}

/** Only the checkout session that saved the card: customer and card come from the ledger. */
const agreementBody = z.strictObject({ session: z.string().min(1).max(255) });
/** Agreements this shop made (the charge route bills only those, never a handle a page invents). */
const REFILL_AGREEMENTS = 'demo-refill-agreements';
const chargeBody = z.strictObject({ agreement: z.string().min(1).max(255) });

/**
 * Demo-only routes under `/api/demo/`: which providers the shop offers (names, never keys), and
 * the auto-refill sign-up on Reepay on-demand billing.
 */
/** A refill of the sandbox's saved card: one bag, charged through the handler, so it is an order in the ledger. */
async function sandboxRefill(c: Context, checkout: CheckoutHandler, agreement: Order): Promise<Response> {
  try {
    const order = await checkout.charge({
      provider: agreement.provider,
      paymentMethod: agreement.paymentMethod!,
      items: [{ sku: REFILL_SKU, quantity: 1 }],
      customer: agreement.customer,
      // The page sends one per click; a retried request cannot charge twice.
      idempotencyKey: c.req.header('idempotency-key') || `refill-${randomHandlePart()}`,
    });
    const state = order.status === 'paid' ? 'settled' : order.status === 'pending' ? 'pending' : 'failed';
    return c.json(
      { invoice: { handle: order.reference, state, amount: order.amount, currency: order.currency } },
      201,
      { 'cache-control': 'no-store' },
    );
  } catch (error) {
    return providerFailure(c, error);
  }
}

function demoApi(
  checkout: CheckoutHandler,
  store: CheckoutStore,
  providerNames: string[],
  providerLabels: Record<string, string>,
  refill: RefillSetUp | undefined,
  preload: Record<string, string>,
): Hono {
  const api = new Hono();

  // The shop's back office: the order ledger, newest first. A real shop puts this behind its login.
  api.get('/orders', async (c) => {
    const status = c.req.query('status');
    if (status !== undefined && !(ORDER_STATUSES as readonly string[]).includes(status)) {
      return demoError(c, 400, 'invalid_request', `status must be one of ${ORDER_STATUSES.join(', ')}`);
    }
    const orders = await checkout.orders.list({ limit: 100, ...(status && { status: status as Order['status'] }) });
    // Each provider's circuit breaker, shared by every handler on the store (README, "Methods, routing and failover").
    const providers = await checkout.providers.health();
    return c.json({ orders, providers }, 200, { 'cache-control': 'no-store' });
  });

  // Stuck hooks: dead letters (given up after their retries) and jobs still failing, for the
  // orders page's Retry button. A real shop puts these behind its login too.
  api.get('/jobs', async (c) => {
    const [dead, pending] = await Promise.all([checkout.jobs.list({ status: 'dead', limit: 100 }), checkout.jobs.list({ status: 'pending', limit: 100 })]);
    const jobs = [...dead, ...pending.filter((job) => job.lastError !== undefined)].map(({ payload: _payload, ...job }) => job);
    return c.json({ jobs }, 200, { 'cache-control': 'no-store' });
  });

  api.post('/jobs/:id/retry', async (c) => {
    // A form post from another site must not retry work here: only the shop's own page (CORS-safe JSON).
    if (!c.req.header('content-type')?.startsWith('application/json')) return demoError(c, 415, 'invalid_request', 'Send application/json');
    const retried = await checkout.jobs.retry(c.req.param('id'));
    if (!retried) return demoError(c, 409, 'not_dead', 'No dead job with that id (already retried?)');
    return c.json({ retried: true }, 200, { 'cache-control': 'no-store' });
  });

  api.get('/providers', (c) =>
    c.json(
      {
        providers: providerNames,
        labels: providerLabels,
        default: providerNames[0],
        // The sandbox's SDK doubles the page loads before the widget for these providers (a shop that preloads the SDK).
        preload,
        refill: refill !== undefined || providerNames.includes('sandbox'),
        // Reepay's on-demand billing when it is configured, else the sandbox's saved cards (offline).
        refillProvider: refill ? 'reepay' : providerNames.includes('sandbox') ? 'sandbox' : null,
      },
      200,
      { 'cache-control': 'no-store' },
    ),
  );

  const notConfigured = (c: Context) =>
    demoError(c, 503, 'not_configured', 'Auto refill needs Reepay: start the demo with REEPAY_PRIVATE_KEY set (and a plan with a manual billing cycle, REEPAY_REFILL_PLAN, default "refill")');

  /**
   * The agreement comes from the ledger, never the page: the paid sign-up order of that checkout,
   * with the customer it was made for and the card the provider says it saved.
   */
  api.post('/refill/agreements', async (c) => {
    const provider = refill ? 'reepay' : providerNames.includes('sandbox') ? 'sandbox' : undefined;
    if (!provider) return notConfigured(c);
    const body = await demoBody(c, agreementBody);
    if (body instanceof Response) return body;
    // The read confirms the session with the provider and moves its order (with the saved card).
    const read = await checkout(new Request(new URL(`/api/checkout/sessions/${encodeURIComponent(body.session)}`, c.req.url)));
    const record = read.ok ? await store.getSession(body.session) : undefined;
    const order = record && (await checkout.orders.get(record.reference));
    if (!order || order.provider !== provider || order.status !== 'paid' || !order.paymentMethod) {
      return demoError(c, 409, 'session_not_complete', `Checkout session "${body.session}" is not a paid ${provider} checkout that saved a card`);
    }
    if (!refill) return c.json({ agreement: { handle: order.reference, customer: order.customer.handle } }, 201, { 'cache-control': 'no-store' });
    const customer = order.customer.handle ?? `customer-${order.reference}`;
    try {
      const agreement = await refill.billing.createAgreement({
        handle: `${customer}-refill-${randomHandlePart()}`,
        plan: refill.plan,
        customer,
        source: order.paymentMethod,
      });
      // On the store: a restarted demo (or a second one) still bills the agreements it made.
      await store.putProviderRecord(REFILL_AGREEMENTS, agreement.handle, { customer, order: order.reference });
      return c.json({ agreement }, 201, { 'cache-control': 'no-store' });
    } catch (error) {
      return providerFailure(c, error);
    }
  });

  api.post('/refill/charges', async (c) => {
    if (!refill && !providerNames.includes('sandbox')) return notConfigured(c);
    const body = await demoBody(c, chargeBody);
    if (body instanceof Response) return body;
    if (!refill) {
      const agreement = await checkout.orders.get(body.agreement);
      if (!agreement || agreement.provider !== 'sandbox' || agreement.status !== 'paid' || !agreement.paymentMethod) {
        return demoError(c, 404, 'not_found', `No refill agreement "${body.agreement}" was made by this shop`);
      }
      return sandboxRefill(c, checkout, agreement);
    }
    if ((await store.getProviderRecord(REFILL_AGREEMENTS, body.agreement)) === undefined) {
      return demoError(c, 404, 'not_found', `No refill agreement "${body.agreement}" was made by this shop`);
    }
    const product = DEMO_CATALOG.products[REFILL_SKU]!;
    try {
      const invoice = await refill.billing.chargeAgreement({
        subscription: body.agreement,
        // Unique per bill, so a retried request cannot charge twice under two handles.
        handle: `refill-${randomHandlePart()}`,
        instant: true,
        planManual: false,
        orderLines: [{ ordertext: product.name, amount: product.unitAmount, quantity: 1, vat: product.vatRate, amount_incl_vat: true }],
      });
      const reason = invoice.state === 'failed' ? failureReason(invoice) : undefined;
      const { raw: _raw, ...shown } = invoice;
      return c.json({ invoice: { ...shown, ...(reason && { reason }) } }, 201, { 'cache-control': 'no-store' });
    } catch (error) {
      return providerFailure(c, error);
    }
  });

  api.all('*', (c) => demoError(c, 404, 'not_found', 'Not found'));
  return api;
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
 * `serveStatic` for the files under `root`, with the demo's content types and headers. Only known
 * static types are served, so source such as this file (`.ts`) never is; serveStatic itself
 * refuses `..`, encoded separators and anything else outside the folder.
 */
function staticFiles(root: string, urlPrefix = ''): MiddlewareHandler {
  const serve = serveStatic({ root, ...(urlPrefix && { rewriteRequestPath: (urlPath) => urlPath.slice(urlPrefix.length) }) });
  return async (c, next) => {
    const urlPath = c.req.path.endsWith('/') ? `${c.req.path}index.html` : c.req.path;
    const type = CONTENT_TYPES[path.posix.extname(urlPath).toLowerCase()];
    if (!type) return next();
    const found = await serve(c, next);
    // serveStatic's own types differ (no charset on JSON, one on SVG); the demo's are kept.
    if (found instanceof Response) {
      found.headers.set('content-type', type);
      found.headers.set('cache-control', 'no-cache');
      found.headers.set('x-content-type-options', 'nosniff');
    }
    return found;
  };
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
  // With a dataDir the sandbox keeps its keys and state (sessions, saved cards, charges) across
  // restarts; without one, new keys per process and memory only.
  const sandbox = await startSandbox({ port: options.sandboxPort ?? 4243, hostname: host, ...(options.dataDir && { dataDir: options.dataDir }) });
  const sandboxUrl = sandbox.url;

  let shopServer: NodeServerHandle | undefined;
  let store: CheckoutStore | undefined;
  let checkoutHandler: CheckoutHandler | undefined;
  let providerNames: string[] = [];
  let providerLabels: Record<string, string> = {};
  let preload: Record<string, string> = {};
  let refill: RefillSetUp | undefined;
  try {
    store = options.dataDir
      ? createSqliteStore({ path: path.join(options.dataDir, 'checkout.db') })
      : createMemoryStore();
    const providers = providersFromEnv({ ...env, ...sandbox.env }, undefined, { store });
    // The same PSP in card-token mode: its card fields (a Frames double) make the token, so the card-token flow runs offline.
    providers.push(sandbox.cardFieldsProvider);
    // Its SDK-shaped modes: Mollie Components-like card fields and an Adyen Drop-in-like mount, drawn
    // by the widget's Mollie driver and Adyen renderer with the PSP's SDK doubles on the page.
    providers.push(sandbox.mollieFieldsProvider, sandbox.dropinProvider);
    preload = {
      [sandbox.mollieFieldsProvider.name]: sandbox.sdkScripts.mollie,
      [sandbox.dropinProvider.name]: sandbox.sdkScripts.adyenWeb,
    };
    providerNames = providers.map((provider) => provider.name);
    providerLabels = Object.fromEntries(providers.map((provider) => [provider.name, provider.label ?? provider.name]));
    refill = refillFromEnv(env);
    const checkout = createCheckoutHandler({
      providers,
      catalog: DEMO_CATALOG,
      store,
      returnPage: '/checkout.html',
      // On 127.0.0.1 (the default) the handler needs no publicUrl; served on a LAN address (HOST=0.0.0.0),
      // the demo follows each request's Host as a dev server does. A shop in production sets publicUrl.
      development: !['127.0.0.1', 'localhost', '::1'].includes(host),
      // The demo's "warehouse": a real shop would book the shipment here. Runs once per paid order.
      onOrderPaid: (order) => {
        const lines = order.lines.map((line) => `${line.quantity} × ${line.name}`).join(', ');
        console.log(`fulfilled ${order.reference} (${lines}; ${order.amount / 100} ${order.currency})`);
        options.onFulfilled?.(order);
      },
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
    checkoutHandler = checkout;
    shop.all('/api/checkout/*', (c) => checkout(c.req.raw));
    shop.route('/api/demo', demoApi(checkout, store, providerNames, providerLabels, refill, preload));
    shop.get('/cdn/*', staticFiles(roots.cdn, '/cdn'), (c) => c.text('Not found (did `npm run build` run?)', 404));
    shop.get('*', staticFiles(roots.demo), staticFiles(roots.public), (c) => {
      // Browsers ask for it on every page; a 404 would be noise in the console and in e2e logs.
      if (c.req.path === '/favicon.ico') return c.body(null, 204);
      return c.text('Not found', 404);
    });

    shopServer = await serveNode(shop.fetch, { port: options.port ?? 5173, hostname: host });
  } catch (error) {
    await checkoutHandler?.close();
    await store?.close();
    await sandbox.close();
    throw error;
  }
  const shopHandle = shopServer;
  const openStore = store;
  const handler = checkoutHandler;
  return {
    shopUrl: `http://${urlHost(host)}:${shopHandle.port}`,
    sandboxUrl,
    providers: providerNames,
    refill: refill !== undefined,
    ...(options.dataDir && { dataDir: options.dataDir }),
    async close() {
      await Promise.all([shopHandle.close(), sandbox.close()]);
      await handler?.close();
      await openStore?.close();
    },
  };
}

function portFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${name} must be a port number (got "${value}")`);
  return port;
}

/** The state folder, made if missing (git ignores `.data/`). */
async function dataDirectory(folder: string): Promise<string> {
  await mkdir(folder, { recursive: true });
  return folder;
}

async function main(): Promise<void> {
  const demo = await startDemo({
    port: portFrom(process.env['PORT'], 5173, 'PORT'),
    sandboxPort: portFrom(process.env['SANDBOX_PORT'], 4243, 'SANDBOX_PORT'),
    host: process.env['HOST'] || '127.0.0.1',
    logWebhooks: true,
    dataDir: await dataDirectory(process.env['CHECKOUT_DATA_DIR'] || path.join(repoRoot, '.data', 'demo')),
  });
  console.log(`Demo shop:   ${demo.shopUrl}/  (open this)`);
  console.log(`Sandbox PSP: ${demo.sandboxUrl}  (test card 4242 4242 4242 4242, BLIK 777123)`);
  console.log(`Orders:      ${demo.shopUrl}/orders.html  (the ledger, kept in ${demo.dataDir})`);
  console.log(`Providers:   ${demo.providers.join(', ')}  (default: ${demo.providers[0]}; others switch on with their keys, see README)`);
  console.log(
    demo.refill
      ? `Auto refill: ${demo.shopUrl}/refill.html  (Reepay on-demand billing)`
      : `Auto refill: ${demo.shopUrl}/refill.html  (the sandbox's saved cards; REEPAY_PRIVATE_KEY switches to Reepay)`,
  );
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
