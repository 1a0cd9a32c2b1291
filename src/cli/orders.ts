/** `checkout-widget orders`: the order ledger of a store, newest first, for an operator at a shell. */
import { ORDER_STATUSES, type Order, type OrderStatus } from '../server/store/types.js';
import { parseFlags } from './args.js';
import { openStore, type CommandOutput } from './jobs.js';

export const ORDERS_USAGE = `Usage:
  checkout-widget orders --store <store> [--status ${ORDER_STATUSES.join('|')}] [--limit n] [--json]

<store>: sqlite:<file> or postgres:<connection URL> (a postgres:// URL alone works too).
Lists orders newest first (default 50, at most 500): reference, provider, status, amount, created, paid.`;

/** Runs `orders <args>`; resolves with the exit code (0 listed, 2 usage). */
export async function runOrdersCommand(args: readonly string[], output: CommandOutput): Promise<number> {
  let query: { status?: OrderStatus; limit?: number };
  let json: boolean;
  let spec: string;
  try {
    const { flags, positional } = parseFlags(args, ['store', 'status', 'limit'], ['json']);
    if (positional.length > 0) throw new Error(`Unexpected argument ${positional[0]}`);
    spec = flags.get('store') ?? '';
    if (!spec) throw new Error('--store is required');
    const status = flags.get('status') as OrderStatus | undefined;
    if (status !== undefined && !ORDER_STATUSES.includes(status)) throw new Error(`--status must be one of ${ORDER_STATUSES.join(', ')}`);
    const limit = flags.has('limit') ? Number(flags.get('limit')) : undefined;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 500)) throw new Error('--limit must be a whole number from 1 to 500');
    query = { ...(status && { status }), ...(limit && { limit }) };
    json = flags.has('json');
  } catch (error) {
    output.err(`${(error as Error).message}\n\n${ORDERS_USAGE}`);
    return 2;
  }
  let store;
  try {
    store = openStore(spec);
  } catch (error) {
    output.err(`${(error as Error).message}\n\n${ORDERS_USAGE}`);
    return 2;
  }
  try {
    const orders = await store.listOrders(query);
    if (json) output.out(JSON.stringify(orders, null, 2));
    else if (orders.length === 0) output.out(`No ${query.status ?? ''} orders.`.replace('  ', ' '));
    else for (const order of orders) output.out(describeOrder(order));
    return 0;
  } finally {
    await store.close();
  }
}

/** One tab-separated line per order. */
function describeOrder(order: Order): string {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: order.currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // An unknown currency code: two decimals.
  }
  const amount = `${(order.amount / 10 ** digits).toFixed(digits)} ${order.currency}`;
  return [order.reference, order.provider, order.status, amount, order.createdAt, order.paidAt ?? ''].join('\t').trimEnd();
}
