/**
 * The custom-elements manifest (`dist/custom-elements.json`) describes the published package:
 * module paths point at `dist/lib/**.js` (what a shop installs, not `src/`), and a module lists
 * only what it exports (no specs, no module-private helpers).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * The unions behind the element's type aliases, read from the arrays they come from
 * (`src/core/display.ts`), so the manifest says `"embedded" | "overlay" | …`, not `DisplayMode`.
 */
function aliasUnions() {
  const source = readFileSync(new URL('./src/core/display.ts', import.meta.url), 'utf8');
  const union = (constant) => {
    const list = new RegExp(`${constant} = \\[([^\\]]*)\\]`).exec(source)?.[1];
    if (!list) throw new Error(`custom-elements-manifest.config.mjs: ${constant} not found in src/core/display.ts`);
    return [...list.matchAll(/'([^']+)'/g)].map((match) => `"${match[1]}"`).join(' | ');
  };
  return { DisplayMode: union('DISPLAY_MODES'), WidgetState: union('WIDGET_STATES') };
}

/** `"a" | "b"` → `[{ name: 'a' }, { name: 'b' }]`, or undefined for a type that is no union of strings. */
function stringValues(text) {
  const parts = (text ?? '').split('|').map((part) => part.trim()).filter((part) => part !== 'undefined');
  return parts.length > 0 && parts.every((part) => /^(["'])[^"']*\1$/.test(part)) ? parts.map((part) => ({ name: part.slice(1, -1) })) : undefined;
}

/**
 * Editor data generated from the manifest: VS Code's custom HTML data
 * (`dist/vscode.html-custom-data.json`, `html.customData`) and JetBrains' `dist/web-types.json`
 * (the package's `web-types` field).
 */
function writeEditorData(manifest, version) {
  const elements = manifest.modules.flatMap((module) => module.declarations ?? []).filter((declaration) => declaration.tagName);
  const vscode = {
    $schema: 'https://raw.githubusercontent.com/microsoft/vscode-html-languageservice/main/docs/customData.schema.json',
    version: 1.1,
    tags: elements.map((element) => ({
      name: element.tagName,
      description: element.description ?? element.summary ?? '',
      attributes: (element.attributes ?? []).map((attribute) => ({
        name: attribute.name,
        description: attribute.description ?? '',
        ...(stringValues(attribute.type?.text) && { values: stringValues(attribute.type?.text) }),
      })),
    })),
  };
  const webTypes = {
    $schema: 'https://json.schemastore.org/web-types',
    name: 'checkout-widget',
    version,
    'description-markup': 'markdown',
    contributions: {
      html: {
        elements: elements.map((element) => ({
          name: element.tagName,
          description: element.description ?? element.summary ?? '',
          attributes: (element.attributes ?? []).map((attribute) => ({
            name: attribute.name,
            description: attribute.description ?? '',
            value: { type: attribute.type?.text ?? 'string', ...(attribute.default && { default: attribute.default }) },
          })),
          events: (element.events ?? []).map((event) => ({ name: event.name, description: event.description ?? '' })),
          slots: (element.slots ?? []).map((slot) => ({ name: slot.name, description: slot.description ?? '' })),
        })),
      },
    },
  };
  // `cem analyze` alone (the editor-data test in a fresh clone) runs before any build made dist/.
  mkdirSync(new URL('./dist/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./dist/vscode.html-custom-data.json', import.meta.url), `${JSON.stringify(vscode, null, 2)}\n`);
  writeFileSync(new URL('./dist/web-types.json', import.meta.url), `${JSON.stringify(webTypes, null, 2)}\n`);
}

export default {
  globs: ['src/components/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/**/*.spec.ts'],
  outdir: 'dist',
  litelement: true,
  plugins: [
    {
      name: 'checkout-widget:package-paths',
      packageLinkPhase({ customElementsManifest }) {
        const unions = aliasUnions();
        const real = (type) => {
          if (type?.text && unions[type.text]) type.text = unions[type.text];
        };
        const toPackagePath = (path) => path.replace(/^src\//, 'dist/lib/').replace(/\.ts$/, '.js');
        for (const module of customElementsManifest.modules) {
          const exported = new Set((module.exports ?? []).map((entry) => entry.declaration?.name));
          module.declarations = (module.declarations ?? []).filter((declaration) => exported.has(declaration.name));
          module.path = toPackagePath(module.path);
          for (const entry of module.exports ?? []) {
            if (entry.declaration?.module) entry.declaration.module = toPackagePath(entry.declaration.module);
          }
          for (const declaration of module.declarations) {
            if (declaration.superclass?.module) declaration.superclass.module = toPackagePath(declaration.superclass.module);
            for (const member of [...(declaration.members ?? []), ...(declaration.attributes ?? [])]) {
              real(member.type);
              real(member.return?.type);
              for (const parameter of member.parameters ?? []) real(parameter.type);
            }
          }
        }
        const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
        writeEditorData(customElementsManifest, version);
      },
    },
  ],
};
