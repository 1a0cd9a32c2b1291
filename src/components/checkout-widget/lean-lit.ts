// The CDN build's `lit` (vite.config.ts aliases it here; the npm build and Lit SSR keep Lit).
// lit-html renders as with Lit; `LitElement` is the part of Lit's ReactiveElement and LitElement
// that <checkout-widget> uses, with Lit's order and timing: string properties from `static
// properties` (an attribute each unless `attribute: false`, no reflection or converters), a
// first update once connected that first re-applies properties set before the upgrade, updates
// batched in a microtask with `willUpdate(changed)` (old values; `undefined` before the first
// update), `updateComplete`, `hasUpdated`, controllers' `hostConnected`/`hostDisconnected`,
// `static styles` adopted into the (possibly declarative, server-rendered) shadow root and
// rendering before its first child. What it leaves out (decorators, converters, `reflect`,
// `hasChanged`, `shouldUpdate`, `updated`, `firstUpdated`, controllers' `hostUpdate`, ShadyDOM
// polyfill hooks, css-tag's checks) is 1.9 KB of the core's gzip (docs/performance-runs.md, "Issue 26: the core's bytes").
import { render, type RenderOptions } from 'lit-html';

export { html, nothing } from 'lit-html';
export type { TemplateResult } from 'lit-html';
export type { PropertyValues, ReactiveController, ReactiveControllerHost } from 'lit';

/** What `css` gives: the text, and a constructable sheet of it where the browser has them. */
export interface CSSResult {
  cssText: string;
  styleSheet: CSSStyleSheet | undefined;
}

const sheets = 'adoptedStyleSheets' in Document.prototype && 'replace' in CSSStyleSheet.prototype;

/** Lit's `css` for literals without values (all of ours). */
export function css(strings: TemplateStringsArray): CSSResult {
  const cssText = strings[0]!;
  let sheet: CSSStyleSheet | undefined;
  if (sheets) (sheet = new CSSStyleSheet()).replaceSync(cssText);
  return { cssText, styleSheet: sheet };
}

interface Controller {
  hostConnected?(): void;
  hostDisconnected?(): void;
}

/** Attribute name → property name, per element class (set when the class is defined). */
const attributes = new Map<unknown, Map<string, string>>();

export class LitElement extends HTMLElement {
  declare static properties: Record<string, { attribute?: string | false }>;
  declare static styles: CSSResult;

  static get observedAttributes(): string[] {
    const names = new Map<string, string>();
    attributes.set(this, names);
    for (const [name, { attribute }] of Object.entries(this.properties)) {
      const key = Symbol();
      Object.defineProperty(this.prototype, name, {
        get(this: LitElement & Record<symbol, unknown>) {
          return this[key];
        },
        set(this: LitElement & Record<symbol, unknown>, value: unknown) {
          const old = this[key];
          this[key] = value;
          this.requestUpdate(name, old);
        },
        configurable: true,
        enumerable: true,
      });
      if (attribute !== false) names.set(attribute ?? name.toLowerCase(), name);
    }
    return [...names.keys()];
  }

  hasUpdated = false;
  isUpdatePending = false;
  renderRoot!: ShadowRoot;
  #changed = new Map<PropertyKey, unknown>();
  #controllers: Controller[] = [];
  /** Properties a page set on the element before it was upgraded: applied in the first update. */
  #early: [string, unknown][] = [];
  #enable!: (value: unknown) => void;
  #updated: Promise<unknown> = new Promise((resolve) => (this.#enable = resolve));
  /** lit-html finds its part again by `renderBefore`: the same one on every render, as Lit's `renderOptions`. */
  #options: RenderOptions | undefined;

  constructor() {
    super();
    for (const name of Object.keys((this.constructor as typeof LitElement).properties)) {
      if (Object.hasOwn(this, name)) {
        this.#early.push([name, this[name as never]]);
        delete this[name as never];
      }
    }
    this.requestUpdate();
  }

  get updateComplete(): Promise<unknown> {
    return this.#updated;
  }

  addController(controller: Controller): void {
    this.#controllers.push(controller);
    if (this.renderRoot && this.isConnected) controller.hostConnected?.();
  }

  connectedCallback(): void {
    this.renderRoot ??= this.createRenderRoot();
    this.#enable(true);
    for (const controller of this.#controllers) controller.hostConnected?.();
  }

  disconnectedCallback(): void {
    for (const controller of this.#controllers) controller.hostDisconnected?.();
  }

  attributeChangedCallback(name: string, _old: string | null, value: string | null): void {
    const property = attributes.get(this.constructor)!.get(name);
    if (property) this[property as never] = value as never;
  }

  requestUpdate(name?: PropertyKey, old?: unknown): void {
    if (name !== undefined) {
      if (Object.is(this[name as never], old)) return;
      if (!this.#changed.has(name)) this.#changed.set(name, this.hasUpdated ? old : undefined);
    }
    if (!this.isUpdatePending) this.#updated = this.#enqueue();
  }

  async #enqueue(): Promise<boolean> {
    this.isUpdatePending = true;
    try {
      await this.#updated;
    } catch (error) {
      // A failed update must not stop the next ones (as Lit: reported, not swallowed).
      void Promise.reject(error);
    }
    const changed = this.#changed;
    if (!this.hasUpdated) {
      this.renderRoot ??= this.createRenderRoot();
      for (const [name, value] of this.#early.splice(0)) this[name as never] = value as never;
    }
    try {
      this.willUpdate(changed);
      const value = this.render();
      this.#changed = new Map();
      this.isUpdatePending = false;
      render(value, this.renderRoot, this.#options);
    } catch (error) {
      this.#changed = new Map();
      this.isUpdatePending = false;
      throw error;
    }
    this.hasUpdated = true;
    return !this.isUpdatePending;
  }

  protected createRenderRoot(): ShadowRoot {
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    const { styleSheet, cssText } = (this.constructor as typeof LitElement).styles;
    // Without constructable sheets (as Lit): a `<style>` with the page's `window.litNonce` (README, CSP).
    if (styleSheet) root.adoptedStyleSheets = [styleSheet];
    else {
      const style = document.createElement('style');
      const nonce = (window as { litNonce?: string }).litNonce;
      if (nonce) style.nonce = nonce;
      style.textContent = cssText;
      root.append(style);
    }
    this.#options = { host: this, renderBefore: root.firstChild };
    return root;
  }

  protected willUpdate(_changed: Map<PropertyKey, unknown>): void {}

  protected render(): unknown {
    return undefined;
  }
}
