import { isPlainObject } from '../../core/message-filter.js';

/**
 * What the widget remembers of the session it created for one endpoint and payload, in
 * `sessionStorage`, so a reload or a second mount resumes it instead of making another (README,
 * "<checkout-widget>"). Only the create call's idempotency key and, once answered, the session id: never the
 * client secret or anything else of the session. Storage that throws (Safari private mode, quota,
 * disabled storage) means no memory, never a broken checkout.
 */
export interface RememberedSession {
  /** The `Idempotency-Key` of the create call: a retry after a reload gets the same session. */
  key: string;
  /** Set once the create answered with an open session. */
  id?: string | undefined;
}

const PREFIX = 'checkout-widget:session:';

/**
 * JSON with object entries sorted, so `{a, b}` and `{b, a}` are one payload. Entries sort by their
 * `key,value` text (fewer bytes in the starter than sorting keys): the same entries in any order give
 * the same JSON, short of keys with a comma in them that tie with another entry's text.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (isPlainObject(item) ? Object.fromEntries(Object.entries(item).sort()) : item));
}

/**
 * FNV-1a (32 bits): a short, synchronous hash, so storage keys carry no cart or customer data. The
 * inline starter (starter.ts) computes the same slot in a few bytes.
 */
function hash(text: string): string {
  let h = 0x811c9dc5;
  // Per code point, its first UTF-16 unit (the starter's shortest loop; the same hash as per unit for any text without emoji).
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0).toString(36);
}

/** The storage key for a create call: the absolute endpoint URL and the body it sends. */
export function memorySlot(endpoint: string, body: unknown): string {
  let url = endpoint;
  try {
    url = new URL(endpoint, globalThis.location?.href).href;
  } catch {
    // Not a URL (or no page, in Node): the text as given still tells endpoints apart.
  }
  return PREFIX + hash(`${url}\n${stableJson(body)}`);
}

/** Every storage call throws where storage is refused; even reading `sessionStorage` may. */
export function storage<T>(use: (store: Storage) => T): T | undefined {
  try {
    return use(globalThis.sessionStorage);
  } catch {
    return undefined;
  }
}

export function recall(slot: string): RememberedSession | undefined {
  try {
    const entry: unknown = JSON.parse(storage((store) => store.getItem(slot)) ?? 'null');
    // Anything else under our key (an older format, a hand edit) is no memory.
    if (!isPlainObject(entry) || !entry['key'] || typeof entry['key'] !== 'string') return undefined;
    return { key: entry['key'], id: typeof entry['id'] === 'string' && entry['id'] ? entry['id'] : undefined };
  } catch {
    return undefined;
  }
}

export function remember(slot: string, entry: RememberedSession): void {
  // These two fields only, whatever else the object carries.
  storage((store) => store.setItem(slot, JSON.stringify({ key: entry.key, id: entry.id })));
}

/** Drops the entry; with `id`, only if it is that session's (another mount may have replaced it). */
export function forget(slot: string, id?: string): void {
  if (id === undefined || recall(slot)?.id === id) storage((store) => store.removeItem(slot));
}
