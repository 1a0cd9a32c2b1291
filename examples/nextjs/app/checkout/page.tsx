// app/checkout/page.tsx
'use client';
import dynamic from 'next/dynamic';

// In the browser only: a server-rendered <checkout-widget> would be upgraded before React sets its props.
const CheckoutWidget = dynamic(() => import('checkout-widget/react').then((m) => m.CheckoutWidget), { ssr: false });

export default function Checkout() {
  return <CheckoutWidget endpoint="/api/checkout/sessions" payload={{ items: [{ sku: 'mug', quantity: 1 }] }} />;
}
