import { z } from 'zod';
import { MAX_QUANTITY } from './catalog.js';
import type { ApiIssue } from '../core/protocol.js';

const MAX_ITEMS = 100;
const MAX_METADATA_KEYS = 20;

// Strict objects: a field the contract does not name (an `amount`, a `price`) is refused,
// because prices come from the server catalog and never from the browser.
const itemSchema = z.strictObject({
  sku: z.string().trim().min(1, 'sku must not be empty').max(100),
  quantity: z
    .number()
    .int('quantity must be a whole number')
    .min(1, 'quantity must be at least 1')
    .max(MAX_QUANTITY, `quantity must be at most ${MAX_QUANTITY}`),
});

const customerSchema = z.strictObject({
  handle: z.string().trim().min(1).max(255).optional(),
  email: z.email().max(254).optional(),
  first_name: z.string().trim().max(100).optional(),
  last_name: z.string().trim().max(100).optional(),
  phone: z.string().trim().max(32).optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'country must be a two-letter ISO 3166 code')
    .transform((code) => code.toUpperCase())
    .optional(),
});

export const createSessionBodySchema = z.strictObject({
  provider: z.string().trim().min(1).max(50).optional(),
  /** A method id routing offers (`card`, `blik`, …): docs/protocol.md, "Methods, routing and failover". */
  method: z.string().trim().min(1).max(50).optional(),
  items: z.array(itemSchema).min(1, 'items must name at least one product').max(MAX_ITEMS),
  customer: customerSchema.optional(),
  recurring: z.boolean().optional(),
  invoice: z.string().trim().min(1).max(255).optional(),
  locale: z
    .string()
    .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$/, 'locale must be a language tag such as "da-DK"')
    .optional(),
  metadata: z
    .record(z.string().min(1).max(40), z.string().max(500))
    .refine((record) => Object.keys(record).length <= MAX_METADATA_KEYS, {
      message: `metadata may have at most ${MAX_METADATA_KEYS} keys`,
    })
    .optional(),
});

export type CreateSessionBody = z.infer<typeof createSessionBodySchema>;

/** `POST /sessions/methods`: the create body without `provider` (a `method` is allowed and ignored). */
export const methodsBodySchema = createSessionBodySchema.omit({ provider: true });


export function toRequestIssues(error: z.ZodError): ApiIssue[] {
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
