/**
 * `npm run soak`: the checkout backend under load while its payment provider fails.
 *
 * Two child processes on loopback: the sandbox PSP behind a fault-injecting proxy (soak-server.ts
 * `psp`, fault-proxy.ts), and `createCheckoutHandler` on `serveNode` with a SQLite store in a
 * temp folder, the demo catalog and the sandbox provider calling the proxy, `providerTimeoutMs`
 * 2 s (soak-server.ts `handler`). The handler runs in its own process so its RSS is its own
 * (read from /proc/<pid>/status).
 *
 * Phases, each SOAK_SECONDS [10] long: warm-up (PSP ok), ok, slow (the proxy holds each call 4 s,
 * past the handler's 2 s provider timeout), down (the proxy's port is closed, its sockets cut),
 * 500 (the proxy answers HTTP 500 JSON), recovery (ok again). In each, autocannon with 10
 * connections POSTs /api/checkout/sessions with a valid cart and a new Idempotency-Key per
 * request (client timeout 5 s), and three direct fetches during the phase check what a widget
 * would get (status, content type, body, time). SOAK_SECONDS must outlast the client timeout
 * (≥ 7): answers still out when a phase ends are cut by autocannon, not counted.
 *
 * Prints a Markdown table per phase, RSS before and after, and PASS/FAIL per check; exits 1 on
 * a FAIL. Nothing leaves the machine.
 *
 * `npm run soak -- --chaos`: the chaos soak instead (chaos.ts): handler processes SIGKILLed and
 * PostgreSQL stopped under load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { FaultMode } from './fault-proxy.js';

// The part of autocannon's API the soak uses beyond e2e/bench/autocannon.d.ts: per-request hooks
// (a new Idempotency-Key per request, every answer's body checked) and the per-status counts.
interface SoakRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Called before each request is written; returns the request to send. */
  setupRequest(request: SoakRequest): SoakRequest;
  /** Called with each answer. */
  onResponse(status: number, body: string, context: unknown, headers: Record<string, string | string[] | undefined>): void;
}
type SoakAutocannon = (
  options: Parameters<typeof autocannon>[0] & { requests: SoakRequest[] },
) => Promise<Awaited<ReturnType<typeof autocannon>> & { statusCodeStats?: Record<string, { count: number }> }>;
const load = autocannon as unknown as SoakAutocannon;

/** The handler's `providerTimeoutMs`: a provider call that takes longer is answered 502. */
const PROVIDER_TIMEOUT_MS = 2_000;
/**
 * `slow` holds each PSP call this long: 2 s past the provider timeout, yet under the client
 * timeout, so a handler that ignored its timeout would show as slow 2xx answers (and fail the
 * promptness check), not be hidden behind client timeouts.
 */
const SLOW_MS = PROVIDER_TIMEOUT_MS + 2_000;
/** autocannon's and the probes' timeout: no answer within this is a hang (2.5 × the provider timeout). */
const CLIENT_TIMEOUT_MS = 5_000;
/** A failing create must be answered within the provider timeout plus this. */
const PROMPT_MARGIN_MS = 1_000;
/**
 * RSS (and heap after GC) after recovery must stay under this × after warm-up. Warm-up lets V8
 * size its heap and SQLite its page cache for this load; after that a process that levels off
 * moves by tens of percent between phases (allocator and heap sizing), while a leak of what
 * failed creates leave behind (timers, sockets, promises, key claims) grows with the thousands
 * of them. The heap after a full GC is the sharper of the two: RSS is what the host sees.
 */
const RSS_BOUND = 1.5;
/** Share of 2xx answers the recovery phase must reach. */
const RECOVERY_SHARE = 0.99;
const CONNECTIONS = 10;
/**
 * Wait after each phase's load before memory is read, so the creates autocannon cut at the end
 * have finished: at once with a PSP that answers, within the provider timeout with a slow one.
 */
const settleMs = (mode: FaultMode) => (mode === 'slow' ? PROVIDER_TIMEOUT_MS + 500 : 500);
const PROBES_PER_PHASE = 3;

