/**
 * Property tests for what the browser controls on create: the body schema, catalog pricing and
 * the handler's answer. Prices come from the server catalog, never from the browser
 * (docs/protocol.md, "Backend routes"): whatever the body says, a session is for the catalog's amount or not made at all.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../core/protocol.js';
import { assertValidCatalog, CatalogError, MAX_QUANTITY, priceItems, type Catalog, type CartItem } from './catalog.js';
import { createCheckoutHandler } from './handler.js';
import type { CreateSessionInput, PaymentProvider } from './provider-api/types.js';
import { createSessionBodySchema } from './request-schema.js';
import { createMemoryStore } from './store/memory.js';
import { TEST_HOSTS } from './test-support/test-hosts.js';

const RUNS = 200;

const catalog: Catalog = {
  currency: 'DKK',
  products: {
    'coffee-beans': { name: 'Coffee beans, 1 kg', unitAmount: 24900, vatRate: 0.25 },
    mug: { name: 'Stoneware mug', unitAmount: 12900, vatRate: 0.25 },
    sticker: { name: 'Sticker', unitAmount: 0, vatRate: 0 },
  },
};
const SKUS = Object.keys(catalog.products);

/** The catalog's price of a cart, computed here without `priceItems`. */
function catalogAmount(products: Catalog['products'], items: readonly { sku: unknown; quantity: unknown }[]): number {
  let sum = 0;
  for (const item of items) sum += products[item.sku as string]!.unitAmount * (item.quantity as number);
  return sum;
}

// Sku candidates: the catalog's, inherited names that are no product, and anything.
const skuArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SKUS) },
  { weight: 1, arbitrary: fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', ' mug', 'MUG', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const quantityArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: MAX_QUANTITY }) },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: MAX_QUANTITY + 50 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1.5, 1e21, Number.MAX_SAFE_INTEGER + 2) },
);
// What a tampering browser adds to an item.
const priceFieldsArb = fc.record(
  {
    price: fc.oneof(fc.integer(), fc.double(), fc.string()),
    amount: fc.oneof(fc.integer(), fc.double(), fc.string()),
    unitAmount: fc.integer(),
    unit_amount: fc.integer(),
    currency: fc.string({ maxLength: 3 }),
    name: fc.string(),
  },
  { requiredKeys: [] },
);
/** Mostly `valid`, sometimes `other`: keeps both the 201 path and the refusals busy. */
function mostly<T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: other });
}
const fuzzyItemArb = fc
  .tuple(skuArb, quantityArb, mostly(fc.constant(undefined), priceFieldsArb))
  .map(([sku, quantity, extra]) => ({ sku, quantity, ...extra }));
const cleanItemArb = fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: MAX_QUANTITY }) });
const itemArb = mostly(cleanItemArb, fuzzyItemArb);

