/**
 * The framework typings (`checkout-widget/vue`, `/preact`, `/solid`, `/svelte`), checked the way a
 * shop's project checks them: `vue-tsc` with `strictTemplates`, `tsc` on Preact's and Solid's JSX,
 * `svelte-check` on a Svelte 5 component. Each
 * fixture passes, and its `@ts-expect-error` / `@vue-expect-error` lines prove that a misspelt
 * attribute, an unknown `mode` and a wrong `detail` field are refused: without those comments (the
 * negative copy) the same files fail with exactly those errors. Svelte templates have no such comment:
 * its fixture must pass as it is, and a component of the three wrong uses beside it must fail with
 * exactly those three errors. Each framework is one checker run over the fixture and its negative. Against the sources, so it runs in `npm test` without the packed tarball.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const CHECKERS = { tsc: path.join(ROOT, 'node_modules/typescript/bin/tsc'), 'vue-tsc': path.join(ROOT, 'node_modules/vue-tsc/bin/vue-tsc.js') };
const SVELTE_CHECK = path.join(ROOT, 'node_modules/svelte-check/bin/svelte-check');

async function check(checker: keyof typeof CHECKERS, project: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CHECKERS[checker], '-p', project], { cwd: ROOT, timeout: 240_000 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/**
 * One checker run over the fixture and its negative copy (the fixture without its expect-error
 * comments, beside it so its relative imports stay right; removed afterwards): the errors each
 * file got, by file name. One run, not two: a checker's start is most of its time.
 */
async function checkBoth(checker: keyof typeof CHECKERS, folder: string, file: string): Promise<{ ok: boolean; output: string; errorFiles: string[] }> {
  const dir = path.join(FIXTURES, folder);
  const negative = `negative-${file}`;
  const source = readFileSync(path.join(dir, file), 'utf8');
  writeFileSync(path.join(dir, negative), source.split('\n').filter((line) => !/@(ts|vue)-expect-error/.test(line)).join('\n'));
  const config = JSON.parse(readFileSync(path.join(dir, 'tsconfig.json'), 'utf8')) as { files: string[] };
  config.files = [file, negative];
  writeFileSync(path.join(dir, 'tsconfig.both.json'), JSON.stringify(config));
  try {
    const result = await check(checker, path.join(dir, 'tsconfig.both.json'));
    // `<path>(line,col): error TS…` starts each error (its message may go on over indented lines).
    const errorFiles = [...result.output.matchAll(/^(\S[^\n(]*)\(\d+,\d+\): error TS\d+/gm)].map((match) => path.basename(match[1]!));
    return { ...result, errorFiles };
  } finally {
    rmSync(path.join(dir, negative), { force: true });
    rmSync(path.join(dir, 'tsconfig.both.json'), { force: true });
  }
}

const CASES = [
  { name: 'Vue (vue-tsc, strictTemplates)', checker: 'vue-tsc', folder: 'vue', file: 'App.vue' },
  { name: 'Preact (tsc, jsxImportSource preact)', checker: 'tsc', folder: 'preact', file: 'app.tsx' },
  { name: 'Solid (tsc, jsxImportSource solid-js)', checker: 'tsc', folder: 'solid', file: 'app.tsx' },
] as const;

describe.each(CASES)('$name', { timeout: 300_000 }, ({ checker, folder, file }) => {
  it('type-checks the fixture, every expect-error comment needed; without them the misspelt attribute, the unknown mode and the wrong detail field are refused', async () => {
    const result = await checkBoth(checker, folder, file);
    // Every error is the negative copy's: the fixture has none (an unneeded expect-error comment would be one).
    expect(result.errorFiles.length).toBeGreaterThanOrEqual(3);
    expect(new Set(result.errorFiles)).toEqual(new Set([`negative-${file}`]));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/endpiont/);
    expect(result.output).toMatch(/"modal"/);
    expect(result.output).toMatch(/'sesion'/);
  });
});

describe('Svelte 5 (svelte-check)', { timeout: 300_000 }, () => {
  const dir = path.join(FIXTURES, 'svelte');
  /** svelte-check on the fixture folder; `--output machine`: one `ERROR "<file>" line:col "<message>"` line per error. */
  async function svelteCheck(): Promise<{ ok: boolean; errors: string[]; output: string }> {
    let output: string;
    let ok = true;
    try {
      const { stdout, stderr } = await run(process.execPath, [SVELTE_CHECK, '--workspace', dir, '--tsconfig', path.join(dir, 'tsconfig.json'), '--output', 'machine', '--fail-on-warnings'], { cwd: ROOT, timeout: 240_000 });
      output = stdout + stderr;
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
      ok = false;
    }
    return { ok, errors: output.split('\n').filter((line) => / (ERROR|WARNING) /.test(line)), output };
  }

  // One svelte-check run (its start is most of its time) over the fixture and, beside it, a component of the wrong uses.
  it('type-checks the fixture (properties, events with their detail, document listeners); refuses a misspelt attribute, an unknown mode and a wrong detail field, each on its line', async () => {
    const negative = path.join(dir, 'Negative.svelte');
    writeFileSync(
      negative,
      [
        '<script lang="ts">',
        "  import type {} from '../../../svelte.js';",
        '</script>',
        '',
        '<checkout-widget endpiont="/api/checkout/sessions"></checkout-widget>',
        '<checkout-widget mode="modal"></checkout-widget>',
        '<checkout-widget oncheckout-accept={(event) => event.detail.sesion}></checkout-widget>',
        '',
      ].join('\n'),
    );
    try {
      const result = await svelteCheck();
      expect(result.ok).toBe(false);
      expect(result.errors).toEqual([
        expect.stringMatching(/ERROR "Negative\.svelte" 5:\d+ .*'\\?"endpiont\\?"' does not exist in type 'CheckoutWidgetSvelteProps'/),
        expect.stringMatching(/ERROR "Negative\.svelte" 6:\d+ "Type '.*modal.*' is not assignable/),
        expect.stringMatching(/ERROR "Negative\.svelte" 7:\d+ .*'sesion' does not exist/),
      ]);
      // Nothing in App.svelte, not even a warning: one file with problems.
      expect(result.output).toMatch(/COMPLETED \d+ FILES 3 ERRORS 0 WARNINGS 1 FILES_WITH_PROBLEMS/);
    } finally {
      rmSync(negative, { force: true });
    }
  });
});
