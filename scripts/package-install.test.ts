/**
 * The published package, installed the way a shop installs it (`npm run test:package`, after
 * `npm run build`; part of `npm test`). `npm pack` the built `dist/`, then two scratch projects:
 *
 * - widget only (`npm install checkout-widget`): no server-only package arrives, `node_modules` stays
 *   within its budget, every module the widget entries can load (the lazy chunks too) imports only
 *   the package's dependencies, and their types compile with `skipLibCheck: false`;
 * - the backend without `stripe` (README's one install command): `checkout-widget/server` loads, and
 *   its types and `./server/node`'s compile with `skipLibCheck: false`;
 * - the same project as a scratch shop (`scripts/scratch-app/`, with `@hono/node-server` and
 *   `@playwright/test` added): its Playwright test pays, declines and cancels with
 *   `checkout-widget/testing`, each backend recipe of docs/recipes/ (Express, Fastify, Hono) pays once,
 *   the recipes' TypeScript blocks (Next.js, Workers) compile, and `npx checkout-widget trigger` is accepted by its running handler;
 * - in the same shop, the front-end recipes as apps (`scripts/scratch-app/apps/<vue|react|svelte>/`): each
 *   type-checked (vue-tsc with strictTemplates, tsc, svelte-check), built by Vite, served by the shop
 *   and paid through once by its Playwright test (`apps.spec.mjs`).
 *
 * Installs go to the registry (or npm's cache); `tsc` is the repository's own.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** Where the tests' `@types/node` comes from: the repository's, so the scratch backend installs none. */
const TYPE_ROOTS = join(ROOT, 'node_modules', '@types');

/** `node_modules` of a widget-only install, as `du` counts it (32 MB when hono, kysely, zod and Stripe.js came along). */
const WIDGET_BUDGET_KB = 12 * 1024;
/** Packages only the backend or `./react` use: none of them may come with the widget. */
const NOT_FOR_THE_WIDGET = ['hono', 'kysely', 'zod', 'stripe', '@stripe/stripe-js', '@hono/node-server', '@lit/react', '@types/react', 'react', 'pg', 'better-sqlite3'];

interface Install {
  dir: string;
  kilobytes: number;
  packages: string[];
}

