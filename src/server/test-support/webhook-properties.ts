/**
 * What the webhook verifiers' property tests share: settling a call (a hang fails the test), the
 * two ways a verifier may answer, header-shaped arbitraries, and the whole suite for a scheme that
 * signs in headers (`describeHeaderSchemeProperties`), so a provider's file holds its specifics only.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError, type PaymentProvider, type VerifiedWebhook } from '../provider-api/types.js';

/** A call that takes longer than this has hung. */
export const HANG_MS = 2_000;

export type Outcome = { accepted: true; webhook: VerifiedWebhook } | { accepted: false; error: unknown };

/** Settles the call; fails when it takes longer than HANG_MS. */
export async function outcomeOf(call: () => Promise<VerifiedWebhook>): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`verifyWebhook did not settle within ${HANG_MS} ms`)), HANG_MS);
  });
  try {
    const webhook = await Promise.race([Promise.resolve().then(call), hang]);
    return { accepted: true, webhook };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('verifyWebhook did not settle')) throw error;
    return { accepted: false, error };
  } finally {
    clearTimeout(timer);
  }
}

/** Refused, and refused the documented way (never a TypeError, RangeError, …). */
export function expectRefused(outcome: Outcome): void {
  expect(outcome.accepted, 'expected the webhook to be refused').toBe(false);
  if (!outcome.accepted) expect(outcome.error).toBeInstanceOf(WebhookVerificationError);
}

/** Either outcome is fine, but a refusal is a `WebhookVerificationError` and an acceptance is well formed. */
export function expectWellBehaved(outcome: Outcome): void {
  if (!outcome.accepted) {
    expect(outcome.error).toBeInstanceOf(WebhookVerificationError);
    return;
  }
  expect(typeof outcome.webhook.eventId === 'string' && outcome.webhook.eventId.length > 0).toBe(true);
  expect(typeof outcome.webhook.type === 'string' && outcome.webhook.type.length > 0).toBe(true);
  if (outcome.webhook.sessionId !== undefined) expect(typeof outcome.webhook.sessionId).toBe('string');
}

/** Header lists as a request carries them: `Headers.append` joins duplicates with ", ". */
export function headersOf(entries: readonly (readonly [string, string])[]): Headers {
  const headers = new Headers();
  for (const [name, value] of entries) headers.append(name, value);
  return headers;
}

/** A character an HTTP header value can carry (undici reads header bytes as latin1; no NUL, CR, LF). */
export const headerCharArb = fc
  .integer({ min: 1, max: 255 })
  .filter((code) => code !== 10 && code !== 13)
  .map((code) => String.fromCharCode(code));
/** Unicode as it arrives in a header: its UTF-8 bytes, read as latin1. */
export function asWireHeader(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1').replace(/[\0\r\n]/g, '');
}
export const hexArb = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length });

/** Replaces the code point at `at` (modulo length) with `replacement`; undefined when they are the same. */
export function replaceCodePoint(text: string, at: number, replacement: string): string | undefined {
  const points = Array.from(text);
  if (points.length === 0) return undefined;
  const index = at % points.length;
  if (points[index] === replacement) return undefined;
  points[index] = replacement;
  return points.join('');
}
/** Replaces, inserts or deletes one code point; undefined when that changes nothing. */
export function editCodePoints(text: string, at: number, op: 'replace' | 'insert' | 'delete', point: string): string | undefined {
  const points = Array.from(text);
  const index = at % (points.length + 1);
  if (op === 'insert') points.splice(index, 0, point);
  else if (index === points.length) return undefined;
  else if (op === 'delete') points.splice(index, 1);
  else if (points[index] === point) return undefined;
  else points[index] = point;
  return points.join('');
}
export const codePointArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
export const editArb = fc.record({ at: fc.nat(), op: fc.constantFrom('replace', 'insert', 'delete') as fc.Arbitrary<'replace' | 'insert' | 'delete'>, point: codePointArb });
export const outsideToleranceArb = (tolerance: number) =>
  fc.oneof(fc.integer({ min: tolerance + 1, max: 1_000_000_000 }), fc.integer({ min: -1_000_000_000, max: -tolerance - 1 }), fc.constantFrom(tolerance + 1, -tolerance - 1));
export const toleranceArb = fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 86_400 }));


// ---------------------------------------------------------------------------------------------
// The suite for a scheme whose signature travels in headers (sandbox, Stripe, ConvergeGate)

