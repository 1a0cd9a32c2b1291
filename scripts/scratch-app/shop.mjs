// What every backend recipe shares (docs/recipes/): the catalog, the shop page with the widget, and
// where the package keeps the widget's browser files (dist/cdn). Your app has its own of each.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const catalog = { currency: 'DKK', products: { mug: { name: 'Mug', unitAmount: 12900, vatRate: 0.25 } } };

/** `node_modules/checkout-widget/dist/cdn`: serve it under `/cdn/` (or load the widget from a CDN). */
export const cdnDir = join(dirname(createRequire(import.meta.url).resolve('checkout-widget/custom-elements.json')), 'cdn');

export const page = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Shop</title>
<script type="module" src="/cdn/checkout-widget.js"></script>
<checkout-widget endpoint="/api/checkout/sessions" payload='{"items":[{"sku":"mug","quantity":1}]}'></checkout-widget></html>`;
