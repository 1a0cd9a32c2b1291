/**
 * The edge bundles (issue 26, item 4): the handler, the D1 store and one hosted adapter
 * (ConvergeGate) bundled for workerd as a shop's Workers build does it (esbuild, minified), and the
 * same with the sandbox adapter or the Stripe adapter beside it. Per bundle: gzip size, and what its
 * largest origins (zod, Kysely, Stripe, our own code) put in it. `src/server/edge-bundle.test.ts`
 * holds the lean one to its budget and runs it in workerd.
 */
import { gzipSync } from 'node:zlib';
import { bundleForWorkers, bytesByOrigin, LEAN_GZIP_BUDGET, LEAN_WORKER, type ExtraAdapter } from '../../src/server/test-support/edge-bundles.js';
import { table } from './stats.js';

/** What issue 26 asks of the lean bundle; the test's budget is what was reached (see README). */
export const EDGE_TARGET_GZIP = 60 * 1000;

export interface EdgeBundleRow {
  bundle: string;
  rawBytes: number;
  gzipBytes: number;
  /** Minified bytes before compression, per origin (`zod`, `kysely`, `stripe`, `src/server`, …), largest first. */
  largest: [string, number][];
}

const BUNDLES: [string, ExtraAdapter | undefined][] = [
  ['handler + D1 + ConvergeGate (lean)', undefined],
  ['+ sandbox adapter', 'sandbox'],
  ['+ Stripe adapter (stripe SDK)', 'stripe'],
];

export async function measureEdgeBundles(): Promise<EdgeBundleRow[]> {
  const rows: EdgeBundleRow[] = [];
  for (const [bundle, extra] of BUNDLES) {
    const built = await bundleForWorkers(LEAN_WORKER, { minify: true, ...(extra && { extra }) });
    // Our own code summed per top folder, packages by name.
    const origins = new Map<string, number>();
    for (const [origin, bytes] of bytesByOrigin(built.metafile)) {
      const key = origin.startsWith('src/') ? origin.split('/').slice(0, 2).join('/') : origin;
      origins.set(key, (origins.get(key) ?? 0) + bytes);
    }
    rows.push({
      bundle,
      rawBytes: built.code.length,
      gzipBytes: gzipSync(built.code, { level: 9 }).length,
      largest: [...origins].sort((a, b) => b[1] - a[1]).slice(0, 5),
    });
  }
  return rows;
}

export function edgeTable(rows: readonly EdgeBundleRow[]): string {
  const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
  const lean = rows[0]!;
  return table(
    '1b. Edge bundles for workerd (esbuild, minified, conditions workerd/worker/browser; gzip level 9)',
    ['bundle', 'raw', 'gzip', 'target', 'met', 'largest origins (minified bytes)'],
    rows.map((row, index) => [
      row.bundle,
      kb(row.rawBytes),
      kb(row.gzipBytes),
      index === 0 ? `≤ ${kb(EDGE_TARGET_GZIP)} (test budget ${kb(LEAN_GZIP_BUDGET)})` : '–',
      index === 0 ? (row.gzipBytes <= EDGE_TARGET_GZIP ? 'yes' : '**no**') : '–',
      row.largest.map(([origin, bytes]) => `${origin} ${kb(bytes)}`).join(', '),
    ]),
  ) + `\n\nThe lean bundle is ${kb(lean.gzipBytes)} gzip; the Stripe SDK is in the Stripe bundle only.`;
}