let work: string;
let tarball: string;
let widget: Install;
let backend: Install;

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** A scratch project with `specs` installed; its size in KB (`du -sk`) and the packages npm put in it. */
async function install(name: string, specs: string[]): Promise<Install> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `scratch-${name}`, private: true, type: 'module' })}\n`);
  await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...specs], dir);
  const { stdout } = await run('du', ['-sk', 'node_modules'], { cwd: dir });
  const lock = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  const packages = Object.keys(lock.packages).map((path) => path.replace(/^.*node_modules\//, ''));
  return { dir, kilobytes: Number(stdout.split('\t')[0]), packages };
}

/** `tsc --noEmit` over `files` in `dir`, strict and with `skipLibCheck: false`; its diagnostics, or '' when it compiles. */
async function typecheck(dir: string, files: Record<string, string>, compilerOptions: Record<string, unknown>): Promise<string> {
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  const tsconfig = {
    compilerOptions: { target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true, types: [], ...compilerOptions },
    files: Object.keys(files),
  };
  const project = join(dir, `tsconfig.${Object.keys(files).join('+')}.json`);
  writeFileSync(project, `${JSON.stringify(tsconfig, null, 2)}\n`);
  try {
    await run(process.execPath, [TSC, '-p', project], { cwd: dir });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout || error);
  }
}

/** Runs an ES module snippet in `dir` with Node; its stdout, or the error it ended with. */
async function node(dir: string, code: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(process.execPath, ['--input-type=module', '-e', code], { cwd: dir });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { stdout, stderr: stderr || String(error) };
  }
}

const IMPORT = /\b(?:from\s*|import\s*\(\s*|import\s+)(['"])([^'"]+)\1/g;

/**
 * Every bare import of the modules an entry can load, following relative imports, static and
 * dynamic (so the lazily fetched renderers and session validators count too).
 */
function bareImports(packageDir: string, entries: string[]): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const queue = entries.map((entry) => join(packageDir, entry));
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const [, , specifier] of code.matchAll(IMPORT)) {
      if (specifier!.startsWith('.')) queue.push(join(dirname(file), specifier!));
      else if (!found.has(specifier!)) found.set(specifier!, posix.relative(packageDir, file));
    }
  }
  return found;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** README's backend install command (the line under "The backend"), with this tarball for `checkout-widget`. */
function backendInstallSpecs(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const command = /^npm install checkout-widget( [^\n#]*\bhono\b[^\n#]*?)\s*(?:#.*)?$/m.exec(readme);
  if (!command) throw new Error('README.md has no backend install command (`npm install checkout-widget hono …`)');
  return command[1]!.trim().split(/\s+/);
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'lib', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  work = mkdtempSync(join(tmpdir(), 'checkout-widget-package-'));
  const [packed] = JSON.parse(await npm(['pack', '--json', '--pack-destination', work], ROOT)) as [{ filename: string }];
  tarball = join(work, packed.filename);
  [widget, backend] = await Promise.all([install('widget', [tarball]), install('backend', [tarball, ...backendInstallSpecs()])]);
  console.log(
    `widget-only install: ${(widget.kilobytes / 1024).toFixed(1)} MB, ${widget.packages.length} packages; ` +
      `backend without stripe: ${(backend.kilobytes / 1024).toFixed(1)} MB, ${backend.packages.length} packages`,
  );
}, 240_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
}, 60_000);

describe('npm install checkout-widget (the widget alone)', () => {
  it(`brings no server-only package and stays within ${WIDGET_BUDGET_KB / 1024} MB`, () => {
    expect(widget.packages.filter((name) => NOT_FOR_THE_WIDGET.includes(name))).toEqual([]);
    expect(widget.kilobytes).toBeLessThanOrEqual(WIDGET_BUDGET_KB);
  });

  it('imports nothing but its dependencies from `.` and `./define`, lazy chunks included; `./react` adds only react and @lit/react', () => {
    const manifest = JSON.parse(readFileSync(join(widget.dir, 'node_modules', 'checkout-widget', 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      exports: Record<string, { default: string } | string>;
    };
    const entry = (subpath: string) => (manifest.exports[subpath] as { default: string }).default;
    const packageDir = join(widget.dir, 'node_modules', 'checkout-widget');
    const dependencies = Object.keys(manifest.dependencies);
    const outside = (entries: string[], allowed: string[]) =>
      [...bareImports(packageDir, entries)].filter(([specifier]) => !allowed.includes(packageName(specifier))).map(([s, file]) => `${s} (${file})`);
    expect(outside([entry('.'), entry('./define')], dependencies)).toEqual([]);
    expect(outside([entry('./react')], [...dependencies, 'react', '@lit/react'])).toEqual([]);
  });

  it('runs in Node: the elements load and the bundled session validators parse a provider-native session', async () => {
    const { stdout, stderr } = await node(
      widget.dir,
      `const widget = await import('checkout-widget');
      await import('checkout-widget/define');
      // The validators chunk is no public name: loaded by its file, as the element loads it, to run the bundled zod/mini.
      const { parseSession } = await import('./node_modules/checkout-widget/dist/lib/provider-registry/session-schema.js');
      const session = parseSession(
        { object: 'checkout.session', id: 'cs_test_1', status: 'open', ui_mode: 'embedded_page', client_secret: 'cs_test_1_secret_x', amount_total: 100, currency: 'dkk', expires_at: 1800000000, livemode: false },
        { publishableKey: 'pk_test_1' },
      );
      let refusal = '';
      try { parseSession({ id: 'cs_1', provider: 'x', kind: 'hosted', status: 'bogus' }); } catch (error) { refusal = error.message; }
      console.log(JSON.stringify({ element: typeof widget.CheckoutWidget, kind: session.kind, refusal }));`,
    );
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      element: 'function',
      kind: 'stripe-embedded',
      refusal: 'session.status must be one of open, complete, expired, cancelled, failed',
    });
  });

  it('compiles `.` and `./define` with skipLibCheck: false (NodeNext and Bundler resolution)', async () => {
    const source = `import 'checkout-widget/define';
