/** What the sandbox PSP (`psp.ts`) and its adapter (`server.ts`) agree on, without the PSP's Node server. */

/** The PSP replaces this in a return URL with its session id. */
export const SANDBOX_ID_PLACEHOLDER = '{ID}';
/** Carries the webhook signature (`signSandboxPayload` in the adapter toolkit). */
export const SANDBOX_SIGNATURE_HEADER = 'Sandbox-Signature';
