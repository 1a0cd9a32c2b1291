/**
 * Property tests (fast-check) for the Reepay provider's `verifyWebhook`. Reepay signs in the body:
 * `signature` is hex HMAC-SHA256(webhookSecret, timestamp + id); nothing else is signed, and no
 * header is read.
 * (a) arbitrary bodies (and headers) are refused with `WebhookVerificationError` and nothing else;
 *     validly signed bodies with arbitrary other fields are accepted or refused that way;
 * (b) a signed webhook whose `timestamp` or `id` (or `signature`) was changed is refused;
 * (c) a valid signature is accepted exactly when its timestamp is within the tolerance.
 * The clock is fixed (`now`), and signatures come from the independent test signer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signReepayWebhook } from '../../server/adapter-kit/webhook-signatures.js';
import { editCodePoints, expectRefused, expectWellBehaved, headerCharArb, headersOf, hexArb, outcomeOf, toleranceArb, verifiedEvent } from '../../server/test-support/webhook-properties.js';
import { reepayWebhookBody } from '../../server/test-support/webhook-signers.js';
import { WebhookVerificationError, type PaymentProvider } from '../../server/provider-api/types.js';
import { createReepayProvider } from './server.js';

const RUNS = 150;
const WEBHOOK_SECRET = 'reepay-webhook-secret-property';
const NOW_MS = Date.UTC(2028, 10, 20, 8, 15, 30, 250);
const DEFAULT_TOLERANCE_S = 300;

function provider(webhookToleranceSeconds?: number): PaymentProvider {
  return createReepayProvider({
    privateKey: 'priv_property',
    webhookSecret: WEBHOOK_SECRET,
    // Never called: verifyWebhook reads only its own store.
    checkoutApiUrl: 'https://checkout-api.reepay.invalid',
    apiUrl: 'https://api.reepay.invalid',
    now: () => NOW_MS,
    ...(webhookToleranceSeconds !== undefined && { webhookToleranceSeconds }),
  });
}

const isoAt = (offsetMs = 0) => new Date(NOW_MS + offsetMs).toISOString();

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Reepay reads no header: whatever arrives (missing, huge, duplicated, signature-like) changes nothing. */
const headerEntriesArb = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom('reepay-signature', 'x-signature', 'signature', 'content-type'), fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/)),
    fc.oneof(fc.string({ unit: headerCharArb, maxLength: 200 }), fc.constantFrom('', 'a'.repeat(100_000))),
  ),
  { maxLength: 4 },
);

/** Values of any JSON type, for fields the schema expects as strings. */
const jsonishArb = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, '', 0, true, [], {}, '__proto__', 'constructor') },
);
const timestampTextArb = fc.oneof(
  fc.integer({ min: -600_000, max: 600_000 }).map(isoAt),
  fc.constantFrom(isoAt(), '', '0', 'now', '2028-11-20', '2028-11-20T08:15:30', 'Mon, 20 Nov 2028 08:15:30 GMT', '+275760-09-13T00:00:00.000Z', 'Invalid Date'),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
);
const idTextArb = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ minLength: 1, maxLength: 30 }).map((id) => `wh_${id}`));

/** Bodies that are no Reepay webhook or carry a signature not made with the secret. */
const unsignedBodyArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom('', ' ', 'null', '{}', '[]', '"x"', 'x'.repeat(200_000), `{"id":"${'é'.repeat(50_000)}"}`),
  fc
    .record(
      {
        id: fc.oneof(idTextArb, jsonishArb),
        event_id: jsonishArb,
        event_type: fc.oneof(fc.constantFrom('invoice_settled', 'invoice_authorized', 'customer_payment_method_added'), jsonishArb),
        timestamp: fc.oneof(timestampTextArb, jsonishArb),
        signature: fc.oneof(hexArb(64), hexArb(63), fc.constant('0'.repeat(64)), jsonishArb),
        invoice: jsonishArb,
        customer: jsonishArb,
      },
      { requiredKeys: [] },
    )
    .map((fields) => JSON.stringify(fields)),
);

const editArb = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('replace', 'insert', 'delete') as fc.Arbitrary<'replace' | 'insert' | 'delete'>,
  point: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
});

/** A webhook as Reepay sends it, with arbitrary ids and a timestamp within the default tolerance. */
const eventArb = fc.record({
  id: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
  timestamp: fc.integer({ min: -299_000, max: 299_000 }).map(isoAt),
  event_type: fc.constantFrom('invoice_settled', 'invoice_authorized', 'invoice_failed', 'customer_payment_method_added'),
  event_id: fc.string({ minLength: 1, maxLength: 20 }),
  invoice: fc.string({ minLength: 1, maxLength: 20 }),
  customer: fc.string({ minLength: 1, maxLength: 20 }),
});

