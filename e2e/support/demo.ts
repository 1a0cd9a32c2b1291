import { startDemo, type DemoServer } from '../../demo/server.js';
import type { ProviderEnv } from '../../src/server/provider-api/types.js';

/**
 * The demo (`npm start`) in the test process, on ephemeral ports so it never meets a running
 * `npm start` (5173/4243) or the suite's shared demo (5273/4343), with only the given env.
 */
export function startDemoWith(env: ProviderEnv): Promise<DemoServer> {
  return startDemo({ port: 0, sandboxPort: 0, host: '127.0.0.1', env });
}

/** A fake's recorded request as one line: `POST /v1/checkout/sessions`. */
export function requestLine(request: { method: string; url: string }): string {
  return `${request.method} ${request.url}`;
}

/**
 * Prints the first recorded request per endpoint (ids in paths folded with `idPattern`), for
 * the issue note that must show what each provider was sent.
 */
export function printOnePerEndpoint(
  provider: string,
  requests: ReadonlyArray<{ method: string; url: string; body: string }>,
  idPattern: RegExp,
): void {
  const seen = new Set<string>();
  for (const request of requests) {
    const endpoint = `${request.method} ${request.url.split('?')[0]!.replace(idPattern, ':id')}`;
    if (seen.has(endpoint)) continue;
    seen.add(endpoint);
    console.log(`${provider} ${requestLine(request)}${request.body ? ` ${request.body}` : ''}`);
  }
}
