import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Every module a shop can import, from `package.json` "exports": subpath → its source file
 * (`./dist/lib/server/index.js` → `src/server/index.ts`); a `*` subpath gives one entry per
 * folder that has the file (`./server/providers/*` → each provider folder's `index.ts`).
 */
export function packageEntries(): Map<string, string> {
  const { exports } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, string | { default: string }> };
  const found = new Map<string, string>();
  for (const [subpath, target] of Object.entries(exports)) {
    const file = typeof target === 'string' ? target : target.default;
    if (!file.endsWith('.js')) continue;
    const source = file.replace('./dist/lib/', 'src/').replace(/\.js$/, '.ts');
    if (!subpath.includes('*')) {
      found.set(subpath, source);
      continue;
    }
    const [folder] = source.split('*');
    for (const entry of readdirSync(`${root}${folder}`, { withFileTypes: true })) {
      const candidate = source.replace('*', entry.name);
      if (entry.isDirectory() && existsSync(`${root}${candidate}`)) found.set(subpath.replace('*', entry.name), candidate);
    }
  }
  return found;
}