// ---------------------------------------------------------------------------------------------

describe('reepay verifyWebhook (property)', () => {
  it('sanity: a signed webhook now is accepted', async () => {
    const body = await reepayWebhookBody({ id: 'wh_1', timestamp: isoAt(-5_000), event_type: 'invoice_settled', invoice: 'inv-1' }, WEBHOOK_SECRET);
    const outcome = await outcomeOf(() => verifiedEvent(provider(), body, new Headers()));
    expect(outcome).toMatchObject({ accepted: true, webhook: { eventId: 'wh_1', type: 'invoice_settled', chargeId: 'inv-1' } });
  });

  it('(a) refuses arbitrary and unsigned bodies, whatever the headers, with WebhookVerificationError only', async () => {
    await fc.assert(
      fc.asyncProperty(unsignedBodyArb, headerEntriesArb, async (body, entries) => {
        expectRefused(await outcomeOf(() => verifiedEvent(provider(), body, headersOf(entries))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(a) a body whose timestamp + id are validly signed, whatever else it holds, is accepted or refused with WebhookVerificationError', async () => {
    await fc.assert(
      fc.asyncProperty(
        idTextArb,
        timestampTextArb,
        fc.record(
          { event_type: fc.oneof(fc.constantFrom('invoice_settled', 'customer_payment_method_added'), jsonishArb), event_id: jsonishArb, invoice: jsonishArb, customer: jsonishArb, extra: jsonishArb },
          { requiredKeys: [] },
        ),
        fc.constantFrom('lower', 'upper', 'padded'),
        headerEntriesArb,
        async (id, timestamp, fields, form, entries) => {
          const mac = await signReepayWebhook(WEBHOOK_SECRET, timestamp, id);
          const signature = form === 'upper' ? mac.toUpperCase() : form === 'padded' ? ` ${mac}\n` : mac;
          const body = JSON.stringify({ ...fields, id, timestamp, signature });
          expectWellBehaved(await outcomeOf(() => verifiedEvent(provider(), body, headersOf(entries))));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('(b) refuses a signed webhook whose timestamp or id was changed at any code point (replaced, inserted, deleted)', async () => {
    await fc.assert(
      fc.asyncProperty(eventArb, fc.constantFrom('timestamp', 'id') as fc.Arbitrary<'timestamp' | 'id'>, editArb, async (event, field, { at, op, point }) => {
        const signed = JSON.parse(await reepayWebhookBody(event, WEBHOOK_SECRET)) as Record<string, string>;
        const changed = editCodePoints(signed[field]!, at, op, point);
        fc.pre(changed !== undefined && changed !== signed[field]);
        const body = JSON.stringify({ ...signed, [field]: changed });
        expectRefused(await outcomeOf(() => verifiedEvent(provider(), body, new Headers())));
      }),
      { numRuns: RUNS },
    );
  });

  // KNOWN BUG (reported, not fixed here): the MAC covers `timestamp + id` with no separator, and
  // `Date.parse` takes shorter, looser timestamps, so the same signature holds for the pair split
  // elsewhere: `timestamp: "2028-11-21T00:00:00.000Z", id: "wh_1"` also verifies as
  // `timestamp: "2028-11-21", id: "T00:00:00.000Zwh_1"` (a date-only form is UTC, so this one
  // holds in every time zone for a webhook signed near midnight; on a server in UTC,
  // `"…00:00:00.000"` + `"Zwh_1"`, `"…00:00:00.00"` + `"0Zwh_1"`, `"…00:00:00"` + `".000Zwh_1"` hold
  // at any time of day). Each split is accepted as a new eventId, so a captured webhook can be
  // replayed within the tolerance past the handler's per-event de-duplication. Found by this
  // property; the adapter now accepts only a strict ISO 8601 timestamp with time and zone.
  it('(b) refuses a signed webhook whose timestamp + id were split at another point (same signed string)', async () => {
    const signedAt = Date.UTC(2028, 10, 21, 0, 0, 0, 0);
    const reepay = createReepayProvider({
      privateKey: 'priv_property',
      webhookSecret: WEBHOOK_SECRET,
      // Two minutes after midnight: within the default tolerance of the date-only form's 00:00 UTC.
      now: () => signedAt + 120_000,
    });
    await fc.assert(
      fc.asyncProperty(eventArb, fc.nat(), async (event, cut) => {
        const timestamp = new Date(signedAt).toISOString();
        const signed = JSON.parse(await reepayWebhookBody({ ...event, timestamp }, WEBHOOK_SECRET)) as Record<string, string>;
        const joined = timestamp + event.id;
        // Any other split of the signed string into a non-empty timestamp and a non-empty id.
        const at = 1 + (cut % (joined.length - 1));
        fc.pre(at !== timestamp.length);
        const body = JSON.stringify({ ...signed, timestamp: joined.slice(0, at), id: joined.slice(at) });
        expectRefused(await outcomeOf(() => verifiedEvent(reepay, body, new Headers())));
      }),
      // At 10 the timestamp is "2028-11-21": fast-check finds it or another; the example pins it.
      { numRuns: RUNS, examples: [[{ id: 'wh_1', timestamp: '', event_type: 'invoice_settled', event_id: 'e', invoice: 'i', customer: 'c' }, 9]] },
    );
  });

  it('refuses "2028-11-21" + "T00:00:00.000Zwh_1" (it used to verify with the signature of "2028-11-21T00:00:00.000Z" + "wh_1")', async () => {
    const signedAt = Date.UTC(2028, 10, 21, 0, 0, 0, 0);
    const reepay = createReepayProvider({ privateKey: 'priv_property', webhookSecret: WEBHOOK_SECRET, now: () => signedAt + 120_000 });
    const signed = JSON.parse(
      await reepayWebhookBody({ id: 'wh_1', timestamp: '2028-11-21T00:00:00.000Z', event_type: 'invoice_settled' }, WEBHOOK_SECRET),
    ) as Record<string, string>;
    const forged = JSON.stringify({ ...signed, timestamp: '2028-11-21', id: 'T00:00:00.000Zwh_1' });
    expectRefused(await outcomeOf(() => verifiedEvent(reepay, forged, new Headers())));
  });

  it('(b) refuses a signed webhook whose signature was changed at any position', async () => {
    await fc.assert(
      fc.asyncProperty(eventArb, fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), async (event, at, replacement) => {
        const signed = JSON.parse(await reepayWebhookBody(event, WEBHOOK_SECRET)) as Record<string, string>;
        const signature = signed['signature']!;
        const index = at % signature.length;
        // The hex MAC is read case-insensitively: a case change is the same signature, not a change.
        fc.pre(signature[index]!.toLowerCase() !== replacement.toLowerCase());
        const body = JSON.stringify({ ...signed, signature: signature.slice(0, index) + replacement + signature.slice(index + 1) });
        expectRefused(await outcomeOf(() => verifiedEvent(provider(), body, new Headers())));
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) refuses a signature made with another secret', async () => {
    await fc.assert(
      fc.asyncProperty(eventArb, fc.string({ minLength: 1, maxLength: 40 }), async (event, secret) => {
        fc.pre(secret !== WEBHOOK_SECRET);
        const body = await reepayWebhookBody(event, secret);
        expectRefused(await outcomeOf(() => verifiedEvent(provider(), body, new Headers())));
      }),
      { numRuns: RUNS },
    );
  });

  it('(c) refuses a valid signature whose timestamp is outside ±tolerance (past and future)', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventArb,
        toleranceArb.chain((tolerance) => {
          const limitMs = (tolerance ?? DEFAULT_TOLERANCE_S) * 1000;
          return fc.tuple(
            fc.constant(tolerance),
            fc.oneof(
              fc.integer({ min: limitMs + 1, max: 100_000_000_000 }),
              fc.integer({ min: -100_000_000_000, max: -limitMs - 1 }),
              fc.constantFrom(limitMs + 1, -limitMs - 1),
            ),
          );
        }),
        async (event, [tolerance, offsetMs]) => {
          const body = await reepayWebhookBody({ ...event, timestamp: isoAt(offsetMs) }, WEBHOOK_SECRET);
          expectRefused(await outcomeOf(() => verifiedEvent(provider(tolerance), body, new Headers())));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('(c) accepts a valid signature whose timestamp is within ±tolerance (both directions, edges included)', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventArb,
        toleranceArb.chain((tolerance) => {
          const limitMs = (tolerance ?? DEFAULT_TOLERANCE_S) * 1000;
          return fc.tuple(fc.constant(tolerance), fc.oneof(fc.integer({ min: -limitMs, max: limitMs }), fc.constantFrom(limitMs, -limitMs, 0)));
        }),
        async (event, [tolerance, offsetMs]) => {
          const body = await reepayWebhookBody({ ...event, timestamp: isoAt(offsetMs) }, WEBHOOK_SECRET);
          const outcome = await outcomeOf(() => verifiedEvent(provider(tolerance), body, new Headers()));
          expect(outcome.accepted, outcome.accepted ? '' : String(outcome.error)).toBe(true);
          if (outcome.accepted) expect(outcome.webhook.eventId).toBe(event.id);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
