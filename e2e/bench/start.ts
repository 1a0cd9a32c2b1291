import type { Browser, Page } from '@playwright/test';
import os from 'node:os';
import { interleave, summarise, type Summary } from './stats.js';

/**
 * Time to checkout: navigation start → `checkout-ready` on the widget page, against the floor
 * page that does the same by hand (one create call, one iframe, ready = its load), and the floor's
 * code loaded as an external module script (what being a script tag costs any SDK). Then the
 * same for a page whose server already made the session: the widget given it as `session`, and
 * server-rendered with its frame (`renderCheckoutWidget`), against a page that frames its URL at once. Each run gets a fresh browser context, so every
 * page starts with an empty cache and no open connections.
 */

export const CREATE_PAGES = ['widget', 'floor', 'floor-module'] as const;
export const SESSION_PAGES = ['session/widget', 'session/ssr', 'session/floor'] as const;

/**
 * The same pages served from `localhost` instead of `127.0.0.1`: the provider's page (the sandbox,
 * on `127.0.0.1`) is then cross-site, as a real provider's always is, so Chromium gives its frame a
 * renderer process of its own (site isolation) instead of the shop page's main thread.
 */
export function crossSiteOrigin(origin: string): string {
  const url = new URL(origin);
  if (url.hostname !== '127.0.0.1') throw new Error(`crossSiteOrigin: the bench origin is not on 127.0.0.1 (${origin})`);
  url.hostname = 'localhost';
  return url.origin;
}
/** `methods="choose"` against a page that lists the methods, takes the pick and frames the session by hand (the same shopper script presses Continue on both). */
export const METHOD_PAGES = ['methods-widget', 'methods-floor'] as const;
type PageName = (typeof CREATE_PAGES)[number] | (typeof SESSION_PAGES)[number] | (typeof METHOD_PAGES)[number];

/** One page load, in milliseconds since navigation start. */
export interface StartRun {
  ready: number;
  /** When the create call left (Resource Timing `startTime`); none on the session pages. */
  createSent?: number;
  /** When its answer had arrived (`responseEnd`). */
  createAnswered?: number;
  /** When the provider page's frame request left. */
  frameRequested: number;
  /** The method pages: when the methods answer had arrived, and when the shopper script pressed Continue. */
  methodsAnswered?: number;
  chosen?: number;
  /** The `dist/cdn` files the page fetched (file names). */
  cdnFiles: string[];
  /** Frame documents the page loaded (Resource Timing entries of \`iframe\`): 1 unless a frame was made or loaded again. */
  frameLoads: number;
}

export interface PhaseSummaries {
  ready: Summary;
  createSent?: Summary;
  /** Create answered → frame requested: reading, validating and mounting. */
  answeredToFrame?: Summary;
  frameRequested: Summary;
  /** Frame requested → ready: the provider page loading. */
  frameToReady: Summary;
  methodsAnswered?: Summary;
  /** Continue pressed → ready: the create for the pick, mounting, the provider page. */
  chosenToReady?: Summary;
  /** Frame documents loaded per page load (1: never made or loaded again). */
  frameLoads: Summary;
}

export interface StartTimes<Name extends string> {
  runs: number;
  /** Load average (1 min) when the runs began and ended. */
  loadAverage: [number, number];
  pageRuns: Record<Name, StartRun[]>;
  pages: Record<Name, PhaseSummaries>;
}

export interface ScriptTimes {
  runs: number;
  /** Main-thread JS CPU time (thread clock) of the page's renderer, navigation → ready. */
  widgetMs: number[];
  floorMs: number[];
  widget: Summary;
  floor: Summary;
  /** Median widget − median floor: the JS the widget adds over doing it by hand. */
  widgetOwnMs: number;
}

