/** The widget's own states and display modes: attributes and events of the element, not the wire. */

/** Where the widget is. */
export const WIDGET_STATES = [
  'idle',
  'loading',
  'ready',
  'processing',
  'complete',
  'cancelled',
  'expired',
  'error',
] as const;
/** The widget's state: what its `state` attribute reflects and `checkout-status` reports. */
export type WidgetState = (typeof WIDGET_STATES)[number];

export const DISPLAY_MODES = ['embedded', 'overlay', 'popup', 'redirect'] as const;
/** How the widget shows a hosted page: its `mode` attribute. */
export type DisplayMode = (typeof DISPLAY_MODES)[number];
