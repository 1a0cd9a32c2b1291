// Ready = the widget's checkout-ready; the time is measured from navigation start (timeOrigin).
// Inlined into the widget pages' head by the bench server (`/*inline:widget-ready.js*/`).
window.benchReady = new Promise((resolve, reject) => {
  document.addEventListener('checkout-ready', () => resolve(performance.now()), { once: true });
  document.addEventListener('checkout-error', (event) => reject(new Error(`${event.detail.code}: ${event.detail.message}`)), { once: true });
});
