/**
 * docs/recipes/: a code block marked `<!-- tested: <path> -->` is the exact text of that file (the
 * backend recipes in scripts/scratch-app/ and the front-end apps in scripts/scratch-app/apps/, which
 * the scratch shop of scripts/package-install.test.ts builds, runs and pays through; the heavy
 * example apps in examples/<name>/, which `npm run test:examples` builds, runs and pays through),
 * every recipe file is shown on some page, and every relative link resolves. A `<!-- compiled: … -->`
 * line may follow the `tested` one (the block is then also type-checked by the scratch shop).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = join(ROOT, 'docs', 'recipes');
const pages = readdirSync(DOCS).filter((file) => file.endsWith('.md'));
const text = (page: string) => readFileSync(join(DOCS, page), 'utf8');
const TESTED = /<!-- tested: (\S+) -->\n(?:<!-- compiled: \S+ -->\n)?```\w*\n([\s\S]*?)```\n/g;
/** An example's own files a page need not show: its runner config, manifests and dotfiles. */
const EXAMPLE_PLUMBING = /^(example\.json|package\.json|tsconfig\.json|\..*)$/;

/** Every file under `dir` (relative, `/`-separated), skipping `skip` names. */
function filesUnder(dir: string, skip: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skip.test(entry.name)) return [];
    if (entry.isDirectory()) return filesUnder(join(dir, entry.name), skip).map((file) => `${entry.name}/${file}`);
    return [entry.name];
  });
}

describe('docs/recipes', () => {
  it.each(pages)('%s: every tested block equals its file', (page) => {
    for (const [, path, code] of text(page).matchAll(TESTED)) {
      expect(code, `${page}: ${path}`).toBe(readFileSync(join(ROOT, path!), 'utf8'));
    }
  });

  it('shows every recipe file of scripts/scratch-app/, every file of its apps but index.html, and every file of examples/<name>/ but its example.json, manifests and dotfiles (and each once)', () => {
    const shown = pages.flatMap((page) => [...text(page).matchAll(TESTED)].map((match) => match[1]));
    const app = join(ROOT, 'scripts', 'scratch-app');
    const files = [
      ...readdirSync(app)
        .filter((file) => /^(recipe-.*|shop|server)\.mjs$/.test(file))
        .map((file) => `scripts/scratch-app/${file}`),
      ...readdirSync(join(app, 'apps')).flatMap((name) =>
        readdirSync(join(app, 'apps', name))
          .filter((file) => file !== 'index.html')
          .map((file) => `scripts/scratch-app/apps/${name}/${file}`),
      ),
      ...readdirSync(join(ROOT, 'examples')).flatMap((name) =>
        filesUnder(join(ROOT, 'examples', name), EXAMPLE_PLUMBING).map((file) => `examples/${name}/${file}`),
      ),
    ];
    expect(files).toContain('scripts/scratch-app/apps/vue/App.vue');
    expect(files).toContain('examples/nextjs/lib/checkout.ts');
    expect(files).not.toContain('examples/nextjs/example.json');
    expect(shown.sort()).toEqual(files.sort());
  });

  it.each(pages)('%s: every relative link resolves; the index links it', (page) => {
    for (const [, target] of text(page).matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)) {
      expect(existsSync(join(DOCS, target!)), `${page} → ${target}`).toBe(true);
    }
    if (page !== 'README.md') expect(text('README.md')).toContain(`](${page})`);
  });

  it('the README links the index', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('](docs/recipes/README.md)');
  });
});
