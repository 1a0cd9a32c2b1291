/**
 * The layers of `src/` and the one direction imports go between them. A layer imports itself and
 * the layers named after its arrow, nothing else; type-only imports count (a type is a dependency
 * too). Top to bottom:
 *
 *   entries            src/{cdn,index,define,react}.ts, src/server/{index,node}.ts: the package's
 *                      entry points → every layer; nothing imports them
 *   cli                src/cli/: the command line (`checkout-widget sandbox|trigger|orders|jobs`)
 *                        → testing, provider-registry, providers, server, core
 *   testing            src/testing/: `checkout-widget/testing`, the shop's test kit (sandbox helpers,
 *                      signed test webhooks) → provider-registry, providers, server, core
 *   components         src/components/: the <checkout-widget> element → provider-registry, renderers, core
 *   provider-registry  src/provider-registry/: the one place that knows every provider folder, the
 *                      generated lists of them (`*.generated.ts`, `npm run providers`) and what uses
 *                      those lists: renderer loaders, the session validators chunk, providersFromEnv
 *                        → providers, server, renderers, core
 *   providers          src/providers/<name>/: a plugin per payment provider, both sides → server,
 *                      renderers, core; its shape.ts → core, renderer.ts → renderers and core,
 *                      card-fields.ts (card fields for the card-token renderer) → renderers and core,
 *                      server.ts → server (the provider API, the adapter kit) and core, each with the
 *                      modules of its folder it reaches. A provider folder imports no other one.
 *   renderers          src/renderers/: the renderer contract and the hosted renderer → core
 *   server             src/server/ (but its entries): the backend, its routes, stores, provider API
 *                      (`provider-api/`) and adapter kit (`adapter-kit/`) → core
 *   core               src/core/: protocol, errors, events, session checking → nothing
 *
 * So nothing below the provider registry names a provider: what core, renderers, components and
 * server need of the provider folders (their shapes, renderers and adapters) is handed to them
 * from above. Core's `protocol/session-kinds.generated.ts` is the one generated file below the
 * registry: the session kinds as plain words, importing nothing.
 *
 * No import cycles either: none between sibling folders anywhere in `src/` (`server/store` and
 * `server/provider-api`; a folder and the loose modules of a folder above it, such as
 * `server/store/` and `server/customer.ts`, may import each other), and none between modules.
 * Test code (tests, specs, `test-support/`, `fake-*.ts`, `test-bed.ts`: what src/tsconfig.build.json
 * leaves out of the package) may import anything, and no module imports it.
 */
import { relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, importsOf, SRC } from './server/test-support/import-graph.js';

type Layer = 'entries' | 'cli' | 'testing' | 'components' | 'provider-registry' | 'providers' | 'renderers' | 'server' | 'core';

const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  entries: ['cli', 'testing', 'components', 'provider-registry', 'providers', 'renderers', 'server', 'core'],
  cli: ['testing', 'provider-registry', 'providers', 'server', 'core'],
  testing: ['provider-registry', 'providers', 'server', 'core'],
  components: ['provider-registry', 'renderers', 'core'],
  'provider-registry': ['providers', 'server', 'renderers', 'core'],
  providers: ['server', 'renderers', 'core'],
  renderers: ['core'],
  server: ['core'],
  core: [],
};

/** What each side of a provider folder may reach outside the folder (through its own modules too). */
const PROVIDER_SIDES: Record<string, readonly Layer[]> = {
  'shape.ts': ['core'],
  'renderer.ts': ['renderers', 'core'],
  'card-fields.ts': ['renderers', 'core'],
  'server.ts': ['server', 'core'],
};

const SERVER_ENTRIES = new Set(['server/index.ts', 'server/node.ts']);

/** A module's path under `src/`, with `/`. */
const nameOf = (file: string) => relative(SRC, file).split(sep).join('/');

function isTestCode(name: string): boolean {
  return /\.(test|spec)\.ts$/.test(name) || /(^|\/)test-support\//.test(name) || /(^|\/)(fake-[\w-]+|test-bed)\.ts$/.test(name);
}

