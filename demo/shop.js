// Shared by the demo pages: the product list for display and the cart in localStorage.
// Prices here are for display only; the server prices the order from its own catalog.

export const CURRENCY = 'DKK';

/** Keep in step with the catalog in demo/server.ts (same skus). */
export const PRODUCTS = [
  { sku: 'coffee-beans', name: 'Coffee beans, 1 kg', description: 'Washed Ethiopian, roasted light.', unitAmount: 24900 },
  { sku: 'grinder', name: 'Hand grinder', description: 'Steel burrs, 40 settings.', unitAmount: 89900 },
  { sku: 'mug', name: 'Stoneware mug', description: 'Glazed by hand, 300 ml.', unitAmount: 12900 },
];

const CART_KEY = 'checkout-demo-cart';
const MAX_QUANTITY = 99;

export function productBySku(sku) {
  return PRODUCTS.find((product) => product.sku === sku);
}

/** The cart as `[{ sku, quantity }]`, dropping anything stale or malformed in storage. */
export function loadCart() {
  let stored;
  try {
    stored = JSON.parse(localStorage.getItem(CART_KEY) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(stored)) return [];
  return stored.filter(
    (line) =>
      line &&
      productBySku(line.sku) &&
      Number.isInteger(line.quantity) &&
      line.quantity > 0 &&
      line.quantity <= MAX_QUANTITY,
  );
}

export function saveCart(cart) {
  const lines = cart.filter((line) => line.quantity > 0);
  if (lines.length === 0) localStorage.removeItem(CART_KEY);
  else localStorage.setItem(CART_KEY, JSON.stringify(lines));
  document.dispatchEvent(new CustomEvent('shop-cart-change', { detail: { cart: lines } }));
}

export function addToCart(sku, quantity = 1) {
  const cart = loadCart();
  const line = cart.find((entry) => entry.sku === sku);
  if (line) line.quantity = Math.min(MAX_QUANTITY, line.quantity + quantity);
  else cart.push({ sku, quantity });
  saveCart(cart);
}

export function setQuantity(sku, quantity) {
  const cart = loadCart().map((line) =>
    line.sku === sku ? { ...line, quantity: Math.max(0, Math.min(MAX_QUANTITY, quantity)) } : line,
  );
  saveCart(cart);
}

export function clearCart() {
  saveCart([]);
}

export function cartCount(cart = loadCart()) {
  return cart.reduce((sum, line) => sum + line.quantity, 0);
}

export function cartTotal(cart = loadCart()) {
  return cart.reduce((sum, line) => sum + (productBySku(line.sku)?.unitAmount ?? 0) * line.quantity, 0);
}

const moneyFormat = new Intl.NumberFormat('da-DK', { style: 'currency', currency: CURRENCY });

/** Minor units to display text, e.g. 24900 → "249,00 kr.". */
export function formatMoney(minor) {
  return moneyFormat.format(minor / 100);
}

/** Keeps the "Checkout (n)" counter in the header in step with the cart. */
export function bindCartCounter(element) {
  const update = () => {
    const count = cartCount();
    element.textContent = String(count);
    element.closest('a')?.setAttribute('aria-label', `Checkout, ${count} ${count === 1 ? 'item' : 'items'} in cart`);
  };
  update();
  document.addEventListener('shop-cart-change', update);
  // Another tab changed the cart.
  window.addEventListener('storage', (event) => {
    if (event.key === CART_KEY) update();
  });
}
