/**
 * Real processes on one store: killed with SIGKILL mid-work and restarted (SQLite), and two at
 * once behind a loopback proxy that alternates between them (PostgreSQL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import { serveNode, type NodeServerHandle } from './node.js';
import { createSandboxPsp, SANDBOX_TEST_CARDS, signSandboxPayload } from '../providers/sandbox/psp.js';
import { runCli } from '../cli/test-support/run-cli.js';
import { createPostgresStore } from './store/postgres.js';
import { createSqliteStore } from './store/sqlite.js';
import type { CheckoutStore } from './store/types.js';
import { readHookLog, spawnHandler, startRoundRobinProxy, type HandlerChild } from './test-support/handler-cluster.js';
import type { HandlerProcessConfig, HookLogLine } from './test-support/handler-process.js';
import { createTestDatabase } from './test-support/postgres.js';

const SECRET_KEY = 'sbx_sk_processes_0123456789';
const WEBHOOK_SECRET = 'sbx_whsec_processes_0123456789';
const SHOP = 'http://shop.test:5173';
const CART = JSON.stringify({ items: [{ sku: 'grinder', quantity: 1 }] });

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Child = HandlerChild;

async function startChild(config: HandlerProcessConfig): Promise<Child> {
  const child = await spawnHandler(config);
  cleanups.push(child.kill);
  return child;
}

/** The sandbox PSP on loopback, counting the creates it answers; `holdCreates` keeps answers back (the caller dies waiting). */
async function startPsp() {
  const psp = createSandboxPsp({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, webhookRetryDelayMs: 200, logger: { warn: () => {} } });
  const state = { creates: 0, holdCreates: false, delayCreatesMs: 0, sessionIds: new Set<string>() };
  const server = await serveNode(async (request) => {
    const response = await psp.fetch(request);
    if (request.method === 'POST' && new URL(request.url).pathname === '/v1/sessions') {
      state.creates++;
      const body = (await response.clone().json()) as { id?: string };
      if (body.id) state.sessionIds.add(body.id);
      if (state.holdCreates) return new Promise<Response>(() => {});
      if (state.delayCreatesMs) await new Promise((resolve) => setTimeout(resolve, state.delayCreatesMs));
    }
    return response;
  });
  cleanups.push(() => server.close());
  return { server, state, psp };
}

/** One public address in front of the handler processes, alternating between them. */
async function startProxy() {
  const proxy = await startRoundRobinProxy();
  cleanups.push(proxy.close);
  return proxy;
}

const readLog = readHookLog;

