/**
 * A new driver is a short file: test-support/key-value-store.ts, a `CheckoutStore` on an
 * unstorage-like key-value store built only from what `checkout-widget/server` exports, passes
 * the exported conformance suite.
 */
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { createKeyValueStore, mapKeyValue } from '../test-support/key-value-store.js';
import { describeStoreConformance } from './conformance.js';

describeStoreConformance('key-value driver (memory, one process)', async () => {
  const kv = mapKeyValue();
  return { store: createKeyValueStore(kv), another: () => createKeyValueStore(kv) };
});

it('is a short file: under 170 lines with the fake key-value store, its one long function under 60', async () => {
  const source = await readFile(new URL('../test-support/key-value-store.ts', import.meta.url), 'utf8');
  expect(source.split('\n').length).toBeLessThan(170);
  const start = source.indexOf('export function createKeyValueStore');
  expect(source.slice(start, source.indexOf('\n}\n', start)).split('\n').length).toBeLessThan(60);
});
