import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeStoreConformance, sampleOrder } from './conformance.js';
import { createD1Store, type D1DatabaseLike } from './d1.js';
import { MIGRATIONS } from './sql.js';
import { createSqliteStore } from './sqlite.js';

// A real D1 (workerd's, through Miniflare) reached from Node over its binding proxy: each statement
// is a round trip to workerd, so a conformance case takes 1-2.5 s alone and more while the suite runs beside it.
vi.setConfig({ testTimeout: 30_000 });
let miniflare: Miniflare;
let database: D1DatabaseLike;

beforeAll(async () => {
  miniflare = new Miniflare({
    modules: true,
    script: 'export default { fetch: () => new Response(null, { status: 404 }) }',
    compatibilityDate: '2026-04-01',
    d1Databases: ['DB'],
  });
  database = (await miniflare.getD1Database('DB')) as unknown as D1DatabaseLike;
}, 30_000);

afterAll(() => miniflare?.dispose());

/** Every table of the store (and Kysely's migration tables): an empty database, as before the first migration. */
async function dropTables(): Promise<void> {
  const names = await storeTables();
  if (names.length > 0) await database.batch(names.map((name) => database.prepare(`DROP TABLE IF EXISTS "${name}"`)));
}

async function storeTables(): Promise<string[]> {
  const tables = await database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'checkout_%'").all();
  return (tables.results ?? []).map((row) => (row as { name: string }).name);
}

/**
 * After a conformance case: every row of the store's tables goes, the migrated schema stays, so the
 * next case starts empty and its migrate() finds the schema current. Dropping the tables instead
 * made every case migrate from nothing, dozens of workerd round trips each (most of this file's
 * time); migrating an empty database is its own test below.
 */
async function emptyTables(): Promise<void> {
  const names = (await storeTables()).filter((name) => !name.startsWith('checkout_migrations'));
  if (names.length > 0) await database.batch(names.map((name) => database.prepare(`DELETE FROM "${name}"`)));
}

describeStoreConformance('D1 store', async () => {
  let current = createD1Store({ database });
  return {
    store: current,
    another: () => createD1Store({ database }),
    reopen: async () => {
      await current.close();
      current = createD1Store({ database });
      return current;
    },
    cleanup: emptyTables,
  };
});

describe('D1 store without interactive transactions', () => {
  it('refuses a binding that is not one', () => {
    expect(() => createD1Store({ database: {} as D1DatabaseLike })).toThrow(/needs \{ database \}/);
  });

  it('migrates an empty database from several stores at once (no lock: the steps are idempotent)', async () => {
    await dropTables();
    expect(await storeTables()).toEqual([]);
    const stores = [createD1Store({ database }), createD1Store({ database }), createD1Store({ database })];
    try {
      await Promise.all(stores.map((store) => store.migrate()));
      await stores[0]!.insertOrder(sampleOrder('ord_1'));
      expect(await stores[2]!.getOrder('ord_1')).toBeDefined();
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await emptyTables();
    }
  });

  it('writes the order only with the key it claimed, in one batch', async () => {
    const store = createD1Store({ database });
    try {
      const claim = (reference: string) =>
        store.claimIdempotencyKey({
          key: 'key-1',
          bodyHash: 'hash',
          reference,
          owner: reference,
          leaseUntil: Date.now() + 10_000,
          now: Date.now(),
          order: sampleOrder(reference),
        });
      expect(await claim('ord_first')).toEqual({ outcome: 'claimed', reference: 'ord_first' });
      expect((await claim('ord_second')).outcome).toBe('busy');
      expect(await store.getOrder('ord_first')).toBeDefined();
      // The second claim's INSERT … WHERE changes() > 0 saw its key not inserted.
      expect(await store.getOrder('ord_second')).toBeUndefined();
    } finally {
      await store.close();
      await emptyTables();
    }
  });

  it('enqueues the job of a transition only when the order moved', async () => {
    const store = createD1Store({ database });
    try {
      await store.insertOrder(sampleOrder('ord_1'));
      const job = { id: 'job-1', kind: 'order_paid' as const, payload: {}, runAt: 0 };
      const moved = await store.transitionOrder({ reference: 'ord_1', from: ['pending'], to: 'paid', at: '2026-11-30T12:01:00.000Z', job });
      expect(moved?.status).toBe('paid');
      expect(await store.getJob('job-1')).toMatchObject({ status: 'pending' });
      const again = await store.transitionOrder({ reference: 'ord_1', from: ['pending'], to: 'failed', at: '2026-11-30T12:02:00.000Z', job: { ...job, id: 'job-2' } });
      expect(again).toBeUndefined();
      expect(await store.getJob('job-2')).toBeUndefined();
    } finally {
      await store.close();
      await emptyTables();
    }
  });

  it('makes the schema and the migration records that Kysely\'s migrator makes for the SQLite store', async () => {
    const SCHEMA = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name LIKE 'checkout_%' AND name NOT LIKE 'checkout_migrations%' ORDER BY name";
    const folder = mkdtempSync(path.join(tmpdir(), 'checkout-d1-schema-'));
    const file = path.join(folder, 'checkout.db');
    const sqlite = createSqliteStore({ path: file });
    const store = createD1Store({ database });
    try {
      await Promise.all([sqlite.migrate(), store.migrate()]);
      const kysely = new Database(file, { readonly: true });
      const expected = kysely.prepare(SCHEMA).all();
      const names = kysely.prepare('SELECT name FROM checkout_migrations ORDER BY name').all();
      kysely.close();
      expect(names).toEqual(Object.keys(MIGRATIONS).map((name) => ({ name })));
      expect((await database.prepare(SCHEMA).all()).results).toEqual(expected);
      expect((await database.prepare('SELECT name FROM checkout_migrations ORDER BY name').all()).results).toEqual(names);
    } finally {
      await Promise.all([sqlite.close(), store.close()]);
      rmSync(folder, { recursive: true, force: true });
      await dropTables();
    }
  });
});
