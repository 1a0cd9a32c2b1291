/**
 * The handler's logs as an operator sees them: a real handler process on a SQLite file, logging to
 * its own stdout and stderr (`console` by default, or pino), against the sandbox PSP on loopback.
 * A create, a webhook, a card-token payment and failing provider calls: every line one JSON record
 * with the request's id, and no secret key, webhook secret or card token anywhere in the output.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import { createSandboxPsp } from '../providers/sandbox/psp.js';
import { serveNode } from './node.js';
import type { HandlerProcessConfig } from './test-support/handler-process.js';

const SCRIPT = fileURLToPath(new URL('./test-support/handler-process.ts', import.meta.url));
const SECRET_KEY = 'sbx_sk_logs_0123456789abcdef';
const WEBHOOK_SECRET = 'sbx_whsec_logs_0123456789abcdef';
const SHOP = 'http://shop.test:5173';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type LogRecord = Record<string, unknown> & { event: string; requestId?: string };

/** The sandbox PSP; `failCreates`/`failPayments` answer 500 echoing what they were sent (the key, the token), as a careless PSP might. */
async function startPsp() {
  const psp = createSandboxPsp({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, webhookRetryDelayMs: 200, logger: { warn: () => {} } });
  const state = { failCreates: false, failPayments: false };
  const server = await serveNode(async (request) => {
    const { pathname } = new URL(request.url);
    if (request.method === 'POST' && state.failCreates && pathname === '/v1/sessions') {
      return Response.json({ message: `cannot create with key ${request.headers.get('authorization')}` }, { status: 500 });
    }
    if (request.method === 'POST' && state.failPayments && pathname.endsWith('/pay')) {
      return Response.json({ message: `cannot charge ${await request.text()}` }, { status: 500 });
    }
    return psp.fetch(request);
  });
  cleanups.push(() => server.close());
  return { url: server.url, state };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A handler process; `output()` is all it printed so far, stdout and stderr. */
async function startHandler(logger: 'console' | 'pino', pspUrl: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'checkout-logs-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config: HandlerProcessConfig = {
    store: { sqlite: path.join(dir, 'checkout.db') },
    psp: { apiUrl: pspUrl, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET },
    providers: ['sandbox', 'sandbox-fields'],
    cardToken: ['sandbox-fields'],
    publicUrl: url,
    allowedOrigins: [SHOP],
    log: path.join(dir, 'hooks.log'),
    hookLeaseMs: 1000,
    providerTimeoutMs: 5000,
    port,
    logger,
  };
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKOUT_PROCESS_CONFIG: JSON.stringify(config) };
  delete env['HANDLER_PROCESS_LOGS'];
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  await until(() => stdout.includes('listening '), 'the handler to listen', () => stderr);
  const output = () => `${stdout}${stderr}`;
  /** Every line but `listening …`, parsed: a line that is no JSON fails the test. */
  const records = (): LogRecord[] =>
    output()
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('listening '))
      .map((line) => JSON.parse(line) as LogRecord);
  return { url, output, records };
}

async function until(check: () => boolean, what: string, detail: () => string = () => '', timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function create(base: string, provider: string, headers: Record<string, string> = {}) {
  return fetch(`${base}/api/checkout/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: SHOP, referer: `${SHOP}/checkout.html`, ...headers },
    body: JSON.stringify({ provider, items: [{ sku: 'grinder', quantity: 1 }] }),
  });
}

async function cardToken(pspUrl: string, session: CheckoutSession): Promise<string> {
  const answer = await fetch(`${pspUrl}/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session.public_key}` },
    body: JSON.stringify({ number: '4242424242424242', expiry: '12/34', cvc: '123' }),
  });
  return ((await answer.json()) as { token: string }).token;
}

const payWithToken = (base: string, sessionId: string, token: string) =>
  fetch(`${base}/api/checkout/sessions/${sessionId}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: SHOP },
    body: JSON.stringify({ token }),
  });