/** Bodies near the schema, so the 201 path is exercised, with tampering and arbitrary JSON mixed in. */
const nearBodyArb = fc
  .tuple(
    fc.record(
      {
        provider: mostly(fc.constant('fake'), fc.string({ maxLength: 8 })),
        items: mostly(fc.array(itemArb, { minLength: 1, maxLength: 4 }), fc.jsonValue()),
        customer: mostly(
          fc.record({ email: fc.constantFrom('a@b.dk', 'shopper@example.com'), country: fc.constantFrom('dk', 'SE') }, { requiredKeys: [] }),
          fc.oneof(fc.record({ email: fc.constant('not-an-email'), country: fc.constant('DNK'), price: fc.integer() }), fc.jsonValue()),
        ),
        recurring: mostly(fc.boolean(), fc.jsonValue()),
        locale: mostly(fc.constantFrom('da-DK', 'en', 'pt_BR'), fc.oneof(fc.constant('x'), fc.string({ maxLength: 10 }))),
        metadata: mostly(
          fc.dictionary(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
          fc.jsonValue(),
        ),
      },
      { requiredKeys: ['items'] },
    ),
    // A browser naming its own price for the whole cart.
    mostly(
      fc.constant({}),
      fc.record({ amount: fc.integer(), price: fc.integer(), currency: fc.string({ maxLength: 3 }) }, { requiredKeys: [] }),
    ),
  )
  .map(([body, tamper]) => ({ ...body, ...tamper }));
/** Bodies the schema and the catalog accept: the 201 path, with every optional field in play. */
const cleanBodyArb = fc.record(
  {
    provider: fc.constant('fake'),
    items: fc.array(cleanItemArb, { minLength: 1, maxLength: 4 }),
    customer: fc.record({ email: fc.constantFrom('a@b.dk', 'shopper@example.com'), country: fc.constantFrom('dk', 'SE') }, { requiredKeys: [] }),
    recurring: fc.boolean(),
    locale: fc.constantFrom('da-DK', 'en', 'pt_BR'),
    metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
  },
  { requiredKeys: ['items'] },
);

// JSON only: what `JSON.parse` can hand the schema.
const jsonBodyArb = fc.oneof(
  { weight: 3, arbitrary: nearBodyArb.map((body) => JSON.parse(JSON.stringify(body)) as unknown) },
  { weight: 1, arbitrary: fc.jsonValue() },
);

describe('createSessionBodySchema', () => {
  it('property: safeParse never throws, on JSON bodies or any value at all', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          jsonBodyArb,
          nearBodyArb,
          fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withDate: true, withNullPrototype: true, withBigInt: true }),
        ),
        (body) => {
          const result = createSessionBodySchema.safeParse(body);
          expect(typeof result.success).toBe('boolean');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('property: a body it passes carries no price: items hold only sku and quantity, and pricing is the catalog', () => {
    fc.assert(
      fc.property(jsonBodyArb, (body) => {
        const result = createSessionBodySchema.safeParse(body);
        if (!result.success) return;
        for (const item of result.data.items) expect(Object.keys(item).sort()).toEqual(['quantity', 'sku']);
        expect(result.data).not.toHaveProperty('amount');
        expect(result.data).not.toHaveProperty('price');
        try {
          const priced = priceItems(catalog, result.data.items);
          expect(priced.amount).toBe(catalogAmount(catalog.products, result.data.items));
        } catch (error) {
          expect(error).toBeInstanceOf(CatalogError);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a price or amount on an item, or on the body', () => {
    const item = { sku: 'mug', quantity: 1 };
    for (const body of [
      { items: [{ ...item, price: 1 }] },
      { items: [{ ...item, amount: 1 }] },
      { items: [{ ...item, unitAmount: 1 }] },
      { items: [item], amount: 1 },
    ]) {
      expect(createSessionBodySchema.safeParse(body).success, JSON.stringify(body)).toBe(false);
    }
    expect(createSessionBodySchema.safeParse({ items: [item] }).success).toBe(true);
  });
});

describe('priceItems', () => {
  // Arbitrary valid catalogs, skus including names that Object.prototype has.
  const catalogArb = fc
    .dictionary(
      fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom('constructor', 'toString', '__proto__')),
      fc.record({
        name: fc.string({ minLength: 1, maxLength: 10 }).filter((name) => name.trim() !== ''),
        unitAmount: fc.integer({ min: 0, max: 10_000_000 }),
        vatRate: fc.constantFrom(0, 0.06, 0.25),
      }),
      { minKeys: 1, maxKeys: 6 },
    )
    .map((products): Catalog => ({ currency: 'EUR', products }));

  it('property: throws CatalogError, or prices every line from the catalog; extra item fields change nothing', () => {
    fc.assert(
      fc.property(
        catalogArb.chain((generated) => {
          const skus = Object.keys(generated.products);
          const sku = fc.oneof(fc.constantFrom(...skus), skuArb);
          const item = fc.tuple(sku, quantityArb, fc.option(priceFieldsArb, { nil: undefined }));
          return fc.tuple(fc.constant(generated), fc.array(item, { maxLength: 8 }));
        }),
        ([generated, tuples]) => {
          assertValidCatalog(generated);
          const items = tuples.map(([sku, quantity, extra]) => ({ ...extra, sku, quantity }) as CartItem);
          const bare = tuples.map(([sku, quantity]) => ({ sku, quantity }));
          let priced;
          try {
            priced = priceItems(generated, items);
          } catch (error) {
            expect(error).toBeInstanceOf(CatalogError);
            // The same answer without the extra fields: they never decide anything.
            expect(() => priceItems(generated, bare)).toThrow(CatalogError);
            return;
          }
          expect(priced).toEqual(priceItems(generated, bare));
          expect(items.length).toBeGreaterThan(0);
          for (const item of bare) {
            expect(Object.hasOwn(generated.products, item.sku)).toBe(true);
            expect(Number.isInteger(item.quantity) && item.quantity >= 1 && item.quantity <= MAX_QUANTITY).toBe(true);
          }
          expect(priced.amount).toBe(catalogAmount(generated.products, bare));
          expect(Number.isSafeInteger(priced.amount)).toBe(true);
          expect(priced.currency).toBe(generated.currency);
          priced.lines.forEach((line, index) => {
            const product = generated.products[bare[index]!.sku]!;
            expect(line).toEqual({
              sku: bare[index]!.sku,
              name: product.name,
              quantity: bare[index]!.quantity,
              unitAmount: product.unitAmount,
              vatRate: product.vatRate,
            });
          });
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('createCheckoutHandler POST /sessions', () => {
  const created: CreateSessionInput[] = [];
  let counter = 0;
  const provider: PaymentProvider = {
    name: 'fake',
    async createSession(input) {
      created.push(input);
      return {
        id: `fake_${++counter}`,
        provider: 'fake',
        kind: 'hosted',
        status: 'open',
        url: `https://pay.example/${counter}`,
        frameable: true,
        amount: input.amount,
        currency: input.currency,
        expires_at: '2030-01-01T00:00:00.000Z',
        livemode: false,
      };
    },
    async getSession() {
      throw new Error('not read in these tests');
    },
  };
  const handler = createCheckoutHandler({
    catalog,
    providers: [provider],
    store: createMemoryStore(),
    allowedHosts: TEST_HOSTS,
    logger: { error: () => {}, warn: () => {} },
  });
  afterAll(() => handler.close());

  const rawBodyArb = fc.oneof(
    { weight: 3, arbitrary: cleanBodyArb.map((body) => JSON.stringify(body)) },
    { weight: 3, arbitrary: nearBodyArb.map((body) => JSON.stringify(body)) },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.string() },
  );

  it('property: no body makes a 5xx, and a 201 is always for the catalog price', async () => {
    let made = 0;
    await fc.assert(
      fc.asyncProperty(rawBodyArb, fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: fc.uuid() },
        // Shared keys: a retry of the same body, or a conflict (409) with another one.
        { weight: 1, arbitrary: fc.constantFrom('key-a', 'key-b') },
      ), async (raw, key) => {
        const before = created.length;
        const response = await handler(
          new Request('https://api.example/api/checkout/sessions', {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              origin: 'https://shop.example',
              ...(key && { 'idempotency-key': key }),
            },
            body: raw,
          }),
        );
        expect(response.status, raw).toBeLessThan(500);
        if (response.status !== 201) {
          await response.body?.cancel();
          return;
        }
        made++;
        const session = (await response.json()) as CheckoutSession;
        const body = JSON.parse(raw) as { items: { sku: string; quantity: number }[] };
        // The schema trims a sku (" mug" is the mug): the price is still the catalog's.
        const items = body.items.map((item) => ({ sku: item.sku.trim(), quantity: item.quantity }));
        const expected = catalogAmount(catalog.products, items);
        expect(session.amount).toBe(expected);
        expect(session.currency).toBe('DKK');
        // An idempotent replay answers from the store without a second provider call.
        if (created.length > before) {
          const input = created.at(-1)!;
          expect(input.amount).toBe(expected);
          expect(input.lines.map((line) => line.unitAmount)).toEqual(
            items.map((item) => catalog.products[item.sku]!.unitAmount),
          );
          const order = await handler.orders.get(input.reference);
          expect(order?.amount).toBe(expected);
        }
      }),
      { numRuns: RUNS },
    );
    // The generator reaches the 201 path, not only refusals.
    expect(made).toBeGreaterThan(25);
  });
});
