import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, graph, importsOf, SRC } from '../server/test-support/import-graph.js';

describe('module boundaries', () => {
  it('the browser entries (CDN, package root, define) reach no server module and no node: built-in', () => {
    const { modules, packages } = graph(['cdn.ts', 'index.ts', 'define.ts']);
    const names = [...modules].map((file) => relative(SRC, file));
    expect(names.filter((name) => name.startsWith('server/'))).toEqual([]);
    expect(names.filter((name) => /^providers\/[^/]+\/(server|psp|page|on-demand|fake-[\w-]+)\.ts$/.test(name))).toEqual([]);
    expect([...packages].filter((name) => name.startsWith('node:') || ['stripe', 'hono', 'kysely', 'pg', 'better-sqlite3'].includes(name))).toEqual([]);
    // It does reach every provider's browser side, so the walk is not vacuous.
    expect(names).toEqual(expect.arrayContaining(['providers/stripe/renderer.ts', 'providers/reepay/shape.ts']));
  });

  it('a provider adapter (server.ts) is imported only by server code: src/server and other adapter modules', () => {
    const importers = filesUnder(SRC).filter((file) =>
      importsOf(file).local.some((target) => /[\\/]providers[\\/][^\\/]+[\\/]server\.ts$/.test(target)),
    );
    const outside = importers
      .map((file) => relative(SRC, file))
      .filter((name) => !name.startsWith('server/') && name !== 'provider-registry/servers.generated.ts' && !/^providers\/[^/]+\//.test(name));
    expect(outside).toEqual([]);
    expect(importers.map((file) => relative(SRC, file))).toContain('provider-registry/servers.generated.ts');
  });
});
