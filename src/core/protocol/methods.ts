/** The methods answer (`POST {endpoint}/methods`, docs/protocol.md "Methods"): what the chooser offers. */

/** One way to pay the endpoint offers for a cart, with its label already in the request's `locale`. */
export interface CheckoutMethod {
  /** A stable id such as `card`, `blik`, `mobilepay`, `ideal`: sent back as the create body's `method`. */
  id: string;
  /** The backend's provider name that serves it: sent back as the create body's `provider`. */
  provider: string;
  /** What the shopper reads, in the request's `locale`. */
  label: string;
  /** The session kind it opens (`hosted`, `stripe-embedded`, `card-token`, …): free text, as the backend says. */
  kind: string;
}

/** The answer of `POST {endpoint}/methods`. */
export interface CheckoutMethodsAnswer {
  methods: CheckoutMethod[];
}
