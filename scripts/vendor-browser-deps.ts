/**
 * Runs after `tsc` in `npm run build`: the widget's npm entries (`.`, `./define`, `./react`) run
 * two modules from other packages besides Lit, `zod/mini` (the session validators, a lazily loaded
 * module) and `@stripe/stripe-js/pure` (the Stripe renderer's loader). Both are bundled here into
 * `dist/lib/vendor/`, and every `dist/lib` import of them is pointed there, so a widget-only
 * install needs `lit` alone: `zod` (8 MB installed, almost all of it unused by the browser) and
 * `@stripe/stripe-js` stay devDependencies. The server's full `zod` is an optional peer; no server
 * module imports `zod/mini`. The declaration files keep their imports: none of them is reachable
 * from an entry's types (`scripts/package-install.test.ts` compiles them with `skipLibCheck: false`).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIB_DIR = join(ROOT, 'dist', 'lib');
const VENDOR_DIR = join(LIB_DIR, 'vendor');

/** Module specifier → its file in `dist/lib/vendor/`, and the package whose license it carries. */
const VENDORED: Record<string, { file: string; packageName: string }> = {
  'zod/mini': { file: 'zod-mini', packageName: 'zod' },
  '@stripe/stripe-js/pure': { file: 'stripe-js-pure', packageName: '@stripe/stripe-js' },
};

function packageDir(packageName: string): string {
  return join(ROOT, 'node_modules', ...packageName.split('/'));
}

/** The package's name, version and license text, as a comment at the top of its bundle. */
function licenseBanner(packageName: string): string {
  const dir = packageDir(packageName);
  const { version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; license: string };
  const text = readFileSync(join(dir, 'LICENSE'), 'utf8').trim().replaceAll('*/', '* /');
  return `/*!\n * ${packageName} ${version} (${license}), bundled by checkout-widget's build (scripts/vendor-browser-deps.ts).\n *\n${text
    .split('\n')
    .map((line) => ` * ${line}`.trimEnd())
    .join('\n')}\n */`;
}

/** An entry per vendored module that re-exports all of it, resolved the way a browser bundler would. */
const ENTRY_PREFIX = 'vendored:';

function vendoredEntries(): Plugin {
  return {
    name: 'checkout-widget:vendored-entries',
    resolveId: (id) => (id.startsWith(ENTRY_PREFIX) ? `\0${id}` : undefined),
    load: (id) => (id.startsWith(`\0${ENTRY_PREFIX}`) ? `export * from '${id.slice(ENTRY_PREFIX.length + 1)}';\n` : undefined),
  };
}

async function bundleVendored(): Promise<void> {
  const entries = Object.fromEntries(Object.entries(VENDORED).map(([specifier, { file }]) => [file, `${ENTRY_PREFIX}${specifier}`]));
  const banners = new Map(Object.values(VENDORED).map(({ file, packageName }) => [file, licenseBanner(packageName)]));
  await build({
    configFile: false,
    root: ROOT,
    publicDir: false,
    logLevel: 'warn',
    plugins: [vendoredEntries()],
    build: {
      outDir: VENDOR_DIR,
      emptyOutDir: true,
      target: 'es2022',
      // Readable, like the rest of dist/lib; an app's bundler tree-shakes and minifies it.
      minify: false,
      modulePreload: false,
      rolldownOptions: {
        input: entries,
        // Every export of the module stays, as `import * as z from 'zod/mini'` expects.
        preserveEntrySignatures: 'strict',
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          chunkFileNames: '[name].js',
          banner: (chunk) => banners.get(chunk.name) ?? '',
        },
      },
    },
  });
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === VENDOR_DIR ? [] : jsFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

const IMPORT_OF_VENDORED = new RegExp(
  String.raw`(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(${Object.keys(VENDORED)
    .map((specifier) => specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('|')})\2`,
  'g',
);

/** Points `dist/lib`'s imports of the vendored modules at their bundles. */
function rewriteImports(): void {
  const used = new Set<string>();
  for (const file of jsFiles(LIB_DIR)) {
    const code = readFileSync(file, 'utf8');
    const rewritten = code.replace(IMPORT_OF_VENDORED, (_match, keyword: string, quote: string, specifier: string) => {
      let target = relative(dirname(file), join(VENDOR_DIR, `${VENDORED[specifier]!.file}.js`)).split(sep).join(posix.sep);
      if (!target.startsWith('.')) target = `./${target}`;
      return `${keyword}${quote}${target}${quote}`;
    });
    if (rewritten !== code) writeFileSync(file, rewritten);
    for (const { file: vendored } of Object.values(VENDORED)) {
      if (rewritten.includes(`vendor/${vendored}.js'`) || rewritten.includes(`vendor/${vendored}.js"`)) used.add(vendored);
    }
  }
  const unused = Object.entries(VENDORED).filter(([, { file }]) => !used.has(file));
  if (unused.length > 0) {
    throw new Error(`vendor-browser-deps: no dist/lib module imports ${unused.map(([specifier]) => specifier).join(', ')}: drop it from VENDORED`);
  }
}

await bundleVendored();
rewriteImports();
console.log(`vendor-browser-deps: ${Object.keys(VENDORED).join(', ')} bundled into dist/lib/vendor/`);
