/**
 * What looks like a secret is replaced before it goes into an answer or a log: API keys
 * (`sk_…`, `rk_…`, `whsec_…`, `priv_…`, the sandbox's `sbx_sk_…`, Mollie's `live_…`/`test_…`),
 * card tokens (`tok_…`) and the credentials of an `Authorization` value (`Bearer …`, `Basic …`).
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(sk|rk|whsec|priv|sbx_sk|sbx_whsec|tok)_[A-Za-z0-9_]{6,}/g, '$1_[redacted]')
    .replace(/\b(live|test)_[A-Za-z0-9]{20,}/g, '$1_[redacted]')
    .replace(/\b(Bearer|Basic) [A-Za-z0-9._~+/=-]{8,}/g, '$1 [redacted]');
}
