import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMemoryStore } from '../store/memory.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { CheckoutStore } from '../store/types.js';

/**
 * Tests: a fresh memory store and a fresh SQLite store in a temporary folder, by name, for
 * `describe.each`. Closing the SQLite store and removing its folder goes onto `cleanups`.
 */
export function testStores(cleanups: (() => void | Promise<void>)[]): [string, () => CheckoutStore][] {
  return [
    ['memory', () => createMemoryStore()],
    [
      'SQLite',
      () => {
        const folder = mkdtempSync(path.join(tmpdir(), 'checkout-handler-'));
        const store = createSqliteStore({ path: path.join(folder, 'checkout.db') });
        cleanups.push(async () => {
          await store.close();
          rmSync(folder, { recursive: true, force: true });
        });
        return store;
      },
    ],
  ];
}
