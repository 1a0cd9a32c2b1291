/**
 * The framework typings (`checkout-widget/vue`, `/preact`, `/solid`), checked the way a shop's
 * project checks them: `vue-tsc` with `strictTemplates`, `tsc` on Preact's and Solid's JSX. Each
 * fixture passes, and its `@ts-expect-error` / `@vue-expect-error` lines prove that a misspelt
 * attribute, an unknown `mode` and a wrong `detail` field are refused: without those comments (the
 * negative copy) the same files fail with exactly those errors. Against the sources, so it runs in
 * `npm test` without the packed tarball.
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

async function check(checker: keyof typeof CHECKERS, project: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CHECKERS[checker], '-p', project], { cwd: ROOT, timeout: 240_000 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** The fixture without its expect-error comments, beside it (its relative imports stay right), checked, then removed. */
async function checkNegative(checker: keyof typeof CHECKERS, folder: string, file: string): Promise<{ ok: boolean; output: string }> {
  const dir = path.join(FIXTURES, folder);
  const negative = `negative-${file}`;
  const source = readFileSync(path.join(dir, file), 'utf8');
  writeFileSync(path.join(dir, negative), source.split('\n').filter((line) => !/@(ts|vue)-expect-error/.test(line)).join('\n'));
  const config = JSON.parse(readFileSync(path.join(dir, 'tsconfig.json'), 'utf8')) as { files: string[] };
  config.files = [negative];
  writeFileSync(path.join(dir, 'tsconfig.negative.json'), JSON.stringify(config));
  try {
    return await check(checker, path.join(dir, 'tsconfig.negative.json'));
  } finally {
    rmSync(path.join(dir, negative), { force: true });
    rmSync(path.join(dir, 'tsconfig.negative.json'), { force: true });
  }
}

const CASES = [
  { name: 'Vue (vue-tsc, strictTemplates)', checker: 'vue-tsc', folder: 'vue', file: 'App.vue' },
  { name: 'Preact (tsc, jsxImportSource preact)', checker: 'tsc', folder: 'preact', file: 'app.tsx' },
  { name: 'Solid (tsc, jsxImportSource solid-js)', checker: 'tsc', folder: 'solid', file: 'app.tsx' },
] as const;

describe.each(CASES)('$name', { timeout: 300_000 }, ({ checker, folder, file }) => {
  it('type-checks the fixture, every expect-error comment needed', async () => {
    const result = await check(checker, path.join(FIXTURES, folder, 'tsconfig.json'));
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  it('without the expect-error comments: refuses the misspelt attribute, the unknown mode and the wrong detail field', async () => {
    const result = await checkNegative(checker, folder, file);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/endpiont/);
    expect(result.output).toMatch(/"modal"/);
    expect(result.output).toMatch(/'sesion'/);
  });
});
