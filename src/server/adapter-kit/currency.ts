/**
 * Currency exponents (ISO 4217 minor units) for providers that take amounts as decimal strings
 * (Mollie's `"10.00"`): the handler prices in minor units, the adapter writes the decimal string.
 */

/** ISO 4217 currencies without minor units (exponent 0). */
const EXPONENT_0 = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
/** ISO 4217 currencies with three decimals. */
const EXPONENT_3 = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

/** Decimals of a currency (JPY 0, EUR 2, KWD 3); 2 for any other code. */
export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  return EXPONENT_0.has(code) ? 0 : EXPONENT_3.has(code) ? 3 : 2;
}

/** Minor units as the decimal string with exactly the currency's decimals: 1000 EUR → "10.00", 1000 JPY → "1000". */
export function minorToDecimal(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`amount must be a whole number of minor units, got ${amount}`);
  const exponent = currencyExponent(currency);
  if (exponent === 0) return String(amount);
  const digits = String(amount).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** A decimal string back in minor units ("10.00" EUR → 1000); undefined unless it has the currency's decimals exactly. */
export function decimalToMinor(value: string, currency: string): number | undefined {
  const exponent = currencyExponent(currency);
  const match = (exponent === 0 ? /^(\d+)$/ : new RegExp(`^(\\d+)\\.(\\d{${exponent}})$`)).exec(value);
  if (!match) return undefined;
  const minor = Number(`${match[1]}${match[2] ?? ''}`);
  return Number.isSafeInteger(minor) ? minor : undefined;
}
