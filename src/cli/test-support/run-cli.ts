import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const HIDE = fileURLToPath(new URL('./hide-packages.mjs', import.meta.url));

/**
 * Tests: the command line in its own process (`node --import tsx src/cli/main.ts …`), its exit code
 * and output. `hide`: packages that process cannot load, as an install without them (hide-packages.mjs).
 */
export function runCli(args: readonly string[], options: { hide?: readonly string[] } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const hide = options.hide ?? [];
  const child = spawn(process.execPath, ['--import', 'tsx', ...(hide.length > 0 ? ['--import', HIDE] : []), MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CHECKOUT_WIDGET_HIDE_PACKAGES: hide.join(',') },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
