/**
 * A rule changed in rules.ts reaches every driver, with no driver edited: here three rules are
 * changed (as a test double of the module) and the memory store, the SQLite store (its WHERE
 * clauses and SET columns) and the key-value driver built on the exported rules all follow them.
 * The SQLite store runs the statements Kysely compiled from the rules (`npm run statements`; a
 * stale generated file fails `sqlite-statements.test.ts`): here they are compiled from the changed
 * rules, as the next `npm run statements` would write them.
 * The real rules are the conformance suite's: there, each of these cases answers the other way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createKeyValueStore, mapKeyValue } from '../test-support/key-value-store.js';
import { createMemoryStore } from './memory.js';
import { createSqliteStore } from './sqlite.js';
import type { CheckoutStore } from './types.js';

vi.mock('./rules.js', async (importOriginal) => {
  const rules = await importOriginal<typeof import('./rules.js')>();
  return {
    ...rules,
    STORE_RULES: {
      ...rules.STORE_RULES,
      // Changed: a job is leased only once strictly past its runAt (the rule says `runAt <= now`).
      leasableJob: {
        all: [
          { field: 'status', op: '=', to: { value: 'pending' } },
          { field: 'kind', op: 'in', to: { input: 'kinds' } },
          { field: 'runAt', op: '<', to: { input: 'now' } },
          { field: 'leaseUntil', op: '<=', to: { input: 'now' } },
        ],
      },
      // Changed: an old key goes even while a create holds it (the rule keeps a held key).
      prunedKey: { field: 'createdAt', op: '<', to: { input: 'idempotencyBefore' } },
    },
    STORE_WRITES: {
      ...rules.STORE_WRITES,
      // Changed: a retried job keeps 10 characters of its error (the rule keeps 2000).
      retried: (runAt: number, error: string) => ({ ...rules.STORE_WRITES.retried(runAt, error), lastError: error.slice(0, 10) }),
    },
  };
});

vi.mock('./sqlite-statements.generated.js', async () => {
  const { compileMigrations, compileStatements } = await import('./sqlite-statements.source.js');
  return { STATEMENTS: compileStatements(), MIGRATION_STEPS: await compileMigrations() };
});

const NOW = Date.UTC(2026, 10, 30, 12);
const folder = mkdtempSync(path.join(tmpdir(), 'checkout-rules-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const drivers: [string, () => CheckoutStore][] = [
  ['memory store', () => createMemoryStore()],
  ['SQLite store', () => createSqliteStore({ path: path.join(folder, `${Math.random()}.db`) })],
  ['key-value driver', () => createKeyValueStore(mapKeyValue())],
];

describe.each(drivers)('%s, on changed rules', (_name, open) => {
  const kinds = ['webhook'] as const;

  it('leases a job only once strictly past its runAt', async () => {
    const store = open();
    await store.enqueueJob({ id: 'j', kind: 'webhook', payload: null, runAt: NOW });
    expect(await store.leaseJobs({ owner: 'one', kinds, now: NOW, leaseUntil: NOW + 1000, limit: 1 })).toEqual([]);
    expect(await store.leaseJobs({ owner: 'one', kinds, now: NOW + 1, leaseUntil: NOW + 1000, limit: 1 })).toHaveLength(1);
    await store.close();
  });

  it('prunes an old key while it is held', async () => {
    const store = open();
    await store.claimIdempotencyKey({ key: 'k', bodyHash: 'h', reference: 'ord_1', owner: 'one', leaseUntil: NOW + 999_999, now: NOW });
    expect(await store.pruneExpired({ idempotencyBefore: NOW + 1, jobsDoneBefore: 0, now: NOW + 1 })).toBe(1);
    await store.close();
  });

  it('keeps 10 characters of a retried job\'s error', async () => {
    const store = open();
    await store.enqueueJob({ id: 'j', kind: 'webhook', payload: null, runAt: NOW - 1 });
    await store.leaseJobs({ owner: 'one', kinds, now: NOW, leaseUntil: NOW + 1000, limit: 1 });
    await store.retryJob('j', 'one', NOW + 5000, 'hook threw: boom');
    expect((await store.getJob('j'))?.lastError).toBe('hook threw');
    await store.close();
  });
});
