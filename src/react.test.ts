import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { CheckoutEvent } from './core/events.js';
import { CheckoutWidget, type CheckoutWidgetProps } from './react.js';

describe('checkout-widget/react', () => {
  it('imports and renders to a string in Node, with no DOM', () => {
    expect(typeof document).toBe('undefined');
    const html = renderToString(
      createElement(CheckoutWidget, { id: 'pay', endpoint: '/api/checkout/sessions', payload: { items: [] }, mode: 'overlay' }),
    );
    // Element properties are set on hydration (React effects), never serialised: no "[object Object]".
    expect(html).toBe('<checkout-widget id="pay"></checkout-widget>');
  });

  it('types every checkout-* event as an on* prop with its detail', () => {
    expectTypeOf<CheckoutWidgetProps['onCheckoutAccept']>().toEqualTypeOf<((event: CheckoutEvent<'checkout-accept'>) => void) | undefined>();
    expectTypeOf<CheckoutWidgetProps['onCheckoutError']>().toEqualTypeOf<((event: CheckoutEvent<'checkout-error'>) => void) | undefined>();
    expectTypeOf<CheckoutWidgetProps['payload']>().toEqualTypeOf<Record<string, unknown> | undefined>();
  });
});
