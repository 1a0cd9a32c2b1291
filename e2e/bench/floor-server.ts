/**
 * The backend bench's floor: the create endpoint a careful shop writes by hand on `node:http`, no
 * Hono and no `createCheckoutHandler`. Per create it reads the JSON body, checks the items
 * minimally, looks up the `Idempotency-Key` (a finished key answers its stored session, one in
 * flight 409), prices the cart from the same catalog, then, with the same driver as the handler's
 * store (a `Map`, better-sqlite3, a `pg` Pool): commit 1 inserts the pending order and claims the
 * key, the same sandbox PSP is called with `fetch` (`POST /v1/sessions`, Basic auth, the body
 * `createSandboxProvider` sends), commit 2 stores the session id on the order and the answer on the
 * key; it answers 201 with the session as JSON. Two commits per create, like the handler.
 *
 * Left out, because a hand-written endpoint usually does without them and the handler does them
 * as part of its job: a session record for reads and the return bridge, a timeout on the PSP call,
 * schema validation of the PSP's answer, rate limits, logs and traces.
 */
import { createHash, randomBytes } from 'node:crypto';
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

/** A key as the floor stores it: the body's hash, its order, and the answer once there is one. */
interface KeyRow {
  bodyHash: string;
  reference: string;
  response: string | null;
}

/** The floor's writes: the key lookup, and the two commits of a create. */
interface FloorTables {
  findKey(key: string): KeyRow | undefined | Promise<KeyRow | undefined>;
  /** Commit 1: the pending order and the key's claim, together; false if the key was claimed meanwhile. */
  insertOrder(order: OrderRow, key: string | undefined, bodyHash: string): boolean | Promise<boolean>;
  /** Commit 2: the session id on the order and the answer on the key. */
  finish(reference: string, sessionId: string, key: string | undefined, response: string): void | Promise<unknown>;
}

const MAX_BODY_BYTES = 64 * 1024;

const CREATE_TABLES = [
  `CREATE TABLE IF NOT EXISTS orders (
  reference TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  lines TEXT NOT NULL,
  created_at TEXT NOT NULL,
  session_id TEXT
)`,
  `CREATE TABLE IF NOT EXISTS idempotency_keys (
  key TEXT PRIMARY KEY,
  body_hash TEXT NOT NULL,
  reference TEXT NOT NULL,
  response TEXT
)`,
];
const INSERT_ORDER = 'INSERT INTO orders (reference, status, amount, currency, lines, created_at) VALUES ';
const FIND_KEY = 'SELECT body_hash AS "bodyHash", reference, response FROM idempotency_keys WHERE key = ';

