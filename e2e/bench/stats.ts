/** Small statistics and table helpers for the bench: medians, not means, because a 2-core box has outliers. */

export interface Summary {
  median: number;
  min: number;
  max: number;
  count: number;
}

export function summarise(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarise: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, count: sorted.length };
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** `median (min–max)` */
export function formatSummary(summary: Summary, digits = 1, unit = ''): string {
  return `${round(summary.median, digits)}${unit} (${round(summary.min, digits)}–${round(summary.max, digits)})`;
}

/** A plain-text table with a header rule, columns padded to their widest cell. */
export function table(title: string, header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [`### ${title}`, '', line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * Runs every arm once per round, `rounds` times, so drift in the machine's load hits all alike;
 * the arm that goes first moves along by one per round (two arms: `a b, b a, a b, …`), so none
 * always follows another. Results per arm, in round order.
 */
export async function interleave<T>(rounds: number, arms: readonly ((round: number) => Promise<T>)[]): Promise<T[][]> {
  const results = arms.map(() => [] as T[]);
  for (let round = 0; round < rounds; round++) {
    for (let step = 0; step < arms.length; step++) {
      const arm = (round + step) % arms.length;
      results[arm]!.push(await arms[arm]!(round));
    }
  }
  return results;
}
