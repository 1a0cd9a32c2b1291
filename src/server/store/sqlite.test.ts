import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeStoreConformance } from './conformance.js';
import { createSqliteStore } from './sqlite.js';

// No `another` here: two better-sqlite3 connections in one process block each other's event loop
// (a busy wait is synchronous). Two processes on one file are tested with real processes instead.
describeStoreConformance('SQLite store', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'checkout-sqlite-'));
  const file = path.join(folder, 'checkout.db');
  let current = createSqliteStore({ path: file });
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = createSqliteStore({ path: file });
      return current;
    },
    cleanup: async () => rmSync(folder, { recursive: true, force: true }),
  };
});
