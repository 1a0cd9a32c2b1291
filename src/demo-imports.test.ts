/**
 * The demo shop is written as a shop would write it: its server imports the package only through
 * its public entry points (`checkout-widget/server`, `/server/node`, `/server/providers/<name>`),
 * here their source files, never a module behind them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { packageEntries } from './server/test-support/package-entries.js';

const demo = fileURLToPath(new URL('../demo/', import.meta.url));
const publicSources = new Set([...packageEntries().values()].map((file) => `../${file.replace(/\.ts$/, '.js')}`));

it('imports nothing of the package but its public entry points', () => {
  const reached: string[] = [];
  for (const file of readdirSync(demo).filter((name) => /\.(ts|js)$/.test(name))) {
    const text = readFileSync(`${demo}${file}`, 'utf8');
    for (const [, specifier] of text.matchAll(/\bfrom\s+'(\.\.\/src\/[^']+)'/g)) reached.push(`${file}: ${specifier}`);
  }
  expect(reached.length).toBeGreaterThan(0);
  expect(reached.filter((entry) => !publicSources.has(entry.split(': ')[1]!))).toEqual([]);
});
