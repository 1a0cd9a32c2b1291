/**
 * What the webhook verifiers' property tests share: settling a call (a hang fails the test), the
 * two ways a verifier may answer, and header-shaped arbitraries.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { WebhookVerificationError, type VerifiedWebhook } from '../providers/types.js';

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

