/**
 * Property tests (fast-check) for the sandbox provider's `verifyWebhook`
 * (`Sandbox-Signature: t=<unix s>,v1=<hex HMAC-SHA256(webhookSecret, "<t>.<body>")>`):
 * (a) arbitrary bodies and headers are refused with `WebhookVerificationError` and nothing else;
 * (b) a signed delivery changed in any signed part (body, `t=`, the MAC) is refused;
 * (c) a valid signature is accepted exactly when its timestamp is within the tolerance.
 * The clock is fixed (`now`), and signatures come from the independent test signer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asWireHeader, editArb, editCodePoints, expectRefused, expectWellBehaved, headerCharArb, hexArb, outcomeOf, outsideToleranceArb, replaceCodePoint, toleranceArb } from '../../server/test-support/webhook-properties.js';
import { sandboxSignatureHeader } from '../../server/test-support/webhook-signers.js';
import { WebhookVerificationError, type PaymentProvider } from '../../server/providers/types.js';
import { createSandboxProvider } from './server.js';
import { SANDBOX_SIGNATURE_HEADER } from './psp.js';

const RUNS = 150;
const WEBHOOK_SECRET = 'sbx_whsec_property';
const NOW_MS = Date.UTC(2027, 0, 15, 12, 0, 0);
const NOW_S = NOW_MS / 1000;
const DEFAULT_TOLERANCE_S = 300;

function provider(webhookToleranceSeconds?: number): PaymentProvider {
  return createSandboxProvider({
    // Never called: verifyWebhook is local.
    apiUrl: 'http://127.0.0.1:9',
    secretKey: 'sbx_sk_property',
    webhookSecret: WEBHOOK_SECRET,
    now: () => NOW_MS,
    ...(webhookToleranceSeconds !== undefined && { webhookToleranceSeconds }),
  });
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const digitsArb = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 14 });
const HUGE = [
  `t=${'9'.repeat(50_000)},v1=${'a'.repeat(64)}`,
  `t=${NOW_S},v1=${'0'.repeat(100_000)}`,
  `${`t=${NOW_S},`.repeat(10_000)}v1=${'f'.repeat(64)}`,
  `${'v1=' + 'ab'.repeat(32) + ','}`.repeat(5_000) + `t=${NOW_S}`,
  '='.repeat(100_000),
  ','.repeat(100_000),
];
const headerValueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: headerCharArb, maxLength: 200 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map(asWireHeader) },
  // Near the scheme: well-formed parts with wrong, odd or duplicated values.
  {
    weight: 4,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.tuple(fc.constantFrom('t', 'T', ' t', 't '), fc.oneof(digitsArb, fc.constant(String(NOW_S)), fc.string({ maxLength: 12 }))),
          fc.tuple(fc.constantFrom('v1', 'V1', 'v0', ' v1'), fc.oneof(hexArb(64), hexArb(63), hexArb(65), hexArb(2), fc.string({ maxLength: 70 }))),
          fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 8 })),
        ),
        { maxLength: 5 },
      )
      .chain((parts) => fc.constantFrom(',', ', ', ';', ' ').map((separator) => parts.map(([key, value]) => `${key}=${value}`).join(separator))),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 't=', 'v1=', `t=${NOW_S}`, `v1=${'a'.repeat(64)}`, ...HUGE) },
);
const headerNameArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(SANDBOX_SIGNATURE_HEADER, SANDBOX_SIGNATURE_HEADER.toLowerCase(), SANDBOX_SIGNATURE_HEADER.toUpperCase()) },
  { weight: 1, arbitrary: fc.constantFrom('content-type', 'stripe-signature', 'x-signature', 'signature') },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/) },
);
/** Header lists: missing, once, or duplicated (`Headers.append` joins duplicates with ", "). */
const headerEntriesArb = fc.array(fc.tuple(headerNameArb, headerValueArb), { maxLength: 4 });
function headersOf(entries: readonly (readonly [string, string])[]): Headers {
  const headers = new Headers();
  for (const [name, value] of entries) headers.append(name, value);
  return headers;
}

const bodyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null') },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '{}', '[]', '"x"', '{"id":"evt_1","type":"session.completed"}', 'x'.repeat(200_000), `{"id":"${'é'.repeat(50_000)}"}`) },
);
/** A sandbox event as the PSP sends it, with arbitrary ids. */
const eventBodyArb: fc.Arbitrary<string> = fc
  .record(
    {
      id: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((id) => `evt_${id}`),
      type: fc.constantFrom('session.completed', 'session.expired', 'session.cancelled', 'charge.succeeded', 'charge.failed'),
      session: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((id) => `sbx_${id}`),
      charge: fc.string({ minLength: 1, maxLength: 20 }),
      amount: fc.integer(),
    },
    { requiredKeys: ['id', 'type'] },
  )
  .map((event) => JSON.stringify(event));

// ---------------------------------------------------------------------------------------------

