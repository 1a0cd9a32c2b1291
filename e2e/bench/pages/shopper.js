// The shopper of the method pages: on each animation frame, looks for the Continue button of a
// method choice (the widget's, in its shadow root, or the floor page's own) and presses it once,
// keeping the first (preselected) method; `benchChosen` is when. The same code on both pages, so
// both wait for their chooser alike. Inlined by the bench server (`/*inline:shopper.js*/`).
window.benchChosen = new Promise((resolve) => {
  const look = () => {
    const host = document.querySelector('checkout-widget');
    const button = (host ? host.shadowRoot : document)?.querySelector('[part~="continue"], #continue');
    if (!button) return requestAnimationFrame(look);
    resolve(performance.now());
    button.click();
  };
  requestAnimationFrame(look);
});
