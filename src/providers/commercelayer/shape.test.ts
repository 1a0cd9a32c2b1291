import { describe, expect, it } from 'vitest';
import { parseSession } from '../../provider-registry/session-schema.js';
import { commerceLayerShape } from './shape.js';
import { invalidSessionOf } from '../../core/session-shapes/test-support/invalid-session.js';
import { resource } from './fake-answers.js';


describe('Commerce Layer checkout_com_payments shape', () => {
  it('recognises checkout_com_payments resources only', () => {
    expect(commerceLayerShape.recognises(resource())).toBe(true);
    expect(commerceLayerShape.recognises({ data: { ...resource().data, type: 'stripe_payments' } })).toBe(false);
    expect(commerceLayerShape.recognises({ data: 'checkout_com_payments' })).toBe(false);
  });

  it('makes redirect_uri a redirect-only hosted session', () => {
    expect(parseSession(resource())).toEqual({
      id: 'xYZkjABcde',
      provider: 'commercelayer',
      kind: 'hosted',
      status: 'open',
      url: 'https://api.checkout.com/3ds/pay_mbabizu24mvu3mela5njyhpit4',
      frameable: false,
      livemode: false,
    });
  });

  it("does not take checkout.com's public key for a Stripe key", () => {
    expect('publishable_key' in parseSession(resource())).toBe(false);
  });

  it('reads the payment status', () => {
    expect(parseSession(resource({ payment_response: { status: 'Authorized' } }, 'live'))).toMatchObject({
      status: 'complete',
      livemode: true,
    });
    expect(parseSession(resource({ payment_response: { status: 'Declined' } })).status).toBe('failed');
    expect(parseSession(resource({ payment_response: null })).status).toBe('open');
  });

  it.each([
    [{ redirect_uri: undefined }, 'session.data.attributes.redirect_uri is required'],
    [{ redirect_uri: null }, 'session.data.attributes.redirect_uri must be a string'],
    [{ redirect_uri: 'javascript:alert(1)' }, 'session.data.attributes.redirect_uri must be an absolute http(s) URL'],
  ])('rejects the near miss %o', (attributes, message) => {
    expect(invalidSessionOf(() => parseSession(resource(attributes))).message).toBe(message);
  });

  it('rejects a resource without an id', () => {
    const { id: _id, ...data } = resource().data;
    expect(invalidSessionOf(() => parseSession({ data })).message).toBe('session.data.id is required');
  });
});
