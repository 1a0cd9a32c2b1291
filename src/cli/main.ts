#!/usr/bin/env node
/**
 * The command line, `npx checkout-widget <command>` (the package's `bin`): `sandbox`, `trigger`,
 * `orders`, `jobs`; `--help` on each. Node only (it is no part of the edge handler).
 */
import { wantsHelp } from './args.js';
import type { CommandOutput } from './jobs.js';
import { missingPackage, missingPackageMessage } from './missing-package.js';

export const USAGE = `Usage: checkout-widget <command> [options]

Commands:
  sandbox   run the sandbox PSP standalone (its URL and keys printed)
  trigger   send a signed test webhook of a provider to your handler
  orders    list the orders of a store
  jobs      list or retry the jobs (dead letters) of a store

Run checkout-widget <command> --help for its options.`;

interface Command {
  usage: string;
  run: (args: readonly string[], output: CommandOutput) => Promise<number>;
}

// Loaded when named: a command needs only its own optional peers (`orders` no web server).
const COMMANDS: Record<string, () => Promise<Command>> = {
  sandbox: async () => {
    const { runSandboxCommand, SANDBOX_USAGE } = await import('./sandbox.js');
    return { usage: SANDBOX_USAGE, run: (args, output) => runSandboxCommand(args, output, stopSignal()) };
  },
  trigger: async () => {
    const { runTriggerCommand, TRIGGER_USAGE } = await import('./trigger.js');
    return { usage: TRIGGER_USAGE, run: runTriggerCommand };
  },
  orders: async () => {
    const { ORDERS_USAGE, runOrdersCommand } = await import('./orders.js');
    return { usage: ORDERS_USAGE, run: runOrdersCommand };
  },
  jobs: async () => {
    const { JOBS_USAGE, runJobsCommand } = await import('./jobs.js');
    return { usage: JOBS_USAGE, run: runJobsCommand };
  },
};

/** Resolves on the first SIGINT or SIGTERM. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** Runs `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  const output = { out: (line: string) => console.log(line), err: (line: string) => console.error(line) };
  if (command === undefined) {
    output.err(USAGE);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    output.out(USAGE);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    output.err(`Unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  try {
    const entry = await load();
    if (wantsHelp(args)) {
      output.out(entry.usage);
      return 0;
    }
    return await entry.run(args, output);
  } catch (error) {
    // An optional peer the command needs is not installed: say which, and how to install it.
    const name = missingPackage(error);
    if (name === undefined) throw error;
    output.err(missingPackageMessage(command, name));
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
