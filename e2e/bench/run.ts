/**
 * `npm run bench` (after `npm run build`): bytes, time to checkout, backend throughput and
 * memory, each against its floor in the same run, interleaved. Prints four tables and writes
 * the same figures to bench-results/latest.json.
 *
 * Sizes of the run (defaults in brackets): BENCH_RUNS [30] timed page loads of each page,
 * BENCH_TRACE_RUNS [10] traced loads of each for script time, BENCH_CYCLES [200] memory cycles,
 * BENCH_LONG_CYCLES [2000] long-run cycles, BENCH_BACKEND_ROUNDS [3] × BENCH_BACKEND_SECONDS [5]
 * per backend variant; BENCH_BACKEND_PROFILE=1 adds the handlers' CPU profiles; BENCH_CDN_DIR
 * [dist/cdn] the CDN files to measure.
 *
 * `npm run bench -- --only backend` (or `--only bytes,start`) runs only those parts (bytes,
 * edge, start, memory, backend) and writes bench-results/latest-<parts>.json instead.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { startDemo } from '../../demo/server.js';
import { chromiumLaunchOptions } from '../support/browser.js';
import { measureBackend, type BackendResult, type VariantResult } from './backend.js';
import { startBenchServer } from './bench-server.js';
import { budgetProblems, measureCdnBytes, START_SET, START_SET_GZIP_BUDGET, type CdnFileBytes } from './bytes.js';
import { edgeTable, measureEdgeBundles } from './edge.js';
import { measureLongRun, measureMemory, type LongRunResult, type MemoryResult } from './memory.js';
import { profileTable } from './profile.js';
import { measureStarterTimes, STARTER_PAGES, starterRows } from './starter.js';
import { CREATE_PAGES, crossSiteOrigin, measureScriptTimes, measureStartTimes, METHOD_PAGES, readyRatio, SESSION_PAGES, type ScriptTimes, type StartTimes } from './start.js';
import { formatSummary, round, table, type Summary } from './stats.js';

/** Targets from issues 5 and 13. */
export const TARGETS = {
  startRatio: 1.1,
  sessionStartRatio: 1.05,
  /** Issue 23: a chosen method's checkout-ready against the same flow by hand (as the start row). */
  methodsStartRatio: 1.1,
  widgetScriptMs: 8,
  backendRatio: 0.8,
  heapGrowthBytes: 1024 * 1024,
  /** Issue 26: the long run's heap after its second half (cycles 1,000 → 2,000) grows less than this. */
  longRunGrowthBytes: 1024 * 1024,
} as const;

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function sizeFromEnv(name: string, fallback: number, min: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) throw new Error(`${name} must be a whole number ≥ ${min} (got "${value}")`);
  return number;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;
const yes = (ok: boolean) => (ok ? 'yes' : '**no**');

function bytesTable(files: CdnFileBytes[]): string {
  const rows = files.map((file) => [
    file.file,
    file.description,
    String(file.raw),
    String(file.gzip),
    String(file.brotli),
    file.budget === undefined ? '–' : `${file.budget} (${yes(file.gzip <= file.budget)})`,
  ]);
  const startSet = files.filter((file) => file.role !== undefined && START_SET.includes(file.role));
  const sum = (key: 'raw' | 'gzip' | 'brotli') => startSet.reduce((total, file) => total + file[key], 0);
  rows.push([
    `(${START_SET.join(' + ')})`,
    'what every start of a hosted checkout fetches',
    String(sum('raw')),
    String(sum('gzip')),
    String(sum('brotli')),
    `${START_SET_GZIP_BUDGET} (${yes(sum('gzip') <= START_SET_GZIP_BUDGET)})`,
  ]);
  return table('1. Bytes of dist/cdn (gzip: zlib level 9; brotli: quality 11)', ['file', 'what', 'raw', 'gzip', 'brotli', 'gzip budget (met)'], rows);
}

type CreateTimes = StartTimes<(typeof CREATE_PAGES)[number]>;
type SessionTimes = StartTimes<(typeof SESSION_PAGES)[number]>;
type MethodTimes = StartTimes<(typeof METHOD_PAGES)[number]>;

