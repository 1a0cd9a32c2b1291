/**
 * Checks of an adapter's factory options: a misconfiguration fails at start-up with a message
 * that names the provider and the option, never at the first payment.
 */

/** Reads a positive number option, with a clear error for nonsense. */
export function positiveNumber(provider: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${provider}: option ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/** Reads a required string option, with a clear error when it is missing. */
export function requiredString(provider: string, name: string, value: string | undefined): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${provider}: option ${name} is required`);
  }
  return value;
}

/**
 * Reads a key option that must match its provider's pattern (`sk_…`, `priv_…`), so a key of
 * the wrong kind (a publishable key, another provider's) fails at start-up. The message shows
 * only what the key should look like, never the value.
 */
export function keyOption(provider: string, name: string, value: string | undefined, pattern: RegExp, kind: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new TypeError(`${provider}: option ${name} must be ${kind}`);
  }
  return value;
}

/** Reads an absolute URL option, without a trailing slash (paths are joined onto it). */
export function absoluteUrl(provider: string, name: string, value: string | undefined): string {
  try {
    return new URL(value ?? '').href.replace(/\/+$/, '');
  } catch {
    throw new TypeError(`${provider}: option ${name} must be an absolute URL (got "${String(value)}")`);
  }
}
