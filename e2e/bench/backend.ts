import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { CheckoutSession } from '../../src/core/session.js';
import { summarise, type Summary } from './stats.js';

/**
 * Sessions created per second over loopback: the real handler (sandbox provider, which calls
 * the sandbox PSP over HTTP per create) against bare `node:http` answering the same JSON. Also
 * the handler with an instant in-process provider and the PSP alone, to show where the time goes.
 */

export type BackendVariant = 'floor' | 'handler' | 'handler-stub' | 'psp';

export interface LoadRun {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
  timeouts: number;
}

export interface VariantResult {
  runs: LoadRun[];
  requestsPerSecond: Summary;
  p50Ms: Summary;
  p99Ms: Summary;
  errors: number;
  non2xx: number;
}

export interface BackendResult {
  rounds: number;
  durationSeconds: number;
  connections: number;
  variants: Record<BackendVariant, VariantResult>;
  /** handler / floor, on median requests per second. */
  ratio: number;
  /** handler-stub / floor: the handler without the PSP call. */
  stubRatio: number;
  /** Share of the handler's per-request time that is the PSP call: 1 − handler rps / handler-stub rps. */
  pspShare: number;
}

const SERVER_ENTRY = fileURLToPath(new URL('./backend-server.ts', import.meta.url));
export const CREATE_BODY = JSON.stringify({ items: [{ sku: 'coffee-beans', quantity: 2 }, { sku: 'mug', quantity: 1 }], locale: 'en' });

interface Child {
  url: string;
  process: ChildProcess;
}

function startServer(variant: BackendVariant, options: Record<string, unknown> = {}): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY, variant, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`backend bench server "${variant}" exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve({ url: line.slice('READY '.length), process: child });
    });
  });
}

function stopServer(child: Child): Promise<void> {
  if (child.process.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.process.once('exit', () => resolve());
    child.process.kill('SIGTERM');
  });
}

function load(url: string, headers: Record<string, string>, body: string, durationSeconds: number, connections: number): Promise<LoadRun> {
  return autocannon({ url, method: 'POST', headers, body, connections, pipelining: 1, duration: durationSeconds, timeout: 10 }).then((result) => ({
    // Completed 2xx answers over the run, not sampled averages: the figure that matters is sessions made.
    requestsPerSecond: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  }));
}

function summariseRuns(runs: LoadRun[]): VariantResult {
  return {
    runs,
    requestsPerSecond: summarise(runs.map((run) => run.requestsPerSecond)),
    p50Ms: summarise(runs.map((run) => run.p50Ms)),
    p99Ms: summarise(runs.map((run) => run.p99Ms)),
    errors: runs.reduce((sum, run) => sum + run.errors + run.timeouts, 0),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
  };
}

export async function measureBackend(options: { rounds: number; durationSeconds: number; connections: number }): Promise<BackendResult> {
  const children: Child[] = [];
  try {
    const keys = { secretKey: `sbx_sk_${randomBytes(24).toString('hex')}`, webhookSecret: `sbx_whsec_${randomBytes(24).toString('hex')}` };
    const psp = await startServer('psp', keys);
    children.push(psp);
    const handler = await startServer('handler', { ...keys, pspUrl: psp.url });
    children.push(handler);
    const sessionsUrl = `${handler.url}/api/checkout/sessions`;
    const jsonHeaders = { 'content-type': 'application/json' };

    // The floor and the stub answer with a real session from the handler, byte for byte the same shape.
    const created = await fetch(sessionsUrl, { method: 'POST', headers: jsonHeaders, body: CREATE_BODY });
    if (created.status !== 201) throw new Error(`the handler answered ${created.status}: ${await created.text()}`);
    const session = (await created.json()) as CheckoutSession;
    const stub = await startServer('handler-stub', { session });
    children.push(stub);
    const floor = await startServer('floor', { session });
    children.push(floor);

    // What the sandbox provider sends the PSP for the same cart (see providers/sandbox/index.ts).
    const pspBody = JSON.stringify({
      amount: session.amount,
      currency: session.currency,
      lines: [
        { sku: 'coffee-beans', name: 'Coffee beans, 1 kg', quantity: 2, unit_amount: 24900, vat_rate: 0.25 },
        { sku: 'mug', name: 'Stoneware mug', quantity: 1, unit_amount: 12900, vat_rate: 0.25 },
      ],
      reference: 'ord_bench',
      accept_url: `${handler.url}/api/checkout/return/accept?checkout_session={ID}`,
      cancel_url: `${handler.url}/api/checkout/return/cancel?checkout_session={ID}`,
      notification_url: `${handler.url}/api/checkout/webhooks/sandbox`,
      locale: 'en',
    });
    const pspHeaders = { ...jsonHeaders, authorization: `Basic ${Buffer.from(`${keys.secretKey}:`).toString('base64')}` };

    const targets: Record<BackendVariant, { url: string; headers: Record<string, string>; body: string }> = {
      floor: { url: `${floor.url}/api/checkout/sessions`, headers: jsonHeaders, body: CREATE_BODY },
      handler: { url: sessionsUrl, headers: jsonHeaders, body: CREATE_BODY },
      'handler-stub': { url: `${stub.url}/api/checkout/sessions`, headers: jsonHeaders, body: CREATE_BODY },
      psp: { url: `${psp.url}/v1/sessions`, headers: pspHeaders, body: pspBody },
    };
    const run = (variant: BackendVariant, seconds: number) => {
      const target = targets[variant];
      return load(target.url, target.headers, target.body, seconds, options.connections);
    };
    const order: BackendVariant[] = ['floor', 'handler', 'handler-stub', 'psp'];
    // Warm-up (JIT, connections), not counted.
    for (const variant of order) await run(variant, 1);

    const runs: Record<BackendVariant, LoadRun[]> = { floor: [], handler: [], 'handler-stub': [], psp: [] };
    for (let round = 0; round < options.rounds; round++) {
      // Interleaved, and the order rotates each round so no variant always runs first.
      for (let i = 0; i < order.length; i++) {
        const variant = order[(i + round) % order.length]!;
        runs[variant].push(await run(variant, options.durationSeconds));
      }
    }
    const variants = {
      floor: summariseRuns(runs.floor),
      handler: summariseRuns(runs.handler),
      'handler-stub': summariseRuns(runs['handler-stub']),
      psp: summariseRuns(runs.psp),
    };
    const floorRps = variants.floor.requestsPerSecond.median;
    return {
      rounds: options.rounds,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
      variants,
      ratio: variants.handler.requestsPerSecond.median / floorRps,
      stubRatio: variants['handler-stub'].requestsPerSecond.median / floorRps,
      pspShare: 1 - variants.handler.requestsPerSecond.median / variants['handler-stub'].requestsPerSecond.median,
    };
  } finally {
    await Promise.all(children.map(stopServer));
  }
}
