import type { PricedLine } from './provider-api/types.js';

/** One product of the catalog, by sku: its name and price as the shopper pays it. */
export interface CatalogProduct {
  name: string;
  /** Minor units, including VAT. */
  unitAmount: number;
  /** VAT rate as a fraction, e.g. 0.25. */
  vatRate: number;
}

/** The server-side price list: the only source of prices. */
export interface Catalog {
  /** ISO 4217, e.g. `DKK`. */
  currency: string;
  products: Record<string, CatalogProduct>;
}

/** A cart line as the browser sends it: only a sku and a quantity, since prices come from the catalog. */
export interface CartItem {
  sku: string;
  quantity: number;
}

/** What `priceItems` makes of a cart: lines priced from the catalog and their total. */
export interface PricedCart {
  lines: PricedLine[];
  /** Sum of the lines, minor units. */
  amount: number;
  currency: string;
}

/** The largest quantity of one line `priceItems` accepts, so a typo or a tampered cart cannot order thousands. */
export const MAX_QUANTITY = 99;

/** A cart the catalog cannot price; `sku` names the unknown product where that is the reason. */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';
  constructor(
    message: string,
    readonly sku?: string,
  ) {
    super(message);
  }
}

/** What a catalog looks like, for the messages that refuse a missing or empty one. */
const CATALOG_EXAMPLE =
  "such as { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } } (unitAmount in minor units: 129.00 DKK; the widget's payload then names { items: [{ sku: 'mug', quantity: 1 }] })";

/** Checks a catalog once at start-up, so a typo fails loudly instead of mispricing orders. */
export function assertValidCatalog(catalog: Catalog): void {
  if (!catalog || typeof catalog !== 'object') {
    throw new TypeError(
      `createCheckoutHandler needs a catalog (got ${catalog === undefined ? 'none' : JSON.stringify(catalog)}): the prices the server charges, by sku, ${CATALOG_EXAMPLE}`,
    );
  }
  if (typeof catalog.currency !== 'string' || !/^[A-Z]{3}$/.test(catalog.currency)) {
    throw new TypeError(`catalog.currency must be an ISO 4217 code such as "DKK" (got ${JSON.stringify(catalog.currency)})`);
  }
  const entries = Object.entries(catalog.products ?? {});
  if (entries.length === 0) throw new TypeError(`catalog.products is empty: list what the shop sells by sku, ${CATALOG_EXAMPLE}`);
  for (const [sku, product] of entries) {
    if (!product || typeof product.name !== 'string' || product.name.trim() === '') {
      throw new TypeError(`catalog product "${sku}" needs a name`);
    }
    if (!Number.isSafeInteger(product.unitAmount) || product.unitAmount < 0) {
      throw new TypeError(`catalog product "${sku}": unitAmount must be a non-negative integer in minor units`);
    }
    if (typeof product.vatRate !== 'number' || !(product.vatRate >= 0 && product.vatRate < 1)) {
      throw new TypeError(`catalog product "${sku}": vatRate must be a fraction from 0 up to 1, e.g. 0.25`);
    }
  }
}

/** Prices cart items from the catalog. Throws `CatalogError` for an unknown sku or a bad quantity. */
export function priceItems(catalog: Catalog, items: readonly CartItem[]): PricedCart {
  if (items.length === 0) throw new CatalogError('The cart is empty');
  const lines: PricedLine[] = [];
  let amount = 0;
  for (const item of items) {
    // `hasOwn`, so inherited names such as "constructor" are unknown skus, not products.
    const product = Object.hasOwn(catalog.products, item.sku) ? catalog.products[item.sku] : undefined;
    if (!product) throw new CatalogError(`Unknown sku "${item.sku}"`, item.sku);
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_QUANTITY) {
      throw new CatalogError(
        `Quantity of "${item.sku}" must be a whole number from 1 to ${MAX_QUANTITY} (got ${item.quantity})`,
        item.sku,
      );
    }
    lines.push({
      sku: item.sku,
      name: product.name,
      quantity: item.quantity,
      unitAmount: product.unitAmount,
      vatRate: product.vatRate,
    });
    amount += product.unitAmount * item.quantity;
  }
  return { lines, amount, currency: catalog.currency };
}
