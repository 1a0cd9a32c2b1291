/**
 * Property tests (fast-check) for the Vipps MobilePay provider's `verifyWebhook`
 * (`x-ms-date`, `x-ms-content-sha256`, `Host` and `Authorization: HMAC-SHA256 SignedHeaders=…&Signature=<base64>`):
 * the shared suite for header-signed schemes (`webhook-properties.ts`), with RFC 1123 dates,
 * and what only this scheme has to show. The clock is fixed (`now`); signatures come from the
 * folder's test signer (checked against node:crypto and the documented vector in webhook.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  asWireHeader,
  describeHeaderSchemeProperties,
  expectRefused,
  headerCharArb,
  headersOf,
  outcomeOf,
  secondsOffsetArb,
  verifiedEvent,
} from '../../server/test-support/webhook-properties.js';
import type { PaymentProvider } from '../../server/provider-api/types.js';
import { createVippsMobilePayProvider } from './server.js';
import { signVippsWebhook } from './webhook.js';

const RUNS = 150;
const SECRET = 'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==';
const URL_REGISTERED = 'https://shop.example/api/checkout/webhooks/vipps-mobilepay';
const NOW_MS = Date.UTC(2029, 2, 3, 4, 5, 6);
const NOW_S = NOW_MS / 1000;

function provider(webhookToleranceSeconds?: number): PaymentProvider {
  return createVippsMobilePayProvider({
    clientId: 'client',
    clientSecret: 'secret',
    subscriptionKey: 'key',
    merchantSerialNumber: '123456',
    webhookSecret: SECRET,
    // Never called: verifyWebhook is local.
    apiUrl: 'https://apitest.vipps.invalid',
    now: () => NOW_MS,
    ...(webhookToleranceSeconds !== undefined && { webhookToleranceSeconds }),
  });
}

/** The signed headers for `body`, dated `at` (unix seconds, written as RFC 1123, or a date text as given). */
async function signedEntries(body: string, at: number | string = NOW_S, secret = SECRET): Promise<[string, string][]> {
  const date = typeof at === 'number' ? new Date(at * 1000).toUTCString() : at;
  return Object.entries(await signVippsWebhook(secret, URL_REGISTERED, body, date));
}

const HUGE = ['A'.repeat(100_000), `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${'a'.repeat(100_000)}`, `${new Date(NOW_MS).toUTCString()} `.repeat(3_000)];
const headerValueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: headerCharArb, maxLength: 200 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map(asWireHeader) },
  // Near the scheme: dates, base64 digests, authorization values, hosts.
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.integer({ min: -1e10, max: 1e10 }).map((offset) => new Date(NOW_MS + offset).toUTCString()),
      fc.base64String({ minLength: 0, maxLength: 48 }),
      fc.base64String({ minLength: 44, maxLength: 44 }).map((sig) => `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${sig}`),
      fc.constantFrom('shop.example', 'shop.example:443', 'evil.example'),
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'HMAC-SHA256', 'GMT', ...HUGE) },
);

/** ePayment events as the Webhooks API sends them, with arbitrary references and names. */
const eventBodyArb: fc.Arbitrary<string> = fc
  .record({
    reference: fc.stringMatching(/^[a-zA-Z0-9-]{8,50}$/),
    name: fc.constantFrom('CREATED', 'AUTHORIZED', 'ABORTED', 'EXPIRED', 'CAPTURED', 'CANCELLED', 'REFUNDED', 'TERMINATED'),
    pspReference: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }),
    value: fc.nat({ max: 65_000_000 }),
    idempotencyKey: fc.option(fc.string({ maxLength: 50 }), { nil: null }),
  })
  .map(({ reference, name, pspReference, value, idempotencyKey }) =>
    JSON.stringify({
      msn: '123456',
      reference,
      ...(pspReference !== undefined && { pspReference }),
      name,
      amount: { currency: 'NOK', value },
      timestamp: new Date(NOW_MS).toISOString(),
      idempotencyKey,
      success: true,
    }),
  );

describeHeaderSchemeProperties({
  name: 'vipps-mobilepay',
  runs: RUNS,
  provider,
  secret: SECRET,
  sign: (body, { at = NOW_S, secret = SECRET } = {}) => signedEntries(body, at, secret),
  signatureHeaders: ['x-ms-date', 'x-ms-content-sha256', 'Authorization', 'Host'],
  otherHeaders: ['content-type', 'stripe-signature', 'x-ms-signature', 'date'],
  headerValueArb,
  sampleBody: '{"msn":"123456","reference":"ord-5Fabc12345","pspReference":"1","name":"AUTHORIZED","amount":{"currency":"NOK","value":6000},"timestamp":"2029-03-03T04:05:06.000Z","idempotencyKey":null,"success":true}',
  sampleWebhook: { type: 'epayments.payment.authorized.v1', sessionId: 'ord-5Fabc12345', eventId: 'ord-5Fabc12345:AUTHORIZED:1:2029-03-03T04:05:06.000Z' },
  eventBodyArb,
  // Base64 is case-sensitive, and the whole Authorization value is compared.
  macIgnoresCase: false,
  signedAtArb: (inside) => secondsOffsetArb(NOW_S, 300, inside),
  expectAccepted(body, webhook) {
    const event = JSON.parse(body) as { reference: string; name: string };
    expect(webhook.sessionId).toBe(event.reference);
    expect(webhook.type).toBe(`epayments.payment.${event.name.toLowerCase()}.v1`);
  },
});

describe('vipps-mobilepay verifyWebhook (property): what only this scheme signs', () => {
  it('a valid signature for another path, query or host of the registered URL is refused', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, fc.webPath(), fc.domain(), fc.boolean(), async (body, path, host, changePath) => {
        const url = new URL(URL_REGISTERED);
        if (changePath) url.pathname = path || '/';
        else url.host = host;
        fc.pre(url.href !== URL_REGISTERED);
        const headers = await signVippsWebhook(SECRET, url.href, body, new Date(NOW_MS).toUTCString());
        // The delivery keeps the registered host (a proxy forwards it); only the signed URL differs.
        expectRefused(await outcomeOf(() => verifiedEvent(provider(), body, headersOf([...Object.entries(headers).filter(([name]) => name !== 'host'), ['host', 'shop.example']]))));
      }),
      { numRuns: RUNS },
    );
  });
});
