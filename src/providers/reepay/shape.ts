import * as z from 'zod/mini';
import type { CheckoutSession } from '../../core/protocol.js';
import { httpUrl, isObject, parseNative, toContractSession } from '../../core/session-shapes/native.js';
import type { SessionShape, SessionShapeContext } from '../../core/session-shapes/types.js';

/** Reepay (Frisbii) Checkout session ids: charge (`cs_`) and recurring (`pa_`) sessions. */
export const REEPAY_SESSION_ID = /^(cs|pa)_[a-f0-9]{32}$/;

/** Reepay's `POST /v1/session/charge` (or `/recurring`) answer: `{ id, url }`. */
const reepaySessionSchema = z.object({
  id: z.string().check(z.regex(REEPAY_SESSION_ID, 'must be a Reepay session id (cs_… or pa_…)')),
  url: httpUrl,
});

function normalize(json: unknown, context: SessionShapeContext): CheckoutSession {
  const { id, url } = parseNative(reepaySessionSchema, json);
  // A just-created session is open; its later state is read from the backend, not from Reepay.
  return toContractSession({ id, url, provider: 'reepay', kind: 'reepay', status: 'open' }, context);
}

/** Tried among the native shapes lowest first; see the registry (npm run providers). */
export const SHAPE_PRECEDENCE = 30;

export const reepaySessionShape: SessionShape = {
  name: 'Reepay session { id: cs_…|pa_…, url }',
  recognises: (json) => isObject(json) && typeof json.id === 'string' && REEPAY_SESSION_ID.test(json.id),
  normalize,
};
