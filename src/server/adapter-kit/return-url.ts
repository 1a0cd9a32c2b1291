/**
 * The `{SESSION_ID}` placeholder in the return URLs the handler gives an adapter: the adapter
 * turns it into its provider's own placeholder, or drops it where the provider cannot fill one.
 */
import { ProviderInputError } from '../provider-api/types.js';

/**
 * Stands for the session id in `acceptUrl` and `cancelUrl`: a custom provider replaces it with its
 * own id, or its own placeholder.
 */
export const SESSION_ID_PLACEHOLDER = '{SESSION_ID}';

/** The placeholder as written or percent-encoded (URL parsing encodes the braces). */
const PLACEHOLDER_ANYWHERE = /\{SESSION_ID\}|%7BSESSION_ID%7D/gi;

/** The URL with every `{SESSION_ID}` (raw or percent-encoded) replaced by `replacement`. */
export function replaceSessionPlaceholder(url: string, replacement: string): string {
  // A function, so `$` in the replacement is never read as a pattern.
  return url.replace(PLACEHOLDER_ANYWHERE, () => replacement);
}

/**
 * For providers that cannot put their session id into a return URL: drops the query
 * parameters that carry the `{SESSION_ID}` placeholder (the provider adds its own id or the
 * page confirms by reading the session). A placeholder elsewhere in the URL cannot be dropped
 * and is a configuration error.
 */
export function dropSessionPlaceholder(provider: string, url: string): string {
  if (!url.includes(SESSION_ID_PLACEHOLDER) && !url.includes(encodeURI(SESSION_ID_PLACEHOLDER))) {
    return url;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProviderInputError(provider, `${provider}: return URL is not a valid URL: ${url}`);
  }
  for (const [name, value] of [...parsed.searchParams]) {
    if (value.includes(SESSION_ID_PLACEHOLDER)) parsed.searchParams.delete(name, value);
  }
  const rest = decodeURI(`${parsed.origin}${parsed.pathname}${parsed.hash}`);
  if (rest.includes(SESSION_ID_PLACEHOLDER)) {
    throw new ProviderInputError(
      provider,
      `${provider} cannot put its session id into the path of a return URL; pass {SESSION_ID} as a query parameter: ${url}`,
    );
  }
  return parsed.toString();
}
