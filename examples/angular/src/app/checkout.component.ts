// src/app/checkout.component.ts
import { Component, CUSTOM_ELEMENTS_SCHEMA, signal } from '@angular/core';
import type { CheckoutAcceptEvent } from 'checkout-widget';
import 'checkout-widget/define';

@Component({
  selector: 'app-checkout',
  schemas: [CUSTOM_ELEMENTS_SCHEMA], // lets the template use <checkout-widget>
  template: `
    <h1>Angular shop</h1>
    <checkout-widget endpoint="/api/checkout/sessions" [payload]="payload" (checkout-accept)="accept($any($event))"></checkout-widget>
    @if (paid()) {
      <p>Paid: {{ paid() }}</p>
    }
  `,
})
export class CheckoutComponent {
  payload = { items: [{ sku: 'mug', quantity: 1 }] };
  paid = signal<string | undefined>(undefined);
  accept(event: CheckoutAcceptEvent) {
    this.paid.set(event.detail.session.id); // or location.assign(`/thanks?session=${…}`)
  }
}
