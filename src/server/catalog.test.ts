import { describe, expect, it } from 'vitest';
import { assertValidCatalog, CatalogError, priceItems, type Catalog } from './catalog.js';

const catalog: Catalog = {
  currency: 'DKK',
  products: {
    beans: { name: 'Coffee beans', unitAmount: 24900, vatRate: 0.25 },
    mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 },
  },
};

describe('priceItems', () => {
  it('prices lines from the catalog and sums them', () => {
    const priced = priceItems(catalog, [
      { sku: 'beans', quantity: 2 },
      { sku: 'mug', quantity: 1 },
    ]);
    expect(priced.amount).toBe(2 * 24900 + 12900);
    expect(priced.currency).toBe('DKK');
    expect(priced.lines).toEqual([
      { sku: 'beans', name: 'Coffee beans', quantity: 2, unitAmount: 24900, vatRate: 0.25 },
      { sku: 'mug', name: 'Mug', quantity: 1, unitAmount: 12900, vatRate: 0.25 },
    ]);
  });

  it('names an unknown sku, including inherited object keys', () => {
    expect(() => priceItems(catalog, [{ sku: 'grinder', quantity: 1 }])).toThrow(/Unknown sku "grinder"/);
    try {
      priceItems(catalog, [{ sku: 'constructor', quantity: 1 }]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CatalogError);
      expect((error as CatalogError).sku).toBe('constructor');
    }
  });

  it.each([0, -1, 1.5, 100, Number.NaN])('refuses quantity %s', (quantity) => {
    expect(() => priceItems(catalog, [{ sku: 'mug', quantity }])).toThrow(/Quantity of "mug" must be a whole number from 1 to 99/);
  });

  it('accepts the maximum quantity and refuses an empty cart', () => {
    expect(priceItems(catalog, [{ sku: 'mug', quantity: 99 }]).amount).toBe(99 * 12900);
    expect(() => priceItems(catalog, [])).toThrow(/empty/);
  });
});

describe('assertValidCatalog', () => {
  it('accepts a sound catalog', () => {
    expect(() => assertValidCatalog(catalog)).not.toThrow();
  });
  it.each([
    [{ currency: 'dkk', products: catalog.products }, /ISO 4217/],
    [{ currency: 'DKK', products: {} }, /empty/],
    [{ currency: 'DKK', products: { x: { name: 'X', unitAmount: 9.5, vatRate: 0.25 } } }, /"x": unitAmount/],
    [{ currency: 'DKK', products: { x: { name: 'X', unitAmount: 100, vatRate: 25 } } }, /"x": vatRate/],
    [{ currency: 'DKK', products: { x: { name: '', unitAmount: 100, vatRate: 0.25 } } }, /"x" needs a name/],
  ])('refuses %j', (bad, message) => {
    expect(() => assertValidCatalog(bad as Catalog)).toThrow(message);
  });
});

describe('a missing or empty catalog says what a catalog looks like', () => {
  const provider = { name: 'fake', createSession: async () => ({ id: 'x', kind: 'hosted' as const, url: 'https://pay.example/x' }), getSession: async () => ({ status: 'open' as const }) };
  it('createCheckoutHandler without a catalog: a TypeError with an example catalog that is itself valid', async () => {
    const { createCheckoutHandler } = await import('./handler.js');
    let message = '';
    try {
      createCheckoutHandler({ providers: [provider] } as unknown as Parameters<typeof createCheckoutHandler>[0]);
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      message = (error as Error).message;
    }
    expect(message).toContain('createCheckoutHandler needs a catalog (got none)');
    expect(message).toContain("{ currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } }");
    // The example in the message is a catalog this very check accepts.
    const example = message.match(/\{ currency: .*? \} \} \}/)![0];
    const parsed = Function(`return (${example})`)() as Catalog;
    expect(() => assertValidCatalog(parsed)).not.toThrow();
  });
  it('an empty products list names the example too', () => {
    expect(() => assertValidCatalog({ currency: 'DKK', products: {} })).toThrow(/catalog\.products is empty: list what the shop sells by sku, such as \{ currency: 'DKK'/);
  });
});
