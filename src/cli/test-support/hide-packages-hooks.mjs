// The resolve hook of hide-packages.mjs (it runs on Node's loader thread).
let hidden = [];

export function initialize(data) {
  hidden = data.hidden;
}

export function resolve(specifier, context, nextResolve) {
  const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
  // Resolved from the file system's root instead of the importer: found nowhere.
  if (hidden.includes(name)) return nextResolve(specifier, { ...context, parentURL: 'file:///checkout-widget-hidden-packages/importer.mjs' });
  return nextResolve(specifier, context);
}
