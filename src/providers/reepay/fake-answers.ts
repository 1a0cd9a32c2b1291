const id = 'cs_0123456789abcdef0123456789abcdef';

/** Reepay's `POST /v1/session/charge` answer: this shape's tests and the shapes' property test. */
export const NATIVE_ANSWERS = {
  reepay: { id, url: `https://checkout.reepay.com/#/${id}` },
};
