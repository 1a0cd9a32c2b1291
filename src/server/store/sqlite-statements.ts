/**
 * The D1 store's statements as data (`sqlite-statements.generated.ts`, compiled by Kysely from
 * `sqlite-statements.source.ts`): their shape, and the names of the statements that come in variants.
 */

/** A bound value of a generated statement: an input by name, a list input by name, or a constant. */
export type StatementParam = string | { each: string } | { value: unknown };

export interface GeneratedStatement {
  sql: string;
  params: readonly StatementParam[];
}

/** A migration step: a statement, or one run only when its probe fails (`ALTER TABLE … ADD COLUMN` once). */
export type MigrationStep = string | { unless: string; sql: string };

/** The name of `transitionOrder`'s statement for a move (what `STORE_WRITES.moved` sets differs). */
export function moveOrderName(paid: boolean, method: boolean): string {
  return `moveOrder${paid ? 'Paid' : ''}${method ? 'WithMethod' : ''}`;
}

/** The name of `listOrders`' statement: bit 1 status, 2 createdFrom, 4 createdBefore, 8 after. */
export function listOrdersName(direction: 'asc' | 'desc', filters: number): string {
  return `listOrders_${direction}_${filters}`;
}

