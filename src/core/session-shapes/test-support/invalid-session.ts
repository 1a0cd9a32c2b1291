import { expect } from 'vitest';
import { CheckoutError } from '../../errors.js';

/** Runs `parse` and returns its `invalid_session` error; fails the test when it does not throw one. */
export function invalidSessionOf(parse: () => unknown): CheckoutError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(CheckoutError);
    expect((error as CheckoutError).code).toBe('invalid_session');
    return error as CheckoutError;
  }
  throw new Error('expected an invalid_session error');
}
