import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeHttpServer, type FakeHttpServer } from '../test-support/fake-http.js';
import { ProviderError } from '../provider-api/types.js';
import { basicAuth, bearerAuth, globalFetch, joinUrl, requestJson } from './http-client.js';

describe('adapter HTTP client', () => {
  it('builds Basic auth with the key as user name and an empty password', () => {
    expect(basicAuth('priv_abc')).toBe(`Basic ${Buffer.from('priv_abc:').toString('base64')}`);
    // UTF-8, as Buffer encodes it: btoa alone would refuse a character above U+00FF.
    expect(basicAuth('nøgle', 'pässwörd✓')).toBe(`Basic ${Buffer.from('nøgle:pässwörd✓', 'utf8').toString('base64')}`);
    expect(bearerAuth('tok')).toBe('Bearer tok');
  });

  it('joins base URLs and paths with exactly one slash', () => {
    expect(joinUrl('https://a.example/', '/v1/x')).toBe('https://a.example/v1/x');
    expect(joinUrl('https://a.example/base', 'v1/x')).toBe('https://a.example/base/v1/x');
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

    it('disarms its timeout once the answer is read: the finished call\'s signal is never aborted', async () => {
      const signals: AbortSignal[] = [];
      const fetchAndKeep: typeof globalFetch = (input, init) => (signals.push(init.signal!), globalFetch(input, init));
      await expect(call({ fetch: fetchAndKeep, timeoutMs: 1_000 })).resolves.toEqual({ status: 200, body: { ok: true } });
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(signals).toHaveLength(1);
      expect(signals[0]!.aborted).toBe(false);
    });

    it('reports an answer that does not come within the timeout', async () => {
      const hanging: typeof globalFetch = (_input, init) =>
        new Promise((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)));
      const error = (await call({ fetch: hanging, timeoutMs: 30 }).catch((caught: unknown) => caught)) as ProviderError;
      expect(error).toBeInstanceOf(ProviderError);
      expect(error.message).toBe('acme: do a thing failed: no answer within 30 ms');
    });

    it('shortens long error bodies', async () => {
      fake.respond(() => ({ status: 500, body: 'x'.repeat(1000) }));
      const error = (await call().catch((caught: unknown) => caught)) as ProviderError;
      expect(error.providerStatus).toBe(500);
      expect(error.message.length).toBeLessThan(300);
    });
  });
});
