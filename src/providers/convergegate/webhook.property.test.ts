/**
 * Property tests (fast-check) for the ConvergeGate provider's `verifyWebhook`
 * (`Sec-Timestamp: <t>`, `Sec-Signature: <hex HMAC-SHA256(SHA256(secretKey), t + body)>`):
 * (a) arbitrary bodies and headers are refused with `WebhookVerificationError` and nothing else;
 * (b) a signed delivery changed in any signed part (body, `Sec-Timestamp`, the MAC) is refused;
 * (c) a valid signature is accepted exactly when its timestamp (seconds or milliseconds) is within
 *     the tolerance.
 * The clock is fixed (`now`), and signatures come from the independent test signer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asWireHeader, editArb, editCodePoints, expectRefused, expectWellBehaved, headerCharArb, hexArb, outcomeOf, replaceCodePoint, toleranceArb } from '../../server/test-support/webhook-properties.js';
import { convergeGateHeaders } from '../../server/test-support/webhook-signers.js';
import { WebhookVerificationError, type PaymentProvider } from '../../server/providers/types.js';
import { createConvergeGateProvider } from './server.js';

const RUNS = 150;
const SECRET_KEY = 'sk_test_convergegate_property';
const NOW_MS = Date.UTC(2029, 2, 3, 4, 5, 6);
const NOW_S = NOW_MS / 1000;
const DEFAULT_TOLERANCE_S = 300;

function provider(webhookToleranceSeconds?: number): PaymentProvider {
  return createConvergeGateProvider({
    // Never called: verifyWebhook is local.
    baseUrl: 'https://pay.example-psp.invalid',
    secretKey: SECRET_KEY,
    now: () => NOW_MS,
    ...(webhookToleranceSeconds !== undefined && { webhookToleranceSeconds }),
  });
}

/** The signer's two headers, as entries. */
function signedEntries(body: string, timestamp = String(NOW_S), secretKey = SECRET_KEY): [string, string][] {
  return Object.entries(convergeGateHeaders(body, secretKey, timestamp));
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const digitsArb = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 16 });
const HUGE = ['9'.repeat(100_000), 'a'.repeat(100_000), `${'0'.repeat(50_000)}${NOW_S}`, ` ${'f'.repeat(64)} `.repeat(2_000)];
const headerValueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: headerCharArb, maxLength: 200 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map(asWireHeader) },
  // Near the scheme: timestamps and hex digests, right or wrong.
  { weight: 2, arbitrary: fc.oneof(digitsArb, fc.constant(String(NOW_S)), fc.constant(String(NOW_MS)), fc.integer().map(String), fc.double().map(String)) },
  { weight: 2, arbitrary: fc.oneof(hexArb(64), hexArb(63), hexArb(65), hexArb(2)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '0', '-1', '1e12', 'NaN', 'Infinity', ...HUGE) },
);
const headerNameArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('Sec-Timestamp', 'sec-timestamp', 'Sec-Signature', 'SEC-SIGNATURE') },
  { weight: 1, arbitrary: fc.constantFrom('content-type', 'stripe-signature', 'x-signature', 'timestamp') },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/) },
);
/** Header lists: missing, once, or duplicated (`Headers.append` joins duplicates with ", "). */
const headerEntriesArb = fc.array(fc.tuple(headerNameArb, headerValueArb), { maxLength: 5 });
function headersOf(entries: readonly (readonly [string, string])[]): Headers {
  const headers = new Headers();
  for (const [name, value] of entries) headers.append(name, value);
  return headers;
}

const bodyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'null',
      '{}',
      '[]',
      '"x"',
      '{"type":"session.completed","data":{"id":"AW-1","status":"complete"}}',
      'x'.repeat(200_000),
      `{"id":"${'é'.repeat(50_000)}"}`,
    ),
  },
);
/** A ConvergeGate event in the usual forms (the document does not pin them down), with arbitrary ids. */
const eventBodyArb: fc.Arbitrary<string> = fc
  .record({
    type: fc.constantFrom('session.completed', 'session.expired', 'checkout.session.completed'),
    id: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((id) => `AW-${id}`),
    status: fc.constantFrom('complete', 'expired', 'open'),
    form: fc.constantFrom('data', 'data.object', 'session_id'),
    eventId: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }),
  })
  .map(({ type, id, status, form, eventId }) =>
    JSON.stringify({
      type,
      ...(eventId !== undefined && { event_id: eventId }),
      ...(form === 'data' && { data: { id, status } }),
      ...(form === 'data.object' && { data: { object: { id, status } } }),
      ...(form === 'session_id' && { session_id: id, status }),
    }),
  );

