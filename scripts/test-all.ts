/**
 * `npm test`: every step of the test suite, each step as soon as what it needs is done, side by side
 * where one step alone leaves a core idle (a 2-core CI machine: `tsc` and the build are mostly one
 * core each; the unit tests wait on PostgreSQL, workerd and child processes much of their time).
 *
 * The steps are the package scripts (`npm run <step>`), so each still runs alone as before. Every
 * output line is prefixed with its step's name; at the end, a table of each step's wall time.
 * The first failing step stops the rest (as the old `a && b && …` chain did) and the run exits 1.
 * `TEST_STEPS=unit,build` runs only those steps (and what they need).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Step {
  /** The package script. */
  script: string;
  /** Steps that must have passed first. */
  after: string[];
}

/**
 * Why this order:
 * - `typecheck` (one core) beside `build` (mostly one core);
 * - `test:unit` after `build`: the build rewrites the generated registries and locale files in
 *   `src/` and `dist/custom-elements.json`, which unit tests read (a file being rewritten reads empty);
 * - `lint:package` and `test:package` (npm installs and packs: mostly waiting) beside the unit tests;
 * - `test:e2e` last, alone: Playwright with 2 workers keeps both cores busy (3 workers was slower).
 */
const STEPS: Record<string, Step> = {
  typecheck: { script: 'typecheck', after: [] },
  build: { script: 'build', after: [] },
  unit: { script: 'test:unit', after: ['build'] },
  'lint:package': { script: 'lint:package', after: ['build'] },
  package: { script: 'test:package', after: ['build'] },
  e2e: { script: 'test:e2e', after: ['typecheck', 'unit', 'lint:package', 'package'] },
};

/** The steps to run: `only` and everything they need, in STEPS order. */
function selectSteps(steps: Record<string, Step>, only: string[] | undefined): string[] {
  if (!only) return Object.keys(steps);
  const wanted = new Set<string>();
  const add = (name: string): void => {
    const step = steps[name];
    if (!step) throw new Error(`TEST_STEPS: no step "${name}" (steps: ${Object.keys(steps).join(', ')})`);
    if (wanted.has(name)) return;
    wanted.add(name);
    step.after.forEach(add);
  };
  only.forEach(add);
  return Object.keys(steps).filter((name) => wanted.has(name));
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function prefixLines(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream): void {
  let rest = '';
  const tag = `[${name}] `;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    if (lines.length > 0) out.write(lines.map((line) => tag + line).join('\n') + '\n');
  });
  stream.on('end', () => {
    if (rest) out.write(`${tag}${rest}\n`);
  });
}

async function main(): Promise<void> {
  const only = process.env['TEST_STEPS']?.split(',').map((name) => name.trim()).filter(Boolean);
  const names = selectSteps(STEPS, only);
  const started = Date.now();
  const done = new Set<string>();
  const running = new Map<string, ChildProcess>();
  const took = new Map<string, { from: number; to: number; code: number | null }>();
  let failed: string | undefined;
  // Ctrl-C or a CI cancel: the steps run in their own process groups, so pass it on.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      for (const child of running.values()) stop(child);
      process.exit(130);
    });
  }

  await new Promise<void>((resolve) => {
    const startReady = (): void => {
      if (failed === undefined) {
        for (const name of names) {
          if (done.has(name) || running.has(name)) continue;
          if (!STEPS[name]!.after.every((need) => done.has(need) || !names.includes(need))) continue;
          const from = Date.now();
          process.stdout.write(`[${name}] npm run ${STEPS[name]!.script} (at ${((from - started) / 1000).toFixed(0)} s)\n`);
          // Its own process group, so a stop reaches its children (browsers, servers, workerd).
          const child = spawn('npm', ['run', STEPS[name]!.script], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
          prefixLines(name, child.stdout!, process.stdout);
          prefixLines(name, child.stderr!, process.stderr);
          running.set(name, child);
          child.on('close', (code, signal) => {
            running.delete(name);
            took.set(name, { from, to: Date.now(), code: code ?? (signal ? 128 : 1) });
            if (code === 0) done.add(name);
            else if (failed === undefined) {
              failed = name;
              for (const other of running.values()) stop(other);
            }
            startReady();
          });
        }
      }
      if (running.size === 0) resolve();
    };
    startReady();
  });

  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(9);
  process.stdout.write('\nstep            from      took   result\n');
  for (const name of names) {
    const step = took.get(name);
    const result = !step ? 'not run' : step.code === 0 ? 'passed' : name === failed ? `FAILED (exit ${step.code})` : 'stopped';
    process.stdout.write(`${name.padEnd(14)}${step ? seconds(step.from - started) + seconds(step.to - step.from) : ' '.repeat(18)}   ${result}\n`);
  }
  process.stdout.write(`total ${seconds(Date.now() - started).trim()}\n`);
  process.exitCode = failed === undefined && names.every((name) => done.has(name)) ? 0 : 1;
}

function stop(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

await main();
