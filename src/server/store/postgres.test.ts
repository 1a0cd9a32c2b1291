import pg from 'pg';
import { inject } from 'vitest';
import { createTestDatabase } from '../test-support/postgres.js';
import { describeStoreConformance } from './conformance.js';
import { createPostgresStore } from './postgres.js';

// A real server (started once per run by the Vitest global setup), a fresh database per test.
describeStoreConformance('PostgreSQL store', async () => {
  const database = await createTestDatabase(inject('postgresUrl'));
  let current = createPostgresStore({ connectionString: database.url });
  return {
    store: current,
    another: () => createPostgresStore({ connectionString: database.url }),
    reopen: async () => {
      await current.close();
      current = createPostgresStore({ connectionString: database.url });
      return current;
    },
    cleanup: () => database.drop(),
  };
});

// The `{ pool }` form: the shop's own pool, which closing the store leaves open.
describeStoreConformance('PostgreSQL store on a shared pool', async () => {
  const database = await createTestDatabase(inject('postgresUrl'));
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  pool.on('error', () => {});
  let current = createPostgresStore({ pool });
  return {
    store: current,
    another: () => createPostgresStore({ pool }),
    reopen: async () => {
      await current.close();
      current = createPostgresStore({ pool });
      return current;
    },
    cleanup: async () => {
      // Still usable after the stores closed: the pool is the shop's.
      await pool.query('select 1');
      await pool.end();
      await database.drop();
    },
  };
});
