/**
 * A checkout handler in its own process, for tests that kill processes and run several of them on
 * one store. Configured by the JSON in CHECKOUT_PROCESS_CONFIG; prints `listening <url>` once it
 * serves. Every hook call appends a line to the log file (appendFileSync, so a SIGKILL loses none).
 */
import { appendFileSync, existsSync } from 'node:fs';
import { pino } from 'pino';
import { createCheckoutHandler } from '../handler.js';
import { serveNode } from '../node.js';
import { createSandboxProvider } from '../../providers/sandbox/server.js';
import type { PaymentProvider } from '../provider-api/types.js';
import type { RateLimitOptions } from '../rate-limit-options.js';
import { createPostgresStore } from '../store/postgres.js';
import { createSqliteStore } from '../store/sqlite.js';

export interface HandlerProcessConfig {
  store: { sqlite: string } | { postgres: string };
  psp: { apiUrl: string; secretKey: string; webhookSecret: string };
  /** Names of sandbox providers on the same PSP: the first is the default. */
  providers: string[];
  publicUrl: string;
  allowedOrigins: string[];
  log: string;
  /** The first call of this hook starts, logs and never returns (the test then kills the process). */
  hang?: 'onWebhook' | 'onOrderPaid';
  hookLeaseMs: number;
  providerTimeoutMs: number;
  /** serveNode's `shutdownGraceMs` (SIGTERM). Default its own. */
  shutdownGraceMs?: number;
  /** Where the handler logs: the default `console`, a pino logger to stdout, or nowhere (default; HANDLER_PROCESS_LOGS=1: console). */
  logger?: 'console' | 'pino';
  /** serveNode's port. Default 0: a free one. */
  port?: number;
  /** Names among `providers` that make card-token sessions (the sandbox's card fields). */
  cardToken?: string[];
  /** The sandbox providers' session kind. Default hosted. */
  sessionKind?: 'hosted' | 'card-token';
  /** The handler's `rateLimits`; default its own. */
  rateLimits?: RateLimitOptions | false;
  trustProxy?: boolean;
  /** `onOrderPaid` throws while this file exists. */
  failWhileExists?: string;
  /** `hookRetry.maxAttempts`. */
  maxAttempts?: number;
}

export interface HookLogLine {
  hook: 'onWebhook' | 'onOrderPaid' | 'onDeadLetter' | 'onSuspiciousActivity';
  phase: 'start' | 'end';
  /** Event id or order reference. */
  id: string;
  pid: number;
  /** Epoch ms when the line was written. */
  at: number;
}

export const CATALOG = {
  currency: 'DKK',
  products: { grinder: { name: 'Hand grinder', unitAmount: 89_900, vatRate: 0.25 } },
};

const config = JSON.parse(process.env['CHECKOUT_PROCESS_CONFIG'] ?? '') as HandlerProcessConfig;

function log(line: Omit<HookLogLine, 'pid' | 'at'>): void {
  appendFileSync(config.log, `${JSON.stringify({ ...line, pid: process.pid, at: Date.now() })}\n`);
}

async function hook(name: HookLogLine['hook'], id: string): Promise<void> {
  log({ hook: name, phase: 'start', id });
  if (config.hang === name) await new Promise(() => {});
  if (name === 'onOrderPaid' && config.failWhileExists && existsSync(config.failWhileExists)) throw new Error('the warehouse is down');
  log({ hook: name, phase: 'end', id });
}

const providers: PaymentProvider[] = config.providers.map((name) => ({
  ...createSandboxProvider({ ...config.psp, ...(config.cardToken?.includes(name) ? { sessionKind: 'card-token' as const, name } : config.sessionKind && { sessionKind: config.sessionKind }) }),
  name,
}));
const quiet = { error: () => {}, warn: () => {} };
const logger = config.logger === 'pino' ? pino() : config.logger === 'console' || process.env['HANDLER_PROCESS_LOGS'] ? undefined : quiet;
const store = 'sqlite' in config.store ? createSqliteStore({ path: config.store.sqlite }) : createPostgresStore({ connectionString: config.store.postgres });
const handler = createCheckoutHandler({
  providers,
  catalog: CATALOG,
  store,
  publicUrl: config.publicUrl,
  allowedOrigins: config.allowedOrigins,
  hookLeaseMs: config.hookLeaseMs,
  hookRetry: { firstDelayMs: 100, maxDelayMs: 500, ...(config.maxAttempts && { maxAttempts: config.maxAttempts }) },
  ...(config.rateLimits !== undefined && { rateLimits: config.rateLimits }),
  ...(config.trustProxy && { trustProxy: true }),
  onDeadLetter: (job) => log({ hook: 'onDeadLetter', phase: 'end', id: job.id }),
  onSuspiciousActivity: (activity) => log({ hook: 'onSuspiciousActivity', phase: 'end', id: `${activity.kind}:${activity.key}:${activity.count}` }),
  providerTimeoutMs: config.providerTimeoutMs,
  ...(logger && { logger }),
  onWebhook: (event) => hook('onWebhook', event.eventId),
  onOrderPaid: (order) => hook('onOrderPaid', order.reference),
});
const server = await serveNode(handler, {
  ...(config.shutdownGraceMs !== undefined && { shutdownGraceMs: config.shutdownGraceMs }),
  ...(config.port !== undefined && { port: config.port }),
});
process.stdout.write(`listening ${server.url}\n`);
