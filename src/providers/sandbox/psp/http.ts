/** The JSON API's answers and the request bodies it reads. */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { z } from 'zod';

export function apiError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

export const SECRET_KEY_NEEDED = 'Send the secret key as the Basic auth user name';

/** A 401 for an API call without the secret key, asking for Basic auth. */
export function unauthorised(): Response {
  return new Response(JSON.stringify({ error: { code: 'unauthorized', message: SECRET_KEY_NEEDED } }), {
    status: 401,
    headers: { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="sandbox"' },
  });
}

/** Where browsers reach the PSP: the configured public URL, else the origin the request came to. */
export function publicOrigin(c: Context, configuredPublicUrl: string | undefined): string {
  return configuredPublicUrl ?? new URL(c.req.url).origin;
}

/**
 * The JSON body validated by `schema`, with its raw text's hash; or the 400 answer. (Not told
 * apart with `instanceof Response`: @hono/node-server swaps the global Response class.)
 */
export async function jsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<{ body: z.infer<S>; bodyHash: string; refusal?: never } | { refusal: Response }> {
  const raw = await c.req.text();
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { refusal: apiError(400, 'invalid_request', 'Body is not valid JSON') };
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { refusal: apiError(400, 'invalid_request', `${first?.path.join('.') || 'body'}: ${first?.message ?? 'invalid'}`) };
  }
  return { body: parsed.data, bodyHash: createHash('sha256').update(raw).digest('hex') };
}

/** A form post's text fields (files left out). */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody().catch(() => ({}));
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string') fields[name] = value;
  return fields;
}

/** A script the PSP serves to shop pages on other origins (its SDK doubles), as a classic script or a module. */
export function scriptResponse(script: string): Response {
  return new Response(script, {
    headers: {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'access-control-allow-origin': '*',
      'cross-origin-resource-policy': 'cross-origin',
    },
  });
}
