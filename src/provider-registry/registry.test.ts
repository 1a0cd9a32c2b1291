import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROVIDERS_DIR, renderRegistries, SRC_DIR, staleRegistries } from '../../scripts/provider-registry.js';
import { SESSION_SHAPES } from './session-schema.js';
import { SESSION_KINDS } from '../core/protocol.js';
import { RENDERER_LOADERS } from './renderer-loaders.js';
import { PROVIDERS_FROM_ENV } from './providers-from-env.js';

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of src/providers' folder layout (just the files the registries read). */
function copyOfProviders(): string {
  const dir = mkdtempSync(join(tmpdir(), 'providers-'));
  scratch.push(dir);
  cpSync(PROVIDERS_DIR, dir, { recursive: true, filter: (source) => !/\.(test|spec)\.ts$/.test(source) });
  return dir;
}

describe('provider registries', () => {
  it('are committed as the provider folders give them (run `npm run providers` after adding a folder)', () => {
    expect(staleRegistries()).toEqual([]);
  });

  it('pick up a new folder with nothing but the folder: adapter, shape and renderer', () => {
    const dir = copyOfProviders();
    mkdirSync(join(dir, 'acme-pay'));
    writeFileSync(join(dir, 'acme-pay', 'server.ts'), 'export const ENV_PREFERENCE = 60;\nexport function fromEnv() { return undefined; }\n');
    writeFileSync(join(dir, 'acme-pay', 'shape.ts'), 'export const SHAPE_PRECEDENCE = 5;\nexport const acmeShape: SessionShape = {};\n');
    writeFileSync(join(dir, 'acme-pay', 'renderer.ts'), "export const SESSION_KIND = 'acme-fields';\n");
    expect(staleRegistries(dir).sort()).toEqual([
      'core/protocol/session-kinds.generated.ts',
      'provider-registry/renderers.generated.ts',
      'provider-registry/servers.generated.ts',
      'provider-registry/shapes.generated.ts',
    ]);
    const registries = renderRegistries(dir);
    expect(registries['provider-registry/servers.generated.ts']).toContain("import * as acmePayServer from '../providers/acme-pay/server.js';");
    expect(registries['provider-registry/shapes.generated.ts']).toContain("import { acmeShape as acmePayShape } from '../providers/acme-pay/shape.js';");
    expect(registries['core/protocol/session-kinds.generated.ts']).toContain("'acme-fields'");
    expect(registries['provider-registry/renderers.generated.ts']).toContain("'acme-fields': () => import('../providers/acme-pay/renderer.js')");
  });

  it('order the shapes by SHAPE_PRECEDENCE, not by folder name (recognisers may overlap)', () => {
    const dir = copyOfProviders();
    mkdirSync(join(dir, 'acme-pay'));
    writeFileSync(join(dir, 'acme-pay', 'shape.ts'), 'export const SHAPE_PRECEDENCE = 5;\nexport const acmeShape: SessionShape = {};\n');
    expect(renderRegistries(dir)['provider-registry/shapes.generated.ts']).toContain('PROVIDER_SHAPES: readonly SessionShape[] = [acmePayShape, stripeShape, bokameraShape, reepayShape, convergegateShape, commercelayerShape]');
    writeFileSync(join(dir, 'acme-pay', 'shape.ts'), 'export const acmeShape: SessionShape = {};\n');
    expect(() => renderRegistries(dir)).toThrow(/must say where it is tried/);
  });

  it('refuse folder names that make no import name, or the same one twice', () => {
    for (const [folders, message] of [[['2c2p'], /lower case letters/], [['new_pay'], /lower case letters/], [['pay-u', 'pay--u'], /Two provider folders/]] as const) {
      const dir = copyOfProviders();
      for (const folder of folders) mkdirSync(join(dir, folder));
      expect(() => renderRegistries(dir)).toThrow(message);
    }
  });

  it('refuse a renderer that does not name its session kind, and a kind taken twice', () => {
    const dir = copyOfProviders();
    mkdirSync(join(dir, 'nameless'));
    writeFileSync(join(dir, 'nameless', 'renderer.ts'), 'export const createRenderer = () => undefined;\n');
    expect(() => renderRegistries(dir)).toThrow(/must name its session kind/);
    writeFileSync(join(dir, 'nameless', 'renderer.ts'), "export const SESSION_KIND = 'reepay';\n");
    expect(() => renderRegistries(dir)).toThrow(/must be unique/);
  });

  it('pick up card fields (card-fields.ts): one lazy driver per token provider behind the one card-token renderer', () => {
    const dir = copyOfProviders();
    mkdirSync(join(dir, 'acme-pay'));
    writeFileSync(join(dir, 'acme-pay', 'card-fields.ts'), "export const TOKEN_PROVIDERS = ['acme', 'acme-test'] as const;\n");
    expect(staleRegistries(dir)).toEqual(['provider-registry/card-token.generated.ts']);
    const cardToken = renderRegistries(dir)['provider-registry/card-token.generated.ts']!;
    expect(cardToken).toContain("'acme': () => import('../providers/acme-pay/card-fields.js').then((module) => module.createCardFields)");
    expect(cardToken).toContain("'acme-test': () => import('../providers/acme-pay/card-fields.js')");
    expect(cardToken).toContain("'mollie': () => import('../providers/mollie/card-fields.js')");
    expect(cardToken).toContain("'checkout.com': () => import('../providers/commercelayer/card-fields.js')");
  });

  it('refuse card fields that name no token provider, one served twice, and a renderer that claims card-token', () => {
    const dir = copyOfProviders();
    mkdirSync(join(dir, 'acme-pay'));
    writeFileSync(join(dir, 'acme-pay', 'card-fields.ts'), 'export const createCardFields = () => undefined;\n');
    expect(() => renderRegistries(dir)).toThrow(/must name its token providers/);
    writeFileSync(join(dir, 'acme-pay', 'card-fields.ts'), "export const TOKEN_PROVIDERS = ['mollie'] as const;\n");
    expect(() => renderRegistries(dir)).toThrow(/Two provider folders serve token provider "mollie"/);
    rmSync(join(dir, 'acme-pay', 'card-fields.ts'));
    writeFileSync(join(dir, 'acme-pay', 'renderer.ts'), "export const SESSION_KIND = 'card-token';\n");
    expect(() => renderRegistries(dir)).toThrow(/must be unique/);
  });

  it('feed the server, the validators and the renderers from the same folders', () => {
    const registries = renderRegistries();
    const kinds = SESSION_KINDS.filter((kind) => kind !== 'hosted');
    expect(Object.keys(RENDERER_LOADERS).sort()).toEqual([...SESSION_KINDS].sort());
    for (const kind of kinds) expect(registries['provider-registry/renderers.generated.ts']).toContain(`'${kind}'`);
    // contract + one per shape.ts + unrecognised
    const shapeFolders = readFileSync(join(SRC_DIR, 'provider-registry/shapes.generated.ts'), 'utf8').match(/from '\.\.\/providers\/[\w-]+\/shape\.js'/g) ?? [];
    expect(SESSION_SHAPES).toHaveLength(shapeFolders.length + 2);
    const serverFolders = registries['provider-registry/servers.generated.ts']!.match(/from '\.\.\/providers\/[\w-]+\/server\.js'/g) ?? [];
    expect(PROVIDERS_FROM_ENV).toHaveLength(serverFolders.length);
  });
});
