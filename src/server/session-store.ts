import { TtlMap } from './ttl-map.js';

/** What the handler remembers about a session it created. */
export interface SessionRecord {
  /** The provider's name, so a read goes to the provider that made the session. */
  provider: string;
  /** The shop page's origin: the return bridge posts its message only to this origin. */
  shopOrigin: string;
  /** Absolute URL of the shop page a top-level return goes back to. */
  returnPage: string;
  /** Set on the record kept under an order reference: the session created for it. */
  sessionId?: string;
}

/** Where the handler keeps session records. Plug in Redis or a database for several processes. */
export interface SessionStore {
  get(id: string): SessionRecord | undefined | Promise<SessionRecord | undefined>;
  set(id: string, record: SessionRecord): void | Promise<void>;
}

export interface MemorySessionStoreOptions {
  /** Default 48 hours: longer than any provider keeps a session open. */
  ttlMs?: number;
  /** Default 50 000. */
  maxEntries?: number;
  now?: () => number;
}

/** The default store: one process, bounded, forgotten on restart. */
export function createMemorySessionStore(options: MemorySessionStoreOptions = {}): SessionStore {
  const records = new TtlMap<string, SessionRecord>({
    ttlMs: options.ttlMs ?? 48 * 60 * 60 * 1000,
    maxEntries: options.maxEntries ?? 50_000,
    ...(options.now && { now: options.now }),
  });
  return {
    get: (id) => records.get(id),
    set: (id, record) => {
      records.set(id, record);
    },
  };
}
