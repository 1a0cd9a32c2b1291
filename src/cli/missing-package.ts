/**
 * A package the command line could not load, said as what to install: an optional peer dependency
 * of checkout-widget (README, "Install") missing from the shop's install is Node's raw
 * `ERR_MODULE_NOT_FOUND` otherwise.
 */

/**
 * The optional peers a command loads, as the README's install table installs them (the store
 * drivers' own errors name the same): `sandbox` needs `hono`, `zod` and `@hono/node-server`,
 * `orders` and `jobs` `kysely` and the store's driver.
 */
export const PEER_INSTALLS: Readonly<Record<string, string>> = {
  hono: 'hono@4',
  zod: 'zod@4',
  '@hono/node-server': '@hono/node-server',
  kysely: 'kysely@0.28',
  'better-sqlite3': 'better-sqlite3@12',
  pg: 'pg',
};

/** The package Node could not find, from the error or any error in its `cause` chain. */
export function missingPackage(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; current = current.cause, depth++) {
    const found = (current as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && /Cannot find package '([^']+)'/.exec(current.message);
    if (found) return found[1];
  }
  return undefined;
}

/** What `checkout-widget <command>` says when `name` is missing: which package, and the install command. */
export function missingPackageMessage(command: string, name: string): string {
  const install = PEER_INSTALLS[name];
  const what = install ? 'an optional peer dependency of checkout-widget that this install does not have' : 'a package this install does not have';
  return `checkout-widget ${command} needs ${name}, ${what}. Install it:\n  npm install ${install ?? name}`;
}
