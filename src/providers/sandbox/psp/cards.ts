/** The test cards and BLIK codes the sandbox knows, and the card check its forms and card frame share. */
import type { PayFieldError } from '../page.js';
import type { ChargeBehaviour } from './model.js';

/** Card numbers and BLIK codes the sandbox knows. */
export const SANDBOX_TEST_CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  threeDSecure: '4000000000003220',
  /** Pays and saves like `success`, but every later charge of the saved card is declined. */
  declinesLater: '4000000000000341',
  /** Card-token sessions: the card frame cannot tokenize it ("processing error"). */
  processingError: '4000000000000119',
} as const;

/**
 * BLIK codes for the sandbox's hosted page: one pays, one is declined; any other 6-digit code is
 * refused as invalid.
 */
export const SANDBOX_BLIK_CODES = { success: '777123', declined: '777000' } as const;

/** What the acquirer says when a saved `declinesLater` card is charged. */
export const SANDBOX_DECLINE_REASON = 'Your card was declined.';

export const ONLY_TEST_CARDS = 'The sandbox accepts only its test cards, e.g. 4242 4242 4242 4242.';

/** Cards the card frame tokenizes: the ones a payment has an outcome for. */
export const TOKENIZABLE_CARDS: ReadonlySet<string> = new Set([
  SANDBOX_TEST_CARDS.success,
  SANDBOX_TEST_CARDS.declined,
  SANDBOX_TEST_CARDS.threeDSecure,
  SANDBOX_TEST_CARDS.declinesLater,
]);

function isLuhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * The card number, or the field that is wrong: a hosted form and the card frame check alike.
 * `now` (milliseconds) decides whether the expiry date has passed.
 */
export function checkCard(fields: Record<string, unknown>, now: number): { number: string } | PayFieldError {
  const text = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : '');
  const number = text('number').replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number) || !isLuhnValid(number)) return { field: 'number', message: 'Enter a valid card number.' };
  const expiryMatch = /^(\d{1,2})\s*\/\s*(\d{2}|\d{4})$/.exec(text('expiry').trim());
  const month = Number(expiryMatch?.[1]);
  const year = expiryMatch ? Number(expiryMatch[2]!.length === 2 ? `20${expiryMatch[2]}` : expiryMatch[2]) : NaN;
  const today = new Date(now);
  const expired = year < today.getUTCFullYear() || (year === today.getUTCFullYear() && month < today.getUTCMonth() + 1);
  if (!expiryMatch || month < 1 || month > 12 || expired) {
    return { field: 'expiry', message: 'Enter an expiry date in the future, as MM/YY.' };
  }
  if (!/^\d{3,4}$/.test(text('cvc').trim())) return { field: 'cvc', message: 'Enter the 3 or 4 digit security code.' };
  return { number };
}

/** What paying with one of the tokenizable cards does, wherever it is paid outside the hosted page. */
export type CardOutcome = { result: 'complete'; behaviour: ChargeBehaviour } | { result: 'declined' } | { result: 'challenge' };

/** The outcome of a payment with `number` (one of `TOKENIZABLE_CARDS`): the card token route and the Drop-in double share it. */
export function cardOutcome(number: string): CardOutcome {
  if (number === SANDBOX_TEST_CARDS.declined) return { result: 'declined' };
  if (number === SANDBOX_TEST_CARDS.threeDSecure) return { result: 'challenge' };
  return { result: 'complete', behaviour: number === SANDBOX_TEST_CARDS.declinesLater ? 'declines' : 'succeeds' };
}
