/**
 * Value helpers of the core, in a module of their own so the message filter (only the hosted
 * renderer needs it) goes with that renderer's chunk.
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The origin of an absolute or page-relative URL, or undefined when it has none. */
export function originOf(url: string | undefined, base?: string): string | undefined {
  if (!url) return undefined;
  try {
    const origin = new URL(url, base).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}
