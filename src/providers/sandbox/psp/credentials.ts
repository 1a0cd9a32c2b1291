/**
 * The keys callers prove themselves with: the secret key (Basic auth, the API), and the browser
 * keys a session hands the shop page: the public key (card frame), the profile id (the Mollie.js
 * double's) and the client key (the Adyen Web double's).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface PspCredentials {
  /** Handed to the shop with a card-token session, for its card frame. */
  readonly publicKey: string;
  /** Handed to the shop with a Mollie Components-like card-token session (`pfl_…`, as Mollie's). */
  readonly profileId: string;
  /** Handed to the shop with a Drop-in session (`test_…`, as Adyen's test client keys). */
  readonly clientKey: string;
  /** The `Authorization` header carries the secret key as the Basic auth user name. */
  hasSecretKey(authorization: string | undefined): boolean;
  isPublicKey(key: string): boolean;
  /** The public key or the profile id: the keys that may ask `POST /v1/tokens` for a token. */
  mayTokenize(key: string): boolean;
  isClientKey(key: string): boolean;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function createCredentials(secretKey: string): PspCredentials {
  const secretDigest = digest(secretKey);
  // Derived from the secret, so a restarted sandbox with the same keys file keeps its public key.
  const derived = (purpose: string) => createHmac('sha256', secretKey).update(purpose).digest('hex').slice(0, 32);
  const publicKey = `pk_sbx_${derived('sandbox public key')}`;
  const profileId = `pfl_sbx${derived('sandbox profile id')}`;
  const clientKey = `test_sbx${derived('sandbox client key')}`;
  const publicKeyDigest = digest(publicKey);
  const profileIdDigest = digest(profileId);
  const clientKeyDigest = digest(clientKey);
  return {
    publicKey,
    profileId,
    clientKey,
    hasSecretKey(authorization) {
      const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
      if (!match) return false;
      const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
      const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
      // Compare digests: equal length, constant time, whatever the caller sent.
      return timingSafeEqual(digest(user), secretDigest);
    },
    isPublicKey: (key) => timingSafeEqual(digest(key), publicKeyDigest),
    mayTokenize: (key) => timingSafeEqual(digest(key), publicKeyDigest) || timingSafeEqual(digest(key), profileIdDigest),
    isClientKey: (key) => timingSafeEqual(digest(key), clientKeyDigest),
  };
}
