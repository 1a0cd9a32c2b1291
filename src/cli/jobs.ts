/**
 * `checkout-widget jobs list|retry`: the dead letters (and other jobs) of a store, for an operator
 * at a shell. A module a later `bin` dispatches to (`runJobsCommand(argv)`); main.ts runs it now:
 * `npx tsx src/cli/main.ts jobs list --store sqlite:./data/checkout.db`.
 */
import { createPostgresStore } from '../server/store/postgres.js';
import { createSqliteStore } from '../server/store/sqlite.js';
import { JOB_STATUSES, type CheckoutStore, type Job, type JobStatus } from '../server/store/types.js';

/** Where the command writes: the process's streams, or a test's. */
export interface CommandOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const JOBS_USAGE = `Usage:
  checkout-widget jobs list [--status dead|pending|done] [--limit n] [--json] --store <store>
  checkout-widget jobs retry <job id> --store <store>

<store>: sqlite:<file> or postgres:<connection URL> (a postgres:// URL alone works too).
list shows the dead letters unless --status says otherwise; retry runs a dead job again (due now,
attempts anew) on whichever handler on the store takes it first.`;

/** Runs `jobs <args>`; resolves with the exit code (0 done, 1 no such dead job, 2 usage). */
export async function runJobsCommand(args: readonly string[], output: CommandOutput): Promise<number> {
  let parsed: ParsedArgs;
  let store: CheckoutStore;
  try {
    parsed = parseArgs(args);
    store = openStore(parsed.store);
  } catch (error) {
    output.err(`${(error as Error).message}\n\n${JOBS_USAGE}`);
    return 2;
  }
  try {
    if (parsed.command === 'list') {
      const jobs = await store.listJobs({ status: parsed.status, limit: parsed.limit });
      if (parsed.json) output.out(JSON.stringify(jobs, null, 2));
      else if (jobs.length === 0) output.out(`No ${parsed.status} jobs.`);
      else for (const job of jobs) output.out(describeJob(job));
      return 0;
    }
    if (await store.reviveJob(parsed.id, Date.now())) {
      output.out(`${parsed.id}: pending again, due now; a running handler on this store takes it within its next poll.`);
      return 0;
    }
    const job = await store.getJob(parsed.id);
    output.err(job ? `${parsed.id} is ${job.status}, not dead: nothing to retry.` : `No job ${parsed.id}.`);
    return 1;
  } finally {
    await store.close();
  }
}

type ParsedArgs = { store: string } & (
  | { command: 'list'; status: JobStatus; limit: number | undefined; json: boolean }
  | { command: 'retry'; id: string }
);

function parseArgs(args: readonly string[]): ParsedArgs {
  const [command, ...rest] = args;
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--json') flags.set('json', 'true');
    else if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const value = inline ?? rest[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      flags.set(name, value);
    } else positional.push(arg);
  }
  const unknown = [...flags.keys()].filter((name) => !['store', 'status', 'limit', 'json'].includes(name));
  if (unknown.length > 0) throw new Error(`Unknown option --${unknown[0]}`);
  const store = flags.get('store');
  if (!store) throw new Error('--store is required');
  if (command === 'list') {
    const status = (flags.get('status') ?? 'dead') as JobStatus;
    if (!JOB_STATUSES.includes(status)) throw new Error(`--status must be one of ${JOB_STATUSES.join(', ')}`);
    const limit = flags.has('limit') ? Number(flags.get('limit')) : undefined;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) throw new Error('--limit must be a whole number of at least 1');
    if (positional.length > 0) throw new Error(`Unexpected argument ${positional[0]}`);
    return { command, store, status, limit, json: flags.has('json') };
  }
  if (command === 'retry') {
    if (positional.length !== 1) throw new Error('retry takes one job id');
    return { command, store, id: positional[0]! };
  }
  throw new Error(command ? `Unknown command jobs ${command}` : 'Which command: jobs list or jobs retry?');
}

/** `sqlite:<file>`, `postgres:<url>` or a `postgres://` URL. */
export function openStore(spec: string): CheckoutStore {
  if (spec.startsWith('sqlite:')) return createSqliteStore({ path: spec.slice('sqlite:'.length) });
  if (/^postgres(ql)?:\/\//.test(spec)) return createPostgresStore({ connectionString: spec });
  if (spec.startsWith('postgres:')) return createPostgresStore({ connectionString: spec.slice('postgres:'.length) });
  throw new Error(`--store must be sqlite:<file> or postgres:<url> (got "${spec}")`);
}

/** One line per job: id, kind, status, attempts, when it died (or runs next), its last error. */
function describeJob(job: Job): string {
  const at = job.deadAt ?? job.doneAt ?? job.runAt;
  const when = `${job.status === 'dead' ? 'dead since' : job.status === 'done' ? 'done at' : 'due at'} ${new Date(at).toISOString()}`;
  return [job.id, job.kind, job.status, `${job.attempts} attempts`, when, job.lastError ?? ''].join('\t').trimEnd();
}