describe('logs of a handler process', () => {
  it('console: one JSON line per event, each with its request id, and no key, secret or card token in the output', async () => {
    const psp = await startPsp();
    const handler = await startHandler('console', psp.url);

    // A create that names its request: the id comes back and is on every record of it.
    const created = await create(handler.url, 'sandbox', { 'x-request-id': 'shop-req-1' });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('shop-req-1');
    const hosted = (await created.json()) as CheckoutSession;
    // The shopper pays on the PSP's page; the PSP's signed webhook moves the order.
    await fetch(`${psp.url}/pay/${hosted.id}/card`, { method: 'POST', body: new URLSearchParams({ number: '4242424242424242', expiry: '12/34', cvc: '123' }), redirect: 'manual' });
    await until(() => handler.records().some((record) => record.event === 'order.moved' && record['to'] === 'paid'), 'the webhook to pay the order', handler.output);

    // A card-token payment.
    const fields = (await (await create(handler.url, 'sandbox-fields')).json()) as CheckoutSession;
    const token = await cardToken(psp.url, fields);
    expect(token).toMatch(/^tok_sbx_/);
    expect((await payWithToken(handler.url, fields.id, token)).status).toBe(200);

    // A token payment the PSP fails, echoing the token; a create it fails, echoing the key.
    const failing = (await (await create(handler.url, 'sandbox-fields')).json()) as CheckoutSession;
    const secondToken = await cardToken(psp.url, failing);
    psp.state.failPayments = true;
    const failedPayment = await payWithToken(handler.url, failing.id, secondToken);
    expect(failedPayment.status).toBe(502);
    psp.state.failCreates = true;
    const failedCreate = await create(handler.url, 'sandbox', { 'x-request-id': 'not a sane id; <script>' });
    expect(failedCreate.status).toBe(502);
    const madeId = failedCreate.headers.get('x-request-id')!;
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);

    const records = handler.records();
    const of = (event: string) => records.filter((record) => record.event === event);
    expect(of('session.created')[0]).toMatchObject({ level: 'info', requestId: 'shop-req-1', provider: 'sandbox', sessionId: hosted.id, reference: expect.stringMatching(/^ord_/), time: expect.any(String) });
    const reference = of('session.created')[0]!['reference'];
    expect(of('webhook.received')[0]).toMatchObject({ level: 'info', provider: 'sandbox', requestId: expect.any(String), stored: 1 });
    // The move the webhook made: in the job that handled it.
    expect(records.find((record) => record.event === 'order.moved' && record['reference'] === reference)).toMatchObject({ to: 'paid', provider: 'sandbox', jobId: expect.stringMatching(/^webhook:sandbox:/) });
    expect(of('token.payment_failed')[0]).toMatchObject({ level: 'error', provider: 'sandbox-fields', sessionId: failing.id, requestId: expect.any(String), err: { type: 'ProviderError', providerStatus: 500 } });
    const createFailed = of('session.create_failed')[0]!;
    expect(createFailed).toMatchObject({ level: 'error', requestId: madeId, provider: 'sandbox', reference: expect.stringMatching(/^ord_/) });
    // The PSP echoed the adapter's `Authorization: Basic …` and the token it was sent: both redacted.
    expect(createFailed['err']).toMatchObject({ message: expect.stringContaining('cannot create with key Basic [redacted]') });
    expect(of('token.payment_failed')[0]!['err']).toMatchObject({ message: expect.stringContaining('"token":"tok_[redacted]"') });
    // Every record made while answering a request names it.
    for (const event of ['session.created', 'session.create_failed', 'token.payment_failed', 'webhook.received']) {
      for (const record of of(event)) expect(record.requestId, event).toEqual(expect.any(String));
    }

    const output = handler.output();
    const basicCredentials = btoa(`${SECRET_KEY}:`);
    for (const secret of [SECRET_KEY, basicCredentials, WEBHOOK_SECRET, token, secondToken, '4242424242424242']) expect(output).not.toContain(secret);
  }, 60_000);

  it('pino: a pino logger is used as it is, object first, with the same fields', async () => {
    const psp = await startPsp();
    const handler = await startHandler('pino', psp.url);
    const created = await create(handler.url, 'sandbox', { 'x-request-id': 'shop-req-2' });
    expect(created.status).toBe(201);
    psp.state.failCreates = true;
    expect((await create(handler.url, 'sandbox', { 'x-request-id': 'shop-req-3' })).status).toBe(502);
    await until(() => handler.records().some((record) => record.event === 'session.create_failed'), 'the failure to be logged', handler.output);

    const records = handler.records();
    // pino's own fields (numeric level, epoch time, pid) with the handler's.
    expect(records.find((record) => record.event === 'session.created')).toMatchObject({ level: 30, time: expect.any(Number), pid: expect.any(Number), requestId: 'shop-req-2', provider: 'sandbox', msg: expect.stringContaining('created a hosted session') });
    expect(records.find((record) => record.event === 'session.create_failed')).toMatchObject({ level: 50, requestId: 'shop-req-3', err: { type: 'ProviderError', providerStatus: 500 } });
    expect(handler.output()).not.toContain(SECRET_KEY);
  }, 60_000);
});
