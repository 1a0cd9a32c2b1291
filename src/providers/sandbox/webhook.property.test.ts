/**
 * Property tests (fast-check) for the sandbox provider's `verifyWebhook`
 * (`Sandbox-Signature: t=<unix s>,v1=<hex HMAC-SHA256(webhookSecret, "<t>.<body>")>`): the shared
 * suite for header-signed schemes (`webhook-properties.ts`) on a fixed clock, signed by the
 * toolkit's test signer.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { signSandboxPayload } from '../../server/adapter-kit/webhook-signatures.js';
import { describeHeaderSchemeProperties, secondsOffsetArb, timestampedHeaderValueArb } from '../../server/test-support/webhook-properties.js';
import { SANDBOX_SIGNATURE_HEADER } from './protocol.js';
import { createSandboxProvider } from './server.js';

const WEBHOOK_SECRET = 'sbx_whsec_property';
const NOW_MS = Date.UTC(2027, 0, 15, 12, 0, 0);
const NOW_S = NOW_MS / 1000;

describeHeaderSchemeProperties({
  name: 'sandbox',
  provider: (webhookToleranceSeconds) =>
    createSandboxProvider({
      // Never called: verifyWebhook is local.
      apiUrl: 'http://127.0.0.1:9',
      secretKey: 'sbx_sk_property',
      webhookSecret: WEBHOOK_SECRET,
      now: () => NOW_MS,
      ...(webhookToleranceSeconds !== undefined && { webhookToleranceSeconds }),
    }),
  secret: WEBHOOK_SECRET,
  sign: async (body, { at = NOW_S, secret = WEBHOOK_SECRET } = {}) => [[SANDBOX_SIGNATURE_HEADER, await signSandboxPayload(secret, body, Number(at))]],
  signatureHeaders: [SANDBOX_SIGNATURE_HEADER],
  otherHeaders: ['content-type', 'stripe-signature', 'x-signature', 'signature'],
  headerValueArb: timestampedHeaderValueArb(NOW_S),
  sampleBody: '{"id":"evt_1","type":"session.completed","session":"sbx_1"}',
  sampleWebhook: { eventId: 'evt_1', type: 'session.completed', sessionId: 'sbx_1' },
  /** A sandbox event as the PSP sends it, with arbitrary ids. */
  eventBodyArb: fc
    .record(
      {
        id: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((id) => `evt_${id}`),
        type: fc.constantFrom('session.completed', 'session.expired', 'session.cancelled', 'charge.succeeded', 'charge.failed'),
        session: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((id) => `sbx_${id}`),
        charge: fc.string({ minLength: 1, maxLength: 20 }),
        amount: fc.integer(),
      },
      { requiredKeys: ['id', 'type'] },
    )
    .map((event) => JSON.stringify(event)),
  macIgnoresCase: true,
  signedAtArb: (inside) => secondsOffsetArb(NOW_S, 300, inside),
  expectAccepted: (body, webhook) => expect(webhook.eventId).toBe((JSON.parse(body) as { id: string }).id),
});
