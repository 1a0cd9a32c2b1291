/**
 * Where a backend process spends its CPU: a V8 `.cpuprofile` (`node --cpu-prof`) folded into self
 * time per origin (a package such as `zod`, `hono`, `kysely`; our own `src/<area>/<file>`; Node's
 * internals; the garbage collector; idle) and per function, largest first. The backend bench
 * writes one per handler process with `BENCH_BACKEND_PROFILE=1` (README, "Performance").
 */
import { readFileSync } from 'node:fs';
import { table } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileCost {
  name: string;
  ms: number;
  /** Of the busy time (idle left out). */
  share: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  byOrigin: ProfileCost[];
  byFunction: ProfileCost[];
}

/** `zod`, `src/server/store/sql.ts`, `node:internal`, `(garbage collector)`, … for a frame's URL. */
export function originOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (inPackage) return inPackage[1]!;
  if (url.startsWith('node:')) return 'node:internal';
  const own = /\/((?:src|e2e)\/.*)$/.exec(url);
  return own ? own[1]! : url;
}

function ranked(costs: Map<string, number>, busyMs: number, top: number): ProfileCost[] {
  return [...costs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, ms: Math.round(ms), share: busyMs > 0 ? ms / busyMs : 0 }));
}

export function summariseCpuProfile(profile: CpuProfile, top = 12): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000));
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  for (const [id, ms] of selfMs) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const origin = originOf(url, functionName);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + ms);
    const name = `${functionName || '(anonymous)'} ${origin}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  }
  return { busyMs: Math.round(busyMs), idleMs: Math.round(idleMs), byOrigin: ranked(byOrigin, busyMs, top), byFunction: ranked(byFunction, busyMs, top) };
}

export function summariseCpuProfileFile(file: string, top?: number): ProfileSummary {
  return summariseCpuProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top);
}

/** One table per profiled store: the handler's busiest origins and functions over the whole backend run. */
export function profileTable(store: string, summary: ProfileSummary): string {
  const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
  const rows = summary.byOrigin.map((origin, index) => {
    const fn = summary.byFunction[index];
    return [origin.name, String(origin.ms), pct(origin.share), fn ? fn.name : '', fn ? `${fn.ms} (${pct(fn.share)})` : ''];
  });
  return table(
    `3b. Handler CPU profile, ${store} store (node --cpu-prof over the whole run; self time; busy ${summary.busyMs} ms, idle ${summary.idleMs} ms)`,
    ['origin', 'self ms', 'of busy', 'function', 'self ms (of busy)'],
    rows,
  );
}
