/** What a sandbox PSP is given and what it hands back. */
import type { Hono } from 'hono';

/** Options of `createSandboxPsp`: the keys its API and webhooks use, and where it keeps its state. */
export interface SandboxPspOptions {
  /** Callers authenticate with HTTP Basic, this as the user name. */
  secretKey: string;
  /** Signs the webhooks (`Sandbox-Signature`). */
  webhookSecret: string;
  /** Default lifetime of a session. Default 1800. */
  ttlSeconds?: number;
  /** Absolute URL where browsers reach the PSP (hosted page URLs). Default: the origin of each API request. */
  publicUrl?: string;
  /** Clock in milliseconds (tests). */
  now?: () => number;
  /** Sends webhooks. Default: global fetch. */
  fetch?: typeof fetch;
  /**
   * Wait before the first webhook retry; each later wait doubles (at most 10 minutes), or is the
   * answer's `Retry-After` when that is longer, as real PSPs back off. Default 2000 ms.
   */
  webhookRetryDelayMs?: number;
  /** Deliveries of one webhook before the PSP gives up on it (about 37 minutes with the defaults). Default 12. */
  webhookAttempts?: number;
  /** Default `console`. */
  logger?: Pick<Console, 'warn'>;
  /**
   * Keep the state (sessions, idempotency keys, …) in this JSON file: loaded at creation, written
   * after every change (to a temp file in the same folder, then renamed over it, so a kill
   * mid-write leaves the previous state, never a torn file). The folder is created if missing.
   * One PSP process per file. Without it the state lives in memory only.
   */
  stateFile?: string;
}

/** A sandbox PSP: a fetch handler to serve on its own origin (`serveNode(psp.fetch)`), and its Hono app. */
export interface SandboxPsp {
  fetch(request: Request): Promise<Response>;
  readonly app: Hono;
  /** Resolves when the webhook deliveries started so far have finished, retries included (tests). */
  whenIdle(): Promise<void>;
  /** Stops delivering: deliveries in flight are cut and retries still waiting are dropped. */
  close(): Promise<void>;
}
