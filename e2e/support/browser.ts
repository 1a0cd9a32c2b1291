import { existsSync } from 'node:fs';

/** Debian's chromium: the browser this machine has when Playwright's own download is absent. */
export const DEBIAN_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Which Chromium binary to launch: `CHROMIUM_PATH`, else Debian's when it exists, else
 * `undefined` so Playwright uses its own installed browser.
 */
export function chromiumExecutablePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env['CHROMIUM_PATH']?.trim();
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH points to a missing file: ${fromEnv}`);
    return fromEnv;
  }
  return existsSync(DEBIAN_CHROMIUM_PATH) ? DEBIAN_CHROMIUM_PATH : undefined;
}

/** Flags that keep a headless Chromium quiet, offline and container friendly. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** `launchOptions` for Playwright (`use.launchOptions` or `chromium.launch(...)`). */
export function chromiumLaunchOptions(env: NodeJS.ProcessEnv = process.env): {
  executablePath?: string;
  args: string[];
} {
  const executablePath = chromiumExecutablePath(env);
  return executablePath ? { executablePath, args: [...CHROMIUM_ARGS] } : { args: [...CHROMIUM_ARGS] };
}