describe('sandbox verifyWebhook (property)', () => {
  it('sanity: a signed event now is accepted', async () => {
    const body = '{"id":"evt_1","type":"session.completed","session":"sbx_1"}';
    const outcome = await outcomeOf(() =>
      provider().verifyWebhook!(body, headersOf([[SANDBOX_SIGNATURE_HEADER, sandboxSignatureHeader(body, WEBHOOK_SECRET, NOW_S)]])),
    );
    expect(outcome).toMatchObject({ accepted: true, webhook: { eventId: 'evt_1', type: 'session.completed', sessionId: 'sbx_1' } });
  });

  it('(a) refuses arbitrary bodies under arbitrary headers (missing, huge, unicode, duplicated) with WebhookVerificationError only', async () => {
    await fc.assert(
      fc.asyncProperty(bodyArb, headerEntriesArb, async (body, entries) => {
        expectRefused(await outcomeOf(() => provider().verifyWebhook!(body, headersOf(entries))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(a) refuses an arbitrary body under a valid header for another body, alone or duplicated with junk', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, bodyArb, headerEntriesArb, fc.boolean(), async (signedBody, sentBody, junk, junkFirst) => {
        fc.pre(signedBody !== sentBody);
        const valid: [string, string] = [SANDBOX_SIGNATURE_HEADER, sandboxSignatureHeader(signedBody, WEBHOOK_SECRET, NOW_S)];
        const entries = junkFirst ? [...junk, valid] : [valid, ...junk];
        expectRefused(await outcomeOf(() => provider().verifyWebhook!(sentBody, headersOf(entries))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(a) a validly signed arbitrary body is accepted or refused with WebhookVerificationError, never another error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(bodyArb, eventBodyArb), headerEntriesArb, async (body, junk) => {
        const headers = headersOf([[SANDBOX_SIGNATURE_HEADER, sandboxSignatureHeader(body, WEBHOOK_SECRET, NOW_S)], ...junk]);
        expectWellBehaved(await outcomeOf(() => provider().verifyWebhook!(body, headers)));
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) refuses a signed event whose body was changed at any code point (replaced, inserted, deleted)', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, editArb, async (body, { at, op, point }) => {
        const header = sandboxSignatureHeader(body, WEBHOOK_SECRET, NOW_S);
        const tampered = editCodePoints(body, at, op, point);
        fc.pre(tampered !== undefined && tampered !== body);
        expectRefused(await outcomeOf(() => provider().verifyWebhook!(tampered!, headersOf([[SANDBOX_SIGNATURE_HEADER, header]]))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) refuses a signed event whose Sandbox-Signature header was changed at any position (t=, v1=, separators)', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, fc.nat(), headerCharArb, async (body, at, replacement) => {
        const header = sandboxSignatureHeader(body, WEBHOOK_SECRET, NOW_S);
        const index = at % header.length;
        // The hex MAC is read case-insensitively: a case change is the same signature, not a change.
        fc.pre(header[index]!.toLowerCase() !== replacement.toLowerCase());
        const tampered = replaceCodePoint(header, index, replacement)!;
        expectRefused(await outcomeOf(() => provider().verifyWebhook!(body, headersOf([[SANDBOX_SIGNATURE_HEADER, tampered]]))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) refuses a signature made with another secret', async () => {
    await fc.assert(
      fc.asyncProperty(eventBodyArb, fc.string({ minLength: 1, maxLength: 40 }), async (body, secret) => {
        fc.pre(secret !== WEBHOOK_SECRET);
        const header = sandboxSignatureHeader(body, secret, NOW_S);
        expectRefused(await outcomeOf(() => provider().verifyWebhook!(body, headersOf([[SANDBOX_SIGNATURE_HEADER, header]]))));
      }),
      { numRuns: RUNS },
    );
  });

  it('(c) refuses a valid signature whose timestamp is outside ±tolerance', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventBodyArb,
        toleranceArb.chain((tolerance) => fc.tuple(fc.constant(tolerance), outsideToleranceArb(tolerance ?? DEFAULT_TOLERANCE_S))),
        async (body, [tolerance, offset]) => {
          const header = sandboxSignatureHeader(body, WEBHOOK_SECRET, NOW_S + offset);
          expectRefused(await outcomeOf(() => provider(tolerance).verifyWebhook!(body, headersOf([[SANDBOX_SIGNATURE_HEADER, header]]))));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('(c) accepts a valid signature whose timestamp is within ±tolerance (both directions, edges included)', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventBodyArb,
        toleranceArb.chain((tolerance) => {
          const limit = tolerance ?? DEFAULT_TOLERANCE_S;
          return fc.tuple(fc.constant(tolerance), fc.oneof(fc.integer({ min: -limit, max: limit }), fc.constantFrom(limit, -limit, 0)));
        }),
        async (body, [tolerance, offset]) => {
          const header = sandboxSignatureHeader(body, WEBHOOK_SECRET, NOW_S + offset);
          const outcome = await outcomeOf(() => provider(tolerance).verifyWebhook!(body, headersOf([[SANDBOX_SIGNATURE_HEADER, header]])));
          expect(outcome.accepted, outcome.accepted ? '' : String(outcome.error)).toBe(true);
          if (outcome.accepted) expect(outcome.webhook.eventId).toBe((JSON.parse(body) as { id: string }).id);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
