import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError } from '../../server/provider-api/types.js';
import { verifiedEvent } from '../../server/test-support/webhook-properties.js';
import { VIPPS_WEBHOOK_SECRET } from './fake-api.js';
import { createVippsMobilePayProvider } from './server.js';
import { signVippsWebhook, verifyVippsWebhook, vippsContentHash, webhookTarget } from './webhook.js';

// The documented test vector (Webhooks API, "Request authentication"), recomputed in the facts file.
const VECTOR = {
  secret: 'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==',
  url: 'https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63',
  date: 'Thu, 30 Mar 2023 08:38:32 GMT',
  body: '{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}',
  contentHash: 'lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=',
  signature: 'agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=',
};
const AUTHORIZATION = `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${VECTOR.signature}`;
const VECTOR_NOW = Date.parse(VECTOR.date) + 10_000;

function vectorHeaders(overrides: Record<string, string | undefined> = {}): Headers {
  const entries = { 'x-ms-date': VECTOR.date, 'x-ms-content-sha256': VECTOR.contentHash, host: 'webhook.site', authorization: AUTHORIZATION, ...overrides };
  return new Headers(Object.entries(entries).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

const check = (nowMs = VECTOR_NOW) => ({ secret: VECTOR.secret, ...webhookTarget(VECTOR.url), nowMs, toleranceSeconds: 300 });

describe('Vipps MobilePay webhook signer', () => {
  it('gives the documented test vector', async () => {
    expect(await vippsContentHash(VECTOR.body)).toBe(VECTOR.contentHash);
    expect(await signVippsWebhook(VECTOR.secret, VECTOR.url, VECTOR.body, VECTOR.date)).toEqual({
      'x-ms-date': VECTOR.date,
      'x-ms-content-sha256': VECTOR.contentHash,
      host: 'webhook.site',
      authorization: AUTHORIZATION,
    });
  });

  it('agrees with node:crypto (the secret used as UTF-8 text, not base64-decoded), query and port included', async () => {
    const url = 'https://shop.example:8443/api/checkout/webhooks/vipps-mobilepay?tenant=a';
    const body = '{"name":"AUTHORIZED","reference":"ord-5Fabc12345"}';
    const date = 'Fri, 01 May 2026 12:00:00 GMT';
    const hash = createHash('sha256').update(body, 'utf8').digest('base64');
    const mac = createHmac('sha256', Buffer.from(VIPPS_WEBHOOK_SECRET, 'utf8'))
      .update(`POST\n/api/checkout/webhooks/vipps-mobilepay?tenant=a\n${date};shop.example:8443;${hash}`)
      .digest('base64');
    const headers = await signVippsWebhook(VIPPS_WEBHOOK_SECRET, url, body, date);
    expect(headers).toEqual({ 'x-ms-date': date, 'x-ms-content-sha256': hash, host: 'shop.example:8443', authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${mac}` });
    const decoded = createHmac('sha256', Buffer.from(VIPPS_WEBHOOK_SECRET, 'base64')).update('x').digest('base64');
    expect(headers.authorization).not.toContain(decoded);
  });
});

describe('Vipps MobilePay webhook verifier', () => {
  it('accepts the documented delivery', async () => {
    await expect(verifyVippsWebhook(check(), VECTOR.body, vectorHeaders())).resolves.toBeUndefined();
  });

  it.each([
    ['a body changed after signing', { body: VECTOR.body.replace('hello', 'jello') }, /does not match the body/],
    ['another x-ms-content-sha256 (signature over it no longer holds)', { headers: { 'x-ms-content-sha256': 'AAAA' + VECTOR.contentHash.slice(4) } }, /signature does not match/],
    ['another date', { headers: { 'x-ms-date': 'Thu, 30 Mar 2023 08:38:33 GMT' } }, /signature does not match/],
    ['URL-safe base64 of the same MAC', { headers: { authorization: AUTHORIZATION.replace('+', '-') } }, /not "HMAC-SHA256/],
    ['SignedHeaders in another order', { headers: { authorization: AUTHORIZATION.replace('x-ms-date;host', 'host;x-ms-date') } }, /not "HMAC-SHA256/],
    ['no Authorization', { headers: { authorization: undefined } }, /missing/],
    ['no x-ms-date', { headers: { 'x-ms-date': undefined } }, /missing/],
    ['no x-ms-content-sha256', { headers: { 'x-ms-content-sha256': undefined } }, /missing/],
    ['no Host and none configured', { headers: { host: undefined }, host: null }, /missing/],
  ] as const)('refuses %s', async (_, change, reason) => {
    const c = 'host' in change && change.host === null ? { ...check(), host: undefined } : check();
    const body = 'body' in change ? change.body : VECTOR.body;
    const headers = vectorHeaders('headers' in change ? change.headers : {});
    const error = await verifyVippsWebhook(c as Parameters<typeof verifyVippsWebhook>[0], body, headers).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect(String((error as Error).message)).toMatch(reason);
  });

  it('uses the delivery Host when no host is configured', async () => {
    const { host: _host, ...target } = check();
    await expect(verifyVippsWebhook(target, VECTOR.body, vectorHeaders())).resolves.toBeUndefined();
    await expect(verifyVippsWebhook(target, VECTOR.body, vectorHeaders({ host: 'webhook.site:443' }))).rejects.toThrow(/signature does not match/);
  });

  it.each([
    ['stale (-301 s)', Date.parse(VECTOR.date) + 301_000, false],
    ['future (+301 s)', Date.parse(VECTOR.date) - 301_000, false],
    ['-300 s', Date.parse(VECTOR.date) + 300_000, true],
    ['+300 s', Date.parse(VECTOR.date) - 300_000, true],
  ])('x-ms-date %s from now', async (_, nowMs, accepted) => {
    const outcome = verifyVippsWebhook(check(nowMs), VECTOR.body, vectorHeaders());
    if (accepted) await expect(outcome).resolves.toBeUndefined();
    else await expect(outcome).rejects.toThrow(/timestamp is 301 s away/);
  });

  it('refuses a correctly signed x-ms-date that is not RFC 1123', async () => {
    const date = '2023-03-30T08:38:32Z';
    const headers = new Headers(await signVippsWebhook(VECTOR.secret, VECTOR.url, VECTOR.body, date));
    await expect(verifyVippsWebhook(check(), VECTOR.body, headers)).rejects.toThrow(/timestamp is missing or not a time/);
  });
});

describe('Vipps MobilePay verifyWebhook (the adapter)', () => {
  const vipps = (webhookUrl?: string) =>
    createVippsMobilePayProvider({
      clientId: 'c',
      clientSecret: 's',
      subscriptionKey: 'k',
      merchantSerialNumber: '123456',
      webhookSecret: VECTOR.secret,
      apiUrl: 'https://apitest.vipps.invalid',
      now: () => VECTOR_NOW,
      ...(webhookUrl && { webhookUrl }),
    });

  it('with webhookUrl: verifies against its path and host, whatever Host the delivery carries', async () => {
    const body = '{"msn":"123456","reference":"ord-5Fabc12345","pspReference":"77","name":"AUTHORIZED","amount":{"currency":"NOK","value":6000},"timestamp":"2023-03-30T08:38:30.000Z","idempotencyKey":null,"success":true}';
    const headers = new Headers(await signVippsWebhook(VECTOR.secret, VECTOR.url, body, VECTOR.date));
    headers.set('host', 'internal-proxy:8080');
    expect(await vipps(VECTOR.url).verifyWebhook!(body, headers)).toEqual({
      eventId: 'ord-5Fabc12345:AUTHORIZED:77:2023-03-30T08:38:30.000Z',
      type: 'epayments.payment.authorized.v1',
      sessionId: 'ord-5Fabc12345',
      payload: JSON.parse(body),
    });
    // Without it, the default path is signed: a delivery for another path is refused.
    await expect(vipps().verifyWebhook!(body, headers)).rejects.toThrow(WebhookVerificationError);
  });

  it('default: the path /api/checkout/webhooks/vipps-mobilepay and the delivery Host', async () => {
    const body = '{"reference":"ord-5Fabc12345","name":"ABORTED"}';
    const headers = new Headers(await signVippsWebhook(VECTOR.secret, 'https://shop.example/api/checkout/webhooks/vipps-mobilepay', body, VECTOR.date));
    const verified = await verifiedEvent(vipps(), body, headers);
    expect(verified).toMatchObject({ type: 'epayments.payment.aborted.v1', sessionId: 'ord-5Fabc12345' });
    // No pspReference or timestamp: the body's hash is the event id.
    expect(verified.eventId).toBe(`sha256:${createHash('sha256').update(body).digest('hex')}`);
  });

  it('a signed body that is not JSON is refused', async () => {
    const headers = new Headers(await signVippsWebhook(VECTOR.secret, VECTOR.url, 'not json', VECTOR.date));
    await expect(vipps(VECTOR.url).verifyWebhook!('not json', headers)).rejects.toThrow(/not JSON/);
  });
});
