/**
 * `npm run bench` (after `npm run build`): bytes, time to checkout, backend throughput and
 * memory, each against its floor in the same run, interleaved. Prints four tables and writes
 * the same figures to bench-results/latest.json.
 *
 * Sizes of the run (defaults in brackets): BENCH_RUNS [30] timed page loads of each page,
 * BENCH_TRACE_RUNS [10] traced loads of each for script time, BENCH_CYCLES [200] memory cycles,
 * BENCH_BACKEND_ROUNDS [3] × BENCH_BACKEND_SECONDS [5] per backend variant.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { startDemo } from '../../demo/server.js';
import { chromiumLaunchOptions } from '../support/browser.js';
import { measureBackend, type BackendResult } from './backend.js';
import { startBenchServer } from './bench-server.js';
import { budgetProblems, measureCdnBytes, type CdnFileBytes } from './bytes.js';
import { measureMemory, type MemoryResult } from './memory.js';
import { measureScriptTimes, measureStartTimes, type ScriptTimes, type StartTimes } from './start.js';
import { formatSummary, round, table } from './stats.js';

/** Targets from issue 5. */
export const TARGETS = {
  startRatio: 1.1,
  widgetScriptMs: 10,
  backendRatio: 0.7,
  heapGrowthBytes: 1024 * 1024,
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
  const startSet = files.filter((file) => file.role === 'core' || file.role === 'validators');
  if (startSet.length === 2) {
    const sum = (key: 'raw' | 'gzip' | 'brotli') => String(startSet.reduce((total, file) => total + file[key], 0));
    rows.push(['(core + validators)', 'what every start downloads', sum('raw'), sum('gzip'), sum('brotli'), '–']);
  }
  return table('1. Bytes of dist/cdn (gzip: zlib level 9; brotli: quality 11)', ['file', 'what', 'raw', 'gzip', 'brotli', 'gzip budget (met)'], rows);
}

function startTable(times: StartTimes, script: ScriptTimes): string {
  return table(
    `2. Time to checkout in Chromium (median (min–max); ${times.runs} + ${times.runs} timed runs, ${script.runs} + ${script.runs} traced runs; interleaved, fresh context each)`,
    ['measure', 'widget', 'floor', 'widget / floor', 'target', 'met'],
    [
      [
        'navigation start → ready (ms)',
        formatSummary(times.widget.ready),
        formatSummary(times.floor.ready),
        times.ratio.toFixed(2),
        `ratio ≤ ${TARGETS.startRatio}`,
        yes(times.ratio <= TARGETS.startRatio),
      ],
      [
        '… navigation start → create call sent (ms)',
        formatSummary(times.widget.createSent),
        formatSummary(times.floor.createSent),
        (times.widget.createSent.median / times.floor.createSent.median).toFixed(2),
        '–',
        '–',
      ],
      [
        '… create answered → frame requested (ms)',
        formatSummary(times.widget.answeredToFrame),
        formatSummary(times.floor.answeredToFrame),
        '–',
        '–',
        '–',
      ],
      [
        '… frame requested → ready (provider page load, ms)',
        formatSummary(times.widget.frameToReady),
        formatSummary(times.floor.frameToReady),
        (times.widget.frameToReady.median / times.floor.frameToReady.median).toFixed(2),
        '–',
        '–',
      ],
      [
        'main-thread JS CPU, navigation → ready (ms)',
        formatSummary(script.widget),
        formatSummary(script.floor),
        (script.widget.median / script.floor.median).toFixed(2),
        '–',
        '–',
      ],
      [
        "widget's own JS CPU (median widget − median floor, ms)",
        round(script.widgetOwnMs).toFixed(1),
        '–',
        '–',
        `< ${TARGETS.widgetScriptMs} ms`,
        yes(script.widgetOwnMs < TARGETS.widgetScriptMs),
      ],
    ],
  );
}

