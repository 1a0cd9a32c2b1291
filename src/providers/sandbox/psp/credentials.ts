/** The keys callers prove themselves with: the secret key (Basic auth, the API) and the public key (card frame). */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface PspCredentials {
  /** Handed to the shop with a card-token session, for its card frame. */
  readonly publicKey: string;
  /** The `Authorization` header carries the secret key as the Basic auth user name. */
  hasSecretKey(authorization: string | undefined): boolean;
  isPublicKey(key: string): boolean;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function createCredentials(secretKey: string): PspCredentials {
  const secretDigest = digest(secretKey);
  // Derived from the secret, so a restarted sandbox with the same keys file keeps its public key.
  const publicKey = `pk_sbx_${createHmac('sha256', secretKey).update('sandbox public key').digest('hex').slice(0, 32)}`;
  const publicKeyDigest = digest(publicKey);
  return {
    publicKey,
    hasSecretKey(authorization) {
      const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
      if (!match) return false;
      const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
      const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
      // Compare digests: equal length, constant time, whatever the caller sent.
      return timingSafeEqual(digest(user), secretDigest);
    },
    isPublicKey: (key) => timingSafeEqual(digest(key), publicKeyDigest),
  };
}
