/**
 * A walk of the relative import graph from entry modules, as the module-boundary tests need it:
 * static and dynamic imports and re-exports, without type-only ones (they vanish from the code)
 * unless asked for (the layering test counts them: a type is a dependency too).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `src/`, with a trailing separator. */
export const SRC = fileURLToPath(new URL('../../', import.meta.url));
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm;

/** The module's code as it runs: type-only imports and exports left out. */
export function runtimeCode(file: string): string {
  return readFileSync(file, 'utf8').replace(/^\s*(?:import|export)\s+type\s[^;]*;/gm, '');
}

/**
 * Relative (resolved, `.js` → `.ts`) and bare specifiers a module imports, statically or lazily;
 * with `types`, its type-only imports and re-exports (and `typeof import(…)`) as well.
 */
export function importsOf(file: string, { types = false }: { types?: boolean } = {}): { local: string[]; bare: string[] } {
  const local: string[] = [];
  const bare: string[] = [];
  const code = types ? readFileSync(file, 'utf8') : runtimeCode(file);
  for (const [, , specifier] of code.matchAll(IMPORT)) {
    if (specifier!.startsWith('.')) local.push(resolve(dirname(file), specifier!).replace(/\.js$/, '.ts'));
    else bare.push(specifier!);
  }
  return { local, bare };
}

/** Every module reachable from `entries` (paths under `src/`), with the bare packages they import. */
export function graph(entries: string[]): { modules: Set<string>; packages: Set<string> } {
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

/** The modules (not tests or specs) under `dir`. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !/\.(test|spec)\.ts$/.test(file))
    .map((file) => join(dir, file));
}