const CREATE_PATH = '/api/checkout/sessions';
const CREATE_BODY = JSON.stringify({ items: [{ sku: 'coffee-beans', quantity: 2 }, { sku: 'mug', quantity: 1 }], locale: 'en' });
const SERVER_ENTRY = fileURLToPath(new URL('./soak-server.ts', import.meta.url));

interface Phase {
  name: string;
  mode: FaultMode;
  what: string;
}

const PHASES: Phase[] = [
  { name: 'warm-up', mode: 'ok', what: 'PSP ok' },
  { name: 'ok', mode: 'ok', what: 'PSP ok' },
  { name: 'slow', mode: 'slow', what: `PSP answers after ${SLOW_MS} ms` },
  { name: 'down', mode: 'down', what: 'PSP port closed, sockets cut' },
  { name: '500', mode: '500', what: 'PSP answers HTTP 500' },
  { name: 'recovery', mode: 'ok', what: 'PSP ok again' },
];

function secondsFromEnv(): number {
  const value = process.env['SOAK_SECONDS'];
  if (value === undefined || value === '') return 10;
  const seconds = Number(value);
  // A request that hangs is only counted if the phase outlasts the client timeout: the answers
  // still out when a phase ends are cut, not counted.
  const min = CLIENT_TIMEOUT_MS / 1000 + 2;
  if (!Number.isInteger(seconds) || seconds < min || seconds > 60) throw new Error(`SOAK_SECONDS must be a whole number from ${min} to 60 (got "${value}")`);
  return seconds;
}

// ---------------------------------------------------------------------------------------------
// Child processes

