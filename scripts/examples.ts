/**
 * `npm run test:examples [name…]`: the heavy framework recipes (examples/<name>/) as apps a new shop
 * would make, each from the PACKED tarball, each paid through once. Not part of `npm test` (a
 * framework build alone can take minutes on the 2-core machine).
 *
 * An example is a folder `examples/<name>/` with its own files and an `example.json`:
 *
 * ```json
 * { "build": "npx next build", "start": "npx next start -H 127.0.0.1 -p $PORT", "page": "/checkout" }
 * ```
 *
 * - `install` (optional, default `npm install`): run after the folder was copied to a temp dir and its
 *   `package.json` got `"checkout-widget": "file:<tarball>"`; npm is told `--prefer-offline`;
 * - `build` (optional): the app's build;
 * - `start`: starts the app on `$PORT` (127.0.0.1); it is ready when `page` answers 200;
 * - `page`: the path of the page with the widget, paid by `scripts/examples.spec.ts` with
 *   `payInSandbox` from the example's installed `checkout-widget/testing`;
 * - `absentAfterBuild` (optional): paths the build must not have made (the Next.js example: `.data`,
 *   the sandbox's folder, which its lazy start makes on the first request only);
 * - `timeoutSeconds` (optional, default 600): for each step.
 *
 * The repository is built once (`npm run build` when `dist/` is missing) and packed once. Prints
 * per example: install, build, start (to ready) and payment seconds, and the total; exits 1 when any
 * example failed. `EXAMPLES_PORT` sets the first port (default 5500; one per example, in order),
 * `EXAMPLES_KEEP=1` keeps the temp dirs.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');

/** What `examples/<name>/example.json` says. */
export interface ExampleConfig {
  install?: string;
  build?: string;
  start: string;
  page: string;
  absentAfterBuild?: string[];
  timeoutSeconds?: number;
}

interface Figures {
  install: number;
  build: number;
  start: number;
  payment: number;
}

const KEYS = new Set(['install', 'build', 'start', 'page', 'absentAfterBuild', 'timeoutSeconds']);

/** `examples/<name>/example.json`, checked: throws naming what is wrong. */
export function readExample(name: string, root = EXAMPLES): ExampleConfig {
  const config = JSON.parse(readFileSync(join(root, name, 'example.json'), 'utf8')) as Record<string, unknown>;
  const wrong = (why: string) => new Error(`examples/${name}/example.json: ${why}`);
  for (const key of Object.keys(config)) if (!KEYS.has(key)) throw wrong(`unknown key "${key}" (known: ${[...KEYS].join(', ')})`);
  if (typeof config['start'] !== 'string') throw wrong('"start" (the command that serves the app on $PORT) is missing');
  if (typeof config['page'] !== 'string' || !config['page'].startsWith('/')) throw wrong('"page" must be a path starting with /');
  for (const key of ['install', 'build'] as const) if (config[key] !== undefined && typeof config[key] !== 'string') throw wrong(`"${key}" must be a command`);
  const absent = config['absentAfterBuild'];
  if (absent !== undefined && !(Array.isArray(absent) && absent.every((path) => typeof path === 'string'))) throw wrong('"absentAfterBuild" must be a list of paths');
  const timeout = config['timeoutSeconds'];
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) throw wrong('"timeoutSeconds" must be a positive number');
  return config as unknown as ExampleConfig;
}

/** The folders of `examples/` that have an `example.json`, sorted. */
export function exampleNames(root = EXAMPLES): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'example.json')))
    .map((entry) => entry.name)
    .sort();
}

const seconds = (since: number) => (performance.now() - since) / 1000;

interface Started {
  pid: number | undefined;
  /** Settles when the command ended: resolves on exit code 0, rejects with its output's tail otherwise. */
  done: Promise<string>;
}

/** Starts `command` in a shell in `cwd`, in a process group of its own, its output kept in `log`; ended after `timeoutSeconds`. */
function start(command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutSeconds: number, log: string): Started {
  const child = spawn(command, { cwd, env, shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    writeFileSync(log, output);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => killGroup(child.pid), timeoutSeconds * 1000);
  const done = new Promise<string>((resolve, reject) => {
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`\`${command}\` ended with ${code ?? signal} (log: ${log})\n${output.slice(-3000)}`));
    };
    child.on('close', settle);
    // A child it left behind may hold the output open: the command's own exit decides (its last output within 2 s).
    child.on('exit', (code, signal) => setTimeout(() => settle(code, signal), 2000));
  });
  return { pid: child.pid, done };
}

/** Runs `command` to its end (see `start`); its output. */
const sh = (command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutSeconds: number, log: string) =>
  start(command, cwd, env, timeoutSeconds, log).done;

