/**
 * The buyer as passed to the provider. `handle` names an existing customer there (at Reepay, with
 * their saved cards), so with a `shopper` hook the handler drops a guest's. Kept on the order as
 * given (store/types.ts), handed to the provider in its inputs (provider-api/types.ts).
 */
export interface CustomerInput {
  handle?: string;
  email?: string;
  first_name?: string;
  last_name?: string;
  phone?: string;
  country?: string;
}