interface Child {
  process: ChildProcess;
  ready: Record<string, unknown>;
  ask(command: string, extra?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

function startChild(variant: string, options: Record<string, unknown>, nodeArgs: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', SERVER_ENTRY, variant, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const waiting = new Map<number, (reply: Record<string, unknown>) => void>();
  child.on('message', (reply: { id: number }) => {
    waiting.get(reply.id)?.(reply as Record<string, unknown>);
    waiting.delete(reply.id);
  });
  const ask = (command: string, extra: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`soak server "${variant}" did not answer "${command}" within 10 s`));
      }, 10_000);
      waiting.set(id, (reply) => {
        clearTimeout(timer);
        if (reply['ok']) resolve(reply);
        else reject(new Error(`soak server "${variant}": ${command} failed: ${String(reply['error'])}`));
      });
      child.send({ id, command, ...extra });
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`soak server "${variant}" exited (${signal ?? code}) before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve({ process: child, ready: JSON.parse(line.slice('READY '.length)) as Record<string, unknown>, ask });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS); undefined where there is no /proc. */
function rssFromProc(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// What a widget must get

/** Why an answer is not what a widget may get for a create (undefined: fine). */
function answerProblem(status: number, contentType: string, body: string): string | undefined {
  if (status === 201) {
    try {
      const session = JSON.parse(body) as { id?: unknown; url?: unknown };
      return typeof session.id === 'string' && typeof session.url === 'string' ? undefined : '201 without a session';
    } catch {
      return '201 with a body that is not JSON';
    }
  }
  if (status !== 502 && status !== 504) return `HTTP ${status} (a failed create must be 502 or 504)`;
  if (!/^application\/json\b/i.test(contentType)) return `HTTP ${status} with content-type "${contentType}"`;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code !== 'string' || typeof parsed.error.message !== 'string' || parsed.error.message === '') {
      return `HTTP ${status} without { error: { code, message } }`;
    }
    return undefined;
  } catch {
    return `HTTP ${status} with a body that is not JSON`;
  }
}

interface Probe {
  status: number | 'timeout' | 'error';
  ms: number;
  problem?: string;
  /** The error body's code and message, for the report. */
  error?: string;
}

async function probe(url: string, key: string): Promise<Probe> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: CREATE_BODY,
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    const body = await response.text();
    const ms = performance.now() - started;
    const problem = answerProblem(response.status, response.headers.get('content-type') ?? '', body);
    let error: string | undefined;
    if (response.status !== 201) {
      try {
        const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
        error = `${parsed.error?.code}: ${parsed.error?.message}`;
      } catch {
        error = body.slice(0, 120);
      }
    }
    return { status: response.status, ms, ...(problem && { problem }), ...(error && { error }) };
  } catch (error) {
    const ms = performance.now() - started;
    const name = (error as { name?: string }).name;
    return name === 'TimeoutError'
      ? { status: 'timeout', ms, problem: `no answer within ${CLIENT_TIMEOUT_MS} ms` }
      : { status: 'error', ms, problem: `socket error: ${error instanceof Error ? error.message : String(error)}` };
  }
}

// ---------------------------------------------------------------------------------------------
// One phase

interface PhaseResult {
  phase: Phase;
  seconds: number;
  /** Answers (any status) + socket errors + timeouts. */
  requests: number;
  answers: number;
  ok: number;
  s502: number;
  s504: number;
  otherNon2xx: number;
  /** Statuses other than 2xx/502/504, with counts. */
  otherStatuses: Record<string, number>;
  socketErrors: number;
  timeouts: number;
  /** Sent but neither answered nor failed when the phase ended (cut by autocannon's stop). */
  inFlightAtEnd: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers that are not what a widget may get, by problem. */
  problems: Map<string, number>;
  probes: Probe[];
  rssBytes: number | undefined;
  heapUsedBytes: number | undefined;
}

async function runPhase(phase: Phase, options: { url: string; seconds: number; runId: string; handler: Child }): Promise<PhaseResult> {
  let sequence = 0;
  const problems = new Map<string, number>();
  const note = (problem: string) => problems.set(problem, (problems.get(problem) ?? 0) + 1);

  // Probes spread over the phase, next to the load: what one widget gets while it runs.
  const probes: Promise<Probe>[] = [];
  const probeTimers: ReturnType<typeof setTimeout>[] = [];
  for (let i = 1; i <= PROBES_PER_PHASE; i++) {
    const at = (options.seconds * 1000 * i) / (PROBES_PER_PHASE + 1);
    probes.push(
      new Promise((resolve) => {
        probeTimers.push(setTimeout(() => resolve(probe(`${options.url}${CREATE_PATH}`, `soak-${options.runId}-${phase.name}-probe-${i}`)), at));
      }),
    );
  }

  const result = await load({
    url: options.url,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: options.seconds,
    timeout: CLIENT_TIMEOUT_MS / 1000,
    requests: [
      {
        method: 'POST',
        path: CREATE_PATH,
        headers: { 'content-type': 'application/json' },
        body: CREATE_BODY,
        // A new key per create, as the widget sends one per checkout.
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, 'idempotency-key': `soak-${options.runId}-${phase.name}-${++sequence}` },
        }),
        onResponse: (status, body, _context, headers) => {
          const contentType = headers['content-type'] ?? headers['Content-Type'] ?? '';
          const problem = answerProblem(status, Array.isArray(contentType) ? contentType.join(', ') : contentType, body);
          if (problem) note(problem);
        },
      },
    ],
  });
  const probed = await Promise.all(probes);
  for (const timer of probeTimers) clearTimeout(timer);
  await new Promise((resolve) => setTimeout(resolve, settleMs(phase.mode)));

  const rssBytes = rssFromProc(options.handler.process.pid);
  const memory = (await options.handler.ask('memory'))['memory'] as NodeJS.MemoryUsage;
  const statuses = result.statusCodeStats ?? {};
  const count = (status: string) => statuses[status]?.count ?? 0;
  const otherStatuses = Object.fromEntries(
    Object.entries(statuses)
      .filter(([status]) => !status.startsWith('2') && status !== '502' && status !== '504')
      .map(([status, { count: n }]) => [status, n]),
  );
  const answers = Object.values(statuses).reduce((sum, { count: n }) => sum + n, 0);
  return {
    phase,
    seconds: result.duration,
    requests: answers + result.errors,
    answers,
    ok: result['2xx'],
    s502: count('502'),
    s504: count('504'),
    otherNon2xx: Object.values(otherStatuses).reduce((sum, n) => sum + n, 0),
    otherStatuses,
    socketErrors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    inFlightAtEnd: Math.max(0, result.requests.sent - answers - result.errors),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    problems,
    probes: probed,
    rssBytes: rssBytes ?? memory.rss,
    heapUsedBytes: memory.heapUsed,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const mb = (bytes: number | undefined) => (bytes === undefined ? '–' : (bytes / 1024 / 1024).toFixed(1));
const share = (part: number, whole: number) => (whole === 0 ? '–' : `${((part / whole) * 100).toFixed(1)} %`);

function phaseTable(results: PhaseResult[]): string {
  const header = [
    'phase',
    'PSP',
    'requests',
    '2xx',
    '502',
    '504',
    'other non-2xx',
    'socket errors / timeouts (hangs)',
    'in flight at end',
    'p50 / p99 ms',
    'max ms',
    'handler RSS at end (MB)',
    'heap after GC (MB)',
  ];
  const rows = results.map((r) => [
    r.phase.name,
    r.phase.what,
    String(r.requests),
    `${r.ok} (${share(r.ok, r.requests)})`,
    String(r.s502),
    String(r.s504),
    r.otherNon2xx === 0 ? '0' : `${r.otherNon2xx} (${Object.entries(r.otherStatuses).map(([s, n]) => `${s}: ${n}`).join(', ')})`,
    `${r.socketErrors} / ${r.timeouts}`,
    String(r.inFlightAtEnd),
    `${r.p50Ms} / ${r.p99Ms}`,
    String(r.maxMs),
    mb(r.rssBytes),
    mb(r.heapUsedBytes),
  ]);
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function probeLines(results: PhaseResult[]): string[] {
  return results.map((r) => {
    const seen = r.probes.map((p) => `${p.status} in ${Math.round(p.ms)} ms${p.problem ? ` (**${p.problem}**)` : ''}`).join(', ');
    const error = r.probes.find((p) => p.error)?.error;
    return `- ${r.phase.name}: ${seen}${error ? ` — e.g. \`${error}\`` : ''}`;
  });
}

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

async function main(): Promise<void> {
  const seconds = secondsFromEnv();
  const started = Date.now();
  const loadBefore = os.loadavg()[0]!;
  const log = (message: string) => console.error(`[soak ${((Date.now() - started) / 1000).toFixed(0)} s] ${message}`);
  const runId = randomBytes(4).toString('hex');
  const keys = { secretKey: `sbx_sk_${randomBytes(24).toString('hex')}`, webhookSecret: `sbx_whsec_${randomBytes(24).toString('hex')}` };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'checkout-soak-'));
  const children: Child[] = [];
  const stopAll = () => Promise.all(children.map((child) => stopChild(child.process)));
  const onSignal = () => {
    void stopAll().finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let failed = false;
  try {
    log('starting the sandbox PSP behind the fault proxy, and the handler');
    const psp = await startChild('psp', { ...keys, slowMs: SLOW_MS });
    children.push(psp);
    const handler = await startChild(
      'handler',
      { ...keys, apiUrl: psp.ready['proxyUrl'], sqlitePath: path.join(dir, 'checkout.db'), providerTimeoutMs: PROVIDER_TIMEOUT_MS },
      ['--expose-gc'],
    );
    children.push(handler);
    let handlerExit: string | undefined;
    handler.process.once('exit', (code, signal) => (handlerExit = `exited (${signal ?? code})`));
    const url = handler.ready['url'] as string;

    const rssBefore = rssFromProc(handler.process.pid) ?? ((await handler.ask('memory'))['memory'] as NodeJS.MemoryUsage).rss;
    const results: PhaseResult[] = [];
    for (const phase of PHASES) {
      await psp.ask('mode', { mode: phase.mode });
      log(`${phase.name}: ${phase.what}, ${seconds} s`);
      results.push(await runPhase(phase, { url, seconds, runId, handler }));
      if (handlerExit) throw new Error(`the handler ${handlerExit} during the ${phase.name} phase`);
    }
    await psp.ask('mode', { mode: 'ok' });
    const logLines = (await handler.ask('log'))['lines'] as { level: string; message: string; count: number; example: string }[];
    const proxyCounts = (await psp.ask('counts'))['counts'] as Record<FaultMode, number>;
    const rssAfter = rssFromProc(handler.process.pid);

    // ---- checks
    const byName = (name: string) => results.find((r) => r.phase.name === name)!;
    const warmUp = byName('warm-up');
    const recovery = byName('recovery');
    const faults = results.filter((r) => r.phase.mode !== 'ok');
    const allProblems = new Map<string, number>();
    for (const r of results) for (const [problem, n] of r.problems) allProblems.set(`${r.phase.name}: ${problem}`, n);
    const badProbes = results.flatMap((r) => r.probes.filter((p) => p.problem && p.status !== 'timeout' && p.status !== 'error').map((p) => `${r.phase.name}: ${p.problem}`));
    const failedCreates = results.reduce((sum, r) => sum + r.answers - r.ok, 0);
    const hangs = results.reduce((sum, r) => sum + r.timeouts + r.socketErrors, 0);
    const hungProbes = results.flatMap((r) => r.probes.filter((p) => p.status === 'timeout' || p.status === 'error').map((p) => `${r.phase.name}: ${p.problem}`));
    // Every answer counts here, 2xx too: a 201 after the provider timeout means the handler waited past it.
    const slowestIn = (r: PhaseResult) => Math.max(r.maxMs, ...r.probes.map((p) => Math.round(p.ms)));
    const slowest = faults.reduce((worst, r) => (slowestIn(r) > slowestIn(worst) ? r : worst), faults[0]!);
    const unanswered = results.filter((r) => r.answers < CONNECTIONS).map((r) => `${r.phase.name}: ${r.answers} answers`);
    const rssRatio = recovery.rssBytes !== undefined && warmUp.rssBytes !== undefined ? recovery.rssBytes / warmUp.rssBytes : undefined;
    const heapRatio =
      recovery.heapUsedBytes !== undefined && warmUp.heapUsedBytes !== undefined ? recovery.heapUsedBytes / warmUp.heapUsedBytes : undefined;

    const checks: Check[] = [
      {
        name: 'every failed create is a 502/504 with a JSON { error: { code, message } } body',
        pass: allProblems.size === 0 && badProbes.length === 0 && failedCreates > 0,
        detail:
          allProblems.size === 0 && badProbes.length === 0
            ? `${failedCreates} failed creates, every body checked (autocannon onResponse) + ${results.length * PROBES_PER_PHASE} direct fetches`
            : [...[...allProblems].map(([problem, n]) => `${n} × ${problem}`), ...badProbes].join('; '),
      },
      {
        name: `none hung (0 client timeouts at ${CLIENT_TIMEOUT_MS / 1000} s, 0 socket errors, every direct fetch answered, every phase ≥ ${CONNECTIONS} answers)`,
        pass: hangs === 0 && hungProbes.length === 0 && unanswered.length === 0,
        detail: `${results.reduce((sum, r) => sum + r.timeouts, 0)} timeouts, ${results.reduce((sum, r) => sum + r.socketErrors, 0)} socket errors${[...hungProbes, ...unanswered].map((line) => `; ${line}`).join('')}`,
      },
      {
        name: `failures are prompt: slowest answer in a fault phase ≤ provider timeout + ${PROMPT_MARGIN_MS / 1000} s (${(PROVIDER_TIMEOUT_MS + PROMPT_MARGIN_MS) / 1000} s)`,
        pass: slowestIn(slowest) <= PROVIDER_TIMEOUT_MS + PROMPT_MARGIN_MS,
        detail: `slowest ${slowestIn(slowest)} ms (${slowest.phase.name}; load and direct fetches, any status); ${faults.map((r) => `${r.phase.name} p99 ${r.p99Ms} ms`).join(', ')}`,
      },
      {
        name: `recovery: ≥ ${RECOVERY_SHARE * 100} % 2xx once the PSP is back`,
        pass: recovery.requests > 0 && recovery.ok / recovery.requests >= RECOVERY_SHARE,
        detail: `${recovery.ok} of ${recovery.requests} (${share(recovery.ok, recovery.requests)}); ok phase before the faults: ${share(byName('ok').ok, byName('ok').requests)}`,
      },
      {
        name: `memory levels off: handler RSS after recovery < ${RSS_BOUND} × RSS after warm-up`,
        pass: rssRatio !== undefined && rssRatio < RSS_BOUND,
        detail: `${mb(recovery.rssBytes)} MB / ${mb(warmUp.rssBytes)} MB = ${rssRatio?.toFixed(2) ?? '?'}`,
      },
      {
        name: `memory levels off: handler heap after GC after recovery < ${RSS_BOUND} × after warm-up`,
        pass: heapRatio !== undefined && heapRatio < RSS_BOUND,
        detail: `${mb(recovery.heapUsedBytes)} MB / ${mb(warmUp.heapUsedBytes)} MB = ${heapRatio?.toFixed(2) ?? '?'}`,
      },
    ];
    failed = checks.some((check) => !check.pass);

    const totalRequests = results.reduce((sum, r) => sum + r.requests, 0);
    const afterOk = byName('ok');
    const heapPerThousand =
      recovery.heapUsedBytes !== undefined && afterOk.heapUsedBytes !== undefined
        ? ((recovery.heapUsedBytes - afterOk.heapUsedBytes) / results.slice(results.indexOf(afterOk) + 1).reduce((sum, r) => sum + r.requests, 0)) * 1000
        : undefined;
    console.log(
      [
        `checkout-widget soak, ${new Date(started).toISOString()}, Node ${process.version}, ${os.cpus().length} CPUs, ` +
          `${PHASES.length} phases × ${seconds} s, autocannon ${CONNECTIONS} connections, providerTimeoutMs ${PROVIDER_TIMEOUT_MS}, ` +
          `client timeout ${CLIENT_TIMEOUT_MS} ms, store SQLite (temp file), load average ${loadBefore.toFixed(2)} → ${os.loadavg()[0]!.toFixed(2)}`,
        '',
        phaseTable(results),
        '',
        'Direct fetches during each phase (status in ms):',
        ...probeLines(results),
        '',
        `Handler RSS: ${mb(rssBefore)} MB before the run (idle), ${mb(warmUp.rssBytes)} MB after warm-up, ` +
          `${mb(recovery.rssBytes)} MB after recovery, ${mb(rssAfter)} MB at the end. ` +
          `Heap after GC: ${mb(afterOk.heapUsedBytes)} MB after "ok", ${mb(recovery.heapUsedBytes)} MB after recovery` +
          `${heapPerThousand === undefined ? '' : ` (${(heapPerThousand / 1024).toFixed(1)} KB per 1000 requests in between)`}. ` +
          `${totalRequests} requests in all.`,
        `PSP calls that reached the proxy: ${Object.entries(proxyCounts).map(([mode, n]) => `${mode} ${n}`).join(', ')}.`,
        'Handler log (counted):',
        ...(logLines.length ? logLines.map((line) => `- ${line.level} "${line.message}" × ${line.count}${line.example ? `: ${line.example}` : ''}`) : ['- nothing']),
        '',
        ...checks.map((check) => `${check.pass ? 'PASS' : 'FAIL'} ${check.name}: ${check.detail}`),
        '',
        failed ? 'Soak: FAIL' : 'Soak: PASS',
      ].join('\n'),
    );
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.exitCode = failed ? 1 : 0;
}

// `npm run soak -- --chaos …`: the chaos soak instead (chaos.ts).
const args = process.argv.slice(2);
const soak = args.includes('--chaos') ? () => import('./chaos.js').then((chaos) => chaos.main(args)) : main;
soak().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
