// The backend recipes of docs/recipes/ (recipe-*.mjs): each starts on a port of its own, and the
// shop's test pays one sandbox checkout through it with checkout-widget/testing.
import { spawn } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { payInSandbox } from 'checkout-widget/testing';

/** Starts `node <file>` on an ephemeral port; its URL (the `READY <url>` line) and a stop function. */
async function start(file) {
  const child = spawn(process.execPath, [file], { cwd: import.meta.dirname, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise((resolve, reject) => {
    let output = '';
    const read = (chunk) => {
      output += chunk.toString();
      const ready = /^READY (\S+)/m.exec(output);
      if (ready) resolve(ready[1]);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`${file} exited ${code}: ${output}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

for (const recipe of ['express', 'fastify', 'hono']) {
  test(`the ${recipe} recipe pays a sandbox checkout`, async ({ page }) => {
    const server = await start(`recipe-${recipe}.mjs`);
    try {
      await page.goto(server.url);
      await payInSandbox(page);
      await expect.poll(() => page.locator('checkout-widget').getAttribute('state')).toBe('complete');
    } finally {
      server.stop();
    }
  });
}
