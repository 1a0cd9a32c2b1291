/**
 * The shop's theme as the widget reads it, for provider pages and SDKs that accept one: light or
 * dark from the widget's computed `color-scheme` (`light dark` follows `prefers-color-scheme`;
 * `normal` is light, as the browser paints it), and the accent from `--checkout-accent` when the
 * shop set one, as `#rrggbb`. A lazy chunk: only a renderer that passes the theme on loads it.
 */

/** The theme handed to a provider. */
export interface CheckoutTheme {
  scheme: 'light' | 'dark';
  /** `#rrggbb`; left out when the shop set no `--checkout-accent` (or an unreadable one). */
  accent?: string;
}

/** A CSS colour as `#rrggbb` (the canvas normalizes names, `rgb()`, `hsl()`), or undefined for a translucent or invalid one. */
function hexColour(value: string): string | undefined {
  const context = document.createElement('canvas').getContext('2d');
  if (!context || !value) return undefined;
  const sentinel = '#010203';
  context.fillStyle = sentinel;
  context.fillStyle = value;
  const normalized = String(context.fillStyle).toLowerCase();
  // An invalid value leaves the sentinel; a translucent one comes back as rgba(…).
  return normalized !== sentinel && /^#[0-9a-f]{6}$/.test(normalized) ? normalized : undefined;
}

/** Reads the theme of `element` (the `<checkout-widget>`) now. */
export function readTheme(element: Element): CheckoutTheme {
  const style = getComputedStyle(element);
  const scheme = style.colorScheme.split(/\s+/);
  const dark = scheme.includes('dark') && (!scheme.includes('light') || matchMedia('(prefers-color-scheme: dark)').matches);
  const theme: CheckoutTheme = { scheme: dark ? 'dark' : 'light' };
  const accent = hexColour(style.getPropertyValue('--checkout-accent').trim());
  if (accent) theme.accent = accent;
  return theme;
}

/**
 * A hosted page's url with the theme filled in, for a page that asks for it with a `theme` query
 * parameter (docs/protocol.md; its value is replaced): `theme=light|dark`, and `accent=#rrggbb`
 * when there is one.
 */
export function themedUrl(url: string, element: Element): string {
  const themed = new URL(url);
  const theme = readTheme(element);
  themed.searchParams.set('theme', theme.scheme);
  if (theme.accent) themed.searchParams.set('accent', theme.accent);
  return themed.href;
}
