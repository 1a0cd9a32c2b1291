import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm;

/** Relative (resolved, `.js` → `.ts`) and bare specifiers a module imports, statically or lazily. */
function importsOf(file: string): { local: string[]; bare: string[] } {
  const local: string[] = [];
  const bare: string[] = [];
  // Type-only imports vanish from the emitted code, so they cross no boundary.
  const code = readFileSync(file, 'utf8').replace(/^\s*(?:import|export)\s+type\s[^;]*;/gm, '');
  for (const [, , specifier] of code.matchAll(IMPORT)) {
    if (specifier!.startsWith('.')) local.push(resolve(dirname(file), specifier!).replace(/\.js$/, '.ts'));
    else bare.push(specifier!);
  }
  return { local, bare };
}

/** Every module reachable from `entries`, with the bare packages they import. */
function graph(entries: string[]): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const pending = entries.map((entry) => join(SRC, entry));
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (modules.has(file)) continue;
    modules.add(file);
    const { local, bare } = importsOf(file);
    pending.push(...local);
    for (const name of bare) packages.add(name);
  }
  return { modules, packages };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !/\.(test|spec)\.ts$/.test(file))
    .map((file) => join(dir, file));
}

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
      .filter((name) => !name.startsWith('server/') && name !== 'providers/servers.generated.ts' && !/^providers\/[^/]+\//.test(name));
    expect(outside).toEqual([]);
    expect(importers.map((file) => relative(SRC, file))).toContain('providers/servers.generated.ts');
  });
});
