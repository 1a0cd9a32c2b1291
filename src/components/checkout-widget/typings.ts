/**
 * The element's typings for frameworks, derived from the one source, `CheckoutWidget.properties`
 * (and `CheckoutEventDetails` for events): a property added there shows up in the Vue, Preact,
 * Solid and Svelte typings (`src/vue.ts`, …) without a list to keep in step. Types only.
 */
import type { CheckoutEvent, CheckoutEventName } from '../../core/events.js';
import type { CheckoutWidget } from './checkout-widget.js';

type Declarations = (typeof CheckoutWidget)['properties'];
/** The element's settable properties, by their JavaScript names (`endpoint`, `sessionId`, `payload`, …). */
export type CheckoutWidgetPropertyName = keyof Declarations;
/** The element's settable properties with their types, all optional. */
export type CheckoutWidgetProperties = { [K in CheckoutWidgetPropertyName]?: CheckoutWidget[K] };

type Kebab<S extends string> = S extends `${infer Head}${infer Tail}` ? `${Head extends Uppercase<Head> ? `-${Lowercase<Head>}` : Head}${Kebab<Tail>}` : S;
type AttributeOf<K extends CheckoutWidgetPropertyName> = Declarations[K] extends { attribute: false }
  ? K extends 'payload' ? 'payload' : never
  : Declarations[K] extends { attribute: infer A extends string } ? A : Kebab<K>;
/**
 * The element's HTML attributes (`endpoint`, `session-id`, `mode`, …) with the values they take;
 * `payload` is JSON text. Properties with no attribute (`session`, `strings`) are not among them.
 */
export type CheckoutWidgetAttributes = {
  [K in CheckoutWidgetPropertyName as AttributeOf<K>]?: K extends 'payload' ? string : Exclude<CheckoutWidget[K], undefined>;
};

type Pascal<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Capitalize<Head>}${Pascal<Tail>}` : Capitalize<S>;
/** A listener per event, named as `on` + the event name in PascalCase (`onCheckoutAccept`): Vue's and React's props. */
export type CheckoutWidgetEventProps = { [K in CheckoutEventName as `on${Pascal<K>}`]?: (event: CheckoutEvent<K>) => void };
/** A listener per event, named `on` + the event name as it is (`oncheckout-accept`): Preact's and Svelte 5's attributes. */
export type CheckoutWidgetLowerEventProps = { [K in CheckoutEventName as `on${K}`]?: (event: CheckoutEvent<K>) => void };
