/**
 * Property tests (fast-check) for the ConvergeGate provider's `verifyWebhook`
 * (`Sec-Timestamp: <t>`, `Sec-Signature: <hex HMAC-SHA256(SHA256(secretKey), t + body)>`): the
 * shared suite for header-signed schemes (`webhook-properties.ts`), with timestamps in seconds or
 * milliseconds, and what only ConvergeGate's adapter has to show. The clock is fixed (`now`),
 * and signatures come from the toolkit's test signer.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { signConvergeGateHeaders } from '../../server/adapter-kit/webhook-signatures.js';
import {
  asWireHeader,
  describeHeaderSchemeProperties,
  expectWellBehaved,
  headerCharArb,
  headersOf,
  hexArb,
  outcomeOf,
  toleranceArb,
  verifiedEvent,
} from '../../server/test-support/webhook-properties.js';
import type { PaymentProvider } from '../../server/provider-api/types.js';
import { createConvergeGateProvider } from './server.js';

const RUNS = 150;
const SECRET_KEY = 'sk_test_convergegate_property';
const NOW_MS = Date.UTC(2029, 2, 3, 4, 5, 6);
const NOW_S = NOW_MS / 1000;
const DEFAULT_TOLERANCE_S = 300;

function provider(webhookToleranceSeconds?: number): PaymentProvider {
  return createConvergeGateProvider({
    // Never called: verifyWebhook is local.
    apiUrl: 'https://pay.example-psp.invalid',
    secretKey: SECRET_KEY,
    now: () => NOW_MS,
    ...(webhookToleranceSeconds !== undefined && { webhookToleranceSeconds }),
  });
}

/** The signer's two headers, as entries. */
async function signedEntries(body: string, timestamp = String(NOW_S), secretKey = SECRET_KEY): Promise<[string, string][]> {
  return Object.entries(await signConvergeGateHeaders(secretKey, body, timestamp));
}

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

/** A timestamp inside or outside ±tolerance, in the unit chosen (whole seconds, or milliseconds). */
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
      return offset.map((steps) => ({ tolerance, at: String(unit === 'seconds' ? NOW_S + steps : NOW_MS + steps) }));
    });

describeHeaderSchemeProperties({
  name: 'convergegate',
  runs: RUNS,
  provider,
  secret: SECRET_KEY,
  sign: (body, { at = NOW_S, secret = SECRET_KEY } = {}) => signedEntries(body, String(at), secret),
  signatureHeaders: ['Sec-Timestamp', 'Sec-Signature'],
  otherHeaders: ['content-type', 'stripe-signature', 'x-signature', 'timestamp'],
  headerValueArb,
  sampleBody: '{"type":"session.completed","data":{"id":"AW-1","status":"complete"}}',
  sampleWebhook: { type: 'session.completed', sessionId: 'AW-1' },
  eventBodyArb,
  macIgnoresCase: true,
  signedAtArb: timestampArb,
});

describe('convergegate verifyWebhook (property): the timestamp header', () => {
  it('(a) a valid signature over an arbitrary Sec-Timestamp is accepted or refused with WebhookVerificationError', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, headerValueArb, async (body, timestamp) => {
        // Headers trims a value: sign what the verifier will read.
        const sent = timestamp.trim();
        fc.pre(sent !== '');
        const headers = headersOf(await signedEntries(body, sent));
        expectWellBehaved(await outcomeOf(() => verifiedEvent(provider(), body, headers)));
      }),
      { numRuns: RUNS },
    );
  });
});
