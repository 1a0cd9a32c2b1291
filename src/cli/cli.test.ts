/**
 * The command line as real processes (`node --import tsx src/cli/main.ts …`): `--help`, `sandbox`
 * answering on its port, `trigger` accepted by a running handler that verifies the signature and
 * reads the sandbox PSP (the order becomes paid), `orders` listing a real SQLite store, and usage
 * errors exiting 2 with a message, and a missing optional peer named with its install command.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCheckoutHandler } from '../server/handler.js';
import { serveNode } from '../server/node-http.js';
import { createSqliteStore } from '../server/store/sqlite.js';
import { MUG_CATALOG } from '../server/test-support/hosted-provider-double.js';
import { startSandbox } from '../providers/sandbox/start.js';
import { sandboxTestHelpers } from '../testing/sandbox.js';
import { runCli } from './test-support/run-cli.js';
import { missingPackage, missingPackageMessage, PEER_INSTALLS } from './missing-package.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const quiet = { error: () => {}, warn: () => {}, info: () => {} };

describe('checkout-widget --help', () => {
  it('prints the commands at the top and each command its options; exit 0', async () => {
    const top = await runCli(['--help']);
    expect(top).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: checkout-widget <command>') });
    for (const command of ['sandbox', 'trigger', 'orders', 'jobs']) expect(top.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    for (const [command, expected] of [['sandbox', '--data-dir'], ['trigger', '--to <url>'], ['orders', '--store <store>'], ['jobs', 'jobs retry']] as const) {
      const help = await runCli([command, '--help']);
      expect([command, help.code, help.stdout.includes(expected)]).toEqual([command, 0, true]);
    }
  }, 60_000);

  it('exits 2 with a clear message for no command, an unknown one and bad options', async () => {
    const answers: Promise<[string, number | null, boolean]>[] = [];
    for (const [args, message] of [
      [[], 'Usage: checkout-widget <command>'],
      [['pay'], 'Unknown command "pay"'],
      [['orders'], '--store is required'],
      [['orders', '--store', 'sqlite:x.db', '--status', 'lost'], '--status must be one of pending, paid'],
      [['trigger', 'session.completed'], '--to <url> is required'],
      [['trigger', 'session.completed', '--to', 'http://127.0.0.1:9/x', '--provider', 'acme', '--secret', 's'], 'Unknown provider "acme"'],
      [['trigger', 'booking.paid', '--to', 'http://127.0.0.1:9/x', '--provider', 'bokamera', '--secret', 's'], 'bokamera takes no webhooks'],
      [['sandbox', '--port', 'http'], '--port must be a port number'],
    ] as const) {
      answers.push(runCli(args).then((answer) => [args.join(' '), answer.code, answer.stderr.includes(message)]));
    }
    // At once: one process each, slow on a loaded machine one after the other.
    for (const [args, code, said] of await Promise.all(answers)) expect([args, code, said]).toEqual([args, 2, true]);
  }, 90_000);
});

it('sandbox runs the PSP standalone: prints its URL and keys, answers with them, stops on SIGTERM', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cli-sandbox-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'sandbox', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Ctrl-C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited ${code}: ${stdout}`)));
  });
  const env = Object.fromEntries([...stdout.matchAll(/^(SANDBOX_[A-Z_]+)=(\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
  expect(Object.keys(env).sort()).toEqual(['SANDBOX_API_URL', 'SANDBOX_SECRET_KEY', 'SANDBOX_WEBHOOK_SECRET']);
  expect(stdout).toContain(`Sandbox PSP listening on ${env['SANDBOX_API_URL']}`);
  const create = (key: string) =>
    fetch(`${env['SANDBOX_API_URL']}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${key}:`)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 100, currency: 'DKK', lines: [{ name: 'Mug', quantity: 1, unit_amount: 100 }], reference: 'ord_cli', accept_url: 'http://shop.test/ok', cancel_url: 'http://shop.test/no' }),
    });
  expect((await create(env['SANDBOX_SECRET_KEY']!)).status).toBe(201);
  expect((await create('sbx_sk_wrong')).status).toBe(401);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 60_000);

it('trigger sends a signed webhook a running handler takes (it reads the PSP: the order is paid); orders lists it', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'cli-trigger-'));
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
  const sandbox = await startSandbox({ logger: quiet });
  cleanups.push(() => sandbox.close());
  const dbPath = path.join(folder, 'checkout.db');
  const store = createSqliteStore({ path: dbPath });
  const handler = createCheckoutHandler({ providers: [sandbox.provider], catalog: MUG_CATALOG, store, logger: quiet });
  const server = await serveNode(handler, { port: 0, hostname: '127.0.0.1' });
  cleanups.push(async () => {
    await server.close();
    await handler.close();
  });
  const created = await fetch(`${server.url}/api/checkout/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ provider: 'sandbox', items: [{ sku: 'mug', quantity: 1 }] }),
  });
  expect(created.status).toBe(201);
  const session = (await created.json()) as { id: string; reference?: string };
  // Paid at the PSP with its own webhook dropped: only the CLI's webhook can tell the handler.
  await sandboxTestHelpers(sandbox.env).complete(session.id, { webhook: 'drop' });
  const webhookUrl = `${server.url}/api/checkout/webhooks/sandbox`;

  const forged = await runCli(['trigger', 'session.completed', '--to', webhookUrl, '--session', session.id, '--secret', 'sbx_whsec_not_it']);
  expect(forged.code).toBe(1);
  expect(forged.stderr).toContain('400');

  const sent = await runCli(['trigger', 'session.completed', '--to', webhookUrl, '--session', session.id, '--secret', sandbox.env.SANDBOX_WEBHOOK_SECRET]);
  expect(sent).toMatchObject({ code: 0, stdout: expect.stringContaining(': 200 {"received":true}') });
  await expect.poll(async () => (await store.listOrders())[0]?.status, { timeout: 15_000 }).toBe('paid');
  const [order] = await store.listOrders();

  const listed = await runCli(['orders', '--store', `sqlite:${dbPath}`]);
  expect(listed.code).toBe(0);
  expect(listed.stdout.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^${order!.reference}\\tsandbox\\tpaid\\t129\\.00 DKK\\t`))]);
  expect(JSON.parse((await runCli(['orders', '--json', '--status', 'paid', '--store', `sqlite:${dbPath}`])).stdout)).toMatchObject([{ reference: order!.reference, status: 'paid' }]);
  expect((await runCli(['orders', '--status', 'failed', '--store', `sqlite:${dbPath}`])).stdout.trim()).toBe('No failed orders.');
}, 90_000);

/** Every optional peer the commands load, hidden one at a time (test-support/hide-packages.mjs: Node's own ERR_MODULE_NOT_FOUND). */
describe('a command whose optional peer is not installed says what to install and exits 1', () => {
  let folder = '';
  const sqlite = () => `sqlite:${path.join(folder, 'checkout.db')}`;
  beforeAll(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'cli-peers-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it.each([
    ['sandbox', '@hono/node-server', ['sandbox', '--port', '0'], 'npm install @hono/node-server'],
    ['sandbox', 'hono', ['sandbox', '--port', '0'], 'npm install hono@4'],
    ['sandbox', 'zod', ['sandbox', '--port', '0'], 'npm install zod@4'],
    ['orders', 'better-sqlite3', ['orders', '--store', '<sqlite>'], 'npm install better-sqlite3@12'],
    ['orders', 'kysely', ['orders', '--store', '<sqlite>'], 'npm install kysely@0.28'],
    ['jobs', 'pg', ['jobs', 'list', '--store', 'postgres://127.0.0.1:9/checkout'], 'npm install pg'],
    ['jobs', 'better-sqlite3', ['jobs', 'list', '--store', '<sqlite>'], 'npm install better-sqlite3@12'],
    ['trigger', 'zod', ['trigger', 'session.completed', '--to', 'http://127.0.0.1:9/x', '--secret', 's'], 'npm install zod@4'],
  ] as const)('%s without %s', async (command, hidden, args, install) => {
    const answer = await runCli(args.map((arg) => (arg === '<sqlite>' ? sqlite() : arg)), { hide: [hidden] });
    expect(answer.code).toBe(1);
    expect(answer.stderr).toContain(`checkout-widget ${command} needs ${hidden}, an optional peer dependency of checkout-widget`);
    expect(answer.stderr).toContain(`\n  ${install}`);
    // Said, not thrown: no stack, no raw error code.
    expect(answer.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|\n\s+at /);
  }, 60_000);

  it('a command loads only its own peers: orders on SQLite without the web server packages; the help without any', async () => {
    const listed = await runCli(['orders', '--store', sqlite()], { hide: ['hono', 'zod', '@hono/node-server'] });
    expect(listed).toMatchObject({ code: 0, stdout: 'No orders.\n' });
    const everyPeer = Object.keys(PEER_INSTALLS);
    for (const args of [['--help'], ['sandbox', '--help']]) {
      const help = await runCli(args, { hide: everyPeer });
      expect([args.join(' '), help.code, help.stdout.startsWith('Usage:')]).toEqual([args.join(' '), 0, true]);
    }
  }, 60_000);
});