/** A timestamp `offsetMs` away from now, in the unit chosen (whole seconds, or milliseconds). */
const timestampArb = (inside: boolean) =>
  fc
    .tuple(toleranceArb, fc.constantFrom('seconds', 'milliseconds'))
    .chain(([tolerance, unit]) => {
      const limitMs = (tolerance ?? DEFAULT_TOLERANCE_S) * 1000;
      const step = unit === 'seconds' ? 1000 : 1;
      const offset = inside
        ? fc.oneof(fc.integer({ min: -limitMs / step, max: limitMs / step }), fc.constantFrom(limitMs / step, -limitMs / step, 0))
        : fc.oneof(
            fc.integer({ min: limitMs / step + 1, max: 100_000_000_000 / step }),
            fc.integer({ min: -100_000_000_000 / step, max: -limitMs / step - 1 }),
            fc.constantFrom(limitMs / step + 1, -limitMs / step - 1),
          );
      return offset.map((steps) => ({
        tolerance,
        timestamp: String(unit === 'seconds' ? NOW_S + steps : NOW_MS + steps),
      }));
    });

// ---------------------------------------------------------------------------------------------

describe('convergegate verifyWebhook (property)', () => {
  it('sanity: a signed event now is accepted and names its session', async () => {
    const body = '{"type":"session.completed","data":{"id":"AW-1","status":"complete"}}';
    const outcome = await outcomeOf(() => provider().verifyWebhook!(body, headersOf(signedEntries(body))));
    expect(outcome).toMatchObject({ accepted: true, webhook: { type: 'session.completed', sessionId: 'AW-1' } });
  });

  it('(a) refuses arbitrary bodies under arbitrary headers (missing, huge, unicode, duplicated) with WebhookVerificationError only', async () => {
    await fc.assert(
      fc.asyncProperty(bodyArb, headerEntriesArb, async (body, entries) => {
        expectRefused(await outcomeOf(() => provider().verifyWebhook!(body, headersOf(entries))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(a) refuses an arbitrary body under valid headers for another body, alone or duplicated with junk', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, bodyArb, headerEntriesArb, fc.boolean(), async (signedBody, sentBody, junk, junkFirst) => {
        fc.pre(signedBody !== sentBody);
        const valid = signedEntries(signedBody);
        const entries = junkFirst ? [...junk, ...valid] : [...valid, ...junk];
        expectRefused(await outcomeOf(() => provider().verifyWebhook!(sentBody, headersOf(entries))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(a) a validly signed arbitrary body is accepted or refused with WebhookVerificationError, never another error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(bodyArb, eventBodyArb), headerEntriesArb, async (body, junk) => {
        expectWellBehaved(await outcomeOf(() => provider().verifyWebhook!(body, headersOf([...signedEntries(body), ...junk]))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(a) a valid signature over an arbitrary Sec-Timestamp is accepted or refused with WebhookVerificationError', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, headerValueArb, async (body, timestamp) => {
        // Headers trims a value: sign what the verifier will read.
        const sent = timestamp.trim();
        fc.pre(sent !== '');
        expectWellBehaved(await outcomeOf(() => provider().verifyWebhook!(body, headersOf(signedEntries(body, sent)))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) refuses a signed event whose body was changed at any code point (replaced, inserted, deleted)', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, editArb, async (body, { at, op, point }) => {
        const headers = signedEntries(body);
        const tampered = editCodePoints(body, at, op, point);
        fc.pre(tampered !== undefined && tampered !== body);
        expectRefused(await outcomeOf(() => provider().verifyWebhook!(tampered!, headersOf(headers))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) refuses a signed event whose Sec-Timestamp or Sec-Signature was changed at any position', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, fc.constantFrom(0, 1), fc.nat(), headerCharArb, async (body, which, at, replacement) => {
        const entries = signedEntries(body);
        const [name, value] = entries[which]!;
        const index = at % value.length;
        // The hex MAC is read case-insensitively: a case change is the same signature, not a change.
        fc.pre(value[index]!.toLowerCase() !== replacement.toLowerCase());
        entries[which] = [name, replaceCodePoint(value, index, replacement)!];
        expectRefused(await outcomeOf(() => provider().verifyWebhook!(body, headersOf(entries))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) refuses a signature made with another secret key', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, fc.string({ minLength: 1, maxLength: 40 }), async (body, secretKey) => {
        fc.pre(secretKey !== SECRET_KEY);
        expectRefused(await outcomeOf(() => provider().verifyWebhook!(body, headersOf(signedEntries(body, String(NOW_S), secretKey)))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(c) refuses a valid signature whose timestamp is outside ±tolerance (seconds or milliseconds, past and future)', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, timestampArb(false), async (body, { tolerance, timestamp }) => {
        expectRefused(await outcomeOf(() => provider(tolerance).verifyWebhook!(body, headersOf(signedEntries(body, timestamp)))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(c) accepts a valid signature whose timestamp is within ±tolerance (seconds or milliseconds, edges included)', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, timestampArb(true), async (body, { tolerance, timestamp }) => {
        const outcome = await outcomeOf(() => provider(tolerance).verifyWebhook!(body, headersOf(signedEntries(body, timestamp))));
        expect(outcome.accepted, outcome.accepted ? '' : String(outcome.error)).toBe(true);
        expectWellBehaved(outcome);
      }),
      { numRuns: RUNS },
    );
  });
});
