import { useState } from 'react';
import { CheckoutWidget } from 'checkout-widget/react';

export function App() {
  const [paid, setPaid] = useState<string>();
  return (
    <>
      <h1>React shop</h1>
      <CheckoutWidget
        endpoint="/api/checkout/sessions"
        payload={{ items: [{ sku: 'mug', quantity: 1 }] }}
        onCheckoutAccept={(event) => setPaid(event.detail.session.id)}
        onCheckoutError={(event) => console.warn(event.detail.code, event.detail.message)}
      />
      {paid && <p>Paid: {paid}</p>}
    </>
  );
}
