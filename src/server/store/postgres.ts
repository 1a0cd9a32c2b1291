import { PostgresDialect, type PostgresPool } from 'kysely';
import { createSqlStore } from './sql.js';
import type { CheckoutStore } from './types.js';

/** Options of `createPostgresStore`: a connection string, or a pool the shop already has. */
export type PostgresStoreOptions =
  /** The store opens (and closes) its own `pg` pool. */
  | { connectionString: string; maxConnections?: number }
  /** A `pg.Pool` the shop already has; `close()` leaves it open. */
  | { pool: PostgresPool };

const CONNECT_TIMEOUT_MS = 5000;

type PooledClient = Awaited<ReturnType<PostgresPool['connect']>>;
const listened = new WeakSet<PooledClient>();

/**
 * A connection the server drops while it is checked out between two queries emits `error` with no
 * pool listening, which would crash the process in an outage. Its next query fails instead (a 503),
 * and the pool replaces it.
 */
function survivingDrops(client: PooledClient): PooledClient {
  const emitter = client as unknown as { on?(event: 'error', listener: (error: Error) => void): unknown };
  if (!listened.has(client) && typeof emitter.on === 'function') {
    listened.add(client);
    emitter.on('error', (error) => console.warn(`checkout: a PostgreSQL connection in use was closed: ${error.message}`));
  }
  return client;
}

/**
 * Several processes or machines on one PostgreSQL database (`pg`, an optional peer dependency,
 * loaded on first use). Tables are created and migrated on first use, under a lock, so any number
 * of handlers may start at once.
 */
export function createPostgresStore(options: PostgresStoreOptions): CheckoutStore {
  if (options && 'pool' in options && options.pool) {
    const shared = options.pool;
    // Kysely ends the pool it was given on destroy: hand it one whose end() leaves the shop's pool alone.
    const borrowed: PostgresPool = { connect: async () => survivingDrops(await shared.connect()), end: async () => {} };
    return createSqlStore(new PostgresDialect({ pool: borrowed }), { flavour: 'postgres' });
  }
  const connectionString = options && 'connectionString' in options ? options.connectionString : undefined;
  if (typeof connectionString !== 'string' || connectionString === '') {
    throw new TypeError('createPostgresStore needs { connectionString } or { pool }');
  }
  const max = options && 'maxConnections' in options && options.maxConnections ? options.maxConnections : 10;
  return createSqlStore(
    new PostgresDialect({
      pool: async () => {
        const pg = await import(/* webpackIgnore: true */ 'pg').catch((error: unknown) => {
          throw new Error('createPostgresStore needs the pg package (npm install pg)', { cause: error });
        });
        // An unreachable server fails a call within this, not never (pg's default): answered 503.
        const pool = new pg.default.Pool({ connectionString, max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
        // An idle connection the server dropped (a restart, a failover, a proxy's idle timeout) must
        // not crash the process: pg emits it here and opens a new one on the next query.
        pool.on('error', (error) => console.warn(`checkout: a PostgreSQL connection was closed: ${error.message}`));
        return { connect: async () => survivingDrops(await pool.connect()), end: () => pool.end() };
      },
    }),
    { flavour: 'postgres' },
  );
}
