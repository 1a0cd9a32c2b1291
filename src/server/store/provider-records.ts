import type { CheckoutStore } from './types.js';

/** A provider adapter's key-value records on the shop's store (Reepay's session records), so they survive restarts and are shared. */
export function providerRecordsOn<T>(store: CheckoutStore, namespace: string): { get(key: string): Promise<T | undefined>; set(key: string, value: T): Promise<void> } {
  return {
    get: async (key) => (await store.getProviderRecord(namespace, key)) as T | undefined,
    set: (key, value) => store.putProviderRecord(namespace, key, value),
  };
}
