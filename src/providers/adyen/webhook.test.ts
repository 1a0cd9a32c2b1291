import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adyenHmacKeyBytes, adyenSigningString, signAdyenItem, signAdyenString, verifyAdyenItem, type AdyenNotificationItem } from './webhook.js';

const KEY = 'DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00';

/** An independent HMAC: node:crypto over the hex-decoded key. */
const nodeSign = (key: string, data: string) => createHmac('sha256', Buffer.from(key, 'hex')).update(data, 'utf8').digest('base64');

const libraryItem = (eventCode: string): AdyenNotificationItem => ({
  pspReference: 'pspReference',
  originalReference: 'originalReference',
  merchantAccountCode: 'merchantAccount',
  merchantReference: 'reference',
  amount: { value: 1000, currency: 'EUR' },
  eventCode,
  success: 'true',
});

const docsItem: AdyenNotificationItem = {
  eventCode: 'AUTHORISATION',
  success: 'true',
  pspReference: '123456789',
  originalReference: '',
  merchantAccountCode: 'MagentoMerchantTest2',
  merchantReference: '8313842560770001',
  amount: { currency: 'EUR', value: 10100 },
  eventDate: '2017-01-19T16:42:03+01:00',
  paymentMethod: 'visa',
  reason: '1234:7777:12/2012',
  operations: ['CANCEL', 'CAPTURE', 'REFUND'],
  additionalData: { authCode: '1234', cardSummary: '7777' },
};

describe('Adyen webhook HMAC (the library’s test vectors, facts §5)', () => {
  it('builds the eight-field signing string, a missing originalReference as empty', () => {
    expect(adyenSigningString(libraryItem('REPORT_AVAILABLE'))).toBe(
      'pspReference:originalReference:merchantAccount:reference:1000:EUR:REPORT_AVAILABLE:true',
    );
    const { originalReference: _gone, ...withoutOriginal } = docsItem;
    expect(adyenSigningString(withoutOriginal)).toBe('123456789::MagentoMerchantTest2:8313842560770001:10100:EUR:AUTHORISATION:true');
  });

  it.each([
    ['REPORT_AVAILABLE', libraryItem('REPORT_AVAILABLE'), 'ZNBPtI+oDyyRrLyD1XirkKnQgIAlFc07Vj27TeHsDRE='],
    ['EVENT', libraryItem('EVENT'), 'ipnxGCaUZ4l8TUW75a71/ghd2Fe5ffvX0pV4TLTntIc='],
    ['AUTHORISATION (docs example)', docsItem, 'l9WyQnd++TieUalslKx/QeOHpjb7sfe6rPrI1HxeCTs='],
  ])('signs and verifies the %s vector', async (_name, item, expected) => {
    expect(await signAdyenString(KEY, adyenSigningString(item))).toBe(expected);
    expect(nodeSign(KEY, adyenSigningString(item))).toBe(expected);
    const signed = await signAdyenItem(KEY, item);
    expect(signed.additionalData?.hmacSignature).toBe(expected);
    expect(await verifyAdyenItem(adyenHmacKeyBytes(KEY), signed)).toBe(true);
    // The lower-case hex key is the same key.
    expect(await verifyAdyenItem(adyenHmacKeyBytes(KEY.toLowerCase()), signed)).toBe(true);
  });

  it('refuses an item without a signature, and a key that is not hex', async () => {
    expect(await verifyAdyenItem(adyenHmacKeyBytes(KEY), docsItem)).toBe(false);
    expect(() => adyenHmacKeyBytes('not-hex')).toThrow(/hex HMAC key/);
    expect(() => adyenHmacKeyBytes('')).toThrow(/hex HMAC key/);
  });
});

describe('Adyen webhook verifier (property)', () => {
  const text = fc.string({ maxLength: 24 });
  const item = fc.record({
    pspReference: text,
    originalReference: text,
    merchantAccountCode: text,
    merchantReference: text,
    amount: fc.record({ value: fc.integer({ min: 0, max: 10 ** 9 }), currency: fc.constantFrom('EUR', 'DKK', 'USD') }),
    eventCode: fc.constantFrom('AUTHORISATION', 'CANCELLATION', 'REFUND', 'CAPTURE'),
    success: fc.constantFrom('true', 'false'),
  });
  const signedFields = ['pspReference', 'originalReference', 'merchantAccountCode', 'merchantReference', 'eventCode', 'success'] as const;

  it('accepts what node:crypto signs, and refuses it once any signed field changes', async () => {
    await fc.assert(
      fc.asyncProperty(item, fc.constantFrom(...signedFields, 'value', 'currency'), text, async (original, field, replacement) => {
        const key = adyenHmacKeyBytes(KEY);
        const signature = nodeSign(KEY, adyenSigningString(original));
        const signed = { ...original, additionalData: { hmacSignature: signature } };
        expect(await verifyAdyenItem(key, signed)).toBe(true);
        const changed: AdyenNotificationItem = { ...signed, amount: { ...signed.amount } };
        if (field === 'value') changed.amount!.value = original.amount.value + 1;
        else if (field === 'currency') changed.amount!.currency = original.amount.currency === 'EUR' ? 'USD' : 'EUR';
        else changed[field] = original[field] === replacement ? `${replacement}x` : replacement;
        expect(await verifyAdyenItem(key, changed)).toBe(adyenSigningString(changed) === adyenSigningString(original));
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a signature made with another key', async () => {
    await fc.assert(
      fc.asyncProperty(item, fc.uint8Array({ minLength: 32, maxLength: 32 }), async (original, otherKey) => {
        const other = Buffer.from(otherKey).toString('hex');
        fc.pre(other.toUpperCase() !== KEY);
        const signed = { ...original, additionalData: { hmacSignature: nodeSign(other, adyenSigningString(original)) } };
        expect(await verifyAdyenItem(adyenHmacKeyBytes(KEY), signed)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});
