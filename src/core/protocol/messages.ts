/** What a hosted page posts to the widget (docs/protocol.md, "Messages"). */

/** Query parameters or message params that came with an outcome (`id`, `invoice`, …). */
export type OutcomeParams = Record<string, string>;

/** The `type` of every message a hosted page (or the return bridge) posts to the widget. */
export const MESSAGE_TYPE = 'checkout-widget';
/** The message format's version. */
export const MESSAGE_VERSION = 1;
/** What a message can say. */
export const MESSAGE_EVENTS = ['accept', 'cancel', 'close', 'error', 'status', 'resize'] as const;
/** One of `MESSAGE_EVENTS`. */
export type CheckoutMessageEvent = (typeof MESSAGE_EVENTS)[number];

/** What a hosted page (or the return bridge) posts to the widget with `postMessage`. */
export interface CheckoutMessage {
  type: typeof MESSAGE_TYPE;
  version: typeof MESSAGE_VERSION;
  event: CheckoutMessageEvent;
  session: string;
  params?: OutcomeParams;
  status?: string;
  height?: number;
}

