import { describe, expect, it } from 'vitest';
import { describeStoreConformance, sampleOrder } from './conformance.js';
import { createMemoryStore } from './memory.js';

describeStoreConformance('memory store', async () => ({ store: createMemoryStore() }));

describe('memory store copies', () => {
  it('keeps its rows apart from what callers hand in and get back, however deep', async () => {
    const store = createMemoryStore();
    const order = sampleOrder('ord_copy', { customer: { email: 'a@example.com' } });
    await store.insertOrder(order);
    order.lines[0]!.quantity = 99;
    order.customer!.email = 'changed@example.com';
    const read = (await store.getOrder('ord_copy'))!;
    expect(read.lines[0]!.quantity).not.toBe(99);
    expect(read.customer?.email).toBe('a@example.com');
    read.lines.push({ ...read.lines[0]! });
    expect((await store.getOrder('ord_copy'))!.lines).toHaveLength(order.lines.length);

    const record = { nested: { list: [1, { deep: 'yes' }] }, missing: undefined };
    await store.putProviderRecord('sandbox', 'cs_copy', record);
    (record.nested.list[1] as { deep: string }).deep = 'no';
    const stored = (await store.getProviderRecord('sandbox', 'cs_copy')) as typeof record;
    expect(stored).toEqual({ nested: { list: [1, { deep: 'yes' }] }, missing: undefined });
    expect('missing' in stored).toBe(true);
  });

  it('copies what is not plain data as structuredClone does, and refuses what it cannot copy', async () => {
    const store = createMemoryStore();
    const at = new Date('2026-12-05T11:00:00Z');
    await store.putProviderRecord('sandbox', 'cs_date', { at, seen: new Map([['a', 1]]) });
    const stored = (await store.getProviderRecord('sandbox', 'cs_date')) as { at: Date; seen: Map<string, number> };
    expect(stored.at).toBeInstanceOf(Date);
    expect(stored.at).not.toBe(at);
    expect(stored.at.getTime()).toBe(at.getTime());
    expect(stored.seen.get('a')).toBe(1);
    await expect(store.putProviderRecord('sandbox', 'cs_fn', { run: () => 1 })).rejects.toThrow();
  });
});
