import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import {
  budgetProblems,
  CHOOSER_CHUNK_GZIP_BUDGET,
  CORE_GZIP_BUDGET,
  LOCALE_CHUNK_GZIP_BUDGET,
  LOCALE_CHUNKS,
  measureCdnBytes,
  PROVIDER_CHUNK_GZIP_BUDGET,
  RENDERER_PROVIDERS,
  START_SET,
  START_SET_GZIP_BUDGET,
  STARTER_GZIP_BUDGET,
  startSetGzip,
} from './bench/bytes.js';

/**
 * Byte budgets of the CDN build. A Playwright spec rather than a Vitest test because `npm test`
 * runs the e2e step after `npm run build`, so this always reads the build of the current source.
 */
const cdnDir = fileURLToPath(new URL('../dist/cdn/', import.meta.url));

test.describe('CDN byte budgets (gzip level 9)', () => {
  const files = measureCdnBytes(cdnDir);

  test(`core ES module is at most ${CORE_GZIP_BUDGET} bytes gzip`, () => {
    const core = files.find((file) => file.role === 'core');
    expect(core, 'dist/cdn/checkout-widget.js').toBeDefined();
    expect(core!.gzip).toBeLessThanOrEqual(CORE_GZIP_BUDGET);
  });

  test(`the inline starter is at most ${STARTER_GZIP_BUDGET} bytes gzip, its CSP hash beside it`, () => {
    const starter = files.find((file) => file.role === 'starter');
    expect(starter, 'dist/cdn/starter.js').toBeDefined();
    expect(starter!.gzip).toBeLessThanOrEqual(STARTER_GZIP_BUDGET);
    const code = readFileSync(`${cdnDir}starter.js`, 'utf8');
    expect(readFileSync(`${cdnDir}starter.html`, 'utf8')).toBe(`<script>${code}</script>`);
    expect(readFileSync(`${cdnDir}starter.sha256`, 'utf8')).toBe(`'sha256-${createHash('sha256').update(code).digest('base64')}'`);
  });

  test(`what every start fetches (${START_SET.join(' + ')}) is at most ${START_SET_GZIP_BUDGET} bytes gzip`, () => {
    for (const role of START_SET) expect(files.filter((file) => file.role === role), `one ${role} file in dist/cdn`).toHaveLength(1);
    expect(startSetGzip(files)).toBeLessThanOrEqual(START_SET_GZIP_BUDGET);
  });

  for (const role of RENDERER_PROVIDERS) {
    test(`the ${role} chunk is at most ${PROVIDER_CHUNK_GZIP_BUDGET} bytes gzip`, () => {
      const chunks = files.filter((file) => file.role === role);
      expect(chunks.map((chunk) => chunk.file), `one ${role} chunk in dist/cdn`).toHaveLength(1);
      expect(chunks[0]!.gzip).toBeLessThanOrEqual(PROVIDER_CHUNK_GZIP_BUDGET);
    });
  }

  for (const role of ['i18n', ...LOCALE_CHUNKS.map((code) => `locale-${code}`)]) {
    test(`the ${role} chunk is at most ${LOCALE_CHUNK_GZIP_BUDGET} bytes gzip`, () => {
      const chunks = files.filter((file) => file.role === role);
      expect(chunks.map((chunk) => chunk.file), `one ${role} chunk in dist/cdn`).toHaveLength(1);
      expect(chunks[0]!.gzip).toBeLessThanOrEqual(LOCALE_CHUNK_GZIP_BUDGET);
    });
  }

  test(`the method chooser is one chunk of at most ${CHOOSER_CHUNK_GZIP_BUDGET} bytes gzip, not on the start set`, () => {
    const chunks = files.filter((file) => file.role === 'chooser');
    expect(chunks.map((chunk) => chunk.file), 'one chooser chunk in dist/cdn').toHaveLength(1);
    expect(chunks[0]!.gzip).toBeLessThanOrEqual(CHOOSER_CHUNK_GZIP_BUDGET);
    expect(START_SET).not.toContain('chooser');
  });

  test('every file in dist/cdn is a known one within its budget', () => {
    expect(budgetProblems(files)).toEqual([]);
  });
});