import { defineCheckoutElements } from 'checkout-widget/define';
import { CHECKOUT_EVENT_NAMES, CheckoutError, CheckoutWidget, ERROR_CODES, type CheckoutEvent, type CheckoutSession } from 'checkout-widget';
defineCheckoutElements();
export const element: CheckoutWidget | null = document.querySelector('checkout-widget');
export const session: CheckoutSession | Record<string, unknown> | undefined = element?.session;
export const names = CHECKOUT_EVENT_NAMES.length + ERROR_CODES.length + new CheckoutError('payment_failed', 'x').message.length;
export type Accept = CheckoutEvent<'checkout-accept'>;
`;
    const lib = ['ES2023', 'DOM', 'DOM.Iterable'];
    const [nodeNext, bundler] = await Promise.all([
      typecheck(widget.dir, { 'widget-node.ts': source }, { module: 'NodeNext', moduleResolution: 'NodeNext', lib }),
      typecheck(widget.dir, { 'widget-bundler.ts': source }, { module: 'ESNext', moduleResolution: 'Bundler', lib }),
    ]);
    expect(nodeNext).toBe('');
    expect(bundler).toBe('');
  });

  it('names the missing package when the backend is imported without its peers', async () => {
    const { stderr } = await node(widget.dir, `await import('checkout-widget/server');`);
    expect(stderr).toMatch(/Cannot find package '(hono|kysely|zod)'/);
  });
});

describe("the backend without stripe (README's install command)", () => {
  it('installs the peers it names and not stripe', () => {
    expect(backend.packages).toEqual(expect.arrayContaining(['hono', 'kysely', 'zod']));
    expect(backend.packages).not.toContain('stripe');
  });

  it('loads checkout-widget/server', async () => {
    const { stdout, stderr } = await node(
      backend.dir,
      `const server = await import('checkout-widget/server');
      const stripe = await import('checkout-widget/server/providers/stripe');
      const sandbox = await import('checkout-widget/server/providers/sandbox');
      console.log(typeof server.createCheckoutHandler, typeof stripe.createStripeProvider, typeof sandbox.createSandboxProvider, typeof server.createMemoryStore);`,
    );
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe('function function function function');
  });

  it('compiles ./server, every ./server/providers/<name>, ./server/node and ./server/store-conformance with skipLibCheck: false', async () => {
    const diagnostics = await typecheck(
      backend.dir,
      {
        'server.ts': `import { createCheckoutHandler, createMemoryStore, type CheckoutHandler } from 'checkout-widget/server';
