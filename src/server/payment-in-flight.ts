import { isPaymentInFlight } from '../core/protocol.js';
import type { Shopper } from './handler-types.js';
import { createKey } from './idempotency.js';
import type { HandlerConfig } from './options.js';
import { callProvider } from './provider-calls.js';
import type { CreateSessionBody } from './request-schema.js';
import { sha256 } from './web-crypto.js';

/**
 * A second payment for a cart whose first is still under way (docs/protocol.md, "A payment in
 * flight"): the create route remembers which session each identified cart got, and refuses a new
 * create for that cart (`409 payment_in_flight`) while its order is `pending` and its provider,
 * read fresh, reports the payment on that session in flight. A replay of the create that made
 * the session (the same `Idempotency-Key`) is not a second attempt and gets its answer.
 */

/** The provider-record namespace of the cart → session links (any store has provider records). */
export const CART_RECORDS = 'checkout:cart';

/** What the store keeps per cart: the session it last got and the create key that made it. */
interface CartRecord {
  sessionId: string;
  key?: string;
}

/**
 * The cart a create is for, as a key; undefined for a cart that names nobody (no logged-in
 * shopper, no `customer`, `invoice` or `metadata`): two guests buying the same thing are two carts,
 * so anonymous creates are never refused. The method and provider are not part of it: paying the
 * same cart another way while the first payment runs is the double payment this prevents.
 */
export function cartKey(body: CreateSessionBody, shopper: Shopper | undefined): string | undefined {
  const who = shopper?.customer ?? body.customer;
  if (!who && !body.invoice && !body.metadata) return undefined;
  const items = body.items.map(({ sku, quantity }) => `${sku}\u0000${quantity}`).sort();
  const parts = [items, who ?? null, body.invoice ?? null, body.recurring ?? false, body.metadata ?? null];
  return sha256(JSON.stringify(parts, (_key, value: unknown) => sortedKeys(value)));
}

function sortedKeys(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Links the cart to the session its create made (the latest one wins). */
export function rememberCart(config: Pick<HandlerConfig, 'store'>, cart: string, sessionId: string, idempotencyKey: string | undefined): Promise<void> {
  const record: CartRecord = { sessionId, ...(idempotencyKey && { key: createKey(idempotencyKey) }) };
  return config.store.putProviderRecord(CART_RECORDS, cart, record);
}

/**
 * The session of this cart whose payment is in flight, if any: its order is `pending` and its
 * provider says so now. A provider that cannot be read (or does not tell) refuses nothing.
 */
export async function sessionInFlight(config: HandlerConfig, cart: string, idempotencyKey: string | undefined): Promise<string | undefined> {
  const record = (await config.store.getProviderRecord(CART_RECORDS, cart)) as CartRecord | undefined;
  if (!record?.sessionId) return undefined;
  // The same create again (a retry, a reload): the idempotency answer is the one it gets.
  if (idempotencyKey && record.key === createKey(idempotencyKey)) return undefined;
  const saved = await config.store.getSession(record.sessionId);
  const provider = saved && config.providers.get(saved.provider);
  if (!provider || (await config.store.getOrder(saved.reference))?.status !== 'pending') return undefined;
  try {
    const session = await callProvider(config, provider.name, 'getSession', () => provider.getSession(saved.sessionId));
    return isPaymentInFlight(session) ? session.id : undefined;
  } catch {
    return undefined;
  }
}
