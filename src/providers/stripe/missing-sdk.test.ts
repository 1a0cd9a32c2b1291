import { describe, expect, it, vi } from 'vitest';
import { WebhookVerificationError } from '../../server/provider-api/types.js';
import { createStripeProvider } from './server.js';

// A shop that uses other providers does not install `stripe` (an optional peer dependency).
vi.mock('stripe', () => {
  throw new Error("Cannot find package 'stripe'");
});

const input = {
  reference: 'ord_1',
  lines: [{ sku: 'mug', name: 'Mug', quantity: 1, unitAmount: 12900, vatRate: 0.25 }],
  amount: 12900,
  currency: 'DKK',
  acceptUrl: 'https://shop.example/api/checkout/return/accept',
  cancelUrl: 'https://shop.example/api/checkout/return/cancel',
  webhookUrl: 'https://shop.example/api/checkout/webhooks/stripe',
};

describe('Stripe provider without the stripe package', () => {
  it('is created (nothing loads the SDK yet) and names the package on its first call', async () => {
    const provider = createStripeProvider({ secretKey: 'sk_test_123', publishableKey: 'pk_test_123' });
    await expect(provider.createSession(input)).rejects.toThrow(/needs the "stripe" package: npm install stripe/);
    await expect(provider.getSession('cs_test_1')).rejects.toThrow(/npm install stripe/);
  });

  it('does not call a webhook forged when the SDK is missing: the error is not a WebhookVerificationError', async () => {
    const provider = createStripeProvider({ secretKey: 'sk_test_123', publishableKey: 'pk_test_123', webhookSecret: 'whsec_test' });
    const signature = `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`;
    const failure = await provider.verifyWebhook!('{}', new Headers({ 'stripe-signature': signature })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(WebhookVerificationError);
    expect((failure as Error).message).toMatch(/npm install stripe/);
  });
});