/** The `dist/cdn` files any run of `page` fetched, sorted. */
const cdnFilesOf = <Name extends string>(times: StartTimes<Name>, page: Name) => [...new Set(times.pageRuns[page].flatMap((run) => run.cdnFiles))].sort();
const isChooserChunk = (file: string) => /^checkout-method-chooser-/.test(file);

const load = (times: { loadAverage: [number, number] }) => `load average ${times.loadAverage[0].toFixed(2)} → ${times.loadAverage[1].toFixed(2)}`;
const ratioOf = (a: Summary | undefined, b: Summary | undefined) => (a && b ? (a.median / b.median).toFixed(2) : '–');
const cell = (summary: Summary | undefined) => (summary ? formatSummary(summary) : '–');

function startTable(times: CreateTimes, script: ScriptTimes): string {
  const { widget, floor, 'floor-module': floorModule } = times.pages;
  const ratio = readyRatio(times, 'widget', 'floor');
  return table(
    `2. Time to checkout in Chromium (median (min–max); ${times.runs} timed runs of each page, ${script.runs} + ${script.runs} traced runs; interleaved, fresh context each; ${load(times)})`,
    ['measure', 'widget', 'floor', 'widget / floor', 'target', 'met'],
    [
      ['navigation start → ready (ms)', cell(widget.ready), cell(floor.ready), ratio.toFixed(2), `ratio ≤ ${TARGETS.startRatio}`, yes(ratio <= TARGETS.startRatio)],
      ['… navigation start → create call sent (ms)', cell(widget.createSent), cell(floor.createSent), ratioOf(widget.createSent, floor.createSent), '–', '–'],
      ['… create answered → frame requested (ms)', cell(widget.answeredToFrame), cell(floor.answeredToFrame), '–', '–', '–'],
      ['… frame requested → ready (provider page load, ms)', cell(widget.frameToReady), cell(floor.frameToReady), ratioOf(widget.frameToReady, floor.frameToReady), '–', '–'],
      [
        "floor's code as an external module script: ready (ms)",
        cell(widget.ready),
        cell(floorModule.ready),
        readyRatio(times, 'widget', 'floor-module').toFixed(2),
        '–',
        '–',
      ],
      [
        '… floor as a module script / floor (the cost of a script tag, ready)',
        '–',
        `${cell(floorModule.ready)} / ${cell(floor.ready)}`,
        readyRatio(times, 'floor-module', 'floor').toFixed(2),
        '–',
        '–',
      ],
      ['… create call sent, floor as a module script (ms)', cell(widget.createSent), cell(floorModule.createSent), ratioOf(widget.createSent, floorModule.createSent), '–', '–'],
      ['main-thread JS CPU, navigation → ready (ms)', formatSummary(script.widget), formatSummary(script.floor), (script.widget.median / script.floor.median).toFixed(2), '–', '–'],
      [
        "widget's own JS CPU (median widget − median floor, ms)",
        round(script.widgetOwnMs).toFixed(1),
        '–',
        '–',
        `≤ ${TARGETS.widgetScriptMs} ms`,
        yes(script.widgetOwnMs <= TARGETS.widgetScriptMs),
      ],
    ],
  );
}

function starterTable(runs: Awaited<ReturnType<typeof measureStarterTimes>>[]): string {
  const loads = runs.map((times) => `${times.cpuThrottling}×${times.crossSite ? ' cross-site' : ''}: ${load(times)}`).join('; ');
  return table(
    `2a. Start during the parse: the widget with the inline starter (dist/cdn/starter.html) against the inline floor (median (min–max); ${runs[0]!.runs} runs of each page, interleaved, fresh context each; pages on 127.0.0.1 like the provider page (same-site), cross-site rows on localhost; ${loads})`,
    ['measure', 'widget + starter', 'widget', 'floor', 'starter / floor', 'target', 'met'],
    runs.flatMap((times) => starterRows(times, cell)),
  );
}

