import type { Browser } from '@playwright/test';
import os from 'node:os';
import { crossSiteOrigin, loadUntilReady, summarisePhases, type PhaseSummaries, type StartRun } from './start.js';
import { interleave } from './stats.js';

/**
 * Issue 26 item 1: the inline starter (dist/cdn/starter.html after the tag) against the inline
 * floor and the widget without it, interleaved, fresh context each; once as is and once with the
 * page's CPU throttled 4× (CDP `Emulation.setCPUThrottlingRate`, set before the navigation). Each
 * both same-site (the pages on the bench's `127.0.0.1`, like the sandbox's frame: one renderer
 * process, so the module's compile and run compete with the frame's load on one main thread) and
 * cross-site, as a shop and its provider always are in production (the pages on `localhost`: another
 * site than `127.0.0.1`, so Chromium's site isolation gives the frame a renderer process of its own).
 */

export const STARTER_PAGES = ['widget-starter', 'widget', 'floor'] as const;
export type StarterPage = (typeof STARTER_PAGES)[number];
/** Ready of the widget with the starter / ready of the inline floor: issue 26's target. */
export const STARTER_RATIO_TARGET = 1.1;

export interface StarterTimes {
  runs: number;
  cpuThrottling: number;
  /** The pages on another site than the provider page's (`crossSiteOrigin`). */
  crossSite: boolean;
  /** Load average (1 min) when the runs began and ended. */
  loadAverage: [number, number];
  pageRuns: Record<StarterPage, StartRun[]>;
  pages: Record<StarterPage, PhaseSummaries>;
}

async function run(browser: Browser, origin: string, name: StarterPage, cpuThrottling: number): Promise<StartRun> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    if (cpuThrottling !== 1) await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: cpuThrottling });
    return await loadUntilReady(page, origin, name);
  } finally {
    await context.close();
  }
}

export async function measureStarterTimes(browser: Browser, benchOrigin: string, runs: number, cpuThrottling: number, crossSite = false): Promise<StarterTimes> {
  const origin = crossSite ? crossSiteOrigin(benchOrigin) : benchOrigin;
  // One untimed load of each (the servers' first-request costs).
  for (const name of STARTER_PAGES) await run(browser, origin, name, cpuThrottling);
  const loadBefore = os.loadavg()[0]!;
  const results = await interleave(
    runs,
    STARTER_PAGES.map((name) => () => run(browser, origin, name, cpuThrottling)),
  );
  const pageRuns = Object.fromEntries(STARTER_PAGES.map((name, index) => [name, results[index]!])) as Record<StarterPage, StartRun[]>;
  const pages = Object.fromEntries(STARTER_PAGES.map((name, index) => [name, summarisePhases(results[index]!)])) as Record<StarterPage, PhaseSummaries>;
  return { runs, cpuThrottling, crossSite, loadAverage: [loadBefore, os.loadavg()[0]!], pageRuns, pages };
}

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? (a / b).toFixed(2) : '–');

/** Rows of a Markdown table: one per measure, the widget with the starter and without, against the floor. */
export function starterRows(times: StarterTimes, cell: (summary: PhaseSummaries[keyof PhaseSummaries]) => string): string[][] {
  const { 'widget-starter': starter, widget, floor } = times.pages;
  const readyRatio = starter.ready.median / floor.ready.median;
  const label = [times.cpuThrottling === 1 ? '' : ` (CPU ${times.cpuThrottling}× slower)`, times.crossSite ? ' (cross-site)' : ''].join('');
  return [
    [
      `navigation start → ready${label} (ms)`,
      cell(starter.ready),
      cell(widget.ready),
      cell(floor.ready),
      `${readyRatio.toFixed(2)} (without: ${ratio(widget.ready.median, floor.ready.median)})`,
      `≤ ${STARTER_RATIO_TARGET}`,
      readyRatio <= STARTER_RATIO_TARGET ? 'yes' : 'no',
    ],
    [
      `… create call sent${label} (ms)`,
      cell(starter.createSent),
      cell(widget.createSent),
      cell(floor.createSent),
      `${ratio(starter.createSent?.median, floor.createSent?.median)} (without: ${ratio(widget.createSent?.median, floor.createSent?.median)})`,
      '–',
      '–',
    ],
    [
      `… frame requested${label} (ms)`,
      cell(starter.frameRequested),
      cell(widget.frameRequested),
      cell(floor.frameRequested),
      `${ratio(starter.frameRequested.median, floor.frameRequested.median)} (without: ${ratio(widget.frameRequested.median, floor.frameRequested.median)})`,
      '–',
      '–',
    ],
    [
      `… create answered → frame requested${label} (ms)`,
      cell(starter.answeredToFrame),
      cell(widget.answeredToFrame),
      cell(floor.answeredToFrame),
      '–',
      '–',
      '–',
    ],
  ];
}
