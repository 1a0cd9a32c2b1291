/**
 * `checkout-widget trigger <event> --to <url>`: a correctly signed webhook of any provider, sent to
 * a running handler (like `stripe trigger`). The signer is the test kit's (`signedTestWebhook`),
 * the provider's own scheme; the secret comes from `--secret` or the provider's environment.
 */
import { PROVIDER_FOLDERS } from '../provider-registry/servers.generated.js';
import { TEST_WEBHOOK_PROVIDERS, signedTestWebhook } from '../testing/webhooks.js';
import { parseFlags } from './args.js';
import type { CommandOutput } from './jobs.js';

export const TRIGGER_USAGE = `Usage:
  checkout-widget trigger <event> --to <url> [--provider <name>] [--secret <secret>]
                          [--session <id>] [--charge <id>] [--data <json>]

Signs a webhook as <provider> (default sandbox) signs it and POSTs it to <url>, your handler's
webhook route (e.g. http://localhost:3000/api/checkout/webhooks/sandbox). Prints the answer; exits 1
unless the handler answered 2xx.
  <event>     the event type, e.g. session.completed, session.cancelled, charge.succeeded (sandbox),
              checkout.session.completed (stripe)
  --provider  one of ${TEST_WEBHOOK_PROVIDERS.join(', ')}
  --secret    the webhook secret; default from the environment: <PROVIDER>_WEBHOOK_SECRET,
              <PROVIDER>_HMAC_KEY or <PROVIDER>_SECRET_KEY (e.g. SANDBOX_WEBHOOK_SECRET)
  --session   the provider's session id the event is about (the handler reads it from the provider)
  --charge    the charge id the event is about (sandbox)
  --data      JSON merged into the payload (the whole body for providers with their own shapes)`;

/** The provider's secret from the environment, by the naming its `fromEnv` uses. */
function secretFromEnv(provider: string, env: Record<string, string | undefined>): string | undefined {
  const prefix = provider.toUpperCase().replace(/-/g, '_');
  for (const suffix of ['WEBHOOK_SECRET', 'HMAC_KEY', 'SECRET_KEY']) {
    const value = env[`${prefix}_${suffix}`]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** The event's body before signing: the provider's shape where the kit knows it, else `{ id, type }`. */
function payloadFor(provider: string, event: string, flags: Map<string, string>, data: Record<string, unknown>): Record<string, unknown> {
  const id = `evt_test_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const session = flags.get('session');
  const charge = flags.get('charge');
  if (provider === 'stripe') {
    return { id, object: 'event', type: event, livemode: false, created: Math.floor(Date.now() / 1000), data: { object: { object: 'checkout.session', ...(session && { id: session }) } }, ...data };
  }
  return { id, type: event, ...(session && { session }), ...(charge && { charge }), ...data };
}

/** Runs `trigger <args>`; resolves with the exit code (0 accepted, 1 refused or unreachable, 2 usage). */
export async function runTriggerCommand(args: readonly string[], output: CommandOutput, env: Record<string, string | undefined> = process.env): Promise<number> {
  let request: { url: string; provider: string; event: string; secret: string; payload: Record<string, unknown> };
  try {
    const { flags, positional } = parseFlags(args, ['to', 'provider', 'secret', 'session', 'charge', 'data']);
    if (positional.length !== 1) throw new Error(positional.length === 0 ? 'Which event? e.g. trigger session.completed --to <url>' : `Unexpected argument ${positional[1]}`);
    const url = flags.get('to');
    if (!url) throw new Error('--to <url> is required: your handler\'s webhook URL, e.g. http://localhost:3000/api/checkout/webhooks/sandbox');
    if (!/^https?:\/\//.test(url)) throw new Error(`--to must be an http(s) URL, got "${url}"`);
    const provider = flags.get('provider') ?? 'sandbox';
    if (!(PROVIDER_FOLDERS as readonly string[]).includes(provider)) throw new Error(`Unknown provider "${provider}" (known: ${PROVIDER_FOLDERS.join(', ')})`);
    if (!(TEST_WEBHOOK_PROVIDERS as readonly string[]).includes(provider)) throw new Error(`${provider} takes no webhooks (these do: ${TEST_WEBHOOK_PROVIDERS.join(', ')})`);
    const secret = flags.get('secret') ?? secretFromEnv(provider, env);
    if (!secret) throw new Error(`No secret: pass --secret or set ${provider.toUpperCase().replace(/-/g, '_')}_WEBHOOK_SECRET`);
    let data: Record<string, unknown> = {};
    if (flags.has('data')) {
      try {
        data = JSON.parse(flags.get('data')!) as Record<string, unknown>;
      } catch {
        throw new Error('--data must be a JSON object');
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('--data must be a JSON object');
    }
    request = { url, provider, event: positional[0]!, secret, payload: payloadFor(provider, positional[0]!, flags, data) };
  } catch (error) {
    output.err(`${(error as Error).message}\n\n${TRIGGER_USAGE}`);
    return 2;
  }
  const webhook = await signedTestWebhook(request.provider, request.payload, request.secret, { url: request.url });
  let answer: Response;
  try {
    answer = await fetch(request.url, { method: 'POST', headers: webhook.headers, body: webhook.body });
  } catch (error) {
    output.err(`Could not reach ${request.url}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}. Is your handler running?`);
    return 1;
  }
  const text = await answer.text();
  const line = `${request.provider} ${request.event} → ${request.url}: ${answer.status} ${text}`.trimEnd();
  if (answer.ok) {
    output.out(line);
    return 0;
  }
  output.err(line);
  return 1;
}
