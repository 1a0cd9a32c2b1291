/**
 * A/B of the handler against itself and the floor, interleaved in one run, for one change:
 * `tsx e2e/bench/backend-ab.ts <before-dir> [stores]` where `<before-dir>` holds the code before the
 * change (`git archive <commit> | tar -x -C <dir>`, with a `node_modules` link to this checkout's),
 * and `stores` is a comma list of `memory,sqlite,postgres` (default `sqlite,postgres`). Each round
 * runs floor, handler before and handler after of a store next to each other, their order rotating;
 * sizes from BENCH_BACKEND_ROUNDS [4] × BENCH_BACKEND_SECONDS [4]. BENCH_AB_PROFILE_DIR keeps the
 * CPU profiles of both handlers and the floor there (`${store}-${side}/`). Prints the load average before and after.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CREATE_BODY, load, startServer, stopServer, summariseRuns, UNIQUE_KEY_HEADERS, type Child, type LoadRun, type StoreName } from './backend.js';
import { createTestDatabase, startPostgres, type TestDatabase, type TestPostgres } from '../../src/server/test-support/postgres.js';
import { round, summarise, table } from './stats.js';

const [beforeDir, storeList = 'sqlite,postgres'] = process.argv.slice(2);
if (!beforeDir) throw new Error('usage: tsx e2e/bench/backend-ab.ts <before-dir> [stores]');
const stores = storeList.split(',') as StoreName[];
const rounds = Number(process.env['BENCH_BACKEND_ROUNDS'] ?? 4);
const seconds = Number(process.env['BENCH_BACKEND_SECONDS'] ?? 4);
const profileDir = process.env['BENCH_AB_PROFILE_DIR'];
const beforeEntry = path.resolve(beforeDir, 'e2e/bench/backend-server.ts');
const sides = ['floor', 'before', 'after'] as const;
type Side = (typeof sides)[number];

const loadBefore = os.loadavg();
const children: Child[] = [];
const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'checkout-ab-'));
let postgres: TestPostgres | undefined;
const databases: TestDatabase[] = [];
try {
  if (stores.includes('postgres')) postgres = await startPostgres();
  const keys = { secretKey: `sbx_sk_${randomBytes(24).toString('hex')}`, webhookSecret: `sbx_whsec_${randomBytes(24).toString('hex')}` };
  const psp = await startServer('psp', keys);
  children.push(psp);
  const targets = new Map<string, { url: string; pid: number | undefined }>();
  for (const store of stores) {
    for (const side of sides) {
      let database: { sqlitePath?: string; postgresUrl?: string } = {};
      if (store === 'sqlite') database = { sqlitePath: path.join(sqliteDir, `${side}.db`) };
      if (store === 'postgres') {
        const created = await createTestDatabase(postgres!.url);
        databases.push(created);
        database = { postgresUrl: created.url };
      }
      const child = await startServer(
        side === 'floor' ? 'floor' : 'handler',
        { ...keys, pspUrl: psp.url, store, ...database },
        profileDir && path.join(profileDir, `${store}-${side}`),
        side === 'before' ? beforeEntry : undefined,
      );
      children.push(child);
      targets.set(`${store}-${side}`, { url: `${child.url}/api/checkout/sessions`, pid: child.process.pid });
    }
  }
  const run = (name: string, duration: number) => {
    const target = targets.get(name)!;
    return load({ ...target, headers: UNIQUE_KEY_HEADERS, body: CREATE_BODY, idReplacement: true }, duration, 10);
  };
  for (const name of targets.keys()) await run(name, 1);
  const runs = new Map<string, LoadRun[]>();
  for (let index = 0; index < rounds; index++) {
    for (const store of stores) {
      const order = sides.map((_, i) => sides[(i + index) % sides.length]!);
      for (const side of order) {
        const name = `${store}-${side}`;
        runs.set(name, [...(runs.get(name) ?? []), await run(name, seconds)]);
      }
    }
  }
  await Promise.all(children.map(stopServer));
  const rows: string[][] = [];
  for (const store of stores) {
    const floor = summariseRuns(runs.get(`${store}-floor`)!);
    for (const side of sides) {
      const result = summariseRuns(runs.get(`${store}-${side}`)!);
      const ratios = summarise(runs.get(`${store}-${side}`)!.map((one, i) => one.requestsPerSecond / runs.get(`${store}-floor`)![i]!.requestsPerSecond));
      rows.push([
        store,
        side === 'floor' ? 'floor' : `handler ${side}`,
        `${round(result.requestsPerSecond.median, 0)} (${round(result.requestsPerSecond.min, 0)}–${round(result.requestsPerSecond.max, 0)})`,
        side === 'floor' ? '' : `${round(result.requestsPerSecond.median / floor.requestsPerSecond.median, 2)} (${round(ratios.min, 2)}–${round(ratios.max, 2)})`,
        `${round(result.p50Ms.median, 0)} / ${round(result.p99Ms.median, 0)}`,
        result.cpuMsPerSession ? String(round(result.cpuMsPerSession.median, 2)) : '',
        String(result.errors + result.non2xx),
      ]);
    }
  }
  const loadAfter = os.loadavg();
  console.log(`A/B ${rounds} rounds × ${seconds} s, 10 connections, ${os.cpus().length} CPUs, load average ${loadBefore.map((v) => round(v, 2)).join(' ')} → ${loadAfter.map((v) => round(v, 2)).join(' ')}`);
  console.log(table(`Handler before and after against the floor`, ['store', 'server', 'sessions/s', '/ floor (per round)', 'p50 / p99 ms', 'CPU ms/session', 'errors'], rows));
} finally {
  await Promise.all(children.map(stopServer));
  for (const database of databases) await database.drop().catch(() => undefined);
  await postgres?.stop();
  rmSync(sqliteDir, { recursive: true, force: true });
}