/** One site's rows of table 2b: the shop page and the provider's frame same-site (one renderer) or cross-site (two). */
function sessionRows(times: SessionTimes, site: string): string[][] {
  const { 'session/widget': widget, 'session/ssr': ssr, 'session/floor': floor } = times.pages;
  const ratio = readyRatio(times, 'session/widget', 'session/floor');
  const ssrRatio = readyRatio(times, 'session/ssr', 'session/floor');
  const loads = (summary: Summary) => (summary.min === summary.max ? String(summary.max) : `${summary.min}–${summary.max}`);
  return [
    [`${site}: navigation start → ready (ms)`, cell(ssr.ready), cell(widget.ready), cell(floor.ready), ssrRatio.toFixed(2), ratio.toFixed(2), `server-rendered ≤ ${TARGETS.sessionStartRatio}`, yes(ssrRatio <= TARGETS.sessionStartRatio)],
    ['… navigation start → frame requested (ms)', cell(ssr.frameRequested), cell(widget.frameRequested), cell(floor.frameRequested), ratioOf(ssr.frameRequested, floor.frameRequested), ratioOf(widget.frameRequested, floor.frameRequested), '–', '–'],
    ['… frame requested → ready (provider page load, ms)', cell(ssr.frameToReady), cell(widget.frameToReady), cell(floor.frameToReady), ratioOf(ssr.frameToReady, floor.frameToReady), ratioOf(widget.frameToReady, floor.frameToReady), '–', '–'],
    ['… frame documents loaded per page load', loads(ssr.frameLoads), loads(widget.frameLoads), loads(floor.frameLoads), '–', '–', '1 (adopted, not loaded again)', yes(ssr.frameLoads.max === 1)],
  ];
}

function sessionTable(times: SessionTimes, cross: SessionTimes): string {
  return table(
    `2b. A page whose server made the session, server-rendered with its frame (\`renderCheckoutWidget\`) and given as the \`session\` property, against a page that frames its URL at once; same-site (page and provider page on 127.0.0.1: one renderer main thread) and cross-site (page on localhost: the provider's frame in its own process, as in production) (median (min–max); ${times.runs} runs of each, interleaved; same-site ${load(times)}; cross-site ${load(cross)})`,
    ['measure', 'server-rendered', 'property', 'floor', 'server-rendered / floor', 'property / floor', 'target', 'met'],
    [...sessionRows(times, 'same-site'), ...sessionRows(cross, 'cross-site')],
  );
}

const START_TABLES = ['2', '2a', '2b', '2c'] as const;

/** BENCH_START_TABLES=2b (comma-separated): only those tables of the start part. Default: all. */
function startTablesFromEnv(): Set<(typeof START_TABLES)[number]> {
  const value = process.env['BENCH_START_TABLES'];
  if (value === undefined || value === '') return new Set(START_TABLES);
  const names = value.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(START_TABLES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) throw new Error(`BENCH_START_TABLES takes ${START_TABLES.join(', ')} (got "${value}")`);
  return new Set(names as (typeof START_TABLES)[number][]);
}

function methodsTable(times: MethodTimes, start: CreateTimes): string {
  const { 'methods-widget': widget, 'methods-floor': floor } = times.pages;
  const ratio = readyRatio(times, 'methods-widget', 'methods-floor');
  const plain = cdnFilesOf(start, 'widget');
  const choosing = cdnFilesOf(times, 'methods-widget');
  return table(
    `2c. A chosen method (\`methods="choose"\`: methods call, chooser, Continue, create, frame) against the same flow by hand (median (min–max); ${times.runs} + ${times.runs} runs, interleaved; the same in-page script presses Continue on both; ${load(times)})`,
    ['measure', 'widget', 'floor', 'widget / floor', 'target', 'met'],
    [
      ['navigation start → ready (ms)', cell(widget.ready), cell(floor.ready), ratio.toFixed(2), `ratio ≤ ${TARGETS.methodsStartRatio}`, yes(ratio <= TARGETS.methodsStartRatio)],
      ['… navigation start → methods answered (ms)', cell(widget.methodsAnswered), cell(floor.methodsAnswered), ratioOf(widget.methodsAnswered, floor.methodsAnswered), '–', '–'],
      ['… Continue pressed → ready (create, mount, provider page; ms)', cell(widget.chosenToReady), cell(floor.chosenToReady), ratioOf(widget.chosenToReady, floor.chosenToReady), '–', '–'],
      ['… frame requested → ready (provider page load, ms)', cell(widget.frameToReady), cell(floor.frameToReady), ratioOf(widget.frameToReady, floor.frameToReady), '–', '–'],
      ['dist/cdn files a start without `methods` fetched (table 2, widget)', plain.join(', '), '–', '–', 'no chooser chunk', yes(!plain.some(isChooserChunk))],
      ['dist/cdn files a start with `methods="choose"` fetched', choosing.join(', '), '–', '–', '–', '–'],
    ],
  );
}

