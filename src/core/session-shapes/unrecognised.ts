import { invalidSession } from './contract.js';
import { isObject } from './native.js';
import type { SessionShape } from './types.js';
import { PROVIDER_SHAPES } from '../../provider-registry/shapes.generated.js';

/** What an endpoint may answer with: the contract, or a provider folder's native shape. */
export const ACCEPTED_SHAPES = ['a contract session { id, provider, kind, status, … }', ...PROVIDER_SHAPES.map((shape) => shape.name)];

/**
 * The last shape: JSON that carries none of the contract's identifying fields is no near miss of
 * it, so rather than "session.id is required" the error lists what would have been understood.
 * JSON with some of them falls through to the contract, whose error names the missing field.
 */
export const unrecognisedShape: SessionShape = {
  name: 'unrecognised',
  recognises: (json) => isObject(json) && !['id', 'provider', 'kind', 'status'].some((field) => field in json),
  normalize() {
    throw invalidSession(`session is not a known shape; expected ${ACCEPTED_SHAPES.join(', or ')}`);
  },
};