describe('missingPackage', () => {
  const notFound = (message: string) => Object.assign(new Error(message), { code: 'ERR_MODULE_NOT_FOUND' });

  it('finds the package in the error or its causes (a store driver wraps its import error)', () => {
    expect(missingPackage(notFound("Cannot find package '@hono/node-server' imported from /app/node_modules/checkout-widget/dist/lib/server/node-http.js"))).toBe('@hono/node-server');
    const wrapped = new Error('createSqliteStore needs the better-sqlite3 package (npm install better-sqlite3@12)', {
      cause: notFound("Cannot find package 'better-sqlite3' imported from /app/node_modules/checkout-widget/dist/lib/server/store/sqlite.js"),
    });
    expect(missingPackage(wrapped)).toBe('better-sqlite3');
  });

  it('leaves other errors alone: a missing file of the package, another code, no error', () => {
    expect(missingPackage(notFound("Cannot find module '/app/node_modules/checkout-widget/dist/lib/cli/jobs.js' imported from /app/x.js"))).toBeUndefined();
    expect(missingPackage(Object.assign(new Error("Cannot find package 'pg'"), { code: 'ERR_OTHER' }))).toBeUndefined();
    expect(missingPackage('Cannot find package')).toBeUndefined();
  });

  it('names a package that is no peer plainly', () => {
    expect(missingPackageMessage('orders', 'left-pad')).toBe('checkout-widget orders needs left-pad, a package this install does not have. Install it:\n  npm install left-pad');
  });

  it('installs each peer in a version package.json accepts (the same major)', () => {
    const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    for (const [name, install] of Object.entries(PEER_INSTALLS)) {
      expect([name, manifest.peerDependenciesMeta[name]?.optional]).toEqual([name, true]);
      // `hono@4` for ^4.13.19, `kysely@0.28` for ^0.28.19; a bare name takes any.
      const wanted = install === name ? '' : install.slice(name.length + 1);
      expect([name, `${manifest.peerDependencies[name]!.replace(/^\^/, '')}.`.startsWith(`${wanted}.`) || wanted === '']).toEqual([name, true]);
    }
  });
});