/** One load of `/bench/<name>.html` until its `checkout-ready`, with the phases' times. */
export async function loadUntilReady(page: Page, origin: string, name: string): Promise<StartRun> {
  await page.goto(`${origin}/bench/${name}.html`, { waitUntil: 'domcontentloaded' });
  // performance.now() at ready, taken by the page itself: milliseconds since navigation start.
  // A string, not a function: the TypeScript loader may wrap a function in helpers the page lacks.
  return page.evaluate(READ_RUN) as Promise<StartRun>;
}

/** What `loadUntilReady` reads in the page once it is ready (see `StartRun`). */
const READ_RUN = `(async () => {
  const ready = await window.benchReady;
  const chosen = await window.benchChosen;
  const entries = performance.getEntriesByType('resource');
  const path = (entry) => new URL(entry.name).pathname;
  const create = entries.find((entry) => path(entry) === '/api/checkout/sessions' && entry.initiatorType === 'fetch');
  const methods = entries.find((entry) => path(entry) === '/api/checkout/sessions/methods' && entry.initiatorType === 'fetch');
  const frames = entries.filter((entry) => entry.initiatorType === 'iframe');
  const frame = frames[0];
  if (!frame) throw new Error('no Resource Timing entry for the frame');
  return {
    ready,
    frameLoads: frames.length,
    frameRequested: frame.startTime,
    cdnFiles: entries.map(path).filter((name) => name.startsWith('/cdn/')).map((name) => name.slice(5)),
    ...(create && { createSent: create.startTime, createAnswered: create.responseEnd }),
    ...(methods && { methodsAnswered: methods.responseEnd }),
    ...(chosen !== undefined && { chosen }),
  };
})()`;

function summariseOptional(values: (number | undefined)[]): Summary | undefined {
  const present = values.filter((value): value is number => value !== undefined);
  return present.length === values.length ? summarise(present) : undefined;
}

export function summarisePhases(runs: readonly StartRun[]): PhaseSummaries {
  const createSent = summariseOptional(runs.map((run) => run.createSent));
  const answeredToFrame = summariseOptional(runs.map((run) => (run.createAnswered === undefined ? undefined : run.frameRequested - run.createAnswered)));
  const methodsAnswered = summariseOptional(runs.map((run) => run.methodsAnswered));
  const chosenToReady = summariseOptional(runs.map((run) => (run.chosen === undefined ? undefined : run.ready - run.chosen)));
  return {
    ...(methodsAnswered && { methodsAnswered }),
    ...(chosenToReady && { chosenToReady }),
    ready: summarise(runs.map((run) => run.ready)),
    ...(createSent && { createSent }),
    ...(answeredToFrame && { answeredToFrame }),
    frameRequested: summarise(runs.map((run) => run.frameRequested)),
    frameToReady: summarise(runs.map((run) => run.ready - run.frameRequested)),
    frameLoads: summarise(runs.map((run) => run.frameLoads)),
  };
}

async function timedRun(browser: Browser, origin: string, name: PageName): Promise<StartRun> {
  const context = await browser.newContext();
  try {
    return await loadUntilReady(await context.newPage(), origin, name);
  } finally {
    await context.close();
  }
}

/** `runs` timed loads of each page, interleaved, after one untimed load of each (servers' first-request costs). */
export async function measureStartTimes<Name extends PageName>(browser: Browser, origin: string, names: readonly Name[], runs: number): Promise<StartTimes<Name>> {
  for (const name of names) await timedRun(browser, origin, name);
  const loadBefore = os.loadavg()[0]!;
  const results = await interleave(
    runs,
    names.map((name) => () => timedRun(browser, origin, name)),
  );
  const pageRuns = Object.fromEntries(names.map((name, index) => [name, results[index]!])) as Record<Name, StartRun[]>;
  const pages = Object.fromEntries(names.map((name, index) => [name, summarisePhases(results[index]!)])) as Record<Name, PhaseSummaries>;
  return { runs, loadAverage: [loadBefore, os.loadavg()[0]!], pageRuns, pages };
}

/** Median ready of `a` / median ready of `b`. */
export function readyRatio<Name extends string>(times: StartTimes<Name>, a: Name, b: Name): number {
  return times.pages[a].ready.median / times.pages[b].ready.median;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  tts?: number;
  tdur?: number;
  args?: Record<string, unknown>;
}

