#!/usr/bin/env node
/**
 * The command line, `npx checkout-widget <command>` (the package's `bin`): `sandbox`, `trigger`,
 * `orders`, `jobs`; `--help` on each. Node only (it is no part of the edge handler).
 */
import { wantsHelp } from './args.js';
import { JOBS_USAGE, runJobsCommand, type CommandOutput } from './jobs.js';
import { ORDERS_USAGE, runOrdersCommand } from './orders.js';
import { runSandboxCommand, SANDBOX_USAGE } from './sandbox.js';
import { runTriggerCommand, TRIGGER_USAGE } from './trigger.js';

export const USAGE = `Usage: checkout-widget <command> [options]

Commands:
  sandbox   run the sandbox PSP standalone (its URL and keys printed)
  trigger   send a signed test webhook of a provider to your handler
  orders    list the orders of a store
  jobs      list or retry the jobs (dead letters) of a store

Run checkout-widget <command> --help for its options.`;

const COMMANDS: Record<string, { usage: string; run: (args: readonly string[], output: CommandOutput) => Promise<number> }> = {
  sandbox: { usage: SANDBOX_USAGE, run: (args, output) => runSandboxCommand(args, output, stopSignal()) },
  trigger: { usage: TRIGGER_USAGE, run: runTriggerCommand },
  orders: { usage: ORDERS_USAGE, run: runOrdersCommand },
  jobs: { usage: JOBS_USAGE, run: runJobsCommand },
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
  const entry = COMMANDS[command];
  if (!entry) {
    output.err(`Unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  if (wantsHelp(args)) {
    output.out(entry.usage);
    return 0;
  }
  return entry.run(args, output);
}

process.exitCode = await main(process.argv.slice(2));
