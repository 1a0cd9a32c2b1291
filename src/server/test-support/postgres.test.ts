import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './postgres.js';

// No skip when PostgreSQL is missing: the globalSetup throws and the run fails instead.
describe('test PostgreSQL (globalSetup)', () => {
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    const baseUrl = inject('postgresUrl');
    expect(baseUrl, 'postgresUrl not provided: is postgres-global-setup.ts in vite.config.ts globalSetup?').toMatch(
      /^postgres(ql)?:\/\//,
    );
    database = await createTestDatabase(baseUrl);
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('is a real PostgreSQL server, connected to the fresh database', async () => {
    const { rows } = await client.query<{ version: string; db: string }>(
      'select version() as version, current_database() as db',
    );
    expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/);
    expect(rows[0]?.db).toBe(new URL(database.url).pathname.slice(1));
  });

  it('round-trips rows through a table', async () => {
    await client.query('create table items (id serial primary key, name text not null, price_cents integer not null)');
    await client.query('insert into items (name, price_cents) values ($1, $2), ($3, $4)', ['tee', 2500, 'mug', 1200]);
    const { rows } = await client.query('select name, price_cents from items order by id');
    expect(rows).toEqual([
      { name: 'tee', price_cents: 2500 },
      { name: 'mug', price_cents: 1200 },
    ]);
  });

  it('gives each caller its own database, and drop() removes it', async () => {
    const other = await createTestDatabase(inject('postgresUrl'));
    expect(other.url).not.toBe(database.url);
    await other.drop();
    const { rows } = await client.query('select 1 from pg_database where datname = $1', [
      new URL(other.url).pathname.slice(1),
    ]);
    expect(rows).toHaveLength(0);
  });
});