function layerOf(name: string): Layer | undefined {
  if (!name.includes('/') || SERVER_ENTRIES.has(name)) return 'entries';
  if (name.startsWith('cli/')) return 'cli';
  if (name.startsWith('testing/')) return 'testing';
  if (name.startsWith('components/')) return 'components';
  if (name.startsWith('provider-registry/')) return 'provider-registry';
  if (/^providers\/[^/]+\//.test(name)) return 'providers';
  if (name.startsWith('renderers/')) return 'renderers';
  if (name.startsWith('server/')) return 'server';
  if (name.startsWith('core/')) return 'core';
  return undefined;
}

/** `providers/<name>` for a module of a provider folder. */
const providerFolderOf = (name: string) => /^providers\/[^/]+(?=\/)/.exec(name)?.[0];

/** Every module but test code, with the modules under `src/` it imports (types included). */
const modules = new Map(
  filesUnder(SRC)
    .map(nameOf)
    .filter((name) => !isTestCode(name))
    .sort()
    .map((name) => [name, importsOf(`${SRC}${name}`, { types: true }).local.map(nameOf)] as const),
);
const importsOfModule = (name: string) => modules.get(name) ?? [];

/** Strongly connected components of more than one node: the cycles, each as its nodes. */
function cycles(nodes: Iterable<string>, next: (node: string) => Iterable<string>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    for (const target of next(node)) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (stack.includes(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return found;
}

/**
 * The two sibling folders an import crosses between (`server/store` → `server/provider-api`,
 * `providers` → `core`), or undefined when it stays in a folder or goes between a folder and
 * one above it.
 */
function siblingFolders(from: string, to: string): [string, string] | undefined {
  const a = from.split('/').slice(0, -1);
  const b = to.split('/').slice(0, -1);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  if (common === a.length || common === b.length) return undefined;
  return [a.slice(0, common + 1).join('/'), b.slice(0, common + 1).join('/')];
}

describe('layers', () => {
  it('every module belongs to a layer, and the walk sees them all', () => {
    expect([...modules.keys()].filter((name) => !layerOf(name))).toEqual([]);
    const layers = new Set([...modules.keys()].map(layerOf));
    expect([...layers].sort()).toEqual(Object.keys(MAY_IMPORT).sort());
  });

  it('no module imports a layer above its own (or a layer beside it: components ↛ server, server ↛ renderers)', () => {
    const upward: string[] = [];
    for (const [name, targets] of modules) {
      const layer = layerOf(name)!;
      for (const target of targets) {
        const targetLayer = layerOf(target);
        if (!targetLayer || isTestCode(target)) continue;
        if (targetLayer === layer ? layer === 'entries' : !MAY_IMPORT[layer].includes(targetLayer)) {
          upward.push(`${name} (${layer}) → ${target} (${targetLayer})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('a provider folder imports no other provider folder, and each of its sides only what that side may', () => {
    const wrong: string[] = [];
    for (const [name, targets] of modules) {
      const folder = providerFolderOf(name);
      if (!folder) continue;
      for (const target of targets) {
        const other = providerFolderOf(target);
        if (other && other !== folder) wrong.push(`${name} → ${target}`);
      }
    }
    for (const [side, allowed] of Object.entries(PROVIDER_SIDES)) {
      for (const entry of [...modules.keys()].filter((name) => name.endsWith(`/${side}`) && providerFolderOf(name))) {
        // The side's own modules, reached from it inside its folder, are that side too.
        const folder = providerFolderOf(entry)!;
        const seen = new Set([entry]);
        for (const name of seen) {
          for (const target of importsOfModule(name)) {
            if (providerFolderOf(target) === folder) seen.add(target);
            else if (!isTestCode(target) && !allowed.includes(layerOf(target)!)) wrong.push(`${entry}: ${name} → ${target} (${layerOf(target)})`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no module imports test code or an entry point', () => {
    const wrong = [...modules].flatMap(([name, targets]) =>
      targets.filter((target) => isTestCode(target) || layerOf(target) === 'entries').map((target) => `${name} → ${target}`),
    );
    expect(wrong).toEqual([]);
  });

  it('no import cycle between sibling folders (server/store ↔ server/provider-api, core ↔ providers, …)', () => {
    const edges = new Map<string, Map<string, string>>();
    for (const [name, targets] of modules) {
      // An entry belongs to no folder: it sits on top of all of them.
      if (layerOf(name) === 'entries') continue;
      for (const target of targets) {
        const pair = siblingFolders(name, target);
        if (!pair) continue;
        const out = edges.get(pair[0]) ?? new Map<string, string>();
        edges.set(pair[0], out);
        if (!out.has(pair[1])) out.set(pair[1], `${name} → ${target}`);
      }
    }
    const found = cycles(edges.keys(), (folder) => edges.get(folder)?.keys() ?? []).map((folders) => ({
      folders,
      imports: folders.flatMap((from) => folders.map((to) => edges.get(from)?.get(to)).filter((edge) => edge !== undefined)),
    }));
    expect(found).toEqual([]);
  });

  it('no import cycle between modules', () => {
    expect(cycles(modules.keys(), importsOfModule)).toEqual([]);
  });
});
