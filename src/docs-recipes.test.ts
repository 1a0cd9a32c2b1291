/**
 * docs/recipes/: a code block marked `<!-- tested: <path> -->` is the exact text of that file (the
 * backend recipes in scripts/scratch-app/ and the front-end apps in scripts/scratch-app/apps/, which
 * the scratch shop of scripts/package-install.test.ts builds, runs and pays through, and the example
 * apps in examples/<name>/, which `npm run test:examples` builds, runs and pays through), every recipe
 * file is shown on some page, and every relative link resolves.
 */
import { type Dirent, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = join(ROOT, 'docs', 'recipes');
const pages = readdirSync(DOCS).filter((file) => file.endsWith('.md'));
const text = (page: string) => readFileSync(join(DOCS, page), 'utf8');
/** The examples of `npm run test:examples` (examples/<name>/) whose page shows every file; add yours. */
const EXAMPLES = ['sveltekit', 'angular'];
/** Files of an example that its page need not show: the runner's, the manifest (the page has the install line), the HTML shell. */
const NOT_SHOWN = ['example.json', 'package.json', '.gitignore', 'index.html', 'app.html'];
/** What an install or build of an example in its own folder leaves there (git ignores it). */
const BUILT = /\/(node_modules|build|dist|\.svelte-kit|\.angular|\.data)\//;
const TESTED = /<!-- tested: (\S+) -->\n```\w*\n([\s\S]*?)```\n/g;

describe('docs/recipes', () => {
  it.each(pages)('%s: every tested block equals its file', (page) => {
    for (const [, path, code] of text(page).matchAll(TESTED)) {
      expect(code, `${page}: ${path}`).toBe(readFileSync(join(ROOT, path!), 'utf8'));
    }
  });

  it('shows every recipe file of scripts/scratch-app/ and every file of its apps but index.html (and each once)', () => {
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
    ];
    expect(files).toContain('scripts/scratch-app/apps/vue/App.vue');
    expect(shown.filter((path) => path!.startsWith('scripts/')).sort()).toEqual(files.sort());
  });

  it.each(EXAMPLES)('shows every file of examples/%s/ but example.json, package.json, .gitignore and the HTML shell', (name) => {
    const shown = pages.flatMap((page) => [...text(page).matchAll(TESTED)].map((match) => match[1]));
    const files = (readdirSync(join(ROOT, 'examples', name), { recursive: true, withFileTypes: true }) as Dirent[])
      .filter((entry) => entry.isFile() && !NOT_SHOWN.includes(entry.name))
      .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .filter((path) => !BUILT.test(path));
    expect(files.length).toBeGreaterThan(2);
    expect(shown.filter((path) => path!.startsWith(`examples/${name}/`)).sort()).toEqual(files.sort());
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
