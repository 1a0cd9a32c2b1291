import { vi } from 'vitest';

/** `sessionStorage` for Node (which has none): a Map behind the Storage methods the session memory uses. */
export function installFakeStorage(): Map<string, string> {
  const items = new Map<string, string>();
  vi.stubGlobal('sessionStorage', {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, String(value)),
    removeItem: (key: string) => void items.delete(key),
  });
  return items;
}
