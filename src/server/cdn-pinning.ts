/**
 * Pinning the CDN build on a shop page (README, "Pinning the CDN files (SRI)"): the import map
 * that gives every ES module file of `dist/cdn/` its `integrity`, the module tag of the entry
 * file, and the CSP source that lets exactly that inline import map run under a `script-src`
 * without `'unsafe-inline'`. Without that hash a strict policy blocks the import map, and the
 * chunks then load unpinned. The build writes the same for its default base
 * (`dist/cdn/importmap.json`, `dist/cdn/importmap.sha256`).
 *
 * No imports, Web Crypto only: it runs in Node, edge runtimes and the build (vite.config.ts).
 */

/** `dist/cdn/integrity.json`: `{ "<file>": "sha384-…" }`. */
export type CdnIntegrityManifest = Readonly<Record<string, string>>;

/** What `cdnImportMap` returns: the tags to put on a shop page that loads the CDN build, and the CSP hash they need. */
export interface CdnImportMap {
  /**
   * The exact text to put between `<script type="importmap">` and `</script>`: `cspHash` is the
   * SHA-256 of these bytes, so any change (a space, a newline, another key order) breaks it.
   */
  importMapJson: string;
  /** `<script type="importmap">{importMapJson}</script>`: before any module script on the page. */
  scriptTag: string;
  /** `<script type="module" src="{base}checkout-widget.js" integrity="sha384-…" crossorigin="anonymous"></script>` */
  moduleTag: string;
  /** `'sha256-…'` (quotes included): add it to the page's `script-src`. */
  cspHash: string;
}

/** The ES module entry; the chunks it imports are the other `.js` files of the manifest. */
export const CDN_ENTRY_FILE = 'checkout-widget.js';

/** The classic script: never loaded as a module, so it has no place in the import map. */
const CLASSIC_SCRIPT = /\.iife\.js$/;
const FILE_NAME = /^[\w.-]+\.js$/;
const INTEGRITY = /^sha(?:256|384|512)-[A-Za-z0-9+/]+={0,2}$/;

/**
 * The import map, module tag and CSP hash for `dist/cdn/` served at `cdnBaseUrl`.
 *
 * `cdnBaseUrl` is the URL the files are served under, ending in `/`: absolute
 * (`https://cdn.example.com/checkout-widget/1.2.3/`) or starting with `/`, `./` or `../`
 * (resolved against the page, like every import map key). A bare `cdn/` is refused: browsers
 * silently drop such keys, which would leave every chunk unpinned.
 */
export async function cdnImportMap(cdnBaseUrl: string, integrity: CdnIntegrityManifest): Promise<CdnImportMap> {
  assertCdnBaseUrl(cdnBaseUrl);
  const entries: [string, string][] = [];
  for (const [file, hash] of Object.entries(integrity).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (CLASSIC_SCRIPT.test(file)) continue;
    if (!FILE_NAME.test(file)) throw new Error(`cdnImportMap: unexpected file name in the integrity manifest: ${JSON.stringify(file)}`);
    if (!INTEGRITY.test(hash)) throw new Error(`cdnImportMap: ${file} has no sha256/384/512 integrity value: ${JSON.stringify(hash)}`);
    entries.push([`${cdnBaseUrl}${file}`, hash]);
  }
  const entryHash = integrity[CDN_ENTRY_FILE];
  if (!entryHash) throw new Error(`cdnImportMap: the integrity manifest has no ${CDN_ENTRY_FILE} (is it dist/cdn/integrity.json?)`);
  // `<` escaped, so no key can end the script element (`</script>`) or open a comment in it.
  const importMapJson = JSON.stringify({ integrity: Object.fromEntries(entries) }).replace(/</g, '\\u003c');
  return {
    importMapJson,
    scriptTag: `<script type="importmap">${importMapJson}</script>`,
    moduleTag: `<script type="module" src="${escapeAttribute(`${cdnBaseUrl}${CDN_ENTRY_FILE}`)}" integrity="${entryHash}" crossorigin="anonymous"></script>`,
    cspHash: await cspSha256(importMapJson),
  };
}

/** The CSP hash source (`'sha256-…'`) of an inline script's text, over its UTF-8 bytes. */
export async function cspSha256(scriptText: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(scriptText)));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return `'sha256-${btoa(binary)}'`;
}

function assertCdnBaseUrl(base: string): void {
  const fail = (why: string): never => {
    throw new Error(`cdnImportMap: the CDN base URL ${JSON.stringify(base)} ${why}`);
  };
  if (!base.endsWith('/')) fail('must end with "/"');
  if (/^(?:\/|\.\/|\.\.\/)/.test(base)) return;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return fail('must be an absolute URL or start with "/", "./" or "../" (an import map drops other keys)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('must be an http(s) URL');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