/** Near a `t=<unix s>,v1=<hex>` scheme (the sandbox's, Stripe's): well-formed parts with wrong, odd or duplicated values. */
export function timestampedHeaderValueArb(nowS: number): fc.Arbitrary<string> {
  const digitsArb = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 14 });
  const huge = [
    `t=${'9'.repeat(50_000)},v1=${'a'.repeat(64)}`,
    `t=${nowS},v1=${'0'.repeat(100_000)}`,
    `${`t=${nowS},`.repeat(10_000)}v1=${'f'.repeat(64)}`,
    `t=${nowS},${`v1=${'ab'.repeat(32)},`.repeat(5_000)}`,
    `${`v1=${'ab'.repeat(32)},`.repeat(5_000)}t=${nowS}`,
    '='.repeat(100_000),
    ','.repeat(100_000),
  ];
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: headerCharArb, maxLength: 200 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map(asWireHeader) },
    {
      weight: 4,
      arbitrary: fc
        .array(
          fc.oneof(
            fc.tuple(fc.constantFrom('t', 'T', ' t', 't '), fc.oneof(digitsArb, fc.constant(String(nowS)), fc.string({ maxLength: 12 }))),
            fc.tuple(fc.constantFrom('v1', 'V1', 'v0', ' v1', 'v1 '), fc.oneof(hexArb(64), hexArb(63), hexArb(65), hexArb(2), fc.string({ maxLength: 70 }))),
            fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 8 })),
          ),
          { maxLength: 5 },
        )
        .chain((parts) => fc.constantFrom(',', ', ', ';', ' ').map((separator) => parts.map(([key, value]) => `${key}=${value}`).join(separator))),
    },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 't=', 'v1=', `t=${nowS}`, `v1=${'a'.repeat(64)}`, ...huge) },
  );
}

/** When a signed timestamp is sent: `at` is what the signer puts in (unix seconds, or the provider's own form). */
export interface SignedAt {
  tolerance: number | undefined;
  at: number | string;
}

/** Offsets in whole seconds from `nowS`, inside or outside ±tolerance (edges included). */
export function secondsOffsetArb(nowS: number, defaultTolerance: number, inside: boolean): fc.Arbitrary<SignedAt> {
  return toleranceArb.chain((tolerance) => {
    const limit = tolerance ?? defaultTolerance;
    const offset = inside
      ? fc.oneof(fc.integer({ min: -limit, max: limit }), fc.constantFrom(limit, -limit, 0))
      : outsideToleranceArb(limit);
    return offset.map((seconds) => ({ tolerance, at: nowS + seconds }));
  });
}

export interface HeaderSchemeSpec {
  name: string;
  runs?: number;
  /** The adapter under test, on a fixed clock; `tolerance` undefined means its default. */
  provider(tolerance?: number): PaymentProvider;
  /** The configured secret, and the signed headers for `body` (at now unless `at` is given). */
  secret: string;
  sign(body: string, options?: { at?: number | string; secret?: string }): Promise<[string, string][]>;
  /** The headers the scheme reads: junk is sent under these names (in any case) too. */
  signatureHeaders: readonly string[];
  /** Other names junk is sent under. */
  otherHeaders: readonly string[];
  headerValueArb: fc.Arbitrary<string>;
  /** A typical event, also among the arbitrary bodies. */
  sampleBody: string;
  /** What the sample is accepted as. */
  sampleWebhook: Partial<VerifiedWebhook>;
  /** Events as the provider sends them, with arbitrary ids. */
  eventBodyArb: fc.Arbitrary<string>;
  /** Whether the hex MAC is read case-insensitively (a case change is then the same signature). */
  macIgnoresCase: boolean;
  /** Signing times inside (`true`) or outside ±tolerance. */
  signedAtArb(inside: boolean): fc.Arbitrary<SignedAt>;
  /** Extra checks of an accepted event (e.g. its event id). */
  expectAccepted?(body: string, webhook: VerifiedWebhook): void;
}

/**
 * The properties every header-signed scheme must have:
 * (a) arbitrary bodies and headers are refused with `WebhookVerificationError` and nothing else;
 * (b) a signed delivery changed in any signed part (body, timestamp, the MAC) is refused;
 * (c) a valid signature is accepted exactly when its timestamp is within the tolerance.
 */
