/** Where the handler keeps what it must remember (docs/protocol.md, "State rules"). */
export { createMemoryStore } from './memory.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { createPostgresStore, type PostgresStoreOptions } from './postgres.js';
export { createD1Store, type D1DatabaseLike, type D1StoreOptions } from './d1.js';
export { createSqlStore } from './sql.js';
export * from './types.js';

export { providerRecordsOn } from './provider-records.js';
