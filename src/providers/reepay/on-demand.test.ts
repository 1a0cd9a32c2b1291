import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeHttpServer, type FakeHttpServer } from '../../server/test-support/fake-http.js';
import { ProviderInputError } from '../../server/provider-api/types.js';
import { ProviderError } from '../../server/provider-api/types.js';
import { createReepayBilling } from './on-demand.js';

const PRIVATE_KEY = 'priv_12051dfac75143fc827cf63a87f46df3';

describe('Reepay on-demand billing', () => {
  let fake: FakeHttpServer;

  beforeEach(async () => {
    fake = await startFakeHttpServer((request) => {
      if (request.url === '/v1/subscription') {
        const body = JSON.parse(request.body) as Record<string, string>;
        return { body: { handle: body['handle'], state: 'active', plan: body['plan'], customer: body['customer'] } };
      }
      const body = JSON.parse(request.body) as { handle: string; instant: boolean };
      return {
        body: { id: 'inv_9', handle: body.handle, state: body.instant ? 'settled' : 'pending', amount: 29900, currency: 'DKK', transactions: [] },
      };
    });
  });
  afterEach(() => fake.close());

  const billing = () => createReepayBilling({ privateKey: PRIVATE_KEY, apiUrl: fake.url });

  it('creates an agreement: a subscription on a manual plan with a saved payment method', async () => {
    const agreement = await billing().createAgreement({
      handle: 'cust-4234-refill-13',
      plan: 'refill',
      customer: 'cust-4234',
      source: 'ca_e4926c46be444fcbbc809be06abfd706',
    });
    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/subscription');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${PRIVATE_KEY}:`).toString('base64')}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.accept).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({
      handle: 'cust-4234-refill-13',
      plan: 'refill',
      customer: 'cust-4234',
      source: 'ca_e4926c46be444fcbbc809be06abfd706',
    });
    expect(agreement).toEqual({ handle: 'cust-4234-refill-13', state: 'active', plan: 'refill', customer: 'cust-4234' });
  });

  it('charges the agreement with an invoice and returns its state', async () => {
    const orderLines = [{ ordertext: 'Refill of account', amount: 29900, vat: 0.25, quantity: 1 }];
    const invoice = await billing().chargeAgreement({
      subscription: 'cust-4234-refill-13',
      handle: 'invoice-007',
      instant: false,
      planManual: false,
      orderLines,
    });
    const request = fake.requests[0]!;
    expect(request.url).toBe('/v1/subscription/cust-4234-refill-13/invoice');
    expect(JSON.parse(request.body)).toEqual({ handle: 'invoice-007', instant: false, plan_manual: false, order_lines: orderLines });
    expect(invoice).toMatchObject({ handle: 'invoice-007', state: 'pending', id: 'inv_9', amount: 29900 });
    expect(invoice.raw).toHaveProperty('transactions');
  });

  it('reports settled and failed instant charges', async () => {
    const settled = await billing().chargeAgreement({ subscription: 's', handle: 'i-1', instant: true, planManual: true });
    expect(settled.state).toBe('settled');
    expect(JSON.parse(fake.requests[0]!.body)).toEqual({ handle: 'i-1', instant: true, plan_manual: true, order_lines: [] });

    fake.respond(() => ({ body: { handle: 'i-2', state: 'failed' } }));
    const failed = await billing().chargeAgreement({ subscription: 's', handle: 'i-2', instant: true, planManual: true });
    expect(failed.state).toBe('failed');
  });

  it('refuses bad input before calling Reepay', async () => {
    const api = billing();
    await expect(api.createAgreement({ handle: 'h', plan: 'p', customer: 'c', source: 'card-1' })).rejects.toThrow(/ca_/);
    await expect(api.createAgreement({ handle: '', plan: 'p', customer: 'c', source: 'ca_1' })).rejects.toThrow(/handle is required/);
    await expect(api.chargeAgreement({ subscription: 's', handle: 'i', instant: true, planManual: false })).rejects.toBeInstanceOf(ProviderInputError);
    await expect(
      api.chargeAgreement({ subscription: 's', handle: 'i', instant: true, planManual: false, orderLines: [{ ordertext: 'x', amount: 1.5, quantity: 1 }] }),
    ).rejects.toThrow(/orderLines\[0\]/);
    expect(fake.requests).toHaveLength(0);
    expect(() => createReepayBilling({ privateKey: '' })).toThrow(/priv_/);
  });

  it('turns provider failures into ProviderError', async () => {
    fake.respond(() => ({ status: 400, body: { error: 'Bad request', message: 'Subscription not found' } }));
    await expect(billing().chargeAgreement({ subscription: 's', handle: 'i', instant: true, planManual: true })).rejects.toThrow(
      /charge agreement failed: HTTP 400 \(Subscription not found/,
    );
    fake.respond(() => ({ status: 502, body: 'bad gateway' }));
    await expect(billing().createAgreement({ handle: 'h', plan: 'p', customer: 'c', source: 'ca_1' })).rejects.toBeInstanceOf(ProviderError);
    fake.respond(() => ({ body: { handle: 'i', state: 'exploded' } }));
    await expect(billing().chargeAgreement({ subscription: 's', handle: 'i', instant: true, planManual: true })).rejects.toThrow(/state/);
    fake.respond(() => ({ body: '<html>' }));
    await expect(billing().chargeAgreement({ subscription: 's', handle: 'i', instant: true, planManual: true })).rejects.toThrow(/not valid JSON/);
  });
});
