import { vi } from 'vitest';
import type { ReepayCheckout, ReepayEventData, ReepayGlobal } from './checkout-js.js';

/**
 * Just enough of `window` and `document` for the Reepay renderer in Node: script tags that the
 * test loads or fails, elements that can be appended and removed, and a fake `window.Reepay`
 * that records what the renderer built.
 */
export class FakeElement extends EventTarget {
  id = '';
  className = '';
  src = '';
  async = false;
  parent: FakeElement | undefined;
  readonly children: FakeElement[] = [];
  constructor(readonly tagName: string) {
    super();
  }
  append(child: FakeElement): void {
    child.parent = this;
    this.children.push(child);
  }
  remove(): void {
    const siblings = this.parent?.children;
    siblings?.splice(siblings.indexOf(this), 1);
    this.parent = undefined;
  }
}

export interface FakeReepayCheckout extends ReepayCheckout {
  readonly kind: 'EmbeddedCheckout' | 'ModalCheckout' | 'WindowCheckout';
  readonly sessionId: string;
  readonly options: unknown;
  destroyCalls: number;
  fire(event: string, data?: ReepayEventData): void;
}

export function fakeReepay(): ReepayGlobal & { instances: FakeReepayCheckout[] } {
  const instances: FakeReepayCheckout[] = [];
  const make = (kind: FakeReepayCheckout['kind']) =>
    function (sessionId: string, options?: unknown) {
      const handlers = new Map<string, ((data?: ReepayEventData) => void)[]>();
      const checkout: FakeReepayCheckout = {
        kind,
        sessionId,
        options,
        destroyCalls: 0,
        addEventHandler: (event, handler) => handlers.set(event, [...(handlers.get(event) ?? []), handler]),
        destroy() {
          // Like checkout.js, a second destroy finds nothing to remove and throws.
          if (++checkout.destroyCalls > 1) throw new Error('already destroyed');
        },
        fire: (event, data) => handlers.get(event)?.forEach((handler) => handler(data)),
      };
      instances.push(checkout);
      return checkout;
    } as unknown as new (sessionId: string, options?: unknown) => ReepayCheckout;
  return {
    instances,
    EmbeddedCheckout: make('EmbeddedCheckout') as ReepayGlobal['EmbeddedCheckout'],
    ModalCheckout: make('ModalCheckout'),
    WindowCheckout: make('WindowCheckout'),
    Event: { Accept: 'accept', Cancel: 'cancel', Error: 'error', Close: 'close', Open: 'open', Init: 'init' },
  };
}

/** Installs fake `window` and `document` globals; returns the `<head>` scripts are appended to. */
export function installFakeDom(): { head: FakeElement; window: { Reepay?: ReepayGlobal } & Record<string, unknown> } {
  const head = new FakeElement('head');
  const fakeWindow: { Reepay?: ReepayGlobal } & Record<string, unknown> = {
    location: { href: 'https://shop.example/checkout' },
    addEventListener: () => undefined,
  };
  vi.stubGlobal('window', fakeWindow);
  vi.stubGlobal('document', { head, createElement: (tag: string) => new FakeElement(tag) });
  return { head, window: fakeWindow };
}
