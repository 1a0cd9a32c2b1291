export const DEFAULT_ORDER_LIST_LIMIT = 50;
export const MAX_ORDER_LIST_LIMIT = 500;

/** The page size of `listOrders`: a whole number from 1 to 500, default 50. */
export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_ORDER_LIST_LIMIT;
  return Math.min(MAX_ORDER_LIST_LIMIT, Math.max(1, Math.floor(limit)));
}
