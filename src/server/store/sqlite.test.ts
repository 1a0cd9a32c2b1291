import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeStoreConformance, sampleOrder } from './conformance.js';
import { cachingStatements, createSqliteStore } from './sqlite.js';

// `another` is a second store on the same file in this process, spelt relative to the working
// folder: it shares the first one's connection. Two processes on one file are tested with real
// processes (processes.test.ts).
describeStoreConformance('SQLite store', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'checkout-sqlite-'));
  const file = path.join(folder, 'checkout.db');
  let current = createSqliteStore({ path: file });
  return {
    store: current,
    another: () => createSqliteStore({ path: path.relative(process.cwd(), file) }),
    reopen: async () => {
      await current.close();
      current = createSqliteStore({ path: file });
      return current;
    },
    cleanup: async () => rmSync(folder, { recursive: true, force: true }),
  };
});

it('keeps a file shared by several stores in one process open until the last of them closes', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'checkout-sqlite-'));
  try {
    const file = path.join(folder, 'checkout.db');
    const [one, two] = [createSqliteStore({ path: file }), createSqliteStore({ path: file })];
    await one.insertOrder(sampleOrder('ord_a'));
    await one.close();
    await one.close();
    expect((await two.getOrder('ord_a'))?.reference).toBe('ord_a');
    await two.insertOrder(sampleOrder('ord_b'));
    await two.close();
    await expect(two.getOrder('ord_a')).rejects.toThrow();

    const again = createSqliteStore({ path: file });
    expect((await again.listOrders()).map((order) => order.reference).sort()).toEqual(['ord_a', 'ord_b']);
    await again.close();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

it('upgrades a database made before migration 0005: its orders stay, and take attempts and breakers after', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'checkout-sqlite-'));
  try {
    const file = path.join(folder, 'checkout.db');
    const first = createSqliteStore({ path: file });
    await first.insertOrder(sampleOrder('ord_old'));
    await first.close();
    // Back to the schema of 0003: no attempts column, no breakers table, 0005 not recorded.
    const raw = new Database(file);
    raw.exec("ALTER TABLE checkout_orders DROP COLUMN attempts; DROP TABLE checkout_provider_breakers; DELETE FROM checkout_migrations WHERE name = '0005_provider_breakers'");
    raw.close();

    const upgraded = createSqliteStore({ path: file });
    await upgraded.migrate();
    expect(await upgraded.getOrder('ord_old')).toEqual(sampleOrder('ord_old'));
    await upgraded.addOrderAttempt('ord_old', { provider: 'a', method: 'card', outcome: 'failover', error: 'HTTP 503', at: '2026-11-30T12:00:00.000Z' });
    expect((await upgraded.getOrder('ord_old'))?.attempts).toHaveLength(1);
    expect(await upgraded.putProviderBreaker({ provider: 'a', state: 'closed', failures: 1, windowStart: 1, openedUntil: 0, probeUntil: 0, version: 1 }, 0)).toBe(true);
    await upgraded.close();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

it('prepares each SQL text once, keeps at most the limit and drops the oldest first', () => {
  const database = new Database(':memory:');
  const prepared: string[] = [];
  const counting = { prepare: (sql: string) => (prepared.push(sql), database.prepare(sql)), close: () => database.close() };
  const cached = cachingStatements(counting, 2);
  database.exec('CREATE TABLE t (n INTEGER)');
  const insert = cached.prepare('INSERT INTO t (n) VALUES (?)');
  insert.run([1]);
  expect(cached.prepare('INSERT INTO t (n) VALUES (?)')).toBe(insert);
  cached.prepare('INSERT INTO t (n) VALUES (?)').run([2]);
  expect(cached.prepare('SELECT n FROM t ORDER BY n').all([])).toEqual([{ n: 1 }, { n: 2 }]);
  expect(prepared).toEqual(['INSERT INTO t (n) VALUES (?)', 'SELECT n FROM t ORDER BY n']);
  // A third text over the limit of 2: the insert, the oldest, is prepared again next time; the select is still kept.
  cached.prepare('SELECT count(*) AS c FROM t');
  cached.prepare('SELECT n FROM t ORDER BY n');
  cached.prepare('INSERT INTO t (n) VALUES (?)');
  expect(prepared).toHaveLength(4);
  expect(prepared.at(-1)).toBe('INSERT INTO t (n) VALUES (?)');
  // A statement kept across a schema change sees the new column (SQLite prepares it again itself).
  const all = cached.prepare('SELECT * FROM t LIMIT 1');
  database.exec('ALTER TABLE t ADD COLUMN m TEXT');
  expect(all.all([])).toEqual([{ n: 1, m: null }]);
  cached.close();
  expect(database.open).toBe(false);
});
