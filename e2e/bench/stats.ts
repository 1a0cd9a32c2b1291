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

/**
 * Runs `a` and `b` in turns, `rounds` times each, so drift in the machine's load hits both alike;
 * which goes first alternates per round (`a b, b a, a b, …`) so neither always follows the other.
 */
export async function interleave<A, B>(
  rounds: number,
  a: (round: number) => Promise<A>,
  b: (round: number) => Promise<B>,
): Promise<{ a: A[]; b: B[] }> {
  const results = { a: [] as A[], b: [] as B[] };
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      results.a.push(await a(round));
      results.b.push(await b(round));
    } else {
      results.b.push(await b(round));
      results.a.push(await a(round));
    }
  }
  return results;
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
 * `interleave` for any number of arms: each round runs every arm once, and the arm that goes
 * first moves along by one per round, so none always follows another.
 */
export async function interleaveMany<T>(rounds: number, arms: readonly ((round: number) => Promise<T>)[]): Promise<T[][]> {
  const results = arms.map(() => [] as T[]);
  for (let round = 0; round < rounds; round++) {
    for (let step = 0; step < arms.length; step++) {
      const arm = (round + step) % arms.length;
      results[arm]!.push(await arms[arm]!(round));
    }
  }
  return results;
}