const count = (lines: HookLogLine[], hook: HookLogLine['hook'], phase: HookLogLine['phase']) =>
  lines.filter((line) => line.hook === hook && line.phase === phase).length;

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function createSession(base: string, headers: Record<string, string> = {}, body = CART) {
  return fetch(`${base}/api/checkout/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: SHOP, referer: `${SHOP}/checkout.html`, ...headers },
    body,
  });
}

function pay(pspUrl: string, sessionId: string) {
  return fetch(`${pspUrl}/pay/${sessionId}/card`, {
    method: 'POST',
    body: new URLSearchParams({ number: '4242424242424242', expiry: '12/34', cvc: '123' }),
    redirect: 'manual',
  });
}

function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'checkout-processes-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function baseConfig(overrides: Partial<HandlerProcessConfig> & Pick<HandlerProcessConfig, 'store' | 'psp' | 'publicUrl' | 'log'>): HandlerProcessConfig {
  return {
    providers: ['sandbox'],
    allowedOrigins: [SHOP],
    hookLeaseMs: 1000,
    providerTimeoutMs: 5000,
    ...overrides,
  };
}

describe('killed processes (SQLite store)', () => {
  async function setUp() {
    const dir = folder();
    const { server: pspServer, state } = await startPsp();
    const proxy = await startProxy();
    const dbPath = path.join(dir, 'checkout.db');
    const config = (hang?: HandlerProcessConfig['hang'], providerTimeoutMs = 5000) =>
      baseConfig({
        store: { sqlite: dbPath },
        psp: { apiUrl: pspServer.url, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET },
        publicUrl: proxy.url,
        log: path.join(dir, 'hooks.log'),
        providerTimeoutMs,
        ...(hang && { hang }),
      });
    const openStore = (): CheckoutStore => {
      const store = createSqliteStore({ path: dbPath });
      cleanups.push(() => store.close());
      return store;
    };
    return { dir, pspUrl: pspServer.url, state, proxy, config, openStore, log: () => readLog(path.join(dir, 'hooks.log')) };
  }

  it('runs onWebhook once after the process died between answering the webhook and the hook returning', async () => {
    const { pspUrl, proxy, config, log, openStore } = await setUp();
    const first = await startChild(config('onWebhook'));
    proxy.targets.splice(0, Infinity, first.url);
    const session = (await (await createSession(proxy.url)).json()) as CheckoutSession;
    expect((await pay(pspUrl, session.id)).status).toBe(303);
    await until(() => count(log(), 'onWebhook', 'start') === 1, 'the webhook hook to start');
    await first.kill();

    const second = await startChild(config());
    proxy.targets.splice(0, Infinity, second.url);
    await until(() => count(log(), 'onWebhook', 'end') === 1, 'the restarted process to run the webhook hook');
    await until(() => count(log(), 'onOrderPaid', 'end') === 1, 'the order to be fulfilled');
    // Two more lease periods: nobody runs either hook again.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const lines = log();
    expect([count(lines, 'onWebhook', 'start'), count(lines, 'onWebhook', 'end'), count(lines, 'onOrderPaid', 'end')]).toEqual([2, 1, 1]);
    expect(new Set(lines.filter((line) => line.hook === 'onWebhook').map((line) => line.pid)).size).toBe(2);
    const [order] = await openStore().listOrders();
    expect(order).toMatchObject({ status: 'paid', sessionId: session.id, fulfilledAt: expect.any(String) });
  }, 60_000);

  it('runs onOrderPaid once after the process died inside it', async () => {
    const { pspUrl, proxy, config, log, openStore } = await setUp();
    const first = await startChild(config('onOrderPaid'));
    proxy.targets.splice(0, Infinity, first.url);
    const session = (await (await createSession(proxy.url)).json()) as CheckoutSession;
    await pay(pspUrl, session.id);
    // The widget's confirming read.
    expect(((await (await fetch(`${proxy.url}/api/checkout/sessions/${session.id}`)).json()) as CheckoutSession).status).toBe('complete');
    await until(() => count(log(), 'onOrderPaid', 'start') === 1, 'onOrderPaid to start');
    await first.kill();
    expect((await openStore().listOrders())[0]).toMatchObject({ status: 'paid' });
    expect((await openStore().listOrders())[0]!.fulfilledAt).toBeUndefined();

    const second = await startChild(config());
    proxy.targets.splice(0, Infinity, second.url);
    await until(() => count(log(), 'onOrderPaid', 'end') === 1, 'the restarted process to fulfil the order');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect([count(log(), 'onOrderPaid', 'start'), count(log(), 'onOrderPaid', 'end')]).toEqual([2, 1]);
    expect((await openStore().listOrders())[0]!.fulfilledAt).toEqual(expect.any(String));
  }, 60_000);

  it('answers the widget retry with the same session after the process died between the provider create and its answer', async () => {
    const { proxy, config, state, openStore } = await setUp();
    const first = await startChild(config(undefined, 2000));
    proxy.targets.splice(0, Infinity, first.url);
    state.holdCreates = true;
    const attempt = createSession(proxy.url, { 'idempotency-key': 'start-1' }).then(
      (response) => response.status,
      () => 'network error',
    );
    await until(() => state.creates === 1, 'the PSP to create the session');
    await first.kill();
    expect(await attempt).toBe(502);
    state.holdCreates = false;

    const second = await startChild(config(undefined, 2000));
    proxy.targets.splice(0, Infinity, second.url);
    const retry = await createSession(proxy.url, { 'idempotency-key': 'start-1' });
    expect(retry.status).toBe(201);
    const session = (await retry.json()) as CheckoutSession;
    expect([...state.sessionIds]).toEqual([session.id]);
    const orders = await openStore().listOrders();
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ sessionId: session.id, status: 'pending' });
  }, 60_000);

  it('on SIGTERM finishes the create in flight, refuses new connections and exits 0', async () => {
    const { proxy, config, state } = await setUp();
    const child = await startChild({ ...config(), shutdownGraceMs: 5_000 });
    proxy.targets.splice(0, Infinity, child.url);
    state.delayCreatesMs = 1_500;
    const inFlight = createSession(child.url);
    await until(() => state.creates === 1, 'the create to reach the PSP');
    child.process.kill('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(201);
    expect(await child.exited).toBe(0);
    await expect(fetch(`${child.url}/api/checkout/health`)).rejects.toThrow();
  }, 60_000);

  it('on SIGTERM releases the lease of a hook still running, so another process runs it at once, not when the lease ends', async () => {
    const { pspUrl, proxy, config, log } = await setUp();
    const LEASE_MS = 25_000;
    const first = await startChild({ ...config('onOrderPaid'), hookLeaseMs: LEASE_MS, shutdownGraceMs: 300 });
    proxy.targets.splice(0, Infinity, first.url);
    const session = (await (await createSession(proxy.url)).json()) as CheckoutSession;
    await pay(pspUrl, session.id);
    await until(() => count(log(), 'onOrderPaid', 'start') === 1, 'the hook to start');
    const signalled = Date.now();
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    await startChild({ ...config(), hookLeaseMs: LEASE_MS });
    await until(() => count(log(), 'onOrderPaid', 'end') === 1, 'the second process to run the hook');
    expect(Date.now() - signalled).toBeLessThan(LEASE_MS / 3);
    expect(count(log(), 'onOrderPaid', 'start')).toBe(2);
  }, 60_000);
});

describe('many processes starting on one new SQLite file', () => {
  it('migrate it once between them, none failing', async () => {
    const file = path.join(folder(), 'checkout.db');
    const script = fileURLToPath(new URL('./test-support/migrate-process.ts', import.meta.url));
    // Well after every process has loaded, so all of them migrate within the same millisecond or two.
    const startAt = String(Date.now() + 4000);
    const codes = await Promise.all(
      Array.from({ length: 8 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, file, startAt], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // HANDLER_PROCESS_LOGS=1: the children log to stderr, shown when each ends.
  if (process.env['HANDLER_PROCESS_LOGS']) child.once('exit', () => console.log(`handler process ${child.pid} stderr:\n${stderr}`));
        return new Promise<string>((resolve) => child.once('exit', (code) => resolve(code === 0 ? 'ok' : `exit ${code}: ${stderr}`)));
      }),
    );
    expect(codes).toEqual(Array(8).fill('ok'));
  }, 60_000);
});

describe('two processes on one PostgreSQL store behind one address', () => {
  // Every request comes from the loopback proxy's one address: the per-client limits (rate-limits
  // below) would count them all as one client.
  async function setUp(providers = ['sandbox']) {
    const dir = folder();
    const database = await createTestDatabase(inject('postgresUrl'));
    const { server: pspServer, state } = await startPsp();
    const proxy = await startProxy();
    const config = baseConfig({
      store: { postgres: database.url },
      psp: { apiUrl: pspServer.url, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET },
      publicUrl: proxy.url,
      log: path.join(dir, 'hooks.log'),
      providers,
      rateLimits: { createsPerClient: false },
    });
    const [one, two] = await Promise.all([startChild(config), startChild(config)]);
    proxy.targets.push(one!.url, two!.url);
    const store = createPostgresStore({ connectionString: database.url });
    cleanups.unshift(() => database.drop());
    cleanups.push(() => store.close());
    return { one: one!, two: two!, proxy, state, pspUrl: pspServer.url, store, log: () => readLog(path.join(dir, 'hooks.log')) };
  }

  it('gives 50 concurrent creates with one key one provider session and the same answer, with no 5xx', async () => {
    const { proxy, state } = await setUp();
    const answers = await Promise.all(Array.from({ length: 50 }, () => createSession(proxy.url, { 'idempotency-key': 'one-key' })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(201));
    expect(new Set(await Promise.all(answers.map((answer) => answer.text()))).size).toBe(1);
    expect(state.creates).toBe(1);
  }, 60_000);

  it('handles the same webhook sent to both processes once', async () => {
    const { one, two, proxy, pspUrl, log } = await setUp();
    const session = (await (await createSession(proxy.url)).json()) as CheckoutSession;
    await pay(pspUrl, session.id);
    const body = JSON.stringify({ id: 'evt_twice', type: 'session.completed', session: session.id });
    const signature = await signSandboxPayload(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000));
    const send = (url: string) =>
      fetch(`${url}/api/checkout/webhooks/sandbox`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'sandbox-signature': signature },
        body,
      });
    const answers = await Promise.all([send(one.url), send(two.url), send(one.url), send(two.url)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect((await Promise.all(answers.map((answer) => answer.json()))).filter((answer) => !(answer as { duplicate?: boolean }).duplicate)).toHaveLength(1);
    await until(() => log().some((line) => line.id === 'evt_twice' && line.phase === 'end'), 'the webhook hook');
    await until(() => count(log(), 'onOrderPaid', 'end') === 1, 'fulfilment');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(log().filter((line) => line.id === 'evt_twice')).toHaveLength(2);
    expect(count(log(), 'onOrderPaid', 'start')).toBe(1);
  }, 60_000);

  it('confirms on one process a session created on the other, with two providers, and returns by checkout_ref there', async () => {
    const { one, two, pspUrl, store } = await setUp(['sandbox', 'sandbox-eu']);
    const created = await createSession(one.url, {}, JSON.stringify({ provider: 'sandbox-eu', items: [{ sku: 'grinder', quantity: 1 }] }));
    expect(created.status).toBe(201);
    const session = (await created.json()) as CheckoutSession;
    await pay(pspUrl, session.id);
    const read = await fetch(`${two.url}/api/checkout/sessions/${session.id}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as CheckoutSession).status).toBe('complete');
    const [order] = await store.listOrders();
    expect(order).toMatchObject({ provider: 'sandbox-eu', status: 'paid', sessionId: session.id });

    const bridge = await fetch(`${two.url}/api/checkout/return/accept?checkout_ref=${order!.reference}`);
    expect(bridge.status).toBe(200);
    const html = await bridge.text();
    expect(html).toContain(`${SHOP}/checkout.html?`);
    expect(html).toContain(`checkout_session=${session.id}`);
  }, 60_000);
});

