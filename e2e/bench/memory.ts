import type { Browser, CDPSession } from '@playwright/test';

/**
 * 200 create → `checkout-ready` → remove cycles of the widget in one page; what is left
 * afterwards: JS heap (after forced GC), documents and frames, DOM nodes, event listeners.
 */

export interface MemorySnapshot {
  heapUsedBytes: number;
  /** Live child browsing contexts (`window.frames.length`; counts frames inside shadow roots). */
  frames: number;
  /** `<checkout-widget>` elements in the document. */
  widgets: number;
  documents: number;
  nodes: number;
  /** All JS event listeners in the renderer (`Memory.getDOMCounters`). */
  jsEventListeners: number;
  windowListeners: number;
  documentListeners: number;
}

export interface MemoryResult {
  cycles: number;
  before: MemorySnapshot;
  after: MemorySnapshot;
  heapGrowthBytes: number;
  /** Wall time of the cycles (informative). */
  cyclesMs: number;
}

async function listenerCount(cdp: CDPSession, expression: 'window' | 'document'): Promise<number> {
  const { result } = await cdp.send('Runtime.evaluate', { expression });
  if (!result.objectId) throw new Error(`No object for ${expression}`);
  try {
    const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
    return listeners.length;
  } finally {
    await cdp.send('Runtime.releaseObject', { objectId: result.objectId });
  }
}

async function snapshot(cdp: CDPSession, evaluate: <T>(fn: () => T) => Promise<T>): Promise<MemorySnapshot> {
  // Removed frames unload and the renderer's teardown runs in later tasks: let them finish first.
  await evaluate(() => new Promise<void>((resolve) => setTimeout(resolve, 300)));
  for (let i = 0; i < 3; i++) await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const counters = await cdp.send('Memory.getDOMCounters');
  const page = await evaluate(() => ({ frames: window.frames.length, widgets: document.querySelectorAll('checkout-widget').length }));
  return {
    heapUsedBytes: heap.usedSize,
    frames: page.frames,
    widgets: page.widgets,
    documents: counters.documents,
    nodes: counters.nodes,
    jsEventListeners: counters.jsEventListeners,
    windowListeners: await listenerCount(cdp, 'window'),
    documentListeners: await listenerCount(cdp, 'document'),
  };
}

interface MemoryPage {
  runCycles(count: number): Promise<void>;
  snapshot(): Promise<MemorySnapshot>;
}

/** The memory page in a fresh context, warmed up: lazy chunks, Lit's template cache and the first sandbox page are one-time costs, not leaks. */
async function onMemoryPage<T>(browser: Browser, origin: string, measure: (page: MemoryPage) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.enable');
    await page.goto(`${origin}/bench/memory.html`, { waitUntil: 'load' });
    const runCycles = (count: number) => page.evaluate((n) => (window as unknown as { benchCycles(n: number): Promise<void> }).benchCycles(n), count);
    const evaluate = <T>(fn: () => T) => page.evaluate(fn) as Promise<T>;
    await runCycles(5);
    return await measure({ runCycles, snapshot: () => snapshot(cdp, evaluate) });
  } finally {
    await context.close();
  }
}

export function measureMemory(browser: Browser, origin: string, cycles: number): Promise<MemoryResult> {
  return onMemoryPage(browser, origin, async (page) => {
    const before = await page.snapshot();
    const started = performance.now();
    await page.runCycles(cycles);
    const cyclesMs = performance.now() - started;
    const after = await page.snapshot();
    return { cycles, before, after, heapGrowthBytes: after.heapUsedBytes - before.heapUsedBytes, cyclesMs };
  });
}

/** One point of the long run: the heap after forced GC once `cycles` cycles are done. */
export interface HeapPoint {
  cycles: number;
  heapUsedBytes: number;
}

export interface LongRunResult {
  cycles: number;
  /** The heap after GC every tenth of the run (the first point after the warm-up, before any timed cycle). */
  points: HeapPoint[];
  /** Heap growth over the second half (cycles N/2 → N): flat is < 1 MB. */
  secondHalfGrowthBytes: number;
  before: MemorySnapshot;
  after: MemorySnapshot;
  cyclesMs: number;
}

/**
 * The long run: `cycles` (2,000) create → ready → remove cycles in one page, the heap read after
 * forced GC (CDP `HeapProfiler.collectGarbage`) every tenth. Flat: the heap after the second half
 * (cycles 1,000 → 2,000) grew less than 1 MB, so what the first half left is a plateau, not a leak.
 */
export function measureLongRun(browser: Browser, origin: string, cycles: number): Promise<LongRunResult> {
  return onMemoryPage(browser, origin, async (page) => {
    const before = await page.snapshot();
    const points: HeapPoint[] = [{ cycles: 0, heapUsedBytes: before.heapUsedBytes }];
    const step = Math.max(1, Math.floor(cycles / 10));
    const half = Math.floor(cycles / 2);
    let done = 0;
    let cyclesMs = 0;
    let after = before;
    while (done < cycles) {
      // Points every tenth, and always one at the half, where "flat" is measured from.
      const next = Math.min(cycles, done < half && done + step > half ? half : done + step);
      const started = performance.now();
      await page.runCycles(next - done);
      cyclesMs += performance.now() - started;
      done = next;
      after = await page.snapshot();
      points.push({ cycles: done, heapUsedBytes: after.heapUsedBytes });
    }
    const atHalf = points.find((point) => point.cycles === half) ?? points[0]!;
    return { cycles, points, secondHalfGrowthBytes: after.heapUsedBytes - atHalf.heapUsedBytes, before, after, cyclesMs };
  });
}
