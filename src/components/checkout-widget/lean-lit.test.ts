// Lit SSR's DOM shim first: the element's module needs HTMLElement.
import '@lit-labs/ssr';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckoutWidget } from './checkout-widget.js';
import { CheckoutRunController } from './run-controller.js';

// The CDN build gives the element lean-lit.ts instead of Lit (vite.config.ts). These keep the
// element within what that base does, so the CDN's element and the npm package's behave alike;
// the browser specs (checkout-widget.spec.ts and the rest) run the CDN build.

const SRC = join(import.meta.dirname, '../..');

describe('the element within lean-lit.ts', () => {
  it('declares properties with no option but `attribute` (no reflect, type, converter, hasChanged, state)', () => {
    const options = Object.entries(CheckoutWidget.properties).flatMap(([name, option]) =>
      Object.keys(option).filter((key) => key !== 'attribute').map((key) => `${name}.${key}`),
    );
    expect(options).toEqual([]);
  });

  it('overrides no Lit lifecycle step the lean base does not call', () => {
    const unsupported = ['update', 'updated', 'firstUpdated', 'shouldUpdate', 'scheduleUpdate', 'performUpdate', 'getUpdateComplete'];
    expect(unsupported.filter((name) => Object.hasOwn(CheckoutWidget.prototype, name))).toEqual([]);
    expect(['hostUpdate', 'hostUpdated'].filter((name) => name in CheckoutRunController.prototype)).toEqual([]);
  });

  it('has css`` literals without values in every browser module (the lean `css` takes the text as it is)', () => {
    const files = ['components', 'renderers', 'providers'].flatMap((folder) =>
      readdirSync(join(SRC, folder), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts') && !/\.(test|spec)\.ts$/.test(file))
        .map((file) => join(SRC, folder, file)),
    );
    const withValues = files.filter((file) => /\bcss`[^`]*\$\{/.test(readFileSync(file, 'utf8')));
    expect(files.length).toBeGreaterThan(20);
    expect(withValues).toEqual([]);
  });
});
