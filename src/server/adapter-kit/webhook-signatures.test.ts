import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError } from '../provider-api/types.js';
import {
  assertFreshTimestamp,
  fromBase64,
  hexToBytes,
  signHmacBase64,
  toBase64,
  verifyHmacBase64,
  sha256,
  signConvergeGateHeaders,
  signHmacHex,
  signReepayWebhook,
  signSandboxPayload,
  toHex,
  verifyConvergeGateSignature,
  verifyHmacHex,
  verifyReepaySignature,
  verifySandboxPayload,
} from './webhook-signatures.js';

/** node:crypto's HMAC: an implementation independent of the toolkit's, to check its signers against. */
const nodeHmacHex = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest('hex');

describe('HMAC primitives', () => {
  it('sign the published test vector and agree with node:crypto, also on non-ASCII and empty keys', async () => {
    expect(await signHmacHex('key', 'data')).toBe('5031fe3d989c6d1537a013fa6e739da23463fdaec3b70137d828e36ace221bd0');
    for (const [key, data] of [['sëcret✓', 'bødy 🎉'], ['', 'x'], ['k', ''], ['k', 'lone \ud800 surrogate']] as const) {
      expect(await signHmacHex(key, data)).toBe(nodeHmacHex(key, data));
    }
    expect(toHex(await sha256('abc'))).toBe(createHash('sha256').update('abc').digest('hex'));
  });

  it('verify a MAC in either case and refuse another MAC, another length and non-hex', async () => {
    const mac = await signHmacHex('key', 'data');
    expect(await verifyHmacHex('key', 'data', mac)).toBe(true);
    expect(await verifyHmacHex('key', 'data', ` ${mac.toUpperCase()} `)).toBe(true);
    expect(await verifyHmacHex('key', 'data', `${mac.slice(0, -1)}${mac.endsWith('0') ? '1' : '0'}`)).toBe(false);
    expect(await verifyHmacHex('key', 'data', mac.slice(0, -2))).toBe(false);
    expect(await verifyHmacHex('key', 'data', `${mac}00`)).toBe(false);
    expect(await verifyHmacHex('key', 'data', `${mac.slice(0, -2)}zz`)).toBe(false);
    expect(await verifyHmacHex('other', 'data', mac)).toBe(false);
    expect(await verifyHmacHex('key', 'data', ['junk', mac])).toBe(true);
    expect(await verifyHmacHex('key', 'data', [])).toBe(false);
  });

  it('accept timestamps inside the window and reject old, future and missing ones', () => {
    const now = 1_000_000_000_000;
    expect(() => assertFreshTimestamp(now - 299_000, now, 300)).not.toThrow();
    expect(() => assertFreshTimestamp(now - 301_000, now, 300)).toThrow(WebhookVerificationError);
    expect(() => assertFreshTimestamp(now + 301_000, now, 300)).toThrow(WebhookVerificationError);
    expect(() => assertFreshTimestamp(Number.NaN, now, 300)).toThrow(/missing/);
  });
});

describe('sandbox scheme', () => {
  const secret = 'sbx_whsec_test';
  const body = '{"id":"evt_1","type":"session.completed"}';
  const nowS = 1_800_000_000;
  const verify = (header: string | null, overrides: { body?: string; secret?: string } = {}) =>
    verifySandboxPayload({
      secret: overrides.secret ?? secret,
      body: overrides.body ?? body,
      header,
      headerName: 'Sandbox-Signature',
      nowMs: nowS * 1000,
      toleranceSeconds: 300,
    });

  it('signs `t=<s>,v1=<HMAC(secret, "<t>.<body>")>`', async () => {
    expect(await signSandboxPayload(secret, body, nowS)).toBe(`t=${nowS},v1=${nodeHmacHex(secret, `${nowS}.${body}`)}`);
  });

  it('round-trips, also with a second v1= from a rotated secret', async () => {
    const header = await signSandboxPayload(secret, body, nowS);
    await expect(verify(header)).resolves.toBeUndefined();
    const other = (await signSandboxPayload('old', body, nowS)).split(',')[1];
    await expect(verify(`${header},${other}`)).resolves.toBeUndefined();
  });

  it('refuses a tampered body, a moved timestamp, a wrong secret, a stale time and a missing or malformed header', async () => {
    const header = await signSandboxPayload(secret, body, nowS);
    await expect(verify(header, { body: body.replace('evt_1', 'evt_2') })).rejects.toThrow(/does not match/);
    await expect(verify(header.replace(`t=${nowS}`, `t=${nowS + 1}`))).rejects.toThrow(/does not match/);
    await expect(verify(header, { secret: 'wrong' })).rejects.toThrow(/does not match/);
    await expect(verify(await signSandboxPayload(secret, body, nowS - 301))).rejects.toThrow(/tolerance/);
    await expect(verify(null)).rejects.toThrow(/Missing Sandbox-Signature header/);
    await expect(verify('t=abc,v1=zz')).rejects.toThrow(/Malformed Sandbox-Signature header/);
    await expect(verify(header)).resolves.toBeUndefined();
  });
});

