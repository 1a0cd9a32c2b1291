import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The package's lazy imports of optional peers a shop may not install (better-sqlite3, pg, stripe)
 * carry `webpackIgnore`: Next.js (Turbopack or webpack) bundles `checkout-widget/server` into a
 * route and otherwise fails the build on `Can't resolve 'pg'` for a store the shop never uses
 * (docs/recipes/nextjs.md). Node resolves them at run time, where the `.catch` names the install.
 */
const SRC = fileURLToPath(new URL('..', import.meta.url));
/** Bundled on purpose: a Worker's tracing needs the API in its bundle, and Next.js ships its own copy. */
const BUNDLED_ON_PURPOSE = ['@opentelemetry/api'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test-support' || entry.name === 'types' ? [] : sources(path);
    return /\.ts$/.test(entry.name) && !/\.(test|spec)\.ts$|^fake-/.test(entry.name) ? [path] : [];
  });
}

describe('lazy imports of optional peers', () => {
  const found = sources(SRC).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/import\((\/\*[^*]*\*\/\s*)?'([^.'][^']*)'\)/g)].map((match) => ({
      file: relative(SRC, file),
      specifier: match[2]!,
      ignored: /webpackIgnore:\s*true/.test(match[1] ?? ''),
    })),
  );

  it('finds the three server-only peers', () => {
    expect(found.filter((entry) => !BUNDLED_ON_PURPOSE.includes(entry.specifier)).map((entry) => entry.specifier).sort()).toEqual(['better-sqlite3', 'pg', 'stripe']);
  });

  it('marks each one webpackIgnore, so a bundler leaves it to Node', () => {
    const unmarked = found.filter((entry) => !entry.ignored && !BUNDLED_ON_PURPOSE.includes(entry.specifier));
    expect(unmarked).toEqual([]);
  });
});
