/**
 * The handler and every adapter run on edge runtimes (Web APIs only): nothing they reach imports
 * a Node built-in or uses `Buffer`. The sandbox PSP (`psp.ts` and its parts in `psp/`, a Node server) stays out of reach.
 */
import { readdirSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graph, runtimeCode, SRC } from '../test-support/import-graph.js';

const ADAPTERS = readdirSync(join(SRC, 'providers'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => `providers/${entry.name}/server.ts`);

/** Code without comments, where the toolkit may well say "no Buffer". */
function codeOf(file: string): string {
  return runtimeCode(file)
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|\s)\/\/.*$/gm, '$1');
}

describe('edge-safe server code', () => {
  // `server/index.ts` is the package's `./server` entry: all of it must bundle for an edge runtime.
  const entries = ['server/index.ts', 'server/handler.ts', 'server/adapter-kit/index.ts', ...ADAPTERS];

  it.each(entries)('%s reaches no Node built-in and no Buffer', (entry) => {
    const { modules, packages } = graph([entry]);
    const names = [...modules].map((file) => relative(SRC, file));
    expect([...packages].filter((name) => name.startsWith('node:') || isBuiltin(name))).toEqual([]);
    expect(names.filter((name) => /\bBuffer\b/.test(codeOf(join(SRC, name))))).toEqual([]);
    expect(names.filter((name) => /^providers\/sandbox\/psp(\.ts|\/)/.test(name))).toEqual([]);
  });

  it('walks what it should: every adapter, the toolkit, and the re-exported billing client', () => {
    expect(ADAPTERS).toEqual(expect.arrayContaining(['providers/sandbox/server.ts', 'providers/stripe/server.ts', 'providers/reepay/server.ts']));
    const names = [...graph(ADAPTERS).modules].map((file) => relative(SRC, file));
    expect(names).toEqual(
      expect.arrayContaining(['server/adapter-kit/webhook-signatures.ts', 'server/adapter-kit/http-client.ts', 'providers/reepay/on-demand.ts']),
    );
  });

  it('the walker sees what it must refuse (a Node import, Buffer, the PSP)', () => {
    const psp = graph(['providers/sandbox/psp.ts']);
    expect([...psp.packages]).toContain('node:crypto');
    // The PSP's parts, reached through psp.ts: the Basic auth check decodes with Buffer.
    expect([...psp.modules].map((file) => relative(SRC, file))).toContain('providers/sandbox/psp/credentials.ts');
    expect(/\bBuffer\b/.test(codeOf(join(SRC, 'providers/sandbox/psp/credentials.ts')))).toBe(true);
  });
});
