/**
 * The handler's own CPU per create, in process: `createCheckoutHandler` on the memory store with the
 * sandbox adapter, its PSP answered by a fake `fetch` (no network, no Node HTTP server), 10 creates
 * in flight, each with its own `Idempotency-Key`; CPU (user + system, all threads) per create.
 * What the backend bench's memory row pays beyond the floor is this plus the garbage it leaves.
 *
 * `tsx e2e/bench/handler-cpu.ts [before-dir]`: this checkout, or interleaved with `<before-dir>` (a
 * checkout of the code before a change with this file copied into its `e2e/bench/`), each run in
 * its own process; sizes from HANDLER_CPU_CREATES [10000] × HANDLER_CPU_ROUNDS [3].
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round, summarise, table } from './stats.js';

const creates = Number(process.env['HANDLER_CPU_CREATES'] ?? 10_000);
const rounds = Number(process.env['HANDLER_CPU_ROUNDS'] ?? 3);

/** One measurement in this process: µs of CPU per create over `creates`, after a warm-up. */
async function measure(): Promise<number> {
  const { DEMO_CATALOG } = await import('../../demo/server.js');
  const { createCheckoutHandler, createMemoryStore } = await import('../../src/server/index.js');
  const { createSandboxProvider } = await import('../../src/providers/sandbox/index.js');
  const { CREATE_BODY } = await import('./backend.js');
  let id = 0;
  const provider = createSandboxProvider({
    apiUrl: 'http://127.0.0.1:9',
    secretKey: 'sbx_sk_bench',
    webhookSecret: 'sbx_whsec_bench',
    // The sandbox PSP's answer to POST /v1/sessions, a new id each time.
    fetch: async () =>
      new Response(
        JSON.stringify({ id: `sbx_${++id}`, url: `http://127.0.0.1:9/pay/sbx_${id}`, status: 'open', amount: 62_700, currency: 'DKK', expires_at: '2026-12-05T12:00:00.000Z' }),
        { status: 201, headers: { 'content-type': 'application/json' } },
      ),
  });
  const handler = createCheckoutHandler({ providers: [provider], catalog: DEMO_CATALOG, store: createMemoryStore(), logger: { warn: () => undefined, error: console.error }, rateLimits: false });
  let key = 0;
  const create = async () => {
    const answer = await handler(
      new Request('http://127.0.0.1:3000/api/checkout/sessions', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `cpu-${++key}` }, body: CREATE_BODY }),
    );
    if (answer.status !== 201) throw new Error(`the handler answered ${answer.status}: ${await answer.text()}`);
  };
  const batch = async (count: number) => {
    for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: 10 }, create));
  };
  await batch(2_000);
  const before = process.cpuUsage();
  await batch(creates);
  const used = process.cpuUsage(before);
  await handler.close(100);
  return (used.user + used.system) / creates;
}

const [first] = process.argv.slice(2);
if (first === '--child') {
  console.log(String(await measure()));
  process.exit(0);
}
const sides: [string, string][] = [['this checkout', fileURLToPath(import.meta.url)]];
if (first) sides.push([`before (${first})`, path.resolve(first, 'e2e/bench/handler-cpu.ts')]);
const results = new Map<string, number[]>();
const loadBefore = os.loadavg();
for (let index = 0; index < rounds; index++) {
  for (const [name, entry] of index % 2 === 0 ? sides : [...sides].reverse()) {
    const us = Number(execFileSync(process.execPath, ['--import', 'tsx', entry, '--child'], { encoding: 'utf8', env: { ...process.env, HANDLER_CPU_CREATES: String(creates) } }).trim());
    results.set(name, [...(results.get(name) ?? []), us]);
  }
}
const loadAfter = os.loadavg();
console.log(
  table(
    `Handler CPU per create, in process (${rounds} × ${creates} creates each, interleaved; load average ${loadBefore.map((v) => round(v, 2)).join(' ')} → ${loadAfter.map((v) => round(v, 2)).join(' ')})`,
    ['code', 'µs CPU per create, median (min–max)'],
    [...results].map(([name, values]) => {
      const summary = summarise(values);
      return [name, `${round(summary.median, 0)} (${round(summary.min, 0)}–${round(summary.max, 0)})`];
    }),
  ),
);
