import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeStoreConformance, sampleOrder } from './conformance.js';
import { createSqliteStore } from './sqlite.js';

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
