import * as z from 'zod/mini';
import type { CheckoutSession } from '../protocol.js';
import { isHttpUrl } from './contract-check.js';
import { contractShape, describeIssue, invalidSession } from './contract.js';
import type { SessionShapeContext } from './types.js';

/** Helpers shared by the provider-native shapes: each maps its JSON onto the contract session. */

export const text = z.string().check(z.minLength(1));

export const httpUrl = z.string().check(z.refine(isHttpUrl, 'must be an absolute http(s) URL'));

/** Whole non-negative numbers: amounts in minor units, Unix timestamps. */
export const count = z.number().check(z.refine(Number.isSafeInteger, 'must be an integer'), z.nonnegative());

export function isObject(json: unknown): json is Record<string, unknown> {
  return typeof json === 'object' && json !== null;
}

/** Parses with the shape's schema; the first issue becomes an `invalid_session` naming the native field. */
export function parseNative<S extends z.ZodMiniType>(schema: S, json: unknown): z.infer<S> {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  throw invalidSession(first ? describeIssue(first, json) : 'session is invalid');
}

/** Unix seconds (how Stripe and ConvergeGate write times) to the contract's ISO 8601. */
export function isoFromUnix(seconds: number | null | undefined): string | undefined {
  if (seconds === null || seconds === undefined) return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * Ends every native shape in the contract's own checks (publishable key from the attribute,
 * `pk_` only, url per kind), so a native response can never carry more than a contract one.
 */
export function toContractSession(fields: Record<string, unknown>, context: SessionShapeContext): CheckoutSession {
  const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null));
  return contractShape.normalize(present, context);
}
