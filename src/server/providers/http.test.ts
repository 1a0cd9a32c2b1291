import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeHttpServer, type FakeHttpServer } from '../test-support/fake-http.js';
import {
  assertFreshTimestamp,
  basicAuth,
  dropSessionPlaceholder,
  globalFetch,
  hexDigestsEqual,
  hmacSha256Hex,
  joinUrl,
  ProviderInputError,
  requestJson,
} from './http.js';
import { ProviderError, WebhookVerificationError } from './types.js';

describe('provider HTTP helpers', () => {
  it('builds Basic auth with the key as user name and an empty password', () => {
    expect(basicAuth('priv_abc')).toBe(`Basic ${Buffer.from('priv_abc:').toString('base64')}`);
  });

  it('joins base URLs and paths with exactly one slash', () => {
    expect(joinUrl('https://a.example/', '/v1/x')).toBe('https://a.example/v1/x');
    expect(joinUrl('https://a.example/base', 'v1/x')).toBe('https://a.example/base/v1/x');
  });

  it('compares hex digests in constant time, case-insensitively, and rejects other lengths', () => {
    const digest = hmacSha256Hex('key', 'data');
    expect(digest).toBe('5031fe3d989c6d1537a013fa6e739da23463fdaec3b70137d828e36ace221bd0');
    expect(hexDigestsEqual(digest, digest.toUpperCase())).toBe(true);
    expect(hexDigestsEqual(digest, digest.slice(0, -1))).toBe(false);
    expect(hexDigestsEqual(digest, `${digest.slice(0, -1)}1`)).toBe(false);
  });

  it('accepts timestamps inside the window and rejects old, future and missing ones', () => {
    const now = 1_000_000_000_000;
    expect(() => assertFreshTimestamp(now - 299_000, now, 300)).not.toThrow();
    expect(() => assertFreshTimestamp(now - 301_000, now, 300)).toThrow(WebhookVerificationError);
    expect(() => assertFreshTimestamp(now + 301_000, now, 300)).toThrow(WebhookVerificationError);
    expect(() => assertFreshTimestamp(Number.NaN, now, 300)).toThrow(/missing/);
  });

  it('drops only the parameters that carry {SESSION_ID}', () => {
    expect(dropSessionPlaceholder('p', 'https://s.example/r?checkout_session={SESSION_ID}&a=1')).toBe('https://s.example/r?a=1');
    expect(dropSessionPlaceholder('p', 'https://s.example/r?checkout_session=%7BSESSION_ID%7D')).toBe('https://s.example/r');
    expect(dropSessionPlaceholder('p', 'https://s.example/r?a=1')).toBe('https://s.example/r?a=1');
    expect(() => dropSessionPlaceholder('p', 'https://s.example/{SESSION_ID}/r')).toThrow(ProviderInputError);
  });

  describe('requestJson', () => {
    let fake: FakeHttpServer;
    beforeEach(async () => {
      fake = await startFakeHttpServer(() => ({ body: { ok: true } }));
    });
    afterEach(() => fake.close());

    const call = (extra: Partial<Parameters<typeof requestJson>[0]> = {}) =>
      requestJson({
        provider: 'acme',
        action: 'do a thing',
        fetch: globalFetch,
        url: `${fake.url}/x`,
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
        timeoutMs: 2_000,
        ...extra,
      });

    it('returns status and parsed JSON', async () => {
      await expect(call()).resolves.toEqual({ status: 200, body: { ok: true } });
      expect(fake.requests[0]).toMatchObject({ method: 'POST', url: '/x', body: '{}' });
    });

    it('returns an accepted non-2xx status instead of throwing', async () => {
      fake.respond(() => ({ status: 404, body: { error: 'nope' } }));
      await expect(call({ acceptStatuses: [404] })).resolves.toEqual({ status: 404, body: { error: 'nope' } });
    });

    it('reports an unreachable provider as a ProviderError', async () => {
      await fake.close();
      const error = await call().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toMatch(/^acme: do a thing failed: network error/);
    });

    it('shortens long error bodies', async () => {
      fake.respond(() => ({ status: 500, body: 'x'.repeat(1000) }));
      const error = (await call().catch((caught: unknown) => caught)) as ProviderError;
      expect(error.providerStatus).toBe(500);
      expect(error.message.length).toBeLessThan(300);
    });
  });
});
