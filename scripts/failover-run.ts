/**
 * A failover run by hand (README, "Methods, routing and failover"): two sandbox PSPs, `sandbox-a`
 * behind a switch that makes it answer 503 mid-load, `sandbox-b` healthy; two handlers on one
 * SQLite store take checkouts in turn at a steady concurrency. Prints what served each phase,
 * every breaker change, and how many checkouts failed.
 *
 *   npx tsx scripts/failover-run.ts [seconds=12] [concurrency=8]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCheckoutHandler } from '../src/server/handler.js';
import { createSqliteStore } from '../src/server/store/sqlite.js';
import { createSandboxProvider } from '../src/providers/sandbox/server.js';
import { startSandbox } from '../src/providers/sandbox/start.js';
import { startPspSwitch } from '../src/server/test-support/psp-switch.js';

const seconds = Number(process.argv[2] ?? 12);
const concurrency = Number(process.argv[3] ?? 8);
const downFrom = seconds * 0.25 * 1000;
const downUntil = seconds * 0.6 * 1000;

const [a, b] = [await startSandbox(), await startSandbox()];
let down = false;
// The switch in front of PSP A: forwards, or answers 503 like a PSP in an outage.
const proxy = await startPspSwitch(a.url, () => down);
const proxyUrl = proxy.url;

const folder = mkdtempSync(path.join(tmpdir(), 'failover-run-'));
const file = path.join(folder, 'checkout.db');
const start = Date.now();
const at = () => ((Date.now() - start) / 1000).toFixed(2).padStart(6);
const log: string[] = [];
const logger = {
  warn: (line: string) => void (line.includes('breaker') && log.push(`${at()} s  ${line}`)),
  info: (line: string) => void (line.includes('breaker') && log.push(`${at()} s  ${line}`)),
  error: () => {},
};
const providers = () => [
  createSandboxProvider({ name: 'sandbox-a', apiUrl: proxyUrl, secretKey: a.env.SANDBOX_SECRET_KEY, webhookSecret: a.env.SANDBOX_WEBHOOK_SECRET }),
  createSandboxProvider({ name: 'sandbox-b', apiUrl: b.url, secretKey: b.env.SANDBOX_SECRET_KEY, webhookSecret: b.env.SANDBOX_WEBHOOK_SECRET }),
];
const catalog = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } };
const breaker = { failures: 5, windowMs: 10_000, coolDownMs: 2_000 };
const stores = [createSqliteStore({ path: file }), createSqliteStore({ path: path.relative(process.cwd(), file) })];
const handlers = stores.map((store) => createCheckoutHandler({ providers: providers(), catalog, store, logger, breaker }));

type Result = { phase: 'before' | 'down' | 'after'; status: number; provider?: string; ms: number };
const results: Result[] = [];
let counter = 0;
async function worker(): Promise<void> {
  while (Date.now() - start < seconds * 1000) {
    const elapsed = Date.now() - start;
    down = elapsed >= downFrom && elapsed < downUntil;
    const phase = elapsed < downFrom ? 'before' : down ? 'down' : 'after';
    const handler = handlers[counter++ % 2]!;
    const began = performance.now();
    const answer = await handler(
      new Request('http://localhost/api/checkout/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `run-${counter}` },
        body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }], method: 'card' }),
      }),
    );
    const body = (await answer.json()) as { provider?: string };
    results.push({ phase, status: answer.status, ...(body.provider && { provider: body.provider }), ms: performance.now() - began });
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));

const orders = [];
for (let page = await handlers[0]!.orders.list({ limit: 500 }); page.length > 0; ) {
  orders.push(...page);
  const last = page.at(-1)!;
  page = await handlers[0]!.orders.list({ limit: 500, after: { createdAt: last.createdAt, reference: last.reference } });
}
const failedOver = orders.filter((order) => order.attempts?.some((attempt) => attempt.outcome === 'failover'));
const percentile = (values: number[], p: number) => values.sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(values.length * p))]?.toFixed(1);
console.log(`${results.length} checkouts in ${seconds} s at concurrency ${concurrency}, two handlers on one SQLite store; sandbox-a answers 503 from ${(downFrom / 1000).toFixed(1)} s to ${(downUntil / 1000).toFixed(1)} s`);
for (const phase of ['before', 'down', 'after'] as const) {
  const inPhase = results.filter((result) => result.phase === phase);
  const by = (name: string) => inPhase.filter((result) => result.provider === name).length;
  const failed = inPhase.filter((result) => result.status !== 201).length;
  console.log(
    `${phase.padEnd(6)} ${String(inPhase.length).padStart(5)} checkouts: sandbox-a ${by('sandbox-a')}, sandbox-b ${by('sandbox-b')}, failed ${failed}; p50 ${percentile(inPhase.map((result) => result.ms), 0.5)} ms, p99 ${percentile(inPhase.map((result) => result.ms), 0.99)} ms`,
  );
}
console.log(`orders: ${orders.length}; served after a failed try at sandbox-a (5xx, then failed over under the same reference): ${failedOver.length}`);
console.log('breaker changes:');
for (const line of log) console.log(`  ${line}`);
console.log('health at the end:', JSON.stringify(await handlers[1]!.providers.health()));

await Promise.all(handlers.map((handler) => handler.close()));
await Promise.all(stores.map((store) => store.close()));
await proxy.close();
await Promise.all([a.close(), b.close()]);
rmSync(folder, { recursive: true, force: true });
