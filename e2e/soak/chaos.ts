/**
 * `npm run soak -- --chaos [--seconds 60] [--handlers 3] [--checkouts N] [--db-down 5] [--seed 1]`:
 * the chaos soak (src/server/test-support/chaos.ts). Three handler processes on one embedded
 * PostgreSQL (its own temp folder and port) behind a round-robin proxy, the sandbox PSP with
 * retried webhooks, a load of checkouts (3 a second unless --checkouts), a SIGKILL of a random
 * handler every 2–4 s (restarted), PostgreSQL stopped once for --db-down seconds; then a drain
 * and the figures as a Markdown table with PASS/FAIL lines. Exits 1 on any FAIL.
 */
import { formatChaosReport, runChaosSoak, type ChaosOptions } from '../../src/server/test-support/chaos.js';

const FLAGS = { '--seconds': 'seconds', '--handlers': 'handlers', '--checkouts': 'checkouts', '--db-down': 'dbDownS', '--seed': 'seed' } as const;

function parse(args: string[]): ChaosOptions {
  const values: Partial<Record<(typeof FLAGS)[keyof typeof FLAGS], number>> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--chaos') continue;
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    const name = FLAGS[flag as keyof typeof FLAGS];
    if (!name) throw new Error(`unknown option "${arg}" (chaos soak options: ${Object.keys(FLAGS).join(', ')})`);
    const value = Number(inline ?? args[++i]);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${flag} needs a whole number (got "${inline ?? args[i]}")`);
    values[name] = value;
  }
  const seconds = values.seconds ?? 60;
  if (seconds < 10 || seconds > 3600) throw new Error('--seconds must be from 10 to 3600');
  return {
    seconds,
    ...(values.handlers !== undefined && { handlers: Math.max(2, values.handlers) }),
    ...(values.checkouts !== undefined && { checkouts: Math.max(1, values.checkouts) }),
    ...(values.dbDownS !== undefined && { dbDownMs: values.dbDownS * 1000 }),
    ...(values.seed !== undefined && { seed: values.seed }),
    drainMs: 120_000,
  };
}

export async function main(args: string[]): Promise<void> {
  const options = parse(args);
  const started = new Date().toISOString();
  const report = await runChaosSoak({ ...options, onProgress: (line) => console.error(`[chaos] ${line}`) });
  console.log(`checkout-widget chaos soak, ${started}, Node ${process.version}\n`);
  console.log(formatChaosReport(report));
  process.exitCode = report.checks.every((check) => check.pass) ? 0 : 1;
}
