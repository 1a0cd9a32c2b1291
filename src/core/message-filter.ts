import { MESSAGE_EVENTS, MESSAGE_TYPE, MESSAGE_VERSION, type CheckoutMessage, type CheckoutMessageEvent } from './protocol.js';

export interface MessageFilterOptions {
  /** Origins of `session.url` and of the endpoint. */
  trustedOrigins: readonly string[];
  /** The widget's own iframe window and popup (null entries are ignored). */
  sources: readonly (Window | null)[];
  sessionId: string;
}

/** Heights outside this range are not a page layout, so they are dropped. */
const MAX_FRAME_HEIGHT = 20_000;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * docs/protocol.md, "Messages": `params` is a plain object whose values are strings. Returns a copy made
 * from the values checked, or null for anything else: a Map, Set, Date, RegExp, ArrayBuffer,
 * typed array, Blob, File, Error, array, boxed primitive or class instance (their prototype is
 * not `Object.prototype` or null; most have no own keys, so a check of the values alone passed
 * them), and objects with symbol keys, accessors or non-enumerable properties. Never throws,
 * even for a proxy: the copy holds what was read once, so a second read cannot differ.
 */
function stringRecordCopy(value: unknown): Record<string, string> | null {
  if (typeof value !== 'object' || value === null) return null;
  try {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return null;
    if (Array.isArray(value)) return null;
    const copy: Record<string, string> = {};
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key !== 'string') return null;
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (!descriptor || !descriptor.enumerable || typeof descriptor.value !== 'string') return null;
      // Defined, not assigned: an own "__proto__" key stays a key and never sets a prototype.
      Object.defineProperty(copy, key, { value: descriptor.value, enumerable: true, writable: true, configurable: true });
    }
    return copy;
  } catch {
    // A revoked proxy or a throwing trap: not a plain object.
    return null;
  }
}

/**
 * docs/protocol.md, "Messages": returns the message when every check holds, otherwise `null` (dropped
 * without effect). Returns a copy holding only the known fields.
 */
export function acceptMessage(event: MessageEvent, options: MessageFilterOptions): CheckoutMessage | null {
  // An opaque origin ("null") is never trusted, even if someone lists it.
  if (event.origin === 'null' || !options.trustedOrigins.includes(event.origin)) return null;
  if (event.source === null || !options.sources.some((source) => source !== null && source === event.source)) return null;

  const data: unknown = event.data;
  if (!isPlainObject(data)) return null;
  if (data.type !== MESSAGE_TYPE || data.version !== MESSAGE_VERSION) return null;
  if (typeof data.session !== 'string' || data.session !== options.sessionId) return null;
  if (!MESSAGE_EVENTS.includes(data.event as CheckoutMessageEvent)) return null;
  const kind = data.event as CheckoutMessageEvent;

  const message: CheckoutMessage = { type: MESSAGE_TYPE, version: MESSAGE_VERSION, event: kind, session: data.session };
  if (data.params !== undefined) {
    const params = stringRecordCopy(data.params);
    if (!params) return null;
    message.params = params;
  }
  if (data.status !== undefined) {
    if (typeof data.status !== 'string') return null;
    message.status = data.status;
  }
  if (kind === 'status' && message.status === undefined) return null;
  if (data.height !== undefined || kind === 'resize') {
    const height = data.height;
    if (typeof height !== 'number' || !Number.isFinite(height) || height < 0 || height > MAX_FRAME_HEIGHT) return null;
    message.height = height;
  }
  return message;
}

/** The origin of an absolute or page-relative URL, or undefined when it has none. */
export function originOf(url: string | undefined, base?: string): string | undefined {
  if (!url) return undefined;
  try {
    const origin = new URL(url, base).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}
