import type { OutcomeParams } from './events.js';

/** Contract section 4: what a hosted page (or the return bridge) posts to the widget. */
export const MESSAGE_TYPE = 'checkout-widget';
export const MESSAGE_VERSION = 1;
export const MESSAGE_EVENTS = ['accept', 'cancel', 'close', 'error', 'status', 'resize'] as const;
export type CheckoutMessageEvent = (typeof MESSAGE_EVENTS)[number];

export interface CheckoutMessage {
  type: typeof MESSAGE_TYPE;
  version: typeof MESSAGE_VERSION;
  event: CheckoutMessageEvent;
  session: string;
  params?: OutcomeParams;
  status?: string;
  height?: number;
}