function backendTable(result: BackendResult): string {
  const floorRps = result.variants.floor.requestsPerSecond.median;
  const label = {
    floor: 'floor: bare node:http, same JSON',
    handler: 'createCheckoutHandler + sandbox provider (PSP call over HTTP)',
    'handler-stub': 'createCheckoutHandler + instant in-process provider',
    psp: 'sandbox PSP alone (POST /v1/sessions)',
  } as const;
  const rows = (['floor', 'handler', 'handler-stub', 'psp'] as const).map((variant) => {
    const data = result.variants[variant];
    return [
      label[variant],
      formatSummary(data.requestsPerSecond, 0),
      formatSummary(data.p50Ms, 0),
      formatSummary(data.p99Ms, 0),
      String(data.errors),
      String(data.non2xx),
      (data.requestsPerSecond.median / floorRps).toFixed(3),
    ];
  });
  return [
    table(
      `3. Backend over loopback (autocannon, ${result.connections} connections, ${result.rounds} × ${result.durationSeconds} s each, interleaved; median (min–max))`,
      ['server', 'sessions/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'vs floor'],
      rows,
    ),
    '',
    `handler / floor = ${result.ratio.toFixed(3)} (target ≥ ${TARGETS.backendRatio}: ${yes(result.ratio >= TARGETS.backendRatio)}); ` +
      `without the PSP call ${result.stubRatio.toFixed(3)}; the PSP call is ${(result.pspShare * 100).toFixed(0)} % of the handler's time per session.`,
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

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const runs = sizeFromEnv('BENCH_RUNS', 30, 1);
  const traceRuns = sizeFromEnv('BENCH_TRACE_RUNS', 10, 1);
  const cycles = sizeFromEnv('BENCH_CYCLES', 200, 1);
  const backendRounds = sizeFromEnv('BENCH_BACKEND_ROUNDS', 3, 1);
  const backendSeconds = sizeFromEnv('BENCH_BACKEND_SECONDS', 5, 1);
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const log = (message: string) => console.error(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s] ${message}`);

  // The build of this run, frozen: other work may rebuild dist/ while the bench runs.
  const snapshot = mkdtempSync(path.join(os.tmpdir(), 'checkout-bench-cdn-'));
  const cdnDir = path.join(snapshot, 'cdn');
  cpSync(path.join(repoRoot, 'dist', 'cdn'), cdnDir, { recursive: true });

  // Tables in issue order; the backend runs last, once Chromium is gone.
  const tables = { bytes: '', start: '', backend: '', memory: '' };
  const results: Record<string, unknown> = {};
  try {
    log('bytes');
    const files = measureCdnBytes(cdnDir);
    results['bytes'] = { files, budgetProblems: budgetProblems(files) };
    tables.bytes = bytesTable(files);

    log('starting the demo server and Chromium');
    const demo = await startDemo({ port: 0, sandboxPort: 0 });
    const bench = await startBenchServer(demo.shopUrl, cdnDir);
    const browser = await chromium.launch(chromiumLaunchOptions());
    let chromiumVersion = '';
    try {
      chromiumVersion = browser.version();
      log(`time to checkout: ${runs} + ${runs} runs`);
      const times = await measureStartTimes(browser, bench.url, runs);
      log(`script time: ${traceRuns} + ${traceRuns} traced runs`);
      const script = await measureScriptTimes(browser, bench.url, traceRuns);
      results['start'] = { times, script };
      tables.start = startTable(times, script);
      log(`memory: ${cycles} cycles`);
      const memory = await measureMemory(browser, bench.url, cycles);
      results['memory'] = memory;
      tables.memory = memoryTable(memory);
    } finally {
      await browser.close();
      await bench.close();
      await demo.close();
    }

    log(`backend: ${backendRounds} rounds × 4 servers × ${backendSeconds} s`);
    const backend = await measureBackend({ rounds: backendRounds, durationSeconds: backendSeconds, connections: 10 });
    results['backend'] = backend;
    tables.backend = backendTable(backend);

    const report = {
      date: startedAt.toISOString(),
      commit: gitCommit(),
      node: process.version,
      chromium: chromiumVersion,
      cpus: os.cpus().length,
      loadAverage: { before: loadBefore.map((value) => round(value, 2)), after: os.loadavg().map((value) => round(value, 2)) },
      targets: TARGETS,
      ...results,
    };
    const outDir = path.join(repoRoot, 'bench-results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);

    console.log(
      [
        `checkout-widget bench, ${report.date}, commit ${report.commit ?? '?'}, Node ${report.node}, Chromium ${report.chromium}, ${report.cpus} CPUs, ` +
          `load average ${report.loadAverage.before[0]} → ${report.loadAverage.after[0]}`,
        '',
        [tables.bytes, tables.start, tables.backend, tables.memory].join('\n\n'),
        '',
        `Figures: bench-results/latest.json (${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s)`,
      ].join('\n'),
    );
  } finally {
    rmSync(snapshot, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
