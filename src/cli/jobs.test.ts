/**
 * The command line as a real process on a real PostgreSQL database: `jobs list` shows the dead
 * letters, `jobs retry` makes one pending again; usage errors exit 2. (On SQLite, with a handler
 * process running the retried job: processes.test.ts.)
 */
import { afterEach, expect, inject, it } from 'vitest';
import { createPostgresStore } from '../server/store/postgres.js';
import { createTestDatabase } from '../server/test-support/postgres.js';
import { runCli } from './test-support/run-cli.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('lists dead jobs of a PostgreSQL store (text and --json) and retries one by id', async () => {
  const database = await createTestDatabase(inject('postgresUrl'));
  cleanups.push(() => database.drop());
  const store = createPostgresStore({ connectionString: database.url });
  cleanups.push(() => store.close());
  const now = Date.now();
  for (const id of ['order_paid:ord_a', 'order_paid:ord_b']) {
    await store.enqueueJob({ id, kind: 'order_paid', payload: { reference: id.slice(11) }, runAt: now });
  }
  await store.leaseJobs({ owner: 'test', kinds: ['order_paid'], now, leaseUntil: now + 20_000, limit: 2 });
  await store.buryJob('order_paid:ord_a', 'test', now, 'Error: the ERP is down');

  const listed = await runCli(['jobs', 'list', '--store', `postgres:${database.url}`]);
  expect(listed.code).toBe(0);
  expect(listed.stdout.trim().split('\n')).toEqual([
    `order_paid:ord_a\torder_paid\tdead\t1 attempts\tdead since ${new Date(now).toISOString()}\tError: the ERP is down`,
  ]);
  const json = await runCli(['jobs', 'list', '--status', 'pending', '--json', '--store', database.url]);
  expect(JSON.parse(json.stdout)).toMatchObject([{ id: 'order_paid:ord_b', status: 'pending', leaseOwner: 'test' }]);

  const retried = await runCli(['jobs', 'retry', 'order_paid:ord_a', '--store', `postgres:${database.url}`]);
  expect(retried.code).toBe(0);
  expect(await store.getJob('order_paid:ord_a')).toMatchObject({ status: 'pending', attempts: 0, lastError: 'Error: the ERP is down' });
  expect((await runCli(['jobs', 'list', '--store', `postgres:${database.url}`])).stdout.trim()).toBe('No dead jobs.');
  expect(await runCli(['jobs', 'retry', 'order_paid:ord_b', '--store', `postgres:${database.url}`])).toMatchObject({
    code: 1,
    stderr: expect.stringContaining('order_paid:ord_b is pending, not dead'),
  });
  expect(await runCli(['jobs', 'retry', 'order_paid:nope', '--store', `postgres:${database.url}`])).toMatchObject({ code: 1, stderr: expect.stringContaining('No job order_paid:nope') });
}, 60_000);

it('exits 2 with the usage for a missing store, an unknown command, status or option', async () => {
  for (const args of [
    ['jobs', 'list'],
    ['jobs', 'bury', 'x', '--store', 'sqlite:x.db'],
    ['jobs', 'list', '--status', 'stuck', '--store', 'sqlite:x.db'],
    ['jobs', 'list', '--store', 'mysql://x'],
    ['jobs', 'list', '--verbose', '--store', 'sqlite:x.db'],
    ['jobs', 'retry', '--store', 'sqlite:x.db'],
  ]) {
    const answer = await runCli(args);
    expect([args.join(' '), answer.code]).toEqual([args.join(' '), 2]);
    expect(answer.stderr).toContain('checkout-widget jobs list');
  }
}, 60_000);