describe('card-testing limits across two processes on one SQLite store', () => {
  async function setUp(overrides: Partial<HandlerProcessConfig> = {}) {
    const dir = folder();
    const { server: pspServer } = await startPsp();
    const config = baseConfig({
      store: { sqlite: path.join(dir, 'checkout.db') },
      psp: { apiUrl: pspServer.url, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET },
      publicUrl: 'http://127.0.0.1',
      log: path.join(dir, 'hooks.log'),
      sessionKind: 'card-token',
      ...overrides,
    });
    const [one, two] = await Promise.all([startChild(config), startChild(config)]);
    return { one: one!, two: two!, pspUrl: pspServer.url, dbPath: path.join(dir, 'checkout.db'), log: () => readLog(path.join(dir, 'hooks.log')) };
  }
  const from = (address: string) => ({ 'x-forwarded-for': address });

  it('refuses a client over its creates per minute on either process with 429 rate_limited and Retry-After; others go on', async () => {
    const { one, two, log } = await setUp({ trustProxy: true, rateLimits: { createsPerClient: 3 } });
    const statuses = [];
    for (const child of [one, two, one]) statuses.push((await createSession(child.url, from('203.0.113.7'))).status);
    expect(statuses).toEqual([201, 201, 201]);
    const refused = await createSession(two.url, from('203.0.113.7'));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect((await createSession(one.url, from('203.0.113.7'))).status).toBe(429);
    expect((await createSession(one.url, from('203.0.113.8'))).status).toBe(201);
    await until(() => log().some((line) => line.hook === 'onSuspiciousActivity'), 'the alert');
    expect(log().filter((line) => line.hook === 'onSuspiciousActivity').map((line) => line.id)).toEqual(['creates_per_client:203.0.113.7:4']);
  }, 60_000);

  it('counts the socket address without trustProxy, whatever X-Forwarded-For a client writes', async () => {
    const { one, two } = await setUp({ rateLimits: { createsPerClient: 2 } });
    expect((await createSession(one.url, from('198.51.100.1'))).status).toBe(201);
    expect((await createSession(two.url, from('198.51.100.2'))).status).toBe(201);
    expect((await createSession(one.url, from('198.51.100.3'))).status).toBe(429);
  }, 60_000);

  it('fails a session on its third declined card, posted to either process, and refuses the card that would pay after it', async () => {
    const { one, two, pspUrl, dbPath, log } = await setUp({ rateLimits: { declinesPerSession: 3 } });
    const session = (await (await createSession(one.url)).json()) as CheckoutSession;
    const token = async (number: string) => {
      const answer = await fetch(`${pspUrl}/v1/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${session.public_key}` },
        body: JSON.stringify({ number, expiry: '12/34', cvc: '123' }),
      });
      return ((await answer.json()) as { token: string }).token;
    };
    const post = async (base: string, number: string) => {
      const answer = await fetch(`${base}/api/checkout/sessions/${session.id}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SHOP },
        body: JSON.stringify({ token: await token(number) }),
      });
      return { status: answer.status, body: (await answer.json()) as { status?: string; error?: { code: string; message: string } } };
    };
    expect((await post(one.url, SANDBOX_TEST_CARDS.declined)).status).toBe(402);
    expect((await post(two.url, SANDBOX_TEST_CARDS.declined)).status).toBe(402);
    const closed = await post(one.url, SANDBOX_TEST_CARDS.declined);
    expect(closed).toMatchObject({ status: 409, body: { error: { code: 'session_closed', message: expect.stringContaining('too many declined cards') } } });
    expect(await post(two.url, SANDBOX_TEST_CARDS.success)).toMatchObject({ status: 409, body: { error: { code: 'session_closed' } } });
    const store = createSqliteStore({ path: dbPath });
    cleanups.push(() => store.close());
    expect((await store.listOrders())[0]).toMatchObject({ status: 'failed', sessionId: session.id });
    await until(() => log().some((line) => line.hook === 'onSuspiciousActivity'), 'the alert');
    expect(log().filter((line) => line.hook === 'onSuspiciousActivity').map((line) => line.id)).toEqual([`declines_per_session:${session.id}:3`]);
  }, 60_000);
});

describe('dead letters in a real process on a SQLite store, retried from the command line', () => {
  it('gives onOrderPaid up after 3 failed attempts (dead, onDeadLetter), and runs it again after `jobs retry`', async () => {
    const dir = folder();
    const { server: pspServer } = await startPsp();
    const dbPath = path.join(dir, 'checkout.db');
    const failFlag = path.join(dir, 'warehouse-down');
    writeFileSync(failFlag, '');
    const child = await startChild(
      baseConfig({
        store: { sqlite: dbPath },
        psp: { apiUrl: pspServer.url, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET },
        publicUrl: 'http://127.0.0.1',
        log: path.join(dir, 'hooks.log'),
        failWhileExists: failFlag,
        maxAttempts: 3,
      }),
    );
    const log = () => readLog(path.join(dir, 'hooks.log'));
    const session = (await (await createSession(child.url)).json()) as CheckoutSession;
    expect((await pay(pspServer.url, session.id)).status).toBe(303);
    // The confirming read moves the order to paid (the PSP's webhook goes to publicUrl, nowhere here).
    expect((await fetch(`${child.url}/api/checkout/sessions/${session.id}`)).status).toBe(200);
    await until(() => log().some((line) => line.hook === 'onDeadLetter'), 'the dead letter');
    expect(count(log(), 'onOrderPaid', 'start')).toBe(3);
    const [dead] = log().filter((line) => line.hook === 'onDeadLetter');
    expect(dead!.id).toMatch(/^order_paid:ord_/);

    const listed = await runCli(['jobs', 'list', '--store', `sqlite:${dbPath}`]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${dead!.id}\torder_paid\tdead\t3 attempts\tdead since `);
    expect(listed.stdout).toContain('Error: the warehouse is down');

    rmSync(failFlag);
    const retried = await runCli(['jobs', 'retry', dead!.id, '--store', `sqlite:${dbPath}`]);
    expect(retried).toMatchObject({ code: 0, stdout: expect.stringContaining('pending again') });
    await until(() => count(log(), 'onOrderPaid', 'end') === 1, 'the retried hook');
    const store = createSqliteStore({ path: dbPath });
    cleanups.push(() => store.close());
    expect((await store.listOrders())[0]).toMatchObject({ status: 'paid', fulfilledAt: expect.any(String) });
    expect(await store.getJob(dead!.id)).toMatchObject({ status: 'done', attempts: 1 });
    expect(await runCli(['jobs', 'retry', dead!.id, '--store', `sqlite:${dbPath}`])).toMatchObject({ code: 1, stderr: expect.stringContaining('is done, not dead') });
  }, 60_000);
});
