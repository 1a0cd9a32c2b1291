/**
 * `checkout-widget sandbox`: the sandbox PSP standalone, for a shop whose backend runs elsewhere
 * (another process, a Worker, a container): prints its URL and the three `SANDBOX_*` variables for
 * `providersFromEnv`, and runs until Ctrl-C.
 */
import { parseFlags } from './args.js';
import type { CommandOutput } from './jobs.js';
import { missingPackage } from './missing-package.js';

export const SANDBOX_USAGE = `Usage:
  checkout-widget sandbox [--port <n>] [--host <address>] [--data-dir <folder>]

Runs the sandbox PSP (its API, hosted payment page, card frame and SDK doubles) until Ctrl-C, and
prints its URL and the env for your backend (SANDBOX_API_URL, SANDBOX_SECRET_KEY, SANDBOX_WEBHOOK_SECRET).
  --port      default 4243 (0: any free port)
  --host      default 127.0.0.1
  --data-dir  keep keys, sessions and saved cards in this folder across restarts (default: memory, new keys)`;

/** Runs `sandbox <args>` until `stop` resolves (the process's SIGINT/SIGTERM); resolves with the exit code. */
export async function runSandboxCommand(args: readonly string[], output: CommandOutput, stop: Promise<unknown>): Promise<number> {
  let port: number;
  let host: string;
  let dataDir: string | undefined;
  try {
    const { flags, positional } = parseFlags(args, ['port', 'host', 'data-dir']);
    if (positional.length > 0) throw new Error(`Unexpected argument ${positional[0]}`);
    port = Number(flags.get('port') ?? 4243);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be a port number (0-65535), got "${flags.get('port')}"`);
    host = flags.get('host') ?? '127.0.0.1';
    dataDir = flags.get('data-dir');
  } catch (error) {
    output.err(`${(error as Error).message}\n\n${SANDBOX_USAGE}`);
    return 2;
  }
  // Loaded here, not at the top: `sandbox --help` and a usage error need none of its peers (hono, zod, @hono/node-server).
  const { startSandbox } = await import('../providers/sandbox/start.js');
  let sandbox;
  try {
    sandbox = await startSandbox({ port, hostname: host, ...(dataDir && { dataDir }) });
  } catch (error) {
    // A peer it loads as it starts: the command line says what to install.
    if (missingPackage(error)) throw error;
    output.err(`checkout-widget sandbox: could not start on ${host}:${port}: ${(error as Error).message}`);
    return 1;
  }
  output.out(`Sandbox PSP listening on ${sandbox.url}${dataDir ? ` (state in ${dataDir})` : ' (memory only: new keys each start)'}`);
  output.out('Give your backend these (providersFromEnv reads them):');
  for (const [name, value] of Object.entries(sandbox.env)) output.out(`${name}=${value}`);
  output.out('Press Ctrl-C to stop.');
  await stop;
  await sandbox.close();
  return 0;
}
