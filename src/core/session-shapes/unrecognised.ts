import { invalidSession } from './contract.js';
import { isObject } from './native.js';
import type { SessionShape } from './types.js';

/** What an endpoint may answer with: the contract, or one of the provider-native shapes (by name). */
export function acceptedShapes(providerShapes: readonly SessionShape[]): string[] {
  return ['a contract session { id, provider, kind, status, … }', ...providerShapes.map((shape) => shape.name)];
}

/**
 * The last shape: JSON that carries none of the contract's identifying fields is no near miss of
 * it, so rather than "session.id is required" the error lists what would have been understood
 * (`acceptedShapes`). JSON with some of them falls through to the contract, whose error names the
 * missing field.
 */
export function unrecognisedShape(providerShapes: readonly SessionShape[]): SessionShape {
  const expected = acceptedShapes(providerShapes).join(', or ');
  return {
    name: 'unrecognised',
    recognises: (json) => isObject(json) && !['id', 'provider', 'kind', 'status'].some((field) => field in json),
    normalize() {
      throw invalidSession(`session is not a known shape; expected ${expected}`);
    },
  };
}
