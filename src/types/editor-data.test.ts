/**
 * The build's `cem analyze` step (custom-elements-manifest.config.mjs): the manifest carries the
 * real unions (not the alias `DisplayMode`), and VS Code's custom data and JetBrains' web-types are
 * generated from it, with the same attributes and values.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISPLAY_MODES, WIDGET_STATES } from '../core/display.js';

const ROOT = new URL('../../', import.meta.url);
const read = (file: string) => JSON.parse(readFileSync(new URL(file, ROOT), 'utf8')) as Record<string, unknown>;
interface Attribute { name: string; type?: { text: string }; values?: { name: string }[]; value?: { type: string } }

describe('editor data from the custom-elements manifest', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [new URL('node_modules/@custom-elements-manifest/analyzer/cem.js', ROOT).pathname, 'analyze'], { cwd: ROOT });
  });

  it('the manifest gives mode and state as their unions', () => {
    const manifest = read('dist/custom-elements.json') as { modules: { declarations?: { tagName?: string; attributes?: Attribute[]; members?: (Attribute & { kind: string })[] }[] }[] };
    const widget = manifest.modules.flatMap((module) => module.declarations ?? []).find((declaration) => declaration.tagName === 'checkout-widget')!;
    const modes = DISPLAY_MODES.map((mode) => `"${mode}"`).join(' | ');
    expect(widget.attributes!.find((attribute) => attribute.name === 'mode')!.type!.text).toBe(modes);
    expect(widget.members!.find((member) => member.name === 'mode')!.type!.text).toBe(modes);
    expect(widget.attributes!.find((attribute) => attribute.name === 'state')!.type!.text).toBe(WIDGET_STATES.map((state) => `"${state}"`).join(' | '));
    expect(JSON.stringify(manifest)).not.toContain('"DisplayMode"');
  });

  it('VS Code custom data lists the attributes with their values', () => {
    const data = read('dist/vscode.html-custom-data.json') as { version: number; tags: { name: string; attributes: Attribute[] }[] };
    expect(data.version).toBe(1.1);
    const tag = data.tags.find((entry) => entry.name === 'checkout-widget')!;
    expect(tag.attributes.map((attribute) => attribute.name)).toEqual(expect.arrayContaining(['endpoint', 'payload', 'mode', 'session-id', 'popup-fallback', 'methods']));
    expect(tag.attributes.find((attribute) => attribute.name === 'mode')!.values).toEqual(DISPLAY_MODES.map((name) => ({ name })));
  });

  it('web-types (the package.json web-types field) carry attributes and events', () => {
    const pkg = read('package.json') as { 'web-types': string; exports: Record<string, unknown> };
    expect(pkg['web-types']).toBe('./dist/web-types.json');
    expect(pkg.exports['./web-types.json']).toBe('./dist/web-types.json');
    const types = read('dist/web-types.json') as { contributions: { html: { elements: { name: string; attributes: Attribute[]; events: { name: string }[] }[] } } };
    const element = types.contributions.html.elements.find((entry) => entry.name === 'checkout-widget')!;
    expect(element.attributes.find((attribute) => attribute.name === 'mode')!.value!.type).toBe(DISPLAY_MODES.map((mode) => `"${mode}"`).join(' | '));
    expect(element.events.map((event) => event.name)).toContain('checkout-accept');
  });
});
