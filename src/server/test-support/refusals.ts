import { expect } from 'vitest';
import type { CheckoutSession } from '../../core/protocol.js';

/** Sends `path` (below the handler's origin) to the handler however it is served. */
export type Send = (path: string, init?: RequestInit) => Promise<Response>;

/** A request the handler (or the server before it) refuses, and the status it is refused with. */
export const REFUSALS: [string, number, (send: Send) => Promise<Response>][] = [
  ['a URL over 8 KiB', 414, (send) => send(`/api/checkout/${'a'.repeat(8300)}`)],
  ['headers over 16 KiB', 431, (send) => send('/api/checkout/sessions/x', { headers: { 'x-padding': 'a'.repeat(16_500) } })],
  [
    'a body over the create limit',
    413,
    (send) => send('/api/checkout/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"items":[],"pad":"${'a'.repeat(70_000)}"}` }),
  ],
  ['a method the route has not', 405, (send) => send('/api/checkout/sessions', { method: 'DELETE' })],
  ['a path the handler has not', 404, (send) => send('/api/checkout/nothing-here')],
];

/** Create and read, as a widget's next checkout would ask: both answered, JSON, `nosniff`. */
export async function answersAsBefore(send: Send, body: unknown, origin: string): Promise<void> {
  const created = await send('/api/checkout/sessions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify(body),
  });
  expect(created.status).toBe(201);
  expect(created.headers.get('x-content-type-options')).toBe('nosniff');
  const session = (await created.json()) as CheckoutSession;
  const read = await send(`/api/checkout/sessions/${session.id}`);
  expect(read.status).toBe(200);
  expect(((await read.json()) as CheckoutSession).id).toBe(session.id);
}
