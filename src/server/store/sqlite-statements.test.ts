import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MIGRATION_STEPS, STATEMENTS } from './sqlite-statements.generated.js';
import { compileMigrations, compileStatements, generatedModule } from './sqlite-statements.source.js';

describe('the D1 store\'s statements, compiled by Kysely at build time', () => {
  it('are what Kysely compiles from sqlite-statements.source.ts today (run `npm run statements` when this fails)', async () => {
    const committed = readFileSync(new URL('./sqlite-statements.generated.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await generatedModule());
  });

  it('bind every `?` to an input, a list or a constant of the rules', () => {
    for (const [name, statement] of Object.entries(compileStatements())) {
      expect(statement.sql.split('?').length - 1, name).toBe(statement.params.length);
    }
    // The constants of STORE_RULES/STORE_WRITES are compiled in: a leasable job is pending.
    expect(STATEMENTS.leaseJobs!.params).toContainEqual({ value: 'pending' });
    expect(STATEMENTS.leaseJobs!.params.filter((param) => typeof param === 'object' && 'each' in param)).toEqual([{ each: 'kinds' }, { each: 'kinds' }]);
  });

  it('carry every migration of sql.ts, the probed ALTER of 0005 behind its probe', async () => {
    const migrations = await compileMigrations();
    expect(MIGRATION_STEPS.map(([name]) => name)).toEqual(migrations.map(([name]) => name));
    expect(MIGRATION_STEPS.at(-1)![1]).toContainEqual({ unless: 'SELECT attempts FROM checkout_orders LIMIT 0', sql: 'alter table "checkout_orders" add column "attempts" text' });
  });
});
