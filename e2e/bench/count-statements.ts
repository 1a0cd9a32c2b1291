/**
 * Lists the SQL statements (and COMMITs) one create of the handler sends, on SQLite and PostgreSQL:
 * `tsx e2e/bench/count-statements.ts`. SQLite through better-sqlite3's `verbose` hook, PostgreSQL
 * by wrapping the pool's and each pooled client's `query` (one line per round trip; a statement
 * outside BEGIN commits on its own). The floor's are in floor-server.ts, written out.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { DEMO_CATALOG } from '../../demo/server.js';
import { createCheckoutHandler } from '../../src/server/index.js';
import { createSandboxPsp, serveNode } from '../../src/server/node.js';
import { createSqlStore } from '../../src/server/store/sql.js';
import { createSandboxProvider } from '../../src/providers/sandbox/index.js';
import { createTestDatabase, startPostgres } from '../../src/server/test-support/postgres.js';
import { CREATE_BODY } from './backend.js';

const statements: string[] = [];
const record = (text: string) => statements.push(text.replace(/\s+/g, ' ').trim().slice(0, 90));

function countPool(pool: pg.Pool): pg.Pool {
  const connect = pool.connect.bind(pool);
  (pool as { connect: unknown }).connect = async () => {
    const client = await connect();
    if (!(client as { counted?: boolean }).counted) {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        const first = args[0];
        record(typeof first === 'string' ? first : (first as { text: string }).text);
        return query(...args);
      };
      (client as { counted?: boolean }).counted = true;
    }
    return client;
  };
  const poolQuery = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as { query: unknown }).query = (...args: unknown[]) => {
    const first = args[0];
    record(typeof first === 'string' ? first : (first as { text: string }).text);
    return poolQuery(...args);
  };
  return pool;
}

function summary(label: string): void {
  const commits = statements.filter((text) => /^commit/i.test(text)).length;
  console.log(`\n${label}: ${statements.length} statements, ${commits} COMMIT`);
  for (const text of statements) console.log(`  ${text}`);
  statements.length = 0;
}

async function create(url: string): Promise<void> {
  const answer = await fetch(`${url}/api/checkout/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `count-${randomBytes(8).toString('hex')}` },
    body: CREATE_BODY,
  });
  if (answer.status !== 201) throw new Error(`answered ${answer.status}: ${await answer.text()}`);
}

const keys = { secretKey: `sbx_sk_${randomBytes(24).toString('hex')}`, webhookSecret: `sbx_whsec_${randomBytes(24).toString('hex')}` };
const psp = await serveNode(createSandboxPsp({ ...keys, logger: { warn: () => undefined } }).fetch, { shutdownSignals: [] });
const provider = createSandboxProvider({ apiUrl: psp.url, ...keys });
const quiet = { warn: () => undefined, error: () => undefined };
const dir = mkdtempSync(path.join(os.tmpdir(), 'count-statements-'));
const postgres = await startPostgres();
try {
  // SQLite
  const database = new Database(path.join(dir, 'handler.db'), { verbose: (text) => record(String(text)) });
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  const sqliteStore = createSqlStore(new SqliteDialect({ database }), { flavour: 'sqlite' });
  await sqliteStore.migrate();
  const sqliteHandler = await serveNode(createCheckoutHandler({ providers: [provider], catalog: DEMO_CATALOG, store: sqliteStore, logger: quiet, rateLimits: false }), { shutdownSignals: [] });
  await create(sqliteHandler.url);
  statements.length = 0;
  await create(sqliteHandler.url);
  summary('handler, SQLite');
  await sqliteHandler.close();

  // PostgreSQL
  const handlerDb = await createTestDatabase(postgres.url);
  const pool = countPool(new pg.Pool({ connectionString: handlerDb.url, max: 10 }));
  const pgStore = createSqlStore(new PostgresDialect({ pool }), { flavour: 'postgres' });
  await pgStore.migrate();
  const pgHandler = await serveNode(createCheckoutHandler({ providers: [provider], catalog: DEMO_CATALOG, store: pgStore, logger: quiet, rateLimits: false }), { shutdownSignals: [] });
  await create(pgHandler.url);
  statements.length = 0;
  await create(pgHandler.url);
  summary('handler, PostgreSQL');
  await pgHandler.close();
  await pgStore.close();
  await handlerDb.drop();
} finally {
  await postgres.stop();
  await psp.close();
  rmSync(dir, { recursive: true, force: true });
}