const STORE_LABEL = { memory: 'memory (JS Map)', sqlite: 'SQLite file (better-sqlite3)', postgres: 'PostgreSQL (pg)' } as const;

function backendTable(result: BackendResult): string {
  const p = (data: VariantResult) => `${round(data.p50Ms.median, 0)} / ${round(data.p99Ms.median, 0)}`;
  const errors = (data: VariantResult) => String(data.errors + data.non2xx);
  const cpu = (data: VariantResult) => (data.cpuMsPerSession ? data.cpuMsPerSession.median.toFixed(2) : '–');
  const rows = result.stores.map((row) => [
    STORE_LABEL[row.store],
    formatSummary(row.floor.requestsPerSecond, 0),
    formatSummary(row.handler.requestsPerSecond, 0),
    `${row.ratio.toFixed(2)} (${row.roundRatios.min.toFixed(2)}–${row.roundRatios.max.toFixed(2)})`,
    yes(row.ratio >= TARGETS.backendRatio),
    p(row.floor),
    p(row.handler),
    errors(row.floor),
    errors(row.handler),
    `${cpu(row.floor)} / ${cpu(row.handler)}`,
  ]);
  const bareRps = result.bare.requestsPerSecond.median;
  const context = (
    [
      ['bare node:http, fixed JSON, no work (the old floor)', result.bare],
      ['sandbox PSP alone (POST /v1/sessions)', result.psp],
    ] as const
  ).map(([label, data]) => [label, formatSummary(data.requestsPerSecond, 0), p(data), errors(data), cpu(data)]);
  const missed = result.stores.filter((row) => row.ratio < TARGETS.backendRatio).map((row) => row.store);
  const written = result.stores
    .filter((row) => row.written)
    .map(({ store, written: w }) => `${store}: floor ${w!.floorOrders} orders for ${w!.floorAnswers} answers, handler ${w!.handlerOrders} orders and ${w!.handlerKeys} keys for ${w!.handlerAnswers} answers`);
  return [
    table(
      `3. Backend over loopback: sessions created per second (autocannon, ${result.connections} connections, ${result.rounds} × ${result.durationSeconds} s each, interleaved; median (min–max))`,
      ['store', 'floor sessions/s', 'handler sessions/s', 'handler / floor (per round)', `≥ ${TARGETS.backendRatio}`, 'floor p50 / p99 ms', 'handler p50 / p99 ms', 'floor errors', 'handler errors', 'server CPU ms/session floor / handler'],
      rows,
    ),
    '',
    'Floor: a hand-written node:http endpoint (e2e/bench/floor-server.ts) that looks up the Idempotency-Key, prices the cart from the same catalog, ' +
      'inserts the pending order and claims the key in one commit, calls the same sandbox PSP process with fetch, stores the session id and the answer in a second commit ' +
      'and answers 201, with the same driver (Map; better-sqlite3, WAL, synchronous=FULL as the store; pg Pool of 10). ' +
      'Handler: createCheckoutHandler on serveNode with that store and the sandbox provider, rate limits off. Every request carries a unique Idempotency-Key (what the widget sends). Errors: non-2xx answers + socket errors + timeouts. ' +
      "Server CPU: user + system time of the server's own process per session (median of the runs; not the PSP's, not PostgreSQL's), less sensitive to other load on the machine than sessions/s.",
    missed.length === 0
      ? `Target handler ≥ ${TARGETS.backendRatio} × floor: met for every store.`
      : `Target handler ≥ ${TARGETS.backendRatio} × floor: **missed** for ${missed.join(', ')}.`,
    ...(written.length ? [`Rows written: ${written.join('; ')}.`] : []),
    '',
    table(
      'Context (same run, same load)',
      ['server', 'sessions/s', 'p50 / p99 ms', 'errors', 'server CPU ms/session'],
      context,
    ),
    '',
    `The handler on the memory store makes ${(result.stores[0]!.handler.requestsPerSecond.median / bareRps).toFixed(3)} of the bare server's answers per second.`,
  ].join('\n');
}

