import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { MAX_QUANTITY } from './catalog.js';
import type { ApiIssue } from '../core/protocol.js';

// zod/mini rather than zod: the same checks and issues for a fraction of the bytes in an edge bundle
// (README, "Performance"). Mini loads no messages of its own: English, as zod's classic API gives.
z.config(en());

const MAX_ITEMS = 100;
const MAX_METADATA_KEYS = 20;

/** A string trimmed, then held to a length (zod's `z.string().trim().min(min).max(max)`). */
function trimmed(min: number, max: number, minMessage?: string) {
  return z.string().check(z.trim(), ...(min > 0 ? [z.minLength(min, minMessage)] : []), z.maxLength(max));
}

// Strict objects: a field the contract does not name (an `amount`, a `price`) is refused,
// because prices come from the server catalog and never from the browser.
const itemSchema = z.strictObject({
  sku: trimmed(1, 100, 'sku must not be empty'),
  quantity: z
    .number()
    .check(
      z.int('quantity must be a whole number'),
      z.gte(1, 'quantity must be at least 1'),
      z.lte(MAX_QUANTITY, `quantity must be at most ${MAX_QUANTITY}`),
    ),
});

const customerSchema = z.strictObject({
  handle: z.optional(trimmed(1, 255)),
  email: z.optional(z.email().check(z.maxLength(254))),
  first_name: z.optional(trimmed(0, 100)),
  last_name: z.optional(trimmed(0, 100)),
  phone: z.optional(trimmed(0, 32)),
  country: z.optional(
    z.pipe(
      z.string().check(z.regex(/^[A-Za-z]{2}$/, 'country must be a two-letter ISO 3166 code')),
      z.transform((code: string) => code.toUpperCase()),
    ),
  ),
});

export const createSessionBodySchema = z.strictObject({
  provider: z.optional(trimmed(1, 50)),
  /** A method id routing offers (`card`, `blik`, …): docs/protocol.md, "Methods, routing and failover". */
  method: z.optional(trimmed(1, 50)),
  items: z.array(itemSchema).check(z.minLength(1, 'items must name at least one product'), z.maxLength(MAX_ITEMS)),
  customer: z.optional(customerSchema),
  recurring: z.optional(z.boolean()),
  invoice: z.optional(trimmed(1, 255)),
  locale: z.optional(
    z.string().check(z.regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$/, 'locale must be a language tag such as "da-DK"')),
  ),
  metadata: z.optional(
    z.record(z.string().check(z.minLength(1), z.maxLength(40)), z.string().check(z.maxLength(500))).check(
      z.refine((record) => Object.keys(record).length <= MAX_METADATA_KEYS, {
        message: `metadata may have at most ${MAX_METADATA_KEYS} keys`,
      }),
    ),
  ),
});

export type CreateSessionBody = z.output<typeof createSessionBodySchema>;

/** `POST /sessions/methods`: the create body without `provider` (a `method` is allowed and ignored). */
export const methodsBodySchema = z.omit(createSessionBodySchema, { provider: true });


export function toRequestIssues(error: { issues: readonly z.core.$ZodIssue[] }): ApiIssue[] {
  return error.issues.map((issue) => ({
    code: issue.code,
    path: issue.path.map((part) => (typeof part === 'number' ? part : String(part))),
    message: issue.message,
  }));
}

/** `items[0].sku` style, for messages people read. */
export function formatPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : text ? `.${part}` : part;
  return text || '(body)';
}

export function describeIssues(issues: readonly ApiIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
  return `Invalid request: ${shown.join('; ')}${more}`;
}