export function describeHeaderSchemeProperties(spec: HeaderSchemeSpec): void {
  const numRuns = spec.runs ?? 150;
  const { provider, sign, eventBodyArb } = spec;
  const verify = (body: string, entries: readonly (readonly [string, string])[], tolerance?: number) =>
    outcomeOf(() => verifiedEvent(provider(tolerance), body, headersOf(entries)));

  const names = spec.signatureHeaders.flatMap((name) => [name, name.toLowerCase(), name.toUpperCase()]);
  const headerNameArb = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...names) },
    { weight: 1, arbitrary: fc.constantFrom(...spec.otherHeaders) },
    { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/) },
  );
  /** Header lists: missing, once, or duplicated. */
  const headerEntriesArb = fc.array(fc.tuple(headerNameArb, spec.headerValueArb), { maxLength: 5 });
  const bodyArb: fc.Arbitrary<string> = fc.oneof(
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '{}', '[]', '"x"', spec.sampleBody, 'x'.repeat(200_000), `{"id":"${'é'.repeat(50_000)}"}`) },
  );

  describe(`${spec.name} verifyWebhook (property)`, () => {
    it('sanity: a signed event now is accepted', async () => {
      const outcome = await verify(spec.sampleBody, await sign(spec.sampleBody));
      expect(outcome).toMatchObject({ accepted: true, webhook: spec.sampleWebhook });
    });

    it('(a) refuses arbitrary bodies under arbitrary headers (missing, huge, unicode, duplicated) with WebhookVerificationError only', async () => {
      await fc.assert(
        fc.asyncProperty(bodyArb, headerEntriesArb, async (body, entries) => expectRefused(await verify(body, entries))),
        { numRuns },
      );
    });

    it('(a) refuses an arbitrary body under valid headers for another body, alone or duplicated with junk', async () => {
      await fc.assert(
        fc.asyncProperty(eventBodyArb, bodyArb, headerEntriesArb, fc.boolean(), async (signedBody, sentBody, junk, junkFirst) => {
          fc.pre(signedBody !== sentBody);
          const valid = await sign(signedBody);
          expectRefused(await verify(sentBody, junkFirst ? [...junk, ...valid] : [...valid, ...junk]));
        }),
        { numRuns },
      );
    });

    it('(a) a validly signed arbitrary body, with junk headers beside it, is accepted or refused with WebhookVerificationError, never another error', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(bodyArb, eventBodyArb), headerEntriesArb, async (body, junk) => {
          expectWellBehaved(await verify(body, [...(await sign(body)), ...junk]));
        }),
        { numRuns },
      );
    });

    it('(b) refuses a signed event whose body was changed at any code point (replaced, inserted, deleted)', async () => {
      await fc.assert(
        fc.asyncProperty(eventBodyArb, editArb, async (body, { at, op, point }) => {
          const tampered = editCodePoints(body, at, op, point);
          fc.pre(tampered !== undefined && tampered !== body);
          expectRefused(await verify(tampered!, await sign(body)));
        }),
        { numRuns },
      );
    });

    it('(b) refuses a signed event whose signature headers were changed at any position', async () => {
      await fc.assert(
        fc.asyncProperty(eventBodyArb, fc.nat(), fc.nat(), headerCharArb, async (body, which, at, replacement) => {
          const entries = await sign(body);
          const index = which % entries.length;
          const [name, value] = entries[index]!;
          const position = at % value.length;
          const same = spec.macIgnoresCase ? value[position]!.toLowerCase() === replacement.toLowerCase() : value[position] === replacement;
          fc.pre(!same);
          // (A space at either end is trimmed away by Headers: a deletion instead, still a change.)
          entries[index] = [name, replaceCodePoint(value, position, replacement)!];
          expectRefused(await verify(body, entries));
        }),
        { numRuns },
      );
    });

    it('(b) refuses a signature made with another secret', async () => {
      await fc.assert(
        fc.asyncProperty(eventBodyArb, fc.string({ minLength: 1, maxLength: 40 }), async (body, secret) => {
          fc.pre(secret !== spec.secret);
          expectRefused(await verify(body, await sign(body, { secret })));
        }),
        { numRuns },
      );
    });

    it('(c) refuses a valid signature whose timestamp is outside ±tolerance (past and future)', async () => {
      await fc.assert(
        fc.asyncProperty(eventBodyArb, spec.signedAtArb(false), async (body, { tolerance, at }) => {
          expectRefused(await verify(body, await sign(body, { at }), tolerance));
        }),
        { numRuns },
      );
    });

    it('(c) accepts a valid signature whose timestamp is within ±tolerance (both directions, edges included)', async () => {
      await fc.assert(
        fc.asyncProperty(eventBodyArb, spec.signedAtArb(true), async (body, { tolerance, at }) => {
          const outcome = await verify(body, await sign(body, { at }), tolerance);
          expect(outcome.accepted, outcome.accepted ? '' : String(outcome.error)).toBe(true);
          expectWellBehaved(outcome);
          if (outcome.accepted) spec.expectAccepted?.(body, outcome.webhook);
        }),
        { numRuns },
      );
    });
  });
}

/** What `provider.verifyWebhook` returned, as the one event a scheme with one event per delivery gives; throws on a batch. */
export async function verifiedEvent(
  provider: PaymentProvider,
  ...args: Parameters<NonNullable<PaymentProvider['verifyWebhook']>>
): Promise<VerifiedWebhook> {
  const verified = await provider.verifyWebhook!(...args);
  if (Array.isArray(verified)) throw new Error(`expected one event, got a batch of ${verified.length}`);
  return verified as VerifiedWebhook;
}
