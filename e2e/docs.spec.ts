import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { README_PATH, readManifest, renderApiDocs, withApiDocs } from './support/api-docs.js';

// Runs after `npm run build`, which writes dist/custom-elements.json from the elements' JSDoc.
test('the README element reference matches the custom-elements manifest (run `npm run docs`)', () => {
  const manifest = readManifest();
  const docs = renderApiDocs(manifest);
  for (const name of ['checkout-accept', 'checkout-error', '--checkout-accent', 'trigger', 'frame']) {
    expect(docs, `the manifest documents ${name}`).toContain(name);
  }
  const readme = readFileSync(README_PATH, 'utf8');
  expect(withApiDocs(readme, docs)).toBe(readme);
});