function memoryTable(result: MemoryResult): string {
  const { before, after } = result;
  const row = (name: string, key: keyof typeof before, target: string, ok: boolean) => [
    name,
    String(before[key]),
    String(after[key]),
    String(after[key] - before[key]),
    target,
    yes(ok),
  ];
  return table(
    `4. Memory: ${result.cycles} create → checkout-ready → remove cycles in one page (${(result.cyclesMs / 1000).toFixed(1)} s)`,
    ['measure', 'before', 'after', 'growth', 'target', 'met'],
    [
      [
        'JS heap used after GC',
        kb(before.heapUsedBytes),
        kb(after.heapUsedBytes),
        kb(result.heapGrowthBytes),
        '< 1 MB',
        yes(result.heapGrowthBytes < TARGETS.heapGrowthBytes),
      ],
      row('live frames (window.frames)', 'frames', '0 after', after.frames === 0),
      row('checkout-widget elements in the document', 'widgets', '0 after', after.widgets === 0),
      row('documents (Memory.getDOMCounters)', 'documents', 'no growth', after.documents <= before.documents),
      row('DOM nodes', 'nodes', 'no growth', after.nodes <= before.nodes),
      row('JS event listeners (renderer)', 'jsEventListeners', 'no growth', after.jsEventListeners <= before.jsEventListeners),
      row('listeners on window', 'windowListeners', 'no growth', after.windowListeners <= before.windowListeners),
      row('listeners on document', 'documentListeners', 'no growth', after.documentListeners <= before.documentListeners),
    ],
  );
}