function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function tarballOfTheRepository(work: string): Promise<string> {
  if (!existsSync(join(ROOT, 'dist', 'lib', 'index.js'))) {
    console.log('dist/ is missing: npm run build');
    await sh('npm run build', ROOT, process.env, 1200, join(work, 'build.log'));
  }
  const output = await sh(`npm pack --json --pack-destination ${JSON.stringify(work)}`, ROOT, process.env, 300, join(work, 'pack.log'));
  const [packed] = JSON.parse(output.slice(output.indexOf('['))) as [{ filename: string }];
  return join(work, packed.filename);
}

async function runExample(name: string, tarball: string, work: string, port: number): Promise<Figures> {
  const config = readExample(name);
  const timeout = config.timeoutSeconds ?? 600;
  const dir = join(work, name);
  cpSync(join(EXAMPLES, name), dir, { recursive: true, filter: (source) => !/[\\/](node_modules|\.next|\.data|dist)$/.test(source) });
  const manifestPath = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { dependencies?: Record<string, string> };
  manifest.dependencies = { ...manifest.dependencies, 'checkout-widget': `file:${tarball}` };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const env = { ...process.env, PORT: String(port), NODE_ENV: undefined, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
  const figures: Figures = { install: 0, build: 0, start: 0, payment: 0 };

  let since = performance.now();
  await sh(config.install ?? 'npm install', dir, env, timeout, join(work, `${name}.install.log`));
  figures.install = seconds(since);

  if (config.build) {
    since = performance.now();
    await sh(config.build, dir, env, timeout, join(work, `${name}.build.log`));
    figures.build = seconds(since);
  }
  for (const path of config.absentAfterBuild ?? []) {
    if (existsSync(join(dir, path))) throw new Error(`${name}: the build made ${path}, which only starting the app may make`);
  }

  since = performance.now();
  const url = `http://127.0.0.1:${port}`;
  const server = start(config.start, dir, env, 24 * 3600, join(work, `${name}.start.log`));
  let ended: unknown;
  const settled = server.done.then(
    () => {
      ended = new Error(`${name}: \`${config.start}\` ended before it was stopped`);
    },
    (error: unknown) => {
      ended = error;
    },
  );
  try {
    for (;;) {
      if (ended) throw ended;
      if (await answers(`${url}${config.page}`)) break;
      if (seconds(since) > timeout) throw new Error(`${name}: ${url}${config.page} did not answer 200 within ${timeout} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    figures.start = seconds(since);

    since = performance.now();
    await sh(
      `npx playwright test -c ${JSON.stringify(join(ROOT, 'scripts', 'examples.playwright.config.ts'))}`,
      ROOT,
      { ...process.env, EXAMPLE_NAME: name, EXAMPLE_URL: `${url}${config.page}`, EXAMPLE_DIR: dir },
      timeout,
      join(work, `${name}.payment.log`),
    );
    figures.payment = seconds(since);
  } finally {
    // The whole process group: the shell, npx, the app and the app's own children (a sandbox, workerd).
    killGroup(server.pid);
    const timer = setTimeout(() => killGroup(server.pid, 'SIGKILL'), 10_000);
    await settled;
    clearTimeout(timer);
  }
  return figures;
}

async function main(): Promise<number> {
  const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : exampleNames();
  for (const name of names) {
    // a typo fails before the build
    if (!exampleNames().includes(name)) throw new Error(`no example "${name}" (examples/: ${exampleNames().join(', ')})`);
    readExample(name);
  }
  const work = mkdtempSync(join(tmpdir(), 'checkout-widget-examples-'));
  console.log(`examples: ${names.join(', ')} (work dir ${work})`);
  const tarball = await tarballOfTheRepository(work);
  const firstPort = Number(process.env['EXAMPLES_PORT'] ?? 5500);
  const rows: string[] = [];
  let failed = 0;
  for (const [index, name] of names.entries()) {
    const since = performance.now();
    try {
      const figures = await runExample(name, tarball, work, firstPort + index);
      const total = seconds(since);
      const row = `${name}: install ${figures.install.toFixed(1)} s, build ${figures.build.toFixed(1)} s, start ${figures.start.toFixed(1)} s, payment ${figures.payment.toFixed(1)} s, total ${total.toFixed(1)} s`;
      console.log(`PASS ${row}`);
      rows.push(`PASS ${row}`);
    } catch (error) {
      failed += 1;
      console.error(`FAIL ${name} after ${seconds(since).toFixed(1)} s: ${(error as Error).message}`);
      rows.push(`FAIL ${name}`);
    }
  }
  console.log(`\n${rows.join('\n')}\n${names.length - failed} passed, ${failed} failed`);
  if (!process.env['EXAMPLES_KEEP']) rmSync(work, { recursive: true, force: true });
  return failed === 0 ? 0 : 1;
}

// Run as a script (not when a test imports the config readers above).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = await main();