async function floorTables(options: FloorOptions): Promise<FloorTables> {
  switch (options.store) {
    case 'memory': {
      const orders = new Map<string, OrderRow & { sessionId?: string }>();
      const keys = new Map<string, KeyRow>();
      return {
        findKey: (key) => keys.get(key),
        insertOrder(order, key, bodyHash) {
          if (key !== undefined) {
            if (keys.has(key)) return false;
            keys.set(key, { bodyHash, reference: order.reference, response: null });
          }
          orders.set(order.reference, order);
          return true;
        },
        finish(reference, sessionId, key, response) {
          orders.get(reference)!.sessionId = sessionId;
          if (key !== undefined) keys.get(key)!.response = response;
        },
      };
    }
    case 'sqlite': {
      if (!options.sqlitePath) throw new Error('the sqlite floor needs sqlitePath');
      const { default: Database } = await import('better-sqlite3');
      const database = new Database(options.sqlitePath);
      // The same durability as createSqliteStore: WAL, and a commit is on disk before it returns.
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = FULL');
      for (const table of CREATE_TABLES) database.exec(table);
      const findKey = database.prepare(`${FIND_KEY}?`);
      const insertOrder = database.prepare(`${INSERT_ORDER}(?, ?, ?, ?, ?, ?)`);
      const claimKey = database.prepare('INSERT INTO idempotency_keys (key, body_hash, reference) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING');
      const setSession = database.prepare('UPDATE orders SET session_id = ? WHERE reference = ?');
      const setResponse = database.prepare('UPDATE idempotency_keys SET response = ? WHERE key = ?');
      const commitOne = database.transaction((order: OrderRow, key: string | undefined, bodyHash: string): boolean => {
        if (key !== undefined && claimKey.run(key, bodyHash, order.reference).changes === 0) return false;
        insertOrder.run(order.reference, order.status, order.amount, order.currency, order.lines, order.createdAt);
        return true;
      });
      const commitTwo = database.transaction((reference: string, sessionId: string, key: string | undefined, response: string) => {
        setSession.run(sessionId, reference);
        if (key !== undefined) setResponse.run(response, key);
      });
      return {
        findKey: (key) => findKey.get(key) as KeyRow | undefined,
        insertOrder: (order, key, bodyHash) => commitOne(order, key, bodyHash),
        finish: (reference, sessionId, key, response) => commitTwo(reference, sessionId, key, response),
      };
    }
    case 'postgres': {
      if (!options.postgresUrl) throw new Error('the postgres floor needs postgresUrl');
      const { default: pg } = await import('pg');
      // The pool size createPostgresStore opens by default.
      const pool = new pg.Pool({ connectionString: options.postgresUrl, max: 10 });
      for (const table of CREATE_TABLES) await pool.query(table);
      async function transaction<T>(work: (client: import('pg').PoolClient) => Promise<T>): Promise<T> {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const result = await work(client);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      }
      return {
        findKey: async (key) => (await pool.query<KeyRow>(`${FIND_KEY}$1`, [key])).rows[0],
        insertOrder: (order, key, bodyHash) =>
          transaction(async (client) => {
            if (key !== undefined) {
              const claimed = await client.query(
                'INSERT INTO idempotency_keys (key, body_hash, reference) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING',
                [key, bodyHash, order.reference],
              );
              if (claimed.rowCount === 0) return false;
            }
            await client.query(`${INSERT_ORDER}($1, $2, $3, $4, $5, $6)`, [
              order.reference,
              order.status,
              order.amount,
              order.currency,
              order.lines,
              order.createdAt,
            ]);
            return true;
          }),
        finish: (reference, sessionId, key, response) =>
          transaction(async (client) => {
            await client.query('UPDATE orders SET session_id = $1 WHERE reference = $2', [sessionId, reference]);
            if (key !== undefined) await client.query('UPDATE idempotency_keys SET response = $1 WHERE key = $2', [response, key]);
          }),
      };
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
  sendJson(response, status, JSON.stringify(body));
}

function sendJson(response: http.ServerResponse, status: number, json: string): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(json);
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
  const tables = await floorTables(options);
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

    // The key: a finished one answers its session again, a reused one with another body or one in flight is refused.
    const header = request.headers['idempotency-key'];
    const key = typeof header === 'string' && header.length > 0 && header.length <= 255 ? header : undefined;
    const bodyHash = createHash('sha256').update(raw).digest('hex');
    if (key !== undefined) {
      const known = await tables.findKey(key);
      if (known) {
        if (known.bodyHash !== bodyHash) return send(response, 422, { error: 'idempotency key reused with another body' });
        if (known.response === null) return send(response, 409, { error: 'a create with this key is in progress' });
        return sendJson(response, 201, known.response);
      }
    }

    const reference = `ord_${randomBytes(10).toString('hex')}`;
    const createdAt = new Date().toISOString();
    const claimed = await tables.insertOrder(
      {
        reference,
        status: 'pending',
        amount: priced.amount,
        currency: catalog.currency,
        lines: JSON.stringify(priced.lines.map(({ sku, name, quantity, unit_amount }) => ({ sku, name, quantity, unitAmount: unit_amount }))),
        createdAt,
      },
      key,
      bodyHash,
    );
    if (!claimed) return send(response, 409, { error: 'a create with this key is in progress' });

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
    const json = JSON.stringify({
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
    await tables.finish(reference, session.id, key, json);
    sendJson(response, 201, json);
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