describe('ConvergeGate scheme', () => {
  const secretKey = 'sk_test_convergegate';
  const body = '{"session_id":"AW-1"}';

  it('signs with the raw SHA-256 of the secret key as the HMAC key', async () => {
    const key = createHash('sha256').update(secretKey, 'utf8').digest();
    expect(await signConvergeGateHeaders(secretKey, body, '1800000000')).toEqual({
      'Sec-Timestamp': '1800000000',
      'Sec-Signature': nodeHmacHex(key, `1800000000${body}`),
    });
  });

  it('round-trips and refuses a tampered body or timestamp and a wrong secret', async () => {
    const { 'Sec-Signature': signature } = await signConvergeGateHeaders(secretKey, body, '1800000000');
    expect(await verifyConvergeGateSignature(secretKey, '1800000000', body, signature)).toBe(true);
    expect(await verifyConvergeGateSignature(secretKey, '1800000000', `${body} `, signature)).toBe(false);
    expect(await verifyConvergeGateSignature(secretKey, '1800000001', body, signature)).toBe(false);
    expect(await verifyConvergeGateSignature('sk_test_other', '1800000000', body, signature)).toBe(false);
    // The plain secret key as the HMAC key is not the documented scheme.
    expect(await verifyConvergeGateSignature(secretKey, '1800000000', body, nodeHmacHex(secretKey, `1800000000${body}`))).toBe(false);
  });
});

describe('Reepay scheme', () => {
  const secret = 'webhook_secret_test';
  const timestamp = '2027-01-15T12:00:00.000Z';

  it('signs HMAC(secret, timestamp + id)', async () => {
    expect(await signReepayWebhook(secret, timestamp, 'wh_1')).toBe(nodeHmacHex(secret, `${timestamp}wh_1`));
  });

  it('round-trips and refuses another id, timestamp or secret', async () => {
    const signature = await signReepayWebhook(secret, timestamp, 'wh_1');
    expect(await verifyReepaySignature(secret, timestamp, 'wh_1', signature)).toBe(true);
    expect(await verifyReepaySignature(secret, timestamp, 'wh_2', signature)).toBe(false);
    expect(await verifyReepaySignature(secret, '2027-01-15T12:00:01.000Z', 'wh_1', signature)).toBe(false);
    expect(await verifyReepaySignature('other', timestamp, 'wh_1', signature)).toBe(false);
  });
});

describe('base64 and hex primitives', () => {
  it('sign base64 as node:crypto does, with text and raw-byte keys', async () => {
    for (const [key, data] of [['key', 'data'], ['sëcret✓', 'bødy 🎉'], ['', 'x']] as const) {
      expect(await signHmacBase64(key, data)).toBe(createHmac('sha256', key).update(data, 'utf8').digest('base64'));
    }
    const rawKey = hexToBytes('44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056')!;
    expect(await signHmacBase64(rawKey, 'a:b')).toBe(createHmac('sha256', Buffer.from(rawKey)).update('a:b').digest('base64'));
  });

  it('verify a base64 MAC in either alphabet and refuse another MAC, a short one and non-base64', async () => {
    const mac = await signHmacBase64('key', 'data');
    expect(await verifyHmacBase64('key', 'data', mac)).toBe(true);
    expect(await verifyHmacBase64('key', 'data', ` ${mac.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')} `)).toBe(true);
    expect(await verifyHmacBase64('other', 'data', mac)).toBe(false);
    expect(await verifyHmacBase64('key', 'data', mac.slice(0, 20))).toBe(false);
    expect(await verifyHmacBase64('key', 'data', '!!not base64!!')).toBe(false);
    expect(await verifyHmacBase64('key', 'data', '')).toBe(false);
  });

  it('convert bytes to and from base64 and hex as Buffer does', () => {
    const bytes = Uint8Array.from([0, 1, 250, 251, 252, 253, 254, 255]);
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    expect([...fromBase64(Buffer.from(bytes).toString('base64url'))!]).toEqual([...bytes]);
    expect(fromBase64('a')).toBeUndefined();
    expect(fromBase64('ab$d')).toBeUndefined();
    expect([...hexToBytes('00ff10')!]).toEqual([0, 255, 16]);
    expect(hexToBytes('abc')).toBeUndefined();
    expect(hexToBytes('zz')).toBeUndefined();
  });
});
