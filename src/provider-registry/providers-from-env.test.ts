import { describe, expect, it } from 'vitest';
import { providersFromEnv } from './providers-from-env.js';

const SANDBOX_ENV = {
  SANDBOX_API_URL: 'http://127.0.0.1:4243',
  SANDBOX_SECRET_KEY: 'sbx_sk_x',
  SANDBOX_WEBHOOK_SECRET: 'sbx_whsec_x',
};

describe('providersFromEnv', () => {
  it('builds only the providers the environment configures, a real provider before the sandbox', () => {
    expect(providersFromEnv({}).map((provider) => provider.name)).toEqual([]);
    expect(providersFromEnv(SANDBOX_ENV).map((provider) => provider.name)).toEqual(['sandbox']);
    const both = providersFromEnv({ ...SANDBOX_ENV, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_PUBLISHABLE_KEY: 'pk_test_x' });
    expect(both.map((provider) => provider.name)).toEqual(['stripe', 'sandbox']);
  });

  it('moves CHECKOUT_DEFAULT_PROVIDER to the front, and refuses one that is not configured', () => {
    const env = { ...SANDBOX_ENV, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_PUBLISHABLE_KEY: 'pk_test_x' };
    expect(providersFromEnv({ ...env, CHECKOUT_DEFAULT_PROVIDER: 'sandbox' }).map((p) => p.name)).toEqual(['sandbox', 'stripe']);
    expect(() => providersFromEnv({ ...SANDBOX_ENV, CHECKOUT_DEFAULT_PROVIDER: 'reepay' })).toThrow(/"reepay" but that provider is not configured/);
  });

  it('refuses half a sandbox configuration', () => {
    expect(() => providersFromEnv({ SANDBOX_API_URL: 'http://127.0.0.1:4243' })).toThrow(/SANDBOX_SECRET_KEY/);
  });
});