import { createStripeProvider, type StripeProviderOptions } from 'checkout-widget/server/providers/stripe';
import { createSandboxProvider } from 'checkout-widget/server/providers/sandbox';
import { createReepayBilling, createReepayProvider } from 'checkout-widget/server/providers/reepay';
import { createConvergeGateProvider } from 'checkout-widget/server/providers/convergegate';
import { createCommerceLayerProvider } from 'checkout-widget/server/providers/commercelayer';
import { createBokaMeraProvider } from 'checkout-widget/server/providers/bokamera';
import { serveNode, toNodeListener } from 'checkout-widget/server/node';
import { describeStoreConformance } from 'checkout-widget/server/store-conformance';
const options: StripeProviderOptions = { secretKey: 'sk_test_1', publishableKey: 'pk_test_1' };
export const handler: CheckoutHandler = createCheckoutHandler({
  providers: [createStripeProvider(options)],
  catalog: { currency: 'DKK', products: {} },
  store: createMemoryStore(),
});
export const node = [serveNode, toNodeListener, describeStoreConformance];
export const factories = [createSandboxProvider, createReepayBilling, createReepayProvider, createConvergeGateProvider, createCommerceLayerProvider, createBokaMeraProvider];
`,
      },
      { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'], typeRoots: [TYPE_ROOTS] },
    );
    expect(diagnostics).toBe('');
  });
});

/** A free TCP port on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The backend recipes' frameworks (docs/recipes/express.md, fastify.md; `recipe-*.mjs` in
 * scripts/scratch-app/, paid through by its `recipes.spec.mjs`), installed in the same `npm install`
 * as the shop's other extras.
 */
const RECIPE_PACKAGES = ['express@5', 'fastify@5'];

/**
 * The scratch shop: the backend project plus `scripts/scratch-app/` (a server with the sandbox, the
 * handler and a widget page; a Playwright config and spec), and the Vue/Preact/Solid type fixtures
 * checked against the installed package. More scratch-project tests: put their files in
 * `scripts/scratch-app/` (every file there is copied into `shopDir`) and add an `it` to this
 * describe, e.g. with `typecheck(shopDir, …)`; the packages they need go in `SHOP_EXTRA_PACKAGES`.
 */
const versionOf = (name: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
/** The frameworks whose typings (`checkout-widget/vue`, `/preact`, `/solid`) the shop type-checks; the checkers are the project's own tsc and vue-tsc. */
const FRAMEWORK_PACKAGES = ['vue', 'preact', 'solid-js'].map((name) => `${name}@${versionOf(name)}`);
/**
 * The front-end recipes' apps (scripts/scratch-app/apps/): Vite and its plugins, React (with the
 * `checkout-widget/react` wrapper's @lit/react and React's types, for tsc) and Svelte; Vue is above.
 * The versions are the repository's own where it has the package (npm's cache has them).
 */
const APP_PACKAGES = [
  ...['vite', 'react', 'react-dom', '@lit/react', 'svelte', '@types/react', '@types/react-dom'].map((name) => `${name}@${versionOf(name)}`),
  '@vitejs/plugin-vue@6',
  '@vitejs/plugin-react@6',
  '@sveltejs/vite-plugin-svelte@7',
];
const SHOP_EXTRA_PACKAGES = [`@playwright/test@${versionOf('@playwright/test')}`, '@hono/node-server@1', ...RECIPE_PACKAGES, ...FRAMEWORK_PACKAGES, ...APP_PACKAGES];

/** The front-end apps of scripts/scratch-app/apps/, each with the checker its recipe names and the file that checker reads. */
const APPS = [
  { app: 'vue', checker: ['vue-tsc', 'bin', 'vue-tsc.js'], args: ['-p', 'tsconfig.json'], file: 'App.vue' },
  { app: 'react', checker: ['typescript', 'bin', 'tsc'], args: ['-p', 'tsconfig.json'], file: 'App.tsx' },
  { app: 'svelte', checker: ['svelte-check', 'bin', 'svelte-check'], args: ['--tsconfig', './tsconfig.json', '--output', 'machine'], file: 'App.svelte' },
];

/**
 * src/types/fixtures (the framework type tests of src/types/frameworks.test.ts), copied into the
 * shop with their imports of the sources turned into imports of the installed package.
 */
function copyTypeFixture(shopDir: string, folder: string): string {
  const from = join(ROOT, 'src', 'types', 'fixtures', folder);
  const to = join(shopDir, 'type-tests', folder);
  mkdirSync(to, { recursive: true });
  for (const file of readdirSync(from)) {
    const text = readFileSync(join(from, file), 'utf8').replace(/'\.\.\/\.\.\/\.\.\/(\w+)\.js'/g, (_, entry: string) => (entry === 'index' ? `'checkout-widget'` : `'checkout-widget/${entry}'`));
    writeFileSync(join(to, file), text);
  }
  return to;
}

describe('a scratch shop: checkout-widget/testing in its Playwright test, the CLI against its handler, the framework typings', () => {
  let shopDir: string;
  let shopUrl: string;
  let sandboxEnv: Record<string, string>;
  let shop: ChildProcess | undefined;

  beforeAll(async () => {
    shopDir = backend.dir;
    await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...SHOP_EXTRA_PACKAGES], shopDir);
    cpSync(join(ROOT, 'scripts', 'scratch-app'), shopDir, { recursive: true });
    // The front-end apps, built as a shop builds them (`vite build`, into apps/<name>/dist, which server.mjs serves).
    const vite = join(shopDir, 'node_modules', 'vite', 'bin', 'vite.js');
    const builds = Promise.all(APPS.map(({ app }) => run(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: join(shopDir, 'apps', app) })));
    builds.catch(() => {}); // awaited below, once the server is up; a failed build fails this hook there
    const port = await freePort();
    const child = spawn(process.execPath, ['server.mjs'], { cwd: shopDir, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    shop = child;
    const ready = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const line = /^READY .*$/m.exec(output)?.[0];
        if (line) resolve(line);
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`the scratch shop exited ${code}: ${output}`)));
    });
    const [, url, env] = /^READY (\S+) (.*)$/.exec(ready)!;
    shopUrl = url!;
    sandboxEnv = JSON.parse(env!) as Record<string, string>;
    await builds;
  }, 300_000);

  afterAll(() => {
    shop?.kill('SIGTERM');
  });

  it('its Playwright tests pay (popup), decline then pay (embedded) and cancel with payInSandbox; each backend recipe and each front-end app pays once', async () => {
    const port = new URL(shopUrl).port;
    const { stdout } = await run(process.execPath, [join(shopDir, 'node_modules', '@playwright', 'test', 'cli.js'), 'test', '-c', 'playwright.config.mjs'], {
      cwd: shopDir,
      env: { ...process.env, PORT: port, CI: '' },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`the scratch shop's Playwright test failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    expect(stdout).toContain('9 passed');
  }, 300_000);

  it('compiles the recipes\' TypeScript server code (docs/recipes/*.md blocks marked `<!-- compiled: <file> -->`) against the installed package', async () => {
    const docs = join(ROOT, 'docs', 'recipes');
    const files = Object.fromEntries(
      readdirSync(docs)
        .filter((page) => page.endsWith('.md'))
        .flatMap((page) => [...readFileSync(join(docs, page), 'utf8').matchAll(/<!-- compiled: (\S+) -->\n```ts\n([\s\S]*?)```\n/g)])
        .map(([, file, code]) => [file!, code!]),
    );
    expect(Object.keys(files).sort()).toEqual(['recipe-nextjs-checkout.ts', 'recipe-worker.ts']);
    const diagnostics = await typecheck(shopDir, files, { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'], typeRoots: [TYPE_ROOTS] });
    expect(diagnostics).toBe('');
  }, 120_000);

  it.each([
    { framework: 'Vue (vue-tsc, strictTemplates)', checker: join(ROOT, 'node_modules', 'vue-tsc', 'bin', 'vue-tsc.js'), folder: 'vue', file: 'App.vue' },
    { framework: 'Preact (tsc, JSX)', checker: TSC, folder: 'preact', file: 'app.tsx' },
    { framework: 'Solid (tsc, JSX)', checker: TSC, folder: 'solid', file: 'app.tsx' },
  ])('$framework: the typings from the tarball take the fixture and refuse a misspelt attribute, a wrong mode and a wrong detail field', async ({ checker, folder, file }) => {
    const dir = copyTypeFixture(shopDir, folder);
    const check = (project: string) =>
      run(process.execPath, [checker, '-p', project], { cwd: dir }).then(
        () => '',
        (error: { stdout?: string; stderr?: string }) => `FAILED\n${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
    expect(await check(join(dir, 'tsconfig.json'))).toBe('');
    // Without its expect-error comments the same file must fail, naming each mistake.
    const source = readFileSync(join(dir, file), 'utf8');
    writeFileSync(join(dir, `negative-${file}`), source.split('\n').filter((line) => !/@(ts|vue)-expect-error/.test(line)).join('\n'));
    const config = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')) as { files: string[] };
    writeFileSync(join(dir, 'tsconfig.negative.json'), JSON.stringify({ ...config, files: [`negative-${file}`] }));
    const output = await check(join(dir, 'tsconfig.negative.json'));
    expect(output).toMatch(/^FAILED/);
    expect(output).toMatch(/endpiont/);
    expect(output).toMatch(/"modal"/);
    expect(output).toMatch(/'sesion'/);
  }, 240_000);

  it.each(APPS)('the $app app type-checks with $file against the installed package, and fails on a misspelt attribute and detail field', async ({ app, checker, args, file }) => {
    const dir = join(shopDir, 'apps', app);
    // The repository's own checkers (vue-tsc, tsc, svelte-check), as for the type fixtures above; the types come from the shop.
    const check = () =>
      run(process.execPath, [join(ROOT, 'node_modules', ...checker), ...args], { cwd: dir }).then(
        () => '',
        (error: { stdout?: string; stderr?: string }) => `FAILED\n${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
    expect(await check()).toBe('');
    const source = readFileSync(join(dir, file), 'utf8');
    expect(source).toContain('endpoint=');
    expect(source).toContain('event.detail.session.id');
    const broken = source.replace('endpoint=', 'endpiont=').replace('event.detail.session.id', 'event.detail.session.sesion');
    writeFileSync(join(dir, file), broken);
    try {
      const output = await check();
      expect(output).toMatch(/^FAILED/);
      expect(output).toMatch(/endpiont/);
      expect(output).toMatch(/'sesion'/);
    } finally {
      writeFileSync(join(dir, file), source);
    }
  }, 240_000);

  it('npx checkout-widget trigger: the running handler takes the signed webhook, refuses a forged one; --help works', async () => {
    // A session paid at the PSP from code with its own webhook dropped (checkout-widget/testing), then told by the CLI.
    const { stdout: sessionId, stderr } = await node(
      shopDir,
      `import { sandboxTestHelpers } from 'checkout-widget/testing';
      const created = await fetch('${shopUrl}/api/checkout/sessions', { method: 'POST', headers: { 'content-type': 'application/json', origin: '${shopUrl}' }, body: JSON.stringify({ items: [{ sku: 'mug', quantity: 1 }] }) });
      const session = await created.json();
      await sandboxTestHelpers(${JSON.stringify(sandboxEnv)}).complete(session.id, { webhook: 'drop' });
      process.stdout.write(session.id);`,
    );
    expect(stderr).toBe('');
    expect(sessionId).toMatch(/^sbx_/);
    const cli = (args: string[], env: Record<string, string> = {}) =>
      run('npx', ['--no-install', 'checkout-widget', ...args], { cwd: shopDir, env: { ...process.env, ...env } }).then(
        ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
        (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
      );
    const webhookUrl = `${shopUrl}/api/checkout/webhooks/sandbox`;
    const sent = await cli(['trigger', 'session.completed', '--to', webhookUrl, '--session', sessionId], { SANDBOX_WEBHOOK_SECRET: sandboxEnv['SANDBOX_WEBHOOK_SECRET']! });
    expect(sent).toMatchObject({ code: 0, stdout: expect.stringContaining(': 200 {"received":true}') });
    const forged = await cli(['trigger', 'session.completed', '--to', webhookUrl, '--session', sessionId, '--secret', 'sbx_whsec_forged']);
    expect(forged).toMatchObject({ code: 1, stderr: expect.stringContaining(': 400 ') });
    expect((await cli(['--help'])).stdout).toContain('Usage: checkout-widget <command>');
  }, 120_000);
});
