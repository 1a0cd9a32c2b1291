/**
 * Property tests (fast-check) for Mollie's classic webhook, an unsigned hint: `verifyWebhook`
 * takes exactly a form body `id=tr_…` and nothing else, never reads Mollie while verifying, and
 * what it returns names only the id it was given (the handler re-reads that payment itself).
 * Beside them, the amount conversion every request and answer goes through.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currencyExponent, decimalToMinor, minorToDecimal } from '../../server/adapter-kit/currency.js';
import { WebhookVerificationError } from '../../server/provider-api/types.js';
import { createMollieProvider } from './server.js';

const RUNS = 300;
const reads: string[] = [];
const provider = createMollieProvider({
  apiKey: 'test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM',
  apiUrl: 'http://mollie.invalid',
  fetch: async (url) => {
    reads.push(url);
    throw new Error('no network in a property test');
  },
});
const request = { url: 'https://shop.example/api/checkout/webhooks/mollie', method: 'POST' };
const form = new Headers({ 'content-type': 'application/x-www-form-urlencoded' });
const idArb = fc.stringMatching(/^tr_[A-Za-z0-9]{1,20}$/);

async function outcome(body: string, headers = form) {
  try {
    return await provider.verifyWebhook(body, headers, request);
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return 'refused' as const;
  }
}

describe('Mollie classic webhook (properties)', () => {
  it('id=tr_… is a hint naming exactly that payment, whatever its id', async () => {
    await fc.assert(
      fc.asyncProperty(idArb, async (id) => {
        expect(await outcome(`id=${id}`)).toEqual({ eventId: id, type: 'payment', hint: true, sessionId: id, payload: { id } });
      }),
      { numRuns: RUNS },
    );
    expect(reads).toEqual([]);
  });

  it('any other body is refused: other fields, other ids, arbitrary text', async () => {
    const other = fc.oneof(
      fc.string(),
      fc.tuple(idArb, fc.string({ minLength: 1 }), fc.string()).map(([id, key, value]) => `id=${id}&${encodeURIComponent(key)}=${encodeURIComponent(value)}`),
      fc.string({ minLength: 1 }).filter((id) => !/^tr_[A-Za-z0-9]{1,64}$/.test(id)).map((id) => `id=${encodeURIComponent(id)}`),
    );
    await fc.assert(
      fc.asyncProperty(other, async (body) => {
        fc.pre(!/^id=tr_[A-Za-z0-9]{1,64}$/.test(body));
        expect(await outcome(body)).toBe('refused');
      }),
      { numRuns: RUNS },
    );
    expect(reads).toEqual([]);
  });

  it('a body with X-Mollie-Signature (next-gen) is refused, whatever the signature', async () => {
    await fc.assert(
      fc.asyncProperty(idArb, fc.stringMatching(/^[0-9a-f]{64}$/), async (id, hex) => {
        expect(await outcome(`id=${id}`, new Headers({ 'x-mollie-signature': `sha256=${hex}` }))).toBe('refused');
      }),
      { numRuns: 50 },
    );
  });
});

describe('decimal amounts (properties)', () => {
  const currencyArb = fc.constantFrom('EUR', 'DKK', 'JPY', 'ISK', 'KWD', 'BHD', 'USD', 'CLP');
  it('minor units → decimal string → minor units is the identity, with exactly the currency\'s decimals', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 ** 12 }), currencyArb, (amount, currency) => {
        const value = minorToDecimal(amount, currency);
        const decimals = currencyExponent(currency);
        expect(value.split('.')[1]?.length ?? 0).toBe(decimals);
        expect(decimalToMinor(value, currency)).toBe(amount);
      }),
      { numRuns: RUNS },
    );
  });

  it('a decimal string with the wrong number of decimals is not read as an amount', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 ** 9 }), fc.integer({ min: 0, max: 4 }), currencyArb, (units, decimals, currency) => {
        fc.pre(decimals !== currencyExponent(currency));
        const value = decimals === 0 ? String(units) : `${units}.${'5'.repeat(decimals)}`;
        expect(decimalToMinor(value, currency)).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });
});
