/**
 * The backend bench's floor: the create endpoint a shop would write by hand on `node:http`, no
 * Hono and no `createCheckoutHandler`. Per create it reads the JSON body, checks the items
 * minimally, prices them from the same catalog, inserts the order with the same driver as the
 * handler's store (a `Map`, better-sqlite3, a `pg` Pool), calls the same sandbox PSP with
 * `fetch` (`POST /v1/sessions`, Basic auth, the body `createSandboxProvider` sends) and answers
 * 201 with the session as JSON.
 *
 * Left out, because a hand-written endpoint usually does without them and the handler does them
 * as part of its job: Idempotency-Key handling (the header is ignored), a session record for
 * reads and the return bridge, a timeout on the PSP call, schema validation of the PSP's answer.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Catalog } from '../../src/server/index.js';

export type FloorStore = 'memory' | 'sqlite' | 'postgres';

export interface FloorOptions {
  store: FloorStore;
  catalog: Catalog;
  /** Base URL of the sandbox PSP. */
  pspUrl: string;
  secretKey: string;
  /** `sqlite`: the database file. */
  sqlitePath?: string;
  /** `postgres`: connection string of an empty database. */
  postgresUrl?: string;
}

interface OrderRow {
  reference: string;
  status: string;
  amount: number;
  currency: string;
  lines: string;
  createdAt: string;
}

type InsertOrder = (order: OrderRow) => void | Promise<unknown>;

const MAX_BODY_BYTES = 64 * 1024;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS orders (
  reference TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  lines TEXT NOT NULL,
  created_at TEXT NOT NULL
)`;

async function orderTable(options: FloorOptions): Promise<InsertOrder> {
  switch (options.store) {
    case 'memory': {
      const orders = new Map<string, OrderRow>();
      return (order) => {
        orders.set(order.reference, order);
      };
    }
    case 'sqlite': {
      if (!options.sqlitePath) throw new Error('the sqlite floor needs sqlitePath');
      const { default: Database } = await import('better-sqlite3');
      const database = new Database(options.sqlitePath);
      // The same durability as createSqliteStore: WAL, and a commit is on disk before it returns.
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = FULL');
      database.exec(CREATE_TABLE);
      const insert = database.prepare(
        'INSERT INTO orders (reference, status, amount, currency, lines, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      return (order) => {
        insert.run(order.reference, order.status, order.amount, order.currency, order.lines, order.createdAt);
      };
    }
    case 'postgres': {
      if (!options.postgresUrl) throw new Error('the postgres floor needs postgresUrl');
      const { default: pg } = await import('pg');
      // The pool size createPostgresStore opens by default.
      const pool = new pg.Pool({ connectionString: options.postgresUrl, max: 10 });
      await pool.query(CREATE_TABLE);
      return (order) =>
        pool.query('INSERT INTO orders (reference, status, amount, currency, lines, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          order.reference,
          order.status,
          order.amount,
          order.currency,
          order.lines,
          order.createdAt,
        ]);
    }
  }
}

function readBody(request: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

interface PricedLine {
  sku: string;
  name: string;
  quantity: number;
  unit_amount: number;
  vat_rate: number;
}

/** The cart priced from the catalog, or a message saying what is wrong with it. */
function price(catalog: Catalog, data: unknown): { lines: PricedLine[]; amount: number } | string {
  const items = (data as { items?: unknown } | null)?.items;
  if (!Array.isArray(items) || items.length === 0 || items.length > 100) return 'items must list 1 to 100 products';
  const lines: PricedLine[] = [];
  let amount = 0;
  for (const item of items as { sku?: unknown; quantity?: unknown }[]) {
    const sku = item?.sku;
    const quantity = item?.quantity;
    if (typeof sku !== 'string' || !Object.hasOwn(catalog.products, sku)) return `unknown sku ${JSON.stringify(sku)}`;
    if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 99) return `bad quantity for ${sku}`;
    const product = catalog.products[sku]!;
    lines.push({ sku, name: product.name, quantity, unit_amount: product.unitAmount, vat_rate: product.vatRate });
    amount += product.unitAmount * quantity;
  }
  return { lines, amount };
}

/** Starts the floor on an ephemeral loopback port; resolves to its base URL. */
export async function startFloor(options: FloorOptions): Promise<string> {
  const insertOrder = await orderTable(options);
  const { catalog } = options;
  const pspSessions = `${options.pspUrl.replace(/\/+$/, '')}/v1/sessions`;
  const authorization = `Basic ${Buffer.from(`${options.secretKey}:`).toString('base64')}`;

  async function create(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const raw = await readBody(request);
    if (raw === undefined) return send(response, 413, { error: 'body too large' });
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return send(response, 400, { error: 'body is not JSON' });
    }
    const priced = price(catalog, data);
    if (typeof priced === 'string') return send(response, 400, { error: priced });
    const locale = (data as { locale?: unknown }).locale;

    const reference = `ord_${randomBytes(10).toString('hex')}`;
    const createdAt = new Date().toISOString();
    await insertOrder({
      reference,
      status: 'pending',
      amount: priced.amount,
      currency: catalog.currency,
      lines: JSON.stringify(priced.lines.map(({ sku, name, quantity, unit_amount }) => ({ sku, name, quantity, unitAmount: unit_amount }))),
      createdAt,
    });

    const base = `http://${request.headers.host ?? '127.0.0.1'}/api/checkout`;
    const answer = await fetch(pspSessions, {
      method: 'POST',
      headers: { authorization, accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({
        amount: priced.amount,
        currency: catalog.currency,
        lines: priced.lines,
        reference,
        accept_url: `${base}/return/accept?checkout_session={ID}&checkout_ref=${reference}`,
        cancel_url: `${base}/return/cancel?checkout_session={ID}&checkout_ref=${reference}`,
        notification_url: `${base}/webhooks/sandbox`,
        ...(typeof locale === 'string' && { locale }),
      }),
    });
    if (!answer.ok) {
      await answer.body?.cancel();
      return send(response, 502, { error: `the PSP answered ${answer.status}` });
    }
    const session = (await answer.json()) as { id: string; url: string; status: string; amount: number; currency: string; expires_at: string };
    send(response, 201, {
      id: session.id,
      provider: 'sandbox',
      kind: 'hosted',
      status: session.status,
      url: session.url,
      frameable: true,
      amount: session.amount,
      currency: session.currency,
      expires_at: session.expires_at,
      livemode: false,
    });
  }

  const server = http.createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/api/checkout/sessions') {
      request.resume();
      return send(response, 404, { error: 'not found' });
    }
    create(request, response).catch((error: unknown) => {
      console.error('floor: create failed', error);
      if (!response.headersSent) send(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