function longRunTable(result: LongRunResult): string {
  const flat = result.secondHalfGrowthBytes < TARGETS.longRunGrowthBytes;
  const half = Math.floor(result.cycles / 2);
  return table(
    `4b. Long run: ${result.cycles} create → checkout-ready → remove cycles in one page (${(result.cyclesMs / 1000).toFixed(1)} s); JS heap after GC`,
    ['measure', 'value', 'target', 'met'],
    [
      [`heap growth, cycles ${half} → ${result.cycles}`, kb(result.secondHalfGrowthBytes), '< 1 MB (flat)', yes(flat)],
      [`heap growth, cycles 0 → ${result.cycles}`, kb(result.after.heapUsedBytes - result.before.heapUsedBytes), '–', '–'],
      ['heap after GC per tenth (cycles: KB)', result.points.map((point) => `${point.cycles}: ${(point.heapUsedBytes / 1024).toFixed(0)}`).join(', '), '–', '–'],
      ['live frames / widgets / documents after', `${result.after.frames} / ${result.after.widgets} / ${result.after.documents} (before ${result.before.documents})`, '0 / 0 / no growth', yes(result.after.frames === 0 && result.after.widgets === 0 && result.after.documents <= result.before.documents)],
      ['DOM nodes before → after', `${result.before.nodes} → ${result.after.nodes}`, 'no growth', yes(result.after.nodes <= result.before.nodes)],
    ],
  );
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const PARTS = ['bytes', 'edge', 'start', 'memory', 'backend'] as const;
type Part = (typeof PARTS)[number];

/** `--only backend` (or `--only bytes,start`): run just those parts. Default: all. */
function partsFromArgs(args: readonly string[]): Set<Part> {
  const index = args.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
  if (index < 0) return new Set(PARTS);
  const value = args[index]!.startsWith('--only=') ? args[index]!.slice('--only='.length) : args[index + 1];
  const names = (value ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(PARTS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) throw new Error(`--only takes parts from ${PARTS.join(', ')} (got "${value ?? ''}")`);
  return new Set(names as Part[]);
}

async function main(): Promise<void> {
  const parts = partsFromArgs(process.argv.slice(2));
  const all = parts.size === PARTS.length;
  const runs = sizeFromEnv('BENCH_RUNS', 30, 1);
  const traceRuns = sizeFromEnv('BENCH_TRACE_RUNS', 10, 1);
  const cycles = sizeFromEnv('BENCH_CYCLES', 200, 1);
  const longCycles = sizeFromEnv('BENCH_LONG_CYCLES', 2000, 2);
  const backendRounds = sizeFromEnv('BENCH_BACKEND_ROUNDS', 3, 1);
  const backendSeconds = sizeFromEnv('BENCH_BACKEND_SECONDS', 5, 1);
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const log = (message: string) => console.error(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s] ${message}`);

  // The build of this run, frozen: other work may rebuild dist/ while the bench runs.
  const needsCdn = parts.has('bytes') || parts.has('start') || parts.has('memory');
  const snapshot = needsCdn ? mkdtempSync(path.join(os.tmpdir(), 'checkout-bench-cdn-')) : undefined;
  const cdnDir = snapshot ? path.join(snapshot, 'cdn') : '';
  // BENCH_CDN_DIR: another build's files (say main's, built with `vite build --outDir`), for an A/B of two builds.
  if (snapshot) cpSync(process.env['BENCH_CDN_DIR'] || path.join(repoRoot, 'dist', 'cdn'), cdnDir, { recursive: true });

  // Tables in issue order; the backend runs last, once Chromium is gone.
  const tables = { bytes: '', edge: '', start: '', backend: '', memory: '' };
  const results: Record<string, unknown> = {};
  try {
    if (parts.has('bytes')) {
      log('bytes');
      const files = measureCdnBytes(cdnDir);
      results['bytes'] = { files, budgetProblems: budgetProblems(files) };
      tables.bytes = bytesTable(files);
    }

    let chromiumVersion = '';
    if (parts.has('start') || parts.has('memory')) {
      log('starting the demo server and Chromium');
      const demo = await startDemo({ port: 0, sandboxPort: 0 });
      const bench = await startBenchServer(demo.shopUrl, cdnDir);
      const browser = await chromium.launch(chromiumLaunchOptions());
      try {
        chromiumVersion = browser.version();
        if (parts.has('start')) {
          const startTables = startTablesFromEnv();
          const start: Record<string, unknown> = {};
          const texts: string[] = [];
          // Table 2c lists what table 2's widget fetched: it needs table 2's runs.
          let times: CreateTimes | undefined;
          if (startTables.has('2') || startTables.has('2c')) {
            log(`time to checkout: ${runs} runs of ${CREATE_PAGES.join(', ')}`);
            times = await measureStartTimes(browser, bench.url, CREATE_PAGES, runs);
            Object.assign(start, { times, ratio: readyRatio(times, 'widget', 'floor') });
          }
          if (startTables.has('2')) {
            log(`script time: ${traceRuns} + ${traceRuns} traced runs`);
            const script = await measureScriptTimes(browser, bench.url, traceRuns);
            start['script'] = script;
            texts.push(startTable(times!, script));
          }
          if (startTables.has('2a')) {
            log(`inline starter: ${runs} runs of ${STARTER_PAGES.join(', ')}, then with the CPU 4× slower; same-site, then cross-site`);
            const starter = [];
            for (const crossSite of [false, true]) for (const cpu of [1, 4]) starter.push(await measureStarterTimes(browser, bench.url, runs, cpu, crossSite));
            results['starter'] = starter;
            texts.push(starterTable(starter));
          }
          if (startTables.has('2b')) {
            log(`server-made session: ${runs} runs of ${SESSION_PAGES.join(', ')}, same-site`);
            const session = await measureStartTimes(browser, bench.url, SESSION_PAGES, runs);
            const crossOrigin = crossSiteOrigin(bench.url);
            log(`server-made session: ${runs} runs of ${SESSION_PAGES.join(', ')}, cross-site (${crossOrigin})`);
            const crossSite = await measureStartTimes(browser, crossOrigin, SESSION_PAGES, runs);
            Object.assign(start, {
              session,
              sessionRatio: readyRatio(session, 'session/widget', 'session/floor'),
              ssrRatio: readyRatio(session, 'session/ssr', 'session/floor'),
              sessionCrossSite: crossSite,
              ssrCrossSiteRatio: readyRatio(crossSite, 'session/ssr', 'session/floor'),
            });
            texts.push(sessionTable(session, crossSite));
          }
          if (startTables.has('2c')) {
            log(`chosen method: ${runs} runs of ${METHOD_PAGES.join(', ')}`);
            const methods = await measureStartTimes(browser, bench.url, METHOD_PAGES, runs);
            Object.assign(start, {
              methods,
              methodsRatio: readyRatio(methods, 'methods-widget', 'methods-floor'),
              startCdnFiles: { plain: cdnFilesOf(times!, 'widget'), methods: cdnFilesOf(methods, 'methods-widget') },
            });
            texts.push(methodsTable(methods, times!));
          }
          results['start'] = start;
          tables.start = texts.join('\n\n');
        }
        if (parts.has('memory')) {
          log(`memory: ${cycles} cycles`);
          const memory = await measureMemory(browser, bench.url, cycles);
          results['memory'] = memory;
          log(`memory: long run, ${longCycles} cycles`);
          const longRun = await measureLongRun(browser, bench.url, longCycles);
          results['longRun'] = longRun;
          tables.memory = `${memoryTable(memory)}\n\n${longRunTable(longRun)}`;
        }
      } finally {
        await browser.close();
        await bench.close();
        await demo.close();
      }
    }

    if (parts.has('edge')) {
      log('edge: bundling the Workers');
      const edge = await measureEdgeBundles();
      results['edge'] = edge;
      tables.edge = edgeTable(edge);
    }

    if (parts.has('backend')) {
      log(`backend: ${backendRounds} rounds × 8 servers × ${backendSeconds} s`);
      // BENCH_BACKEND_PROFILE=1: the handlers under node --cpu-prof, where their CPU went (slower; a separate run).
      const profile = process.env['BENCH_BACKEND_PROFILE'] === '1';
      const backend = await measureBackend({ rounds: backendRounds, durationSeconds: backendSeconds, connections: 10, profile, log });
      results['backend'] = backend;
      tables.backend = [backendTable(backend), ...Object.entries(backend.profiles ?? {}).map(([store, summary]) => profileTable(store, summary))].join('\n\n');
    }

    const report = {
      date: startedAt.toISOString(),
      commit: gitCommit(),
      node: process.version,
      ...(chromiumVersion && { chromium: chromiumVersion }),
      cpus: os.cpus().length,
      loadAverage: { before: loadBefore.map((value) => round(value, 2)), after: os.loadavg().map((value) => round(value, 2)) },
      targets: TARGETS,
      ...(!all && { only: [...parts] }),
      ...results,
    };
    const outDir = path.join(repoRoot, 'bench-results');
    mkdirSync(outDir, { recursive: true });
    // A partial run does not overwrite the full run's figures.
    const outFile = all ? 'latest.json' : `latest-${[...parts].join('-')}.json`;
    writeFileSync(path.join(outDir, outFile), `${JSON.stringify(report, null, 2)}\n`);

    console.log(
      [
        `checkout-widget bench, ${report.date}, commit ${report.commit ?? '?'}, Node ${report.node}` +
          `${chromiumVersion ? `, Chromium ${chromiumVersion}` : ''}, ${report.cpus} CPUs, ` +
          `load average ${report.loadAverage.before[0]} → ${report.loadAverage.after[0]}`,
        '',
        [tables.bytes, tables.edge, tables.start, tables.backend, tables.memory].filter(Boolean).join('\n\n'),
        '',
        `Figures: bench-results/${outFile} (${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s)`,
      ].join('\n'),
    );
  } finally {
    if (snapshot) rmSync(snapshot, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
