/**
 * docs/recipes/: a code block marked `<!-- tested: <path> -->` is the exact text of that file (the
 * backend recipes in scripts/scratch-app/ and the front-end apps in scripts/scratch-app/apps/, which
 * the scratch shop of scripts/package-install.test.ts builds, runs and pays through; the heavy
 * example apps in examples/<name>/, which `npm run test:examples` builds, runs and pays through),
 * every recipe and example file is shown on some page, and every relative link resolves. A `<!-- compiled: … -->`
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
/** Files of an example its page need not show (it may): the runner's config, the manifest (the page has the install line), the HTML shell, dotfiles. */
const NOT_SHOWN = /^(example\.json|package\.json|index\.html|app\.html|\..*)$/;
/** What an install or build of an example in its own folder leaves there (git ignores it). */
const BUILT = /^(node_modules|build|dist|\.next|\.svelte-kit|\.angular|\.data)$/;

/** Every file under `dir` (relative, `/`-separated), without installed or built folders. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return BUILT.test(entry.name) ? [] : filesUnder(join(dir, entry.name)).map((file) => `${entry.name}/${file}`);
    return [entry.name];
  });
}

describe('docs/recipes', () => {
  it.each(pages)('%s: every tested block equals its file', (page) => {
    for (const [, path, code] of text(page).matchAll(TESTED)) {
      expect(code, `${page}: ${path}`).toBe(readFileSync(join(ROOT, path!), 'utf8'));
    }
  });

  it('shows every recipe file of scripts/scratch-app/ and every file of its apps but index.html (and each once)', () => {
    const shown = pages.flatMap((page) => [...text(page).matchAll(TESTED)].map((match) => match[1]!));
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
    ];
    expect(files).toContain('scripts/scratch-app/apps/vue/App.vue');
    expect(shown.filter((path) => path.startsWith('scripts/')).sort()).toEqual(files.sort());
  });

  const examples = readdirSync(join(ROOT, 'examples'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  it('has examples (examples/<name>/, run by npm run test:examples)', () => {
    expect(examples).toEqual(expect.arrayContaining(['nextjs', 'cloudflare-workers']));
  });

  it.each(examples)('shows every file of examples/%s/ (each once) but example.json, package.json, the HTML shell and dotfiles, which it may show', (name) => {
    const shown = pages
      .flatMap((page) => [...text(page).matchAll(TESTED)].map((match) => match[1]!))
      .filter((path) => path.startsWith(`examples/${name}/`))
      .map((path) => path.slice(`examples/${name}/`.length));
    const files = filesUnder(join(ROOT, 'examples', name)).filter((file) => !NOT_SHOWN.test(file.split('/').pop()!));
    expect(files.length).toBeGreaterThan(1);
    expect(shown.filter((file) => !NOT_SHOWN.test(file.split('/').pop()!)).sort()).toEqual(files.sort());
    expect(new Set(shown).size).toBe(shown.length);
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