/** Trace events that are JavaScript running (compile, evaluate, calls); nested ones overlap and are merged. */
const SCRIPT_EVENTS = new Set([
  'EvaluateScript',
  'v8.compile',
  'v8.compileModule',
  'v8.evaluateModule',
  'v8.run',
  'v8.callFunction',
  'v8.callAsConstructor',
  'FunctionCall',
  'TimerFire',
  'FireAnimationFrame',
  'RunMicrotasks',
]);

/**
 * JS CPU milliseconds on the main thread of the renderer(s) that showed `pageUrl`, from a
 * Chromium trace. Thread time (`tts`/`tdur`), not wall time: on a busy 2-core box wall time
 * mostly measures waiting for a core. The sandbox page is same-site, so its frame shares the
 * process and counts on both sides alike.
 */
export function scriptCpuMs(traceJson: string, pageUrl: string): number {
  const parsed = JSON.parse(traceJson) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const mainThreads = new Set<string>();
  for (const event of events) {
    if (event.ph === 'M' && event.name === 'thread_name' && (event.args?.['name'] as string) === 'CrRendererMain') {
      mainThreads.add(`${event.pid}:${event.tid}`);
    }
  }
  // Other renderers (Chromium's own WebUI) run script too: keep the processes that showed the page.
  const pagePids = new Set<number>();
  for (const event of events) {
    if (event.args && mainThreads.has(`${event.pid}:${event.tid}`) && JSON.stringify(event.args).includes(pageUrl)) pagePids.add(event.pid);
  }
  if (pagePids.size === 0) throw new Error(`The trace shows no renderer for ${pageUrl}`);
  const intervals = new Map<string, Array<[number, number]>>();
  for (const event of events) {
    const thread = `${event.pid}:${event.tid}`;
    if (event.ph !== 'X' || !SCRIPT_EVENTS.has(event.name) || !pagePids.has(event.pid) || !mainThreads.has(thread)) continue;
    if (event.tts === undefined || event.tdur === undefined) continue;
    const list = intervals.get(thread) ?? [];
    list.push([event.tts, event.tts + event.tdur]);
    intervals.set(thread, list);
  }
  let totalMicros = 0;
  for (const list of intervals.values()) {
    list.sort((x, y) => x[0] - y[0]);
    let [start, end] = list[0]!;
    for (const [nextStart, nextEnd] of list.slice(1)) {
      if (nextStart > end) {
        totalMicros += end - start;
        [start, end] = [nextStart, nextEnd];
      } else if (nextEnd > end) {
        end = nextEnd;
      }
    }
    totalMicros += end - start;
  }
  return totalMicros / 1000;
}

const TRACE_CATEGORIES = ['devtools.timeline', 'v8', 'disabled-by-default-devtools.timeline'];

async function tracedRun(browser: Browser, origin: string, name: PageName): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await browser.startTracing(undefined, { categories: TRACE_CATEGORIES });
    let trace: Buffer;
    try {
      await loadUntilReady(page, origin, name);
    } finally {
      trace = await browser.stopTracing();
    }
    return scriptCpuMs(trace.toString('utf8'), `${origin}/bench/${name}.html`);
  } finally {
    await context.close();
  }
}

/** Separate runs from the timed ones: tracing slows a page down, so it must not touch the time-to-checkout figures. */
export async function measureScriptTimes(browser: Browser, origin: string, runs: number): Promise<ScriptTimes> {
  const [widgetMs, floorMs] = (await interleave(runs, [() => tracedRun(browser, origin, 'widget'), () => tracedRun(browser, origin, 'floor')])) as [
    number[],
    number[],
  ];
  const widget = summarise(widgetMs);
  const floor = summarise(floorMs);
  return { runs, widgetMs, floorMs, widget, floor, widgetOwnMs: widget.median - floor.median };
}
