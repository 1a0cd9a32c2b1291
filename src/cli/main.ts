/**
 * The command line, by command: `jobs` now (dead letters); issue 24's full CLI adds the rest and a
 * `bin` entry that runs this file. `npx tsx src/cli/main.ts jobs list --store sqlite:checkout.db`.
 */
import { JOBS_USAGE, runJobsCommand } from './jobs.js';

/** Runs `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  const output = { out: (line: string) => console.log(line), err: (line: string) => console.error(line) };
  if (command === 'jobs') return runJobsCommand(args, output);
  output.err(JOBS_USAGE);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
