/**
 * examples/<name>/ (run by `npm run test:examples`, outside `npm test`): every example's
 * `example.json` is one `scripts/examples.ts` accepts, and its `package.json` leaves
 * `checkout-widget` to the runner (which sets it to the packed tarball). The runner's reader refuses
 * a config it could not run.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleNames, readExample } from '../scripts/examples.js';

const EXAMPLES = fileURLToPath(new URL('../examples', import.meta.url));

describe('examples/', () => {
  it('has the Next.js and Workers examples', () => {
    expect(exampleNames()).toEqual(expect.arrayContaining(['cloudflare-workers', 'nextjs']));
  });

  it.each(exampleNames())('%s: its example.json is valid and its package.json leaves checkout-widget to the runner', (name) => {
    expect(() => readExample(name)).not.toThrow();
    const manifest = JSON.parse(readFileSync(join(EXAMPLES, name, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect(manifest['dependencies']?.['checkout-widget']).toBeUndefined();
    expect(manifest['devDependencies']?.['checkout-widget']).toBeUndefined();
  });

  const scratch = mkdtempSync(join(tmpdir(), 'examples-config-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const write = (name: string, config: unknown) => {
    mkdirSync(join(scratch, name));
    writeFileSync(join(scratch, name, 'example.json'), JSON.stringify(config));
    return name;
  };

  it.each([
    ['no start', { page: '/' }, /"start"/],
    ['a page that is not a path', { start: 'node dev.mjs', page: 'checkout' }, /"page"/],
    ['a misspelt key', { start: 'node dev.mjs', page: '/', biuld: 'x' }, /unknown key "biuld"/],
    ['a build that is not a command', { start: 'node dev.mjs', page: '/', build: ['x'] }, /"build"/],
    ['absentAfterBuild not a list', { start: 'node dev.mjs', page: '/', absentAfterBuild: '.data' }, /"absentAfterBuild"/],
    ['a zero timeout', { start: 'node dev.mjs', page: '/', timeoutSeconds: 0 }, /"timeoutSeconds"/],
  ])('refuses %s', (label, config, message) => {
    const name = write(label.replace(/\W+/g, '-'), config);
    expect(() => readExample(name, scratch)).toThrow(message);
  });

  it('accepts the smallest config and lists only folders with an example.json', () => {
    const name = write('smallest', { start: 'node dev.mjs', page: '/' });
    mkdirSync(join(scratch, 'not-an-example'));
    expect(readExample(name, scratch)).toEqual({ start: 'node dev.mjs', page: '/' });
    expect(exampleNames(scratch)).not.toContain('not-an-example');
    expect(exampleNames(scratch)).toContain('smallest');
  });
});
