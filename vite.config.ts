import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import minifyTemplateLiterals from 'rollup-plugin-minify-template-literals';
import { minify, transformWithOxc, type Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { CDN_ENTRY_FILE, cdnImportMap } from './src/server/cdn-pinning.js';

/** Where the build's import map says dist/cdn/ is served: the demo's `/cdn/` unless set. */
const CDN_BASE_URL = process.env['CHECKOUT_CDN_BASE_URL'] || '/cdn/';

/**
 * Writes `dist/cdn/integrity.json` (`{ "<file>": "sha384-…" }` for every `.js` file, contract
 * section 1) after each build, so the second (IIFE) build's file is covered too. Beside it, from
 * the same hashes, the import map that pins the ES module's chunks and the CSP source that lets
 * that inline map run (README, "Pinning the CDN files"), for `CHECKOUT_CDN_BASE_URL`:
 * `importmap.json` is the exact text of the `<script type="importmap">` (no newline at the end:
 * the hash is over these bytes), `importmap.sha256` its `'sha256-…'`.
 */
function integrityManifest(iife: boolean): Plugin {
  return {
    name: 'checkout-widget:integrity',
    apply: 'build',
    async writeBundle(options) {
      const dir = options.dir!;
      if (!iife) await writeStarter(dir);
      const files = readdirSync(dir).filter((name) => name.endsWith('.js')).sort();
      const integrity = Object.fromEntries(
        files.map((name) => [name, `sha384-${createHash('sha384').update(readFileSync(join(dir, name))).digest('base64')}`]),
      );
      writeFileSync(join(dir, 'integrity.json'), `${JSON.stringify(integrity, null, 2)}\n`);
      // `vite build --mode iife` alone into an empty folder: no ES module, so no import map.
      if (!integrity[CDN_ENTRY_FILE]) return;
      const { importMapJson, cspHash } = await cdnImportMap(CDN_BASE_URL, integrity);
      writeFileSync(join(dir, 'importmap.json'), importMapJson);
      writeFileSync(join(dir, 'importmap.sha256'), cspHash);
    },
  };
}

/**
 * The inline starter (README, "Start during the parse"), from src/components/checkout-widget/starter.ts:
 * `starter.js` (the minified script), `starter.html` (the `<script>` element to paste after the
 * `<checkout-widget>` tag) and `starter.sha256` (the `'sha256-…'` CSP source of that inline script).
 */
async function writeStarter(dir: string): Promise<void> {
  const file = 'src/components/checkout-widget/starter.ts';
  const { code } = await transformWithOxc(readFileSync(file, 'utf8'), file, { target: 'es2022' });
  const minified = (await minify('starter.js', code, { compress: { target: 'es2022' }, mangle: { toplevel: true } })).code.trim();
  writeFileSync(join(dir, 'starter.js'), minified);
  writeFileSync(join(dir, 'starter.html'), `<script>${minified}</script>`);
  writeFileSync(join(dir, 'starter.sha256'), `'sha256-${createHash('sha256').update(minified).digest('base64')}'`);
}

/**
 * `vite build` writes the CDN ES module (provider glue as separate chunks);
 * `vite build --mode iife` adds the classic-script build beside it, everything inlined.
 */
/**
 * A provider renderer's (or card fields') chunk is named after its folder (`checkout-stripe-….js`),
 * the provider-neutral card-token renderer `checkout-card-token-….js`, a language's
 * texts `checkout-locale-<code>-….js`, the rest after their module.
 */
function chunkFileName(chunk: { facadeModuleId: string | null }): string {
  const id = chunk.facadeModuleId ?? '';
  const locale = /[\\/]checkout-widget[\\/]locales[\\/](\w+)\.ts$/.exec(id)?.[1];
  if (locale) return `checkout-locale-${locale}-[hash].js`;
  if (/[\\/]card-token\.generated\.ts$/.test(id)) return 'checkout-card-token-[hash].js';
  const provider = /[\\/]providers[\\/]([^\\/]+)[\\/](?:renderer|card-fields)\.ts$/.exec(id)?.[1];
  return `checkout-${provider ?? '[name]'}-[hash].js`;
}

export default defineConfig(({ mode, command }) => {
  const iife = mode === 'iife';
  return {
    publicDir: false,
    // The CDN's element on a lean base (src/components/checkout-widget/lean-lit.ts): lit-html, and the
    // part of ReactiveElement the element uses. The npm build (tsc), Lit SSR and the unit tests keep Lit.
    resolve: { alias: command !== 'build' ? [] : [{ find: /^lit$/, replacement: fileURLToPath(new URL('./src/components/checkout-widget/lean-lit.ts', import.meta.url)) }] },
    // Lit's html`` and css`` literals keep their indentation otherwise; the JS minifier leaves strings alone.
    plugins: [minifyTemplateLiterals({ include: ['src/**/*.ts'], failOnError: true }), integrityManifest(iife)],
    build: {
      outDir: 'dist/cdn',
      // The IIFE build runs second and must keep the ES module and its chunks.
      emptyOutDir: !iife,
      target: 'es2022',
      sourcemap: true,
      lib: {
        entry: 'src/cdn.ts',
        formats: [iife ? 'iife' : 'es'],
        name: 'CheckoutWidget',
        fileName: () => (iife ? 'checkout-widget.iife.js' : 'checkout-widget.js'),
      },
      rolldownOptions: {
        // Lets modules shared with the lazy chunks live in the entry, not in a chunk the entry waits for.
        preserveEntrySignatures: 'allow-extension',
        output: {
          // Library mode keeps whitespace in ES output by default; a CDN file should be small.
          minify: true,
          // Pure annotations have done their work once the bundle is tree-shaken; in the output they are dead bytes.
          comments: { annotation: false },
          // Chromium's explicit compile hint: compile every function while the file streams in, off the
          // main thread, instead of lazily on first call (−5 to −6 ms main-thread JS per start, `npm run bench`).
          // After minification, which would strip it as a comment.
          postBanner: '//# allFunctionsCalledOnLoad',
          ...(iife ? { codeSplitting: false } : { chunkFileNames: chunkFileName }),
        },
      },
    },
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
      // One real PostgreSQL server per run for the store tests; tests read its URL with inject('postgresUrl').
      globalSetup: ['./src/server/test-support/postgres-global-setup.ts'],
      // Vitest's default in a run is cores - 1 workers: on a 2-core CI machine that is ONE worker, and
      // the files that spawn processes, restart PostgreSQL or kill handlers (cli, processes, chaos,
      // store-outage: nearly half the test time) leave the second core idle while they wait. Two workers
      // there: 7 such files (cli orders and jobs, store-outage, failover, handler-state, edge-runtime,
      // sandbox persistence) and src/core, 250 tests, A/B interleaved on one loaded machine, took
      // 118 s, 102 s with one worker against 54 s, 63 s with two. More cores keep Vitest's default.
      maxWorkers: Math.max(2, availableParallelism() - 1),
      // The CPU-bound tests (700 SQLite orders of a reconcile run, two handlers failing over) took
      // 5.4-7.1 s on a loaded 2-core machine, with one worker as with two: 5 s (the default) failed them
      // where nothing was wrong. A timeout is no assertion; what each test checks is unchanged.
      testTimeout: 20_000,
    },
  };
});
