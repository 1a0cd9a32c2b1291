import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cdnImportMap, cspSha256 } from './cdn-pinning.js';

const INTEGRITY = {
  'checkout-widget.js': 'sha384-ZW50cnk=',
  'checkout-locale-da-Bc6o_sHB.js': 'sha384-ZGE=',
  'checkout-session-schema-Dx2CmjAd.js': 'sha384-c2NoZW1h',
  'checkout-widget.iife.js': 'sha384-aWlmZQ==',
};

/** What a CSP-enforcing browser compares: SHA-256 over the UTF-8 bytes of the element's text. */
const nodeHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('cdnImportMap', () => {
  it('pins every ES module file under the base URL, and hashes exactly the text of the import map tag', async () => {
    const pinned = await cdnImportMap('https://cdn.example.com/checkout-widget/1.0.0/', INTEGRITY);
    expect(JSON.parse(pinned.importMapJson)).toEqual({
      integrity: {
        'https://cdn.example.com/checkout-widget/1.0.0/checkout-locale-da-Bc6o_sHB.js': 'sha384-ZGE=',
        'https://cdn.example.com/checkout-widget/1.0.0/checkout-session-schema-Dx2CmjAd.js': 'sha384-c2NoZW1h',
        'https://cdn.example.com/checkout-widget/1.0.0/checkout-widget.js': 'sha384-ZW50cnk=',
      },
    });
    expect(pinned.scriptTag).toBe(`<script type="importmap">${pinned.importMapJson}</script>`);
    expect(pinned.cspHash).toBe(nodeHash(pinned.importMapJson));
    expect(pinned.moduleTag).toBe(
      '<script type="module" src="https://cdn.example.com/checkout-widget/1.0.0/checkout-widget.js" integrity="sha384-ZW50cnk=" crossorigin="anonymous"></script>',
    );
  });

  it('is the same text, and so the same hash, for the same manifest in any key order', async () => {
    const reversed = Object.fromEntries(Object.entries(INTEGRITY).reverse());
    expect(await cdnImportMap('/cdn/', reversed)).toEqual(await cdnImportMap('/cdn/', INTEGRITY));
  });

  it('takes root- and dot-relative bases (keys resolve against the page) and refuses bases an import map would drop', async () => {
    for (const base of ['/cdn/', './cdn/', '../cdn/', '//cdn.example.com/x/', 'http://127.0.0.1:5173/cdn/']) {
      expect(JSON.parse((await cdnImportMap(base, INTEGRITY)).importMapJson).integrity).toHaveProperty([`${base}checkout-widget.js`]);
    }
    for (const base of ['cdn/', '/cdn', 'https://cdn.example.com/x', 'javascript:alert(1)//', '']) {
      await expect(cdnImportMap(base, INTEGRITY), base).rejects.toThrow(/CDN base URL/);
    }
  });

  it('cannot be made to end its script element, and escapes the module tag attribute', async () => {
    const pinned = await cdnImportMap('https://cdn.example.com/</script><script>alert(1)</script>/', INTEGRITY);
    expect(pinned.importMapJson).not.toContain('<');
    expect(JSON.parse(pinned.importMapJson).integrity).toHaveProperty([
      'https://cdn.example.com/</script><script>alert(1)</script>/checkout-widget.js',
    ]);
    expect(pinned.scriptTag.match(/<\/script>/g)).toHaveLength(1);
    expect(pinned.moduleTag).not.toContain('<script>alert');
  });

  it('refuses a manifest that is not dist/cdn/integrity.json', async () => {
    await expect(cdnImportMap('/cdn/', { 'checkout-locale-da-x.js': 'sha384-ZGE=' })).rejects.toThrow(/checkout-widget\.js/);
    await expect(cdnImportMap('/cdn/', { ...INTEGRITY, 'a" onload="x.js': 'sha384-ZGE=' })).rejects.toThrow(/file name/);
    await expect(cdnImportMap('/cdn/', { ...INTEGRITY, 'checkout-widget.js': 'sha1-abc' })).rejects.toThrow(/integrity value/);
  });
});

describe('cspSha256', () => {
  it('is the CSP hash source of the UTF-8 bytes', async () => {
    expect(await cspSha256('{"integrity":{"/cdn/æ.js":"x"}}')).toBe(nodeHash('{"integrity":{"/cdn/æ.js":"x"}}'));
    // A fixed vector, not recomputed by the test.
    expect(await cspSha256("alert('Hello, world.');")).toBe("'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='");
  });
});
